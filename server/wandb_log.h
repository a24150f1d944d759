/*
 * wandb_log.h - the framing of W&B's .wandb transaction log, incremental.
 *
 * A .wandb file (tests/data/wandb/FORMAT.md §2) is a 7-byte file header
 * (":W&B", 0xBEE1 little-endian, version 0) and then LevelDB-style chunks in
 * 32 KiB blocks counted from offset 0: u32 CRC-32/IEEE (zlib's, unmasked,
 * over the type byte and the payload), u16 length, u8 type (1 FULL, 2 FIRST,
 * 3 MIDDLE, 4 LAST), payload. Fewer than 7 bytes left in a block are zero
 * filler. One record is a FULL chunk or FIRST MIDDLE* LAST.
 *
 * Invariant: "not enough bytes yet" is never an error. A cut chunk header,
 * a cut payload, or a FIRST whose LAST has not been written (the Go writer
 * flushes whole blocks) makes tb_wandb_log_next() return 0; the reader keeps
 * its place and continues when the file grew. Damage (CRC mismatch, a chunk
 * longer than its block, a bad type, a record longer than
 * TB_WANDB_MAX_RECORD) is reported once per occurrence as a negative code
 * that does NOT stick: the reader has already moved to the next block, and
 * every complete record after it is still delivered. Only a file that does
 * not start with the W&B header is a sticky error.
 *
 * The reader holds no file between passes: the caller opens the file through
 * its logdir's source (source.h: a local file or an S3 object),
 * tb_wandb_log_attach()es it for one pass and closes it.
 *
 * Ownership: the reader owns its buffers (tb_wandb_log_release). A record
 * pointer is borrowed and valid until the next tb_wandb_log_next().
 */
#ifndef TB_WANDB_LOG_H
#define TB_WANDB_LOG_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tb_source_file tb_source_file;

#define TB_WANDB_BLOCK 32768u
#define TB_WANDB_HEADER_LEN 7u

typedef struct tb_wandb_log {
	tb_source_file *src;    /* attached for one pass, or NULL */
	bool mem;               /* reading a byte buffer (tests, fuzzing) */
	uint64_t base;          /* file offset of buf[0] */
	unsigned char *buf;     /* file bytes [base, base + len) */
	size_t pos, len, cap;   /* pos: next chunk header */
	bool header_ok;
	bool assembling;        /* inside FIRST ... LAST */
	bool resync;            /* after damage: drop MIDDLE/LAST until FULL/FIRST */
	unsigned char *rec;     /* reassembled record */
	size_t rec_len, rec_cap;
	uint64_t rec_start;     /* offset of the current record's first chunk */
	uint64_t done;          /* offset just past the last complete record */
	int error;              /* sticky: -EPROTO (not a .wandb file) */
	uint64_t damage_at;     /* offset of the latest damage */
	uint64_t damaged;       /* damage reports so far */
	uint64_t skipped;       /* bytes skipped because of damage */
} tb_wandb_log;

void tb_wandb_log_init(tb_wandb_log *lg);
void tb_wandb_log_release(tb_wandb_log *lg);

/* Read from this open source file (at offsets the reader chooses) until
 * detached. */
void tb_wandb_log_attach(tb_wandb_log *lg, tb_source_file *src);
void tb_wandb_log_detach(tb_wandb_log *lg);

/* Read a whole byte buffer instead (copied). 0 or -ENOMEM. */
int tb_wandb_log_open_mem(tb_wandb_log *lg, const void *data, size_t n);

/* Next record. 1 with the record in *rec, *len; 0 when no complete record is there
 * yet; negative for damage just skipped (-EBADMSG checksum or chunk header,
 * -EFBIG record above TB_WANDB_MAX_RECORD; lg->damage_at says where: call
 * again) or a sticky error (-EPROTO bad file header, -EIO, -ENOMEM). */
int tb_wandb_log_next(tb_wandb_log *lg, const unsigned char **rec, size_t *len);

/* Is the error sticky (stop reading this file)? */
static inline bool tb_wandb_log_fatal(int rc)
{
	return rc != -EBADMSG && rc != -EFBIG;
}

/* Bytes after the last complete record that are not yet a record: a cut
 * chunk or a record whose later chunks are missing. */
uint64_t tb_wandb_log_pending(const tb_wandb_log *lg);

#endif
