/*
 * test_concurrency.c - readers and the loader at once (run under
 * ThreadSanitizer by the test command): HTTP handlers read runs, tags and
 * series through tb_api_handle() while a loader reads the real fixtures
 * into the same store and a writer appends to and purges a live series.
 * Every answer is parsed and checked against what the writer can have
 * written at that moment: the live series is always the steps 0..n-1 with
 * their own walls and values (a purge drops a tail, never a hole), its
 * since_step answer continues it, the run list only grows, a series once
 * found is never missing again, and after the load every point is there.
 * The logdir holds the real W&B run folders too (tests/data/wandb, through
 * a symlink), so the W&B reader fills the store beside the TensorBoard one
 * while /data/runs_info and a W&B run's scalars are read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "api.h"
#include "app.h"
#include "cache.h"
#include "flags.h"
#include "testutil.h"

#define APPENDS 20000

static atomic_int done;

struct ctx {
	tb_app *app;
	int reads;
	int bad;
	int live_points;   /* points in the last 200 answer for live/x */
	bool live_seen;    /* live/x has answered 200 once */
	int n_runs;        /* runs in the last /data/runs answer */
	int n_info;        /* runs in the last /data/runs_info answer */
	int wandb_points;  /* points of the W&B series once it answered */
};

/* A W&B history key of a real run (tests/data/wandb), read while it loads. */
#define WB_RUN "wb/anish-sk_CS6910_Assignment1/run-20210312_161650-nt1k6dl7"
#define WB_TAG "batch_loss"

static void get(tb_app *app, const char *path, const char *run, const char *tag,
		const char *since, tb_response *resp)
{
	tb_param q[3] = { { "run", (char *)run, run ? strlen(run) : 0 },
			  { "tag", (char *)tag, tag ? strlen(tag) : 0 },
			  { "since_step", (char *)since, since ? strlen(since) : 0 } };
	tb_request req = { .app = app, .method = "GET", .path = path, .query = q,
			   .n_query = run ? (since ? 3 : 2) : 0 };
	tb_response_init(resp);
	tb_api_handle(&req, resp);
}

/* The answer's JSON, wherever the body is (built, or shared from the cache). */
static cJSON *parse(const tb_response *r)
{
	if (r->status != 200)
		return NULL;
	if (r->src == TB_BODY_SHARED)
		return cJSON_ParseWithLength(r->u.shared->data, r->u.shared->len);
	return r->src == TB_BODY_BUF ? cJSON_ParseWithLength(r->body.data, r->body.len) : NULL;
}

/* Is the JSON array pts exactly the live points with steps from..from+n-1
 * (wall 1700000000 + step, value step / 2)? Sets *n. */
static bool live_points_ok(const cJSON *pts, int from, int *n)
{
	if (!cJSON_IsArray(pts))
		return false;
	int k = from;
	for (const cJSON *p = pts->child; p; p = p->next, k++) {
		const cJSON *w = cJSON_GetArrayItem(p, 0), *st = cJSON_GetArrayItem(p, 1),
			    *v = cJSON_GetArrayItem(p, 2);
		if (cJSON_GetArraySize(p) != 3 || !cJSON_IsNumber(w) || !cJSON_IsNumber(st) ||
		    !cJSON_IsNumber(v) || st->valuedouble != k ||
		    w->valuedouble != 1700000000.0 + k || v->valuedouble != k * 0.5)
			return false;
	}
	*n = k - from;
	return true;
}

static void *reader(void *arg)
{
	struct ctx *c = arg;
	while (!atomic_load(&done)) {
		tb_response r;
		cJSON *j;
		get(c->app, "/data/runs", NULL, NULL, NULL, &r);
		j = parse(&r);
		int n_runs = cJSON_GetArraySize(j);
		c->bad += !cJSON_IsArray(j) || n_runs < c->n_runs;
		c->n_runs = n_runs;
		cJSON_Delete(j);
		tb_response_release(&r);

		get(c->app, "/data/plugin/scalars/tags", NULL, NULL, NULL, &r);
		j = parse(&r);
		const cJSON *live = cJSON_GetObjectItemCaseSensitive(j, "live");
		c->bad += !cJSON_IsObject(j) || (live && !cJSON_GetObjectItemCaseSensitive(live, "x"));
		cJSON_Delete(j);
		tb_response_release(&r);

		get(c->app, "/data/plugin/scalars/scalars", "live", "x", NULL, &r);
		int n = 0;
		if (r.status == 200) {
			j = parse(&r);
			c->bad += !live_points_ok(j, 0, &n);
			cJSON_Delete(j);
			c->live_seen = true;
			c->live_points = n;
		} else {
			c->bad += r.status != 404 || c->live_seen;
		}
		tb_response_release(&r);

		if (c->live_seen && c->live_points > 0) {
			/* what follows the last point seen (a purge may have taken
			   some of them back meanwhile: then from its new end) */
			char since[24];
			snprintf(since, sizeof since, "%d", c->live_points - 1);
			get(c->app, "/data/plugin/scalars/scalars", "live", "x", since, &r);
			j = parse(&r);
			c->bad += !live_points_ok(j, c->live_points, &n);
			cJSON_Delete(j);
			tb_response_release(&r);
		}
		get(c->app, "/data/runs_info", NULL, NULL, NULL, &r);
		j = parse(&r);
		const cJSON *info = cJSON_GetObjectItemCaseSensitive(j, "runs");
		int n_info = cJSON_GetArraySize(info);
		c->bad += !cJSON_IsArray(info) || n_info < c->n_info;
		c->n_info = n_info;
		cJSON_Delete(j);
		tb_response_release(&r);

		/* a W&B series, once there, only grows (the reader appends in
		 * batches) and never goes */
		get(c->app, "/data/plugin/scalars/scalars", WB_RUN, WB_TAG, NULL, &r);
		if (r.status == 200) {
			j = parse(&r);
			int pts = cJSON_GetArraySize(j);
			c->bad += !cJSON_IsArray(j) || pts == 0 || pts < c->wandb_points;
			c->wandb_points = pts;
			cJSON_Delete(j);
		} else {
			c->bad += r.status != 404 || c->wandb_points;
		}
		tb_response_release(&r);
		c->reads++;
	}
	return NULL;
}

