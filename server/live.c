/*
 * live.c - the live thread and its subscribers (see live.h).
 *
 * One thread owns every loader after start-up; it is the only caller into
 * them. What to announce and how it reads on the wire is announce.c's.
 * Subscribers are guarded by the hub lock; each has its own lock for
 * its queue and suspend state so that a publish never races a suspend
 * (lock order: hub, then subscriber).
 */
#include "live.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "announce.h"
#include "conns.h"
#include "log.h"
#include "tblimits.h"
#include "source.h"
#include "watch.h"

struct tb_live_sub {
	tb_live *lv;
	pthread_mutex_t lock;
	tb_buf queue;
	bool suspended;
	bool closing;
	char peer[TB_PEER_LEN];     /* client address (conns.h) */
	uint64_t opened;            /* order of subscription, oldest first */
	void (*suspend)(void *);
	void (*resume)(void *);
	void *arg;
	tb_live_sub *next;
};

struct tb_live {
	tb_app *app;
	pthread_t thread;
	pthread_mutex_t hub;        /* guards subs, n_subs, stop */
	tb_live_sub *subs;
	unsigned n_subs;            /* counted until freed, closing or not */
	uint64_t n_opened;
	bool stop;
	tb_watch *watch;
	bool remote;                /* a logdir is on an object store: polled */
	tb_announce announce;       /* what has been announced (live thread) */
};

/* ---- subscribers -------------------------------------------------------- */

static void sub_push(tb_live_sub *s, const char *data, size_t n)
{
	pthread_mutex_lock(&s->lock);
	if (s->queue.len + n > TB_LIVE_MAX_QUEUE) {
		/* too far behind: drop the backlog, ask for a full refetch */
		tb_buf_reset(&s->queue);
		tb_sse_reset(&s->queue);
	} else {
		tb_buf_append(&s->queue, data, n);
	}
	if (s->suspended && s->resume) {
		s->suspended = false;
		s->resume(s->arg);
	}
	pthread_mutex_unlock(&s->lock);
}

static void publish(tb_live *lv, const tb_buf *msg)
{
	if (!msg->len)
		return;
	pthread_mutex_lock(&lv->hub);
	for (tb_live_sub *s = lv->subs; s; s = s->next)
		sub_push(s, msg->data, msg->len);
	pthread_mutex_unlock(&lv->hub);
}

/* End a stream: its next() returns -1 and the transport closes it (the
 * browser's EventSource reconnects by itself). Caller holds the hub. */
static void sub_end(tb_live_sub *s)
{
	pthread_mutex_lock(&s->lock);
	s->closing = true;
	if (s->suspended && s->resume) {
		s->suspended = false;
		s->resume(s->arg);
	}
	pthread_mutex_unlock(&s->lock);
}

/* Streams of peer that are not ending. Caller holds the hub. */
static unsigned peer_streams(tb_live *lv, const char *peer)
{
	unsigned n = 0;
	for (tb_live_sub *s = lv->subs; s; s = s->next)
		n += !s->closing && !strcmp(s->peer, peer);
	return n;
}

/* Room for one more stream from peer: under its own limit, and when every
 * stream is taken, the oldest stream of the address holding the most (if
 * that is more than peer would hold) is ended. Caller holds the hub. */
static bool make_room(tb_live *lv, const char *peer)
{
	unsigned mine = peer_streams(lv, peer), open = 0;
	if (mine >= TB_LIVE_MAX_PER_PEER)
		return false;
	/* ended streams still count until their transport frees them */
	if (lv->n_subs >= TB_LIVE_MAX_STREAMS + TB_LIVE_MAX_PER_PEER)
		return false;
	for (tb_live_sub *s = lv->subs; s; s = s->next)
		open += !s->closing;
	if (open < TB_LIVE_MAX_STREAMS)
		return true;
	const char *crowded = NULL;
	unsigned most = mine + 1;
	for (tb_live_sub *s = lv->subs; s; s = s->next) {
		unsigned n = s->closing ? 0 : peer_streams(lv, s->peer);
		if (n > most) {
			most = n;
			crowded = s->peer;
		}
	}
	if (!crowded)
		return false;
	tb_live_sub *victim = NULL;
	for (tb_live_sub *s = lv->subs; s; s = s->next)
		if (!s->closing && !strcmp(s->peer, crowded) && (!victim || s->opened < victim->opened))
			victim = s;
	sub_end(victim);
	return true;
}

