/*
 * live.h - live tailing and push: the thread that keeps the store current
 * while serving, and the server-sent-events subscriptions it feeds.
 *
 * The thread loads the logdir (waiting for it if it does not exist yet),
 * then waits on tb_watch: inotify reports which run directories grew and
 * their files are read from their saved offsets at once; a rescan handles
 * new, deleted, replaced and rotated files and runs; polling rescans every
 * --reload_interval seconds. After each read it announces every series
 * that changed to the subscribers:
 *
 *   event: series
 *   data: {"run": R, "tag": T, "plugin": P, "step": last, "points": n,
 *          "version": v, "reset": false}
 *
 * ("reset": true when points were removed or replaced, so a client must
 * refetch rather than fetch since its last step), "event: runs" when runs
 * appear or disappear, and ": ping" heartbeats.
 *
 * Ownership: tb_live_start() returns the running thread's state; stop it
 * with tb_live_stop() before the HTTP server goes. Subscriptions belong to
 * their HTTP stream and are freed with tb_live_sub_free().
 */
#ifndef TB_LIVE_H
#define TB_LIVE_H

#include "app.h"
#include "buf.h"

typedef struct tb_live tb_live;
typedef struct tb_live_sub tb_live_sub;

tb_live *tb_live_start(tb_app *app);
/* Stop the thread and end every stream (their next() returns -ESHUTDOWN). */
void tb_live_stop(tb_live *lv);
/* Free it, once the HTTP server that held subscriptions has stopped. */
void tb_live_free(tb_live *lv);

/* A new subscription for a client at peer (conns.h's peer name), with the
 * "hello" event queued. NULL when peer already holds TB_LIVE_MAX_PER_PEER
 * streams, or all TB_LIVE_MAX_STREAMS are taken and no address holds more
 * than peer would (or out of memory). When all are taken, the oldest
 * stream of the address holding the most is ended to make room. */
tb_live_sub *tb_live_subscribe(tb_live *lv, const char *peer);

/* The transport's suspend/resume pair: next() calls suspend (under the
 * subscription's lock) when nothing is queued, publish calls resume. */
void tb_live_sub_set_waker(tb_live_sub *sub, void (*suspend)(void *), void (*resume)(void *),
			   void *arg);

/* Move queued bytes to out. Returns 0 (bytes added), -EAGAIN (nothing
 * queued: suspended until more arrives), -ESHUTDOWN (the server is
 * stopping) or -ENOMEM. */
int tb_live_sub_next(tb_live_sub *sub, tb_buf *out);

void tb_live_sub_free(tb_live_sub *sub);

/* A series is being freed (the store's on_free hook, through app.c). */
void tb_live_forget(tb_live *lv, const tb_series *se);

/* Counters for tests and benchmarks. */
unsigned tb_live_subscribers(tb_live *lv);
bool tb_live_is_polling(tb_live *lv);

#endif
