/*
 * source.h - where a logdir's bytes come from: local files or S3.
 *
 * One small interface, so the loader and live tailing do not know whether
 * a logdir is a directory or an s3://bucket/prefix:
 *   walk  - the runs and their event files and W&B logs (logdir.h's rules
 *           for both)
 *   stat  - size and identity of a file, existence of a run directory
 *   open, read at an offset, close
 *
 * Local: the walk is logdir.c's; stat is stat(2) (identity = device and
 * inode); reads are pread(2).
 * S3 ("s3://bucket/prefix"): the walk is one paginated ListObjectsV2 of the
 * prefix (S3 has no directories: a run is a key prefix holding event
 * objects; a W&B run's files/media/ objects are listed too, so its images
 * and tables can be read, but are not run files); stat answers from that listing without a request (identity =
 * a hash of the ETag); a read is one ranged GET of bytes the listing says
 * exist, with If-Match on the listed ETag, so bytes of two versions of an
 * object are never mixed.
 *
 * Faults: a remote failure (unreachable, refused, no bucket) is remembered
 * as the source's status (one log line when it starts, one when it ends)
 * and a read that fails returns 0 bytes: the reader waits at the offset it
 * reached and continues there on a later poll; nothing read is dropped.
 *
 * Concurrency: walk and open are called by one thread at a time (the
 * loader's rule); reads of different files may run in parallel with each
 * other; tb_source_status may be called from any thread.
 */
#ifndef TB_SOURCE_H
#define TB_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "logdir.h"

typedef struct tb_source tb_source;
typedef struct tb_source_file tb_source_file;

typedef struct tb_source_info {
	uint64_t size;
	uint64_t dev, ino;      /* identity: a replaced file has another */
	bool is_dir;
} tb_source_info;

/* A source for location: "s3://bucket[/prefix]" or a local path. NULL
 * with a one-line reason in err (bad URL, bad S3 setting, OOM). */
tb_source *tb_source_new(const char *location, char *err, size_t errlen);
void tb_source_free(tb_source *src);

bool tb_source_remote(const tb_source *src);

/* Is this location an object-store URL (s3://)? */
bool tb_source_is_url(const char *location);

/* As tb_logdir_walk_all (dir_fn is only called for local directories).
 * Returns 0, -ENOENT / -ENOTDIR when the logdir (or bucket) is missing,
 * -EIO (or another negative code) when the store could not be listed: the
 * caller then keeps what it knew. */
int tb_source_walk(tb_source *src, tb_logdir_fn fn, tb_logdir_dir_fn dir_fn, void *ctx);

/* The same, finding only the kinds of run files asked for (TB_LOGDIR_*). */
int tb_source_walk_kinds(tb_source *src, tb_logdir_fn fn, tb_logdir_dir_fn dir_fn, void *ctx,
			 unsigned kinds);

/* Size and identity of path (a file or run directory the walk gave).
 * Returns 0 or -ENOENT. */
int tb_source_stat(tb_source *src, const char *path, tb_source_info *st);

int tb_source_open(tb_source *src, const char *path, tb_source_file **out);

/* Up to n bytes from offset. Returns bytes read, 0 at the end (or, for a
 * remote file, when the store failed: see above), or a negative code for a
 * local read error. */
ssize_t tb_source_read(tb_source_file *f, void *buf, size_t n, uint64_t offset);

/* Size and identity of an open file (local: fstat of what was opened). */
int tb_source_file_info(tb_source_file *f, tb_source_info *st);

/* The size the source knows for an open file. */
uint64_t tb_source_file_size(tb_source_file *f);

void tb_source_close(tb_source_file *f);

/* The source's state: 0 when healthy, else the negative code of the last
 * failure with its line copied into msg. */
int tb_source_status(tb_source *src, char *msg, size_t n);

/* Where the source reads from ("s3://bucket/prefix" or the path). */
const char *tb_source_location(const tb_source *src);

/* Requests sent to the store so far, and retries among them (0 for
 * local). */
uint64_t tb_source_requests(const tb_source *src);
uint64_t tb_source_retries(const tb_source *src);

#endif
