/*
 * test_oom.c - running out of memory answers 503, never a 200 with empty
 * or partial data. Every data endpoint is run once normally, then again
 * with its k-th allocation failing, for every k until one run needs no
 * failure: each answer must be the normal one, or marked out of memory
 * (body.oom: the transport's 503), or an error status, never a different
 * 200.
 *
 * Allocations are counted through the linker's --wrap of malloc, calloc
 * and realloc (tests/meson.build), so the code under test is the library
 * the server runs; allocations inside libc (strdup) are not failed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cache.h"
#include "testutil.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static long countdown = -1;   /* fail when it reaches 0; < 0: never */
static long counted;

static bool fail_now(void)
{
	counted++;
	return countdown >= 0 && countdown-- == 0;
}

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

static tb_flags flags;
static tb_app app;

static int setup(void **state)
{
	(void)state;
	char a0[] = "tbserve", a1[] = "--logdir", a2[256],
	     a3[] = "--samples_per_plugin=scalars=100000000,histograms=100000,text=1000";
	snprintf(a2, sizeof a2, "%s", tu_path("golden/logdir-small"));
	char *argv[] = { a0, a1, a2, a3, NULL };
	char err[512];
	assert_int_equal(tb_flags_parse(&flags, 4, argv, err, sizeof err), 0);
	assert_int_equal(tb_app_init(&app, &flags, err, sizeof err), 0);
	tb_log_level = TB_LOG_ERROR;
	assert_int_equal(tb_app_load(&app), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tb_app_release(&app);
	tb_flags_release(&flags);
	return 0;
}

struct call {
	const char *method, *path;
	const char *query[3][2];   /* key, value; up to 3 */
	const char *form[3][2];
};

static void run(const struct call *c, tb_response *resp)
{
	tb_param q[3], f[3];
	size_t nq = 0, nf = 0;
	for (int i = 0; i < 3 && c->query[i][0]; i++, nq++)
		q[i] = (tb_param){ (char *)c->query[i][0], (char *)c->query[i][1],
				   strlen(c->query[i][1]) };
	for (int i = 0; i < 3 && c->form[i][0]; i++, nf++)
		f[i] = (tb_param){ (char *)c->form[i][0], (char *)c->form[i][1],
				   strlen(c->form[i][1]) };
	tb_request req = { .app = &app, .method = c->method, .path = c->path, .query = q,
			   .n_query = nq, .form = f, .n_form = nf };
	tb_response_init(resp);
	tb_api_handle(&req, resp);
}

/* The bytes of whichever body source the response holds. */
static const char *body_of(const tb_response *r, size_t *len)
{
	if (r->src == TB_BODY_STATIC) {
		*len = r->u.fixed.len;
		return r->u.fixed.data;
	}
	if (r->src == TB_BODY_SHARED) {
		*len = r->u.shared->len;
		return r->u.shared->data;
	}
	*len = r->body.len;
	return r->body.data;
}

static long total_oom;   /* 503 answers over all endpoints */

static void check_endpoint(const struct call *c)
{
	tb_response ok;
	run(c, &ok);
	assert_int_equal(ok.status, 200);
	assert_false(ok.body.oom);
	size_t ok_len;
	const char *ok_data = body_of(&ok, &ok_len);
	long failures = 0, oom_answers = 0;
	for (long k = 0;; k++) {
		tb_response r;
		counted = 0;
		countdown = k;
		run(c, &r);
		bool failed = countdown < 0;   /* the k-th allocation was failed */
		countdown = -1;
		size_t len;
		const char *data = body_of(&r, &len);
		if (r.body.oom) {
			oom_answers++;
		} else if (r.status == 200) {
			if (len != ok_len || (len && memcmp(data, ok_data, len)))
				fail_msg("%s %s: allocation %ld failed, yet a 200 with %zu bytes "
					 "instead of %zu", c->method, c->path, k, len, ok_len);
		} else if (r.status < 500) {
			fail_msg("%s %s: allocation %ld failed: status %d", c->method, c->path, k,
				 r.status);
		}
		tb_response_release(&r);
		if (!failed)
			break;
		failures++;
	}
	/* the failures really hit the handler (a handler may also recover, as
	 * scalars does when its cache cannot keep a body) */
	if (!failures)
		fail_msg("%s %s: no allocation to fail", c->method, c->path);
	total_oom += oom_answers;
	tb_response_release(&ok);
}

static void test_endpoints(void **state)
{
	(void)state;
	static const struct call calls[] = {
		{ "GET", "/data/runs", { { NULL } }, { { NULL } } },
		{ "GET", "/data/plugin/scalars/tags", { { NULL } }, { { NULL } } },
		{ "GET", "/data/plugin/scalars/scalars",
		  { { "run", "baseline" }, { "tag", "loss" } }, { { NULL } } },
		{ "GET", "/data/plugin/scalars/scalars",
		  { { "run", "baseline" }, { "tag", "loss" }, { "format", "csv" } }, { { NULL } } },
		{ "GET", "/data/plugin/scalars/scalars",
		  { { "run", "baseline" }, { "tag", "loss" }, { "buckets", "7" } }, { { NULL } } },
		{ "POST", "/data/plugin/scalars/scalars_multirun", { { "format", "binary" } },
		  { { "tag", "loss" }, { "runs", "baseline" }, { "runs", "nan_inf" } } },
		{ "POST", "/data/plugin/scalars/scalars_multirun", { { "since_step", "3" } },
		  { { "tag", "loss" }, { "runs", "baseline" } } },
		{ "GET", "/data/plugin/histograms/tags", { { NULL } }, { { NULL } } },
		{ "GET", "/data/plugin/histograms/histograms",
		  { { "run", "lr_0.01/seed_1" }, { "tag", "weights/layer1" } }, { { NULL } } },
		{ "GET", "/data/plugin/distributions/distributions",
		  { { "run", "lr_0.01/seed_1" }, { "tag", "weights/layer1" } }, { { NULL } } },
		{ "GET", "/data/plugin/text/tags", { { NULL } }, { { NULL } } },
		{ "GET", "/data/plugin/text/text",
		  { { "run", "text_run" }, { "tag", "notes/text_summary" } }, { { NULL } } },
		{ "GET", "/data/plugin/timeseries/tags", { { NULL } }, { { NULL } } },
		{ "POST", "/data/plugin/timeseries/timeSeries", { { NULL } },
		  { { "requests", "[{\"plugin\": \"scalars\", \"tag\": \"loss\"}, "
				  "{\"plugin\": \"histograms\", \"tag\": \"weights/layer1\", "
				  "\"run\": \"lr_0.01/seed_1\"}]" } } },
		{ "GET", "/data/plugins_listing", { { NULL } }, { { NULL } } },
		/* hparams */
		{ "GET", "/data/plugin/hparams/experiment",
		  { { "request", "{\"experimentName\": \"\"}" } }, { { NULL } } },
		{ "GET", "/data/plugin/hparams/session_groups",
		  { { "request", "{\"allowedStatuses\": [\"STATUS_SUCCESS\"], \"colParams\": "
				 "[{\"hparam\": \"lr\", \"order\": \"ORDER_DESC\", \"includeInResult\": true}, "
				 "{\"hparam\": \"optimizer\", \"filterRegexp\": \"a\", \"includeInResult\": true}, "
				 "{\"metric\": {\"tag\": \"hparam/loss\"}, \"filterInterval\": "
				 "{\"minValue\": 0, \"maxValue\": 1}}], \"sliceSize\": 10}" } }, { { NULL } } },
		{ "GET", "/data/plugin/hparams/metric_evals",
		  { { "request", "{\"sessionName\": \"hp_search/trial_1\", \"metricName\": "
				 "{\"tag\": \"hparam/loss\"}}" } }, { { NULL } } },
		{ "GET", "/data/plugin/hparams/download_data",
		  { { "format", "latex" }, { "columnsVisibility", "[true, true, true, true, true, true]" },
		    { "request", "{\"allowedStatuses\": [\"STATUS_SUCCESS\"], \"sliceSize\": 10}" } },
		  { { NULL } } },
	};
	for (size_t i = 0; i < sizeof calls / sizeof *calls; i++)
		check_endpoint(&calls[i]);
	assert_true(total_oom > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoints),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
