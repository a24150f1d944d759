/*
 * loader.h - reads every event file of a logdir into the store.
 *
 * The loader owns the list of known runs and files with their read offsets
 * (the state live tailing resumes from). tb_loader_scan() discovers new runs
 * and files; tb_loader_read() reads every file from its offset to its
 * current end, spreading runs over threads (one run is read by one thread,
 * its files in lexicographic order, so the purge rules see events in the
 * order TensorBoard does).
 *
 * A file that fails (bad CRC, absurd length, unparsable event) is logged
 * once and read no further; what came before stays. A partial record at the
 * end of a file is simply waited for.
 *
 * Ownership: the loader borrows the store (which must outlive it) and owns
 * its file table. Only one thread may call into a loader at a time.
 */
#ifndef TB_LOADER_H
#define TB_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest.h"
#include "record.h"
#include "store.h"

typedef struct tb_file {
	char *name;             /* basename */
	char *path;
	uint64_t offset;        /* start of the next unread record */
	int error;              /* sticky negative code once the file failed */
	uint64_t records;       /* records applied */
	uint32_t prefix_crc;    /* CRC32C of bytes [0, offset): recognises a
				 * replaced file that only grew (rsync) */
	dev_t dev;              /* identity of the file last read */
	ino_t ino;
	bool gone;              /* deleted: its points stay */
	bool seen;              /* found by the current scan */
	struct tb_wandb_file *wandb;    /* W&B log reading state (wandb.h), or NULL */
} tb_file;

typedef struct tb_loader_run {
	char *name;
	char *dir;
	tb_run *run;
	tb_file **files;        /* sorted by name */
	size_t n_files, cap_files;
	tb_ingest ingest;
	bool seen;              /* found by the current scan */
} tb_loader_run;

struct tb_source;

typedef struct tb_loader {
	tb_store *store;
	struct tb_source *src;  /* where the logdir's bytes come from */
	char *logdir;
	char *prefix;           /* --logdir_spec group name, or NULL */
	tb_loader_run **runs;
	size_t n_runs, cap_runs;
	uint32_t *index;        /* run name -> position + 1 (loader.c) */
	size_t index_cap;
	int threads;            /* readers for tb_loader_read(); >= 1 */
	int verify_crc;         /* 1 unless a benchmark measures without it */
	bool wandb;             /* read W&B run folders too (--wandb; default on) */
	_Atomic uint64_t bytes_read;    /* payload + framing bytes consumed, all time */
	_Atomic uint64_t records_read;
	_Atomic uint64_t files_failed;
	/* called for every directory a scan walks (live watching), or NULL */
	void (*on_dir)(void *arg, const char *dir);
	void *on_dir_arg;
	bool removed_runs;      /* the last scan removed runs */
} tb_loader;

/* prefix: NULL, or a --logdir_spec name that run names start with
 * ("name/run", "name/." for the path itself). logdir is a path or an
 * s3://bucket/prefix URL; a bad URL or S3 setting is logged and gives
 * -EINVAL. */
int tb_loader_init(tb_loader *l, tb_store *s, const char *logdir, const char *prefix);
void tb_loader_release(tb_loader *l);

/* Walk the logdir; add runs and files not seen before, mark deleted files
 * gone (their points stay) and remove runs whose directory is gone (from
 * the store too). Returns 0, or -ENOENT / -ENOTDIR for the logdir itself
 * (nothing to load yet), or -EIO when an object store could not be listed
 * (everything known is kept). */
int tb_loader_scan(tb_loader *l);

/* Read all known files from their offsets to their current ends. */
int tb_loader_read(tb_loader *l);

/* Read one run's files (used by tb_loader_read and by live tailing). A
 * file replaced under the same name (new inode) continues where it was if
 * its first bytes are the ones already read (rsync of a growing file), and
 * is read again from the start otherwise; a truncated file is read again
 * from the start. */
int tb_loader_read_run(tb_loader *l, tb_loader_run *lr);

/* Add a single file as a run of its own name (tests, --event_file). */
int tb_loader_add_file(tb_loader *l, const char *run, const char *path);

#endif
