/*
 * announce.c - change notices for live push (see announce.h).
 */
#include "announce.h"

#include <errno.h>

#include "json.h"
#include "writer.h"

struct seen {
	uint64_t version, removals;
};

void tb_announce_init(tb_announce *a)
{
	pthread_mutex_init(&a->lock, NULL);
	a->seen = (tb_ptrmap)TB_PTRMAP_INIT(sizeof(struct seen));
	a->runs_version = 0;
}

void tb_announce_release(tb_announce *a)
{
	tb_ptrmap_release(&a->seen);
	pthread_mutex_destroy(&a->lock);
}

static void series_event(tb_buf *b, const tb_run *r, const tb_series *se, bool reset)
{
	tb_buf_puts(b, "event: series\ndata: {");
	tb_write_series_id(b, r->name, se);
	tb_buf_puts(b, ", \"step\": ");
	if (se->n)
		tb_json_int(b, tb_series_step(se, se->n - 1));
	else
		tb_json_null(b);
	tb_buf_printf(b, ", \"points\": %zu, \"version\": %llu, \"reset\": %s}\n\n", se->n,
		      (unsigned long long)se->version, reset ? "true" : "false");
}

int tb_announce_run(tb_announce *a, tb_run *r, tb_buf *out)
{
	int rc = 0;
	tb_run_rdlock(r);
	pthread_mutex_lock(&a->lock);
	for (size_t k = 0; k < r->n_series && !rc; k++) {
		const tb_series *se = r->series[k];
		struct seen *x = tb_ptrmap_put(&a->seen, se);
		if (!x) {
			rc = -ENOMEM;
		} else if (se->version != x->version) {
			series_event(out, r, se, se->removals != x->removals);
			*x = (struct seen){ se->version, se->removals };
		}
	}
	pthread_mutex_unlock(&a->lock);
	tb_run_unlock(r);
	return rc;
}

void tb_announce_runs(tb_announce *a, tb_store *s, tb_buf *out)
{
	tb_store_rdlock(s);
	uint64_t v = s->version;
	tb_store_unlock(s);
	if (v != a->runs_version) {
		a->runs_version = v;
		tb_buf_printf(out, "event: runs\ndata: {\"version\": %llu}\n\n", (unsigned long long)v);
	}
}

int tb_announce_mark_all(tb_announce *a, tb_store *s)
{
	int rc = 0;
	tb_store_rdlock(s);
	for (size_t i = 0; i < s->n_runs && !rc; i++) {
		tb_run *r = s->runs[i];
		tb_run_rdlock(r);
		pthread_mutex_lock(&a->lock);
		for (size_t k = 0; k < r->n_series && !rc; k++) {
			const tb_series *se = r->series[k];
			struct seen *x = tb_ptrmap_put(&a->seen, se);
			if (x)
				*x = (struct seen){ se->version, se->removals };
			else
				rc = -ENOMEM;
		}
		pthread_mutex_unlock(&a->lock);
		tb_run_unlock(r);
	}
	tb_store_unlock(s);
	return rc;
}

void tb_announce_forget(tb_announce *a, const tb_series *se)
{
	pthread_mutex_lock(&a->lock);
	tb_ptrmap_del(&a->seen, se, NULL);
	pthread_mutex_unlock(&a->lock);
}

void tb_sse_hello(tb_buf *out, uint64_t store_version)
{
	tb_buf_printf(out, "retry: 1000\nevent: hello\ndata: {\"version\": %llu}\n\n",
		      (unsigned long long)store_version);
}

void tb_sse_reset(tb_buf *out)
{
	tb_buf_puts(out, "event: reset\ndata: {}\n\n");
}

void tb_sse_ping(tb_buf *out)
{
	tb_buf_puts(out, ": ping\n\n");
}
