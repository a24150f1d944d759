/*
 * test_concurrency.c - readers and the loader at once (run under
 * ThreadSanitizer by the test command): HTTP handlers read runs, tags and
 * series through tb_api_handle() while a loader reads the real fixtures
 * (TensorBoard event files and W&B logs, whose run facts /data/runs_info
 * reads) into the same store and a writer appends to and purges a live
 * series.
 * Checks the answers stay well-formed and every appended point arrives.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>

#include "api.h"
#include "app.h"
#include "flags.h"
#include "testutil.h"

#define APPENDS 20000

static atomic_int done;

struct ctx {
	tb_app *app;
	int reads;
	int bad;
};

static void get(tb_app *app, const char *path, const char *run, const char *tag, tb_response *resp)
{
	tb_param q[2] = { { "run", (char *)run, run ? strlen(run) : 0 },
			  { "tag", (char *)tag, tag ? strlen(tag) : 0 } };
	tb_request req = { .app = app, .method = "GET", .path = path, .query = q,
			   .n_query = run ? 2 : 0 };
	tb_response_init(resp);
	tb_api_handle(&req, resp);
}

static void *reader(void *arg)
{
	struct ctx *c = arg;
	while (!atomic_load(&done)) {
		tb_response r;
		get(c->app, "/data/runs", NULL, NULL, &r);
		c->bad += r.status != 200 || !r.body.data || r.body.data[0] != '[';
		tb_response_release(&r);
		get(c->app, "/data/plugin/scalars/tags", NULL, NULL, &r);
		c->bad += r.status != 200;
		tb_response_release(&r);
		get(c->app, "/data/plugin/scalars/scalars", "live", "x", &r);
		c->bad += r.status != 200 && r.status != 404;
		tb_response_release(&r);
		get(c->app, "/data/plugin/scalars/scalars", "live", "x", &r);
		tb_response_release(&r);
		/* W&B runs (tests/data/wandb): facts and series as they load */
		get(c->app, "/data/runs_info", NULL, NULL, &r);
		c->bad += r.status != 200;
		tb_response_release(&r);
		get(c->app, "/data/plugin/scalars/scalars", "wandb/02hyc_VQ-VAE/run-20250315_170908-6uznqj8h",
		    "train_loss", &r);
		c->bad += r.status != 200 && r.status != 400 && r.status != 404;
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
	char spec[8192];
	snprintf(spec, sizeof spec, "real:%s,wandb:%s", tu_path("real"), tu_path("wandb"));
	char *argv[] = { "tbserve", "--logdir_spec", spec, "--reload_interval", "0" };
	tb_flags f;
	char err[256];
	assert_int_equal(tb_flags_parse(&f, 5, argv, err, sizeof err), 0);
	tb_app app;
	assert_int_equal(tb_app_init(&app, &f, err, sizeof err), 0);

	pthread_t rd[2], wr;
	struct ctx c[2] = { { &app, 0, 0 }, { &app, 0, 0 } };
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
	tb_run *r = tb_store_find_run(&app.store, "live");
	assert_non_null(r);
	assert_int_equal(r->series[0]->n, APPENDS);
	assert_int_equal(tb_series_step(r->series[0], APPENDS - 1), APPENDS - 1);
	tb_app_release(&app);
	tb_flags_release(&f);
}

int main(void)
{
	tb_log_level = TB_LOG_ERROR;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readers_and_loader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
