/*
 * cache.h - serialised response bodies kept per series version.
 *
 * A chart asks for the same series again and again; between two writes the
 * JSON is the same bytes. From the second request for a (series, version,
 * encoding) on, the body is kept in a slot for the series (a table here,
 * keyed by the series, not a field of it) and shared by
 * every response that needs it (reference counted, immutable); a series
 * that changes between every two reads (a live run) is never copied into
 * the cache. A new version simply misses and replaces the slot. Cached
 * bytes in total are capped at TB_CACHE_MAX_BYTES; past that, bodies are
 * built but not kept.
 *
 * Thread-safety: slots are read and replaced under a striped mutex, so
 * handlers holding only a run's read lock may use them.
 */
#ifndef TB_CACHE_H
#define TB_CACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "store.h"

typedef struct tb_body {
	atomic_int refs;
	uint64_t version;
	size_t len;
	char data[];
} tb_body;

enum { TB_CACHE_JSON = 0, TB_CACHE_JSON_GZIP = 1, TB_CACHE_SLOTS = 2 };

/* A new body holding a copy of data (refs = 1). NULL on OOM. */
tb_body *tb_body_new(const void *data, size_t len, uint64_t version);
void tb_body_ref(tb_body *b);
void tb_body_unref(tb_body *b);
/* The body whose data starts at p (for transports' free callbacks). */
tb_body *tb_body_of(void *data);

/* The cached body of slot for the series' current version, with a
 * reference for the caller; NULL on a miss. The series' run lock is held. */
tb_body *tb_cache_get(const tb_series *se, int slot);
/* Keep b (the caller keeps its own reference) if the cache has room. */
void tb_cache_put(const tb_series *se, int slot, tb_body *b);
/* Release what is kept for a series (called when the store frees it). */
void tb_cache_forget(const tb_series *se);

/* gzip (level 1, no name, no mtime) of data appended to out: 0 or -ENOMEM. */
int tb_gzip(const void *data, size_t n, tb_buf *out);

/* Bytes cached now (tests, benchmarks). */
size_t tb_cache_bytes(void);

#endif