tb_live_sub *tb_live_subscribe(tb_live *lv, const char *peer)
{
	tb_live_sub *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->lv = lv;
	snprintf(s->peer, sizeof s->peer, "%s", peer ? peer : "");
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_lock(&lv->hub);
	if (lv->stop || !make_room(lv, s->peer)) {
		pthread_mutex_unlock(&lv->hub);
		pthread_mutex_destroy(&s->lock);
		free(s);
		return NULL;
	}
	tb_store_rdlock(&lv->app->store);
	uint64_t v = lv->app->store.version;
	tb_store_unlock(&lv->app->store);
	tb_sse_hello(&s->queue, v);
	s->opened = ++lv->n_opened;
	s->next = lv->subs;
	lv->subs = s;
	lv->n_subs++;
	pthread_mutex_unlock(&lv->hub);
	return s;
}

void tb_live_sub_set_waker(tb_live_sub *s, void (*suspend)(void *), void (*resume)(void *), void *arg)
{
	pthread_mutex_lock(&s->lock);
	s->suspend = suspend;
	s->resume = resume;
	s->arg = arg;
	pthread_mutex_unlock(&s->lock);
}

int tb_live_sub_next(tb_live_sub *s, tb_buf *out)
{
	pthread_mutex_lock(&s->lock);
	int rc = 0;
	if (s->queue.len) {
		tb_buf_append(out, s->queue.data, s->queue.len);
		tb_buf_reset(&s->queue);
		if (out->oom)
			rc = -ENOMEM;
	} else if (s->closing) {
		rc = -ESHUTDOWN;
	} else {
		if (s->suspend) {
			s->suspended = true;
			s->suspend(s->arg);
		}
		rc = -EAGAIN;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void tb_live_sub_free(tb_live_sub *s)
{
	tb_live *lv = s->lv;
	pthread_mutex_lock(&lv->hub);
	for (tb_live_sub **p = &lv->subs; *p; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			lv->n_subs--;
			break;
		}
	}
	pthread_mutex_unlock(&lv->hub);
	tb_buf_release(&s->queue);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

unsigned tb_live_subscribers(tb_live *lv)
{
	pthread_mutex_lock(&lv->hub);
	unsigned n = lv->n_subs;
	pthread_mutex_unlock(&lv->hub);
	return n;
}

bool tb_live_is_polling(tb_live *lv)
{
	return lv->watch && tb_watch_polling(lv->watch);
}

void tb_live_forget(tb_live *lv, const tb_series *se)
{
	tb_announce_forget(&lv->announce, se);
}

/* ---- the live thread ------------------------------------------------------ */

static void on_dir(void *arg, const char *dir)
{
	tb_watch_add(arg, dir);
}

/* Rescan every logdir (adding watches first, then scanning again so that
 * nothing created in between is missed) and read every run. */
static bool rescan_all(tb_live *lv, tb_buf *msg)
{
	tb_app *app = lv->app;
	bool any = false;
	for (size_t i = 0; i < app->n_loaders; i++) {
		tb_loader *l = &app->loaders[i];
		if (app->flags->event_file)
			continue;
		l->on_dir = on_dir;
		l->on_dir_arg = lv->watch;
		int rc = tb_loader_scan(l);
		if (rc == 0)
			rc = tb_loader_scan(l);
		if (rc == 0)
			any = true;
		for (size_t k = 0; k < l->n_runs; k++) {
			tb_loader_read_run(l, l->runs[k]);
			tb_announce_run(&lv->announce, l->runs[k]->run, msg);
		}
	}
	tb_announce_runs(&lv->announce, &app->store, msg);
	return any;
}

static void read_dirty(tb_live *lv, const tb_watch_result *res, tb_buf *msg)
{
	tb_app *app = lv->app;
	for (size_t d = 0; d < res->n_dirty; d++) {
		for (size_t i = 0; i < app->n_loaders; i++) {
			tb_loader *l = &app->loaders[i];
			for (size_t k = 0; k < l->n_runs; k++) {
				if (strcmp(l->runs[k]->dir, res->dirty[d]))
					continue;
				tb_loader_read_run(l, l->runs[k]);
				tb_announce_run(&lv->announce, l->runs[k]->run, msg);
			}
		}
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *live_main(void *arg)
{
	tb_live *lv = arg;
	tb_app *app = lv->app;
	double interval = app->flags->reload_interval;
	/* an object store is polled no more than once a second */
	if (lv->remote && interval > 0 && interval < TB_LIVE_MIN_REMOTE_INTERVAL)
		interval = TB_LIVE_MIN_REMOTE_INTERVAL;
	tb_buf msg = TB_BUF_INIT;

	int rc = tb_app_load(app);
	bool present = rc != -ENOENT;
	if (!present) {
		if (!lv->remote) /* a store's source said why itself */
			tb_log(TB_LOG_INFO, "logdir %s does not exist yet; waiting for it",
			       app->flags->logdir[0] ? app->flags->logdir : app->flags->logdir_spec);
	} else if (rc)
		tb_log(TB_LOG_ERROR, "loading failed: %s", strerror(-rc));
	else
		tb_log(TB_LOG_INFO, "loaded %zu runs", app->store.n_runs);
	tb_announce_mark_all(&lv->announce, &app->store);
	tb_announce_runs(&lv->announce, &app->store, &msg);
	publish(lv, &msg);
	tb_buf_reset(&msg);

	bool watching = interval > 0;
	if (watching && present)
		rescan_all(lv, &msg); /* sets up watches */
	publish(lv, &msg);
	double next_ping = now_s() + TB_LIVE_HEARTBEAT;
	double next_poll = now_s() + (interval > 0 ? interval : TB_LIVE_HEARTBEAT);
	for (;;) {
		pthread_mutex_lock(&lv->hub);
		bool stop = lv->stop;
		pthread_mutex_unlock(&lv->hub);
		if (stop)
			break;
		/* polls keep a fixed schedule (the time a rescan takes does not
		 * stretch the interval); a missing local logdir is looked for
		 * often, an object store at the interval */
		bool polling = watching && (!present || lv->remote || tb_watch_polling(lv->watch));
		double deadline = next_ping;
		if (polling) {
			if (!present && !lv->remote && next_poll > now_s() + 0.5)
				next_poll = now_s() + 0.5;
			if (next_poll < deadline)
				deadline = next_poll;
		}
		double left = deadline - now_s();
		int timeout_ms = left > 0 ? (int)(left * 1000) + 1 : 0;
		tb_watch_result res;
		if (tb_watch_wait(lv->watch, timeout_ms, &res) == -EINTR)
			continue;
		tb_buf_reset(&msg);
		double now = now_s();
		if (watching) {
			bool poll_due = polling && now >= next_poll;
			if (poll_due) {
				next_poll += interval;
				if (next_poll < now)
					next_poll = now + interval;
			}
			if (!present || poll_due || (!polling && res.rescan))
				present = rescan_all(lv, &msg);
			else if (!polling)
				read_dirty(lv, &res, &msg);
		}
		if (now_s() >= next_ping) {
			tb_sse_ping(&msg);
			next_ping = now_s() + TB_LIVE_HEARTBEAT;
		}
		publish(lv, &msg);
	}
	tb_buf_release(&msg);
	return NULL;
}

tb_live *tb_live_start(tb_app *app)
{
	tb_live *lv = calloc(1, sizeof *lv);
	if (!lv)
		return NULL;
	lv->app = app;
	pthread_mutex_init(&lv->hub, NULL);
	tb_announce_init(&lv->announce);
	for (size_t i = 0; i < app->n_loaders; i++)
		lv->remote |= tb_source_remote(app->loaders[i].src);
	const char *mode = app->flags->watch ? app->flags->watch : "auto";
	lv->watch = tb_watch_new(app->n_loaders ? app->loaders[0].logdir : NULL,
				 !strcmp(mode, "poll") ? TB_WATCH_POLL :
				 !strcmp(mode, "inotify") ? TB_WATCH_INOTIFY : TB_WATCH_AUTO);
	if (!lv->watch) {
		tb_announce_release(&lv->announce);
		free(lv);
		return NULL;
	}
	app->live = lv;
	if (pthread_create(&lv->thread, NULL, live_main, lv)) {
		app->live = NULL;
		tb_watch_free(lv->watch);
		tb_announce_release(&lv->announce);
		free(lv);
		return NULL;
	}
	return lv;
}

void tb_live_stop(tb_live *lv)
{
	if (!lv)
		return;
	pthread_mutex_lock(&lv->hub);
	lv->stop = true;
	for (tb_live_sub *s = lv->subs; s; s = s->next) {
		pthread_mutex_lock(&s->lock);
		s->closing = true;
		if (s->suspended && s->resume) {
			s->suspended = false;
			s->resume(s->arg);
		}
		pthread_mutex_unlock(&s->lock);
	}
	pthread_mutex_unlock(&lv->hub);
	tb_watch_wake(lv->watch);
	pthread_join(lv->thread, NULL);
}

void tb_live_free(tb_live *lv)
{
	if (!lv)
		return;
	if (lv->app->live == lv)
		lv->app->live = NULL;
	tb_watch_free(lv->watch);
	tb_announce_release(&lv->announce);
	pthread_mutex_destroy(&lv->hub);
	free(lv);
}
