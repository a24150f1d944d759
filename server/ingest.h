/*
 * ingest.h - applies one event to a run: TensorBoard's event semantics.
 *
 * This is where an Event becomes points: the run's start time, the
 * file_version, the Python loader's purge rules (reference §1.6; the step
 * rule lives in the store), tag -> series resolution with the plugin and
 * data class fixed by a tag's first value (§2.1), and the conversion of each
 * value to its series' kind (§2.2-2.5). It reads nothing from disk and
 * formats nothing.
 *
 * The caller holds the run's write lock around tb_ingest_record().
 */
#ifndef TB_INGEST_H
#define TB_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "store.h"
#include "vec.h"

typedef struct tb_ingest {
	tb_store *store;
	tb_run *run;
	tb_arena arena;
	int use_fast;           /* 1 unless a test compares the two decoders */
	uint64_t records;       /* payloads applied */
	uint64_t fast;          /* of which by the fast path */
	uint32_t last;          /* slot + 1 of the series written last; 0 = none */
	/* per series slot: slot + 1 of the series that followed it last time
	 * (0 = none); writers repeat their tag order every step */
	TB_VEC(uint32_t) next_hint;

	/* where the record being applied lies (the blob index, store.h):
	 * set by the loader before each tb_ingest_record. The file enters
	 * the run's blob_files with its first blob (a run of 100,000 files
	 * without blobs registers none); file_path NULL: the record lies
	 * nowhere readable (blobs kept inline) */
	struct tb_source *file_src;
	const char *file_path;  /* borrowed while the file is read */
	uint32_t file;          /* its blob_files index once registered, else
				 * TB_BLOB_NO_FILE */
	uint64_t rec_offset;    /* the record's first byte */
	uint32_t rec_crc;       /* its masked payload CRC */
	size_t rec_len;         /* its payload length (set by tb_ingest_record) */
	const size_t *media_len;/* lean decoding: true size of each value's
				 * image/audio (0: whole), or NULL */
	size_t n_media_len;

	/* the Python loader's purge rules (reference §1.6) */
	double file_version;    /* from the newest file_version event; 0 = none */
	int starts;             /* SessionLog.START events seen */
	int64_t prev_step;      /* step of the previous summary event */
	bool has_prev_step;
} tb_ingest;

void tb_ingest_init(tb_ingest *g, tb_store *s, tb_run *r);
void tb_ingest_release(tb_ingest *g);

/* Apply one record payload. Returns 0 (values that do not convert are
 * counted and skipped), -EBADMSG when the payload is not an Event, or
 * -ENOMEM. */
int tb_ingest_record(tb_ingest *g, const unsigned char *p, size_t n);

#endif
