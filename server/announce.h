/*
 * announce.h - what changed in the store since it was last announced, as
 * the server-sent events live push sends (format in live.h).
 *
 * The live thread asks after each read; this module remembers per series
 * the version and removal count it last announced (a side table keyed by
 * series, so the store's structs carry no live-push state) and writes one
 * "series" event per series that changed, "runs" when the run list did,
 * and the stream's hello, reset and ping. It reads the store and formats;
 * it does not drive loaders or hold subscribers (live.c does both).
 *
 * Thread-safety: one announcer per live thread; tb_announce_forget() may
 * come from any thread that frees series (it takes the announcer's lock).
 */
#ifndef TB_ANNOUNCE_H
#define TB_ANNOUNCE_H

#include <pthread.h>
#include <stdint.h>

#include "buf.h"
#include "ptrmap.h"
#include "store.h"

typedef struct tb_announce {
	pthread_mutex_t lock;   /* guards seen */
	tb_ptrmap seen;         /* series -> last announced version, removals */
	uint64_t runs_version;  /* store version last announced */
} tb_announce;

void tb_announce_init(tb_announce *a);
void tb_announce_release(tb_announce *a);

/* Events for each series of r changed since last announced (takes r's read
 * lock). 0 or -ENOMEM (what was written stays valid). */
int tb_announce_run(tb_announce *a, tb_run *r, tb_buf *out);
/* "runs" when the store's run list changed (takes the store's lock). */
void tb_announce_runs(tb_announce *a, tb_store *s, tb_buf *out);
/* Everything in the store counts as announced (after the initial load,
 * clients fetch it in full anyway). */
int tb_announce_mark_all(tb_announce *a, tb_store *s);
/* A series is being freed. */
void tb_announce_forget(tb_announce *a, const tb_series *se);

/* The stream's first event, its "start over" event and its heartbeat. */
void tb_sse_hello(tb_buf *out, uint64_t store_version);
void tb_sse_reset(tb_buf *out);
void tb_sse_ping(tb_buf *out);

#endif