static void *writer(void *arg)
{
	tb_app *app = arg;
	tb_run *r = tb_store_add_run(&app->store, "live");
	tb_run_wrlock(r);
	tb_series_meta m = { "scalars", TB_CLASS_SCALAR, "x", "", NULL, 0 };
	tb_series *se = tb_run_create(&app->store, r, "x", 1, TB_KIND_SCALAR, &m);
	tb_run_unlock(r);
	for (int i = 0; i < APPENDS; i++) {
		tb_scalar v = { TB_NUM_F32, i * 0.5, 0 };
		tb_run_wrlock(r);
		tb_series_append_scalar(&app->store, se, 1700000000.0 + i, i, &v);
		if (i % 5000 == 4999) {
			/* a restart: drop the last 100 steps and write them again */
			tb_run_purge(r, i - 99, NULL, 0);
			for (int k = i - 99; k <= i; k++) {
				tb_scalar w = { TB_NUM_F32, k * 0.5, 0 };
				tb_series_append_scalar(&app->store, se, 1700000000.0 + k, k, &w);
			}
		}
		tb_run_unlock(r);
	}
	return NULL;
}

static void test_readers_and_loader(void **state)
{
	(void)state;
	char dir[] = "/tmp/tb-concurrency-XXXXXX", tb[64], wb[64];
	assert_non_null(mkdtemp(dir));
	snprintf(tb, sizeof tb, "%s/tb", dir);
	snprintf(wb, sizeof wb, "%s/wb", dir);
	assert_int_equal(symlink(tu_path("real"), tb), 0);
	assert_int_equal(symlink(tu_path("wandb"), wb), 0);
	char *argv[] = { "tbserve", "--logdir", dir, "--reload_interval", "0" };
	tb_flags f;
	char err[256];
	assert_int_equal(tb_flags_parse(&f, 5, argv, err, sizeof err), 0);
	tb_app app;
	assert_int_equal(tb_app_init(&app, &f, err, sizeof err), 0);

	pthread_t rd[2], wr;
	struct ctx c[2] = { { .app = &app }, { .app = &app } };
	atomic_store(&done, 0);
	for (int i = 0; i < 2; i++)
		pthread_create(&rd[i], NULL, reader, &c[i]);
	pthread_create(&wr, NULL, writer, &app);
	assert_int_equal(tb_app_load(&app), 0);
	pthread_join(wr, NULL);
	atomic_store(&done, 1);
	for (int i = 0; i < 2; i++) {
		pthread_join(rd[i], NULL);
		assert_int_equal(c[i].bad, 0);
		assert_true(c[i].reads > 0);
	}
	/* the checks above were not vacuous: the live series was read */
	assert_true(c[0].live_seen || c[1].live_seen);
	/* both readers filled the store: TensorBoard runs and W&B runs */
	size_t n_wandb = 0, n_tb = 0;
	for (size_t i = 0; i < app.store.n_runs; i++) {
		const char *name = app.store.runs[i]->name;
		n_wandb += !strncmp(name, "wb/", 3);
		n_tb += !strncmp(name, "tb/", 3);
	}
	/* tests/data/wandb: 38 .wandb logs; tests/data/real: 60 TensorBoard runs */
	assert_int_equal(n_wandb, 38);
	assert_int_equal(n_tb, 60);
	tb_run *r = tb_store_find_run(&app.store, "live");
	assert_non_null(r);
	assert_int_equal(r->series[0]->n, APPENDS);
	assert_int_equal(tb_series_step(r->series[0], APPENDS - 1), APPENDS - 1);
	tb_response resp;
	get(&app, "/data/plugin/scalars/scalars", "live", "x", NULL, &resp);
	cJSON *j = parse(&resp);
	int n = 0;
	assert_true(live_points_ok(j, 0, &n));
	assert_int_equal(n, APPENDS);
	cJSON_Delete(j);
	tb_response_release(&resp);
	get(&app, "/data/runs", NULL, NULL, NULL, &resp);
	j = parse(&resp);
	assert_int_equal(cJSON_GetArraySize(j), (int)app.store.n_runs);
	cJSON_Delete(j);
	tb_response_release(&resp);
	/* the W&B series the readers saw (if they saw it) is part of the loaded one */
	get(&app, "/data/plugin/scalars/scalars", WB_RUN, WB_TAG, NULL, &resp);
	j = parse(&resp);
	int wb_points = cJSON_GetArraySize(j);
	assert_true(wb_points > 0);
	for (int i = 0; i < 2; i++)
		assert_true(c[i].wandb_points <= wb_points);
	cJSON_Delete(j);
	tb_response_release(&resp);
	tb_app_release(&app);
	tb_flags_release(&f);
	unlink(tb);
	unlink(wb);
	rmdir(dir);
}

int main(void)
{
	tb_log_level = TB_LOG_ERROR;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readers_and_loader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
