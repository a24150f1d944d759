/*
 * test_api_prcurves.c - the pr_curves and custom_scalars handlers
 * (server/api_prcurves.c, server/api_custom_scalars.c) on hand-built
 * series; the recorded TensorBoard answers are replayed by
 * tests/golden/replay.sh.
 *
 *  - a PR curve: trailing columns with TP + FP = 0 cut, counts truncated,
 *    float32 values and numpy.linspace thresholds as Python prints them;
 *    several runs; the 400s (unknown run, no tag, NaN count);
 *  - the layout merge, TensorBoard's quirk included (a category first seen
 *    in a later run takes no more charts), MessageToJson's field order
 *    (set fields first, defaults after) and indentation;
 *  - custom scalars' scalars: re.match semantics, tag order, invalid and
 *    unsupported regexes.
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
#include "app.h"
#include "flags.h"
#include "plugin_data.pb-c.h"
#include "tensorboard.pb-c.h"

typedef struct fixture {
	tb_flags flags;
	tb_app app;
} fixture;

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	char a0[] = "tbserve", a1[] = "--logdir", a2[] = "/nonexistent-tbserve-h5";
	char *argv[] = { a0, a1, a2, NULL };
	char err[512];
	assert_int_equal(tb_flags_parse(&fx->flags, 3, argv, err, sizeof err), 0);
	assert_int_equal(tb_app_init(&fx->app, &fx->flags, err, sizeof err), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	tb_app_release(&fx->app);
	tb_flags_release(&fx->flags);
	free(fx);
	return 0;
}

static tb_series *add_series(tb_app *app, const char *run, const char *tag, tb_kind kind,
			     const char *plugin)
{
	tb_run *r = tb_store_add_run(&app->store, run);
	assert_non_null(r);
	tb_series_meta meta = { plugin, kind == TB_KIND_SCALAR ? 1 : 2, "", "", NULL, 0 };
	tb_run_wrlock(r);
	tb_series *se = tb_run_create(&app->store, r, tag, strlen(tag), kind, &meta);
	tb_run_unlock(r);
	assert_non_null(se);
	return se;
}

static void add_tensor(tb_app *app, tb_series *se, int64_t step, Tensorboard__TensorProto *t)
{
	size_t n = tensorboard__tensor_proto__get_packed_size(t);
	unsigned char *p = malloc(n + 1);
	tensorboard__tensor_proto__pack(t, p);
	assert_int_equal(tb_series_append_blob(&app->store, se, 1700000000.0, step,
					       TB_BLOB_TENSOR, p, n), 0);
	free(p);
}

/* A [6, n] DT_FLOAT tensor from rows given one after another (held values
 * of them: 6n, or 1 filling the shape). */
static void add_pr_held(tb_app *app, tb_series *se, int64_t step, float *v, int64_t n, size_t held);

static void add_pr(tb_app *app, tb_series *se, int64_t step, float *v, int64_t n)
{
	add_pr_held(app, se, step, v, n, (size_t)(6 * n));
}

static void add_pr_held(tb_app *app, tb_series *se, int64_t step, float *v, int64_t n, size_t held)
{
	Tensorboard__TensorShapeProto__Dim d0 = TENSORBOARD__TENSOR_SHAPE_PROTO__DIM__INIT,
					   d1 = TENSORBOARD__TENSOR_SHAPE_PROTO__DIM__INIT;
	d0.size = 6;
	d1.size = n;
	Tensorboard__TensorShapeProto__Dim *dims[] = { &d0, &d1 };
	Tensorboard__TensorShapeProto shape = TENSORBOARD__TENSOR_SHAPE_PROTO__INIT;
	shape.n_dim = 2;
	shape.dim = dims;
	Tensorboard__TensorProto t = TENSORBOARD__TENSOR_PROTO__INIT;
	t.dtype = TENSORBOARD__DATA_TYPE__DT_FLOAT;
	t.tensor_shape = &shape;
	t.n_float_val = held;
	t.float_val = v;
	add_tensor(app, se, step, &t);
}

static void add_layout(tb_app *app, const char *run, Tensorboard__Layout *l)
{
	tb_series *se = add_series(app, run, "custom_scalars__config__", TB_KIND_CUSTOM_SCALARS,
				   "custom_scalars");
	size_t n = tensorboard__layout__get_packed_size(l);
	unsigned char *p = malloc(n + 1);
	tensorboard__layout__pack(l, p);
	ProtobufCBinaryData s = { n, p };
	Tensorboard__TensorProto t = TENSORBOARD__TENSOR_PROTO__INIT;
	t.dtype = TENSORBOARD__DATA_TYPE__DT_STRING;
	t.n_string_val = 1;
	t.string_val = &s;
	add_tensor(app, se, 0, &t);
	free(p);
}

/* One GET; query values are given decoded, as "key", "value" pairs. */
static void expect(tb_app *app, const char *path, const char *const *kv, size_t n,
		   int status, const char *body)
{
	tb_param q[8];
	for (size_t i = 0; i < n; i++)
		q[i] = (tb_param){ (char *)kv[2 * i], (char *)kv[2 * i + 1], strlen(kv[2 * i + 1]) };
	tb_request req = { .app = app, .method = "GET", .path = path, .query = q, .n_query = n };
	tb_response resp;
	tb_response_init(&resp);
	tb_api_handle(&req, &resp);
	tb_buf_putc(&resp.body, '\0');
	if (resp.status != status || strcmp(resp.body.data, body))
		print_message("%s -> %d\n%s\n   expected %d\n%s\n", path, resp.status,
			      resp.body.data, status, body);
	assert_int_equal(resp.status, status);
	assert_string_equal(resp.body.data, body);
	tb_response_release(&resp);
}

#define PR "/data/plugin/pr_curves/pr_curves"

static void test_pr_curve(void **state)
{
	tb_app *app = &((fixture *)*state)->app;
	float v[] = { 3, 2, 1, 0,             /* TP */
		      3, 1, 0, 0,             /* FP */
		      0, 2.7f, 3, 3,          /* TN */
		      0, 1, 2, 3,             /* FN */
		      0.5f, 0.25f, 0.1f, 0,   /* precision */
		      1, 0.5f, 0.25f, 0 };    /* recall */
	add_pr(app, add_series(app, "a", "pr", TB_KIND_PR_CURVE, "pr_curves"), 5, v, 4);
	add_pr(app, add_series(app, "b", "pr", TB_KIND_PR_CURVE, "pr_curves"), 7, v, 4);
	const char *entry5 = "{\"wall_time\": 1700000000.0, \"step\": 5, "
		"\"precision\": [0.5, 0.25, 0.10000000149011612], \"recall\": [1.0, 0.5, 0.25], "
		"\"true_positives\": [3, 2, 1], \"false_positives\": [3, 1, 0], "
		"\"true_negatives\": [0, 2, 3], \"false_negatives\": [0, 1, 2], "
		"\"thresholds\": [0.0, 0.3333333333333333, 0.6666666666666666]}";
	char want[4096];
	snprintf(want, sizeof want, "{\"a\": [%s]}", entry5);
	expect(app, PR, (const char *[]){ "run", "a", "tag", "pr" }, 2, 200, want);
	/* two runs (a repeated one once), in the order asked */
	char entry7[2048];
	snprintf(entry7, sizeof entry7, "%.*s7%s", (int)(strstr(entry5, "5,") - entry5), entry5,
		 strstr(entry5, "5,") + 1);
	snprintf(want, sizeof want, "{\"b\": [%s], \"a\": [%s]}", entry7, entry5);
	expect(app, PR, (const char *[]){ "run", "b", "run", "a", "run", "b", "tag", "pr" }, 4, 200,
	       want);
	expect(app, PR, (const char *[]){ "run", "a", "run", "zz", "tag", "pr" }, 3, 400,
	       "No PR curves could be found for run 'zz' and tag 'pr'");
	expect(app, PR, (const char *[]){ "run", "a", "tag", "it's" }, 2, 400,
	       "No PR curves could be found for run 'a' and tag \"it's\"");
	expect(app, PR, (const char *[]){ "tag", "pr" }, 1, 400,
	       "Invalid argument: No runs provided when fetching PR curve data");
	expect(app, PR, (const char *[]){ "run", "a" }, 1, 400,
	       "Invalid argument: No tag provided when fetching PR curve data");
	/* a NaN count: int() raises ValueError, TensorBoard's 400 */
	v[9] = 0.0f / 0.0f;
	add_pr(app, add_series(app, "c", "pr", TB_KIND_PR_CURVE, "pr_curves"), 1, v, 4);
	expect(app, PR, (const char *[]){ "run", "c", "tag", "pr" }, 2, 400,
	       "Invalid argument: cannot convert float NaN to integer");
	/* 30 bytes declaring [6, 1M] with one value: refused, not materialised */
	add_pr_held(app, add_series(app, "d", "pr", TB_KIND_PR_CURVE, "pr_curves"), 1, v, 1000000, 1);
	expect(app, PR, (const char *[]){ "run", "d", "tag", "pr" }, 2, 500,
	       "Error: PR curve of run 'd', tag 'pr' is not a [6, N] numeric tensor (or could "
	       "not be read back)");
	expect(app, "/data/plugin/pr_curves/tags", NULL, 0, 200,
	       "{\"a\": {\"pr\": {\"displayName\": \"\", \"description\": \"\"}}, "
	       "\"b\": {\"pr\": {\"displayName\": \"\", \"description\": \"\"}}, "
	       "\"c\": {\"pr\": {\"displayName\": \"\", \"description\": \"\"}}, "
	       "\"d\": {\"pr\": {\"displayName\": \"\", \"description\": \"\"}}}");
}

/* ---- layout ---------------------------------------------------------------- */

static Tensorboard__Chart *multiline(const char *title, char **tags, size_t n)
{
	Tensorboard__Chart *c = calloc(1, sizeof *c);
	Tensorboard__MultilineChartContent *m = calloc(1, sizeof *m);
	tensorboard__chart__init(c);
	tensorboard__multiline_chart_content__init(m);
	c->title = (char *)title;
	m->n_tag = n;
	m->tag = tags;
	c->content_case = TENSORBOARD__CHART__CONTENT_MULTILINE;
	c->multiline = m;
	return c;
}

static Tensorboard__Category *category(const char *title, bool closed, Tensorboard__Chart **charts,
				       size_t n)
{
	Tensorboard__Category *c = calloc(1, sizeof *c);
	tensorboard__category__init(c);
	c->title = (char *)title;
	c->closed = closed;
	c->n_chart = n;
	c->chart = charts;
	return c;
}

static void test_layout(void **state)
{
	tb_app *app = &((fixture *)*state)->app;
	expect(app, "/data/plugin/custom_scalars/layout", NULL, 0, 200, "{}");

	char *x[] = { "x.*" }, *q[] = { "q" }, *z[] = { "z" };
	Tensorboard__MarginChartContent__Series ser = TENSORBOARD__MARGIN_CHART_CONTENT__SERIES__INIT;
	ser.value = "v";
	ser.upper = "u";
	Tensorboard__MarginChartContent__Series *sers[] = { &ser };
	Tensorboard__MarginChartContent mc = TENSORBOARD__MARGIN_CHART_CONTENT__INIT;
	mc.n_series = 1;
	mc.series = sers;
	Tensorboard__Chart c2 = TENSORBOARD__CHART__INIT;
	c2.title = "c2";
	c2.content_case = TENSORBOARD__CHART__CONTENT_MARGIN;
	c2.margin = &mc;

	Tensorboard__Chart *a_charts[] = { multiline("c1", x, 1) };
	Tensorboard__Category *a_cats[] = { category("A", false, a_charts, 1) };
	Tensorboard__Chart *b_a[] = { multiline("c1", x, 1), &c2 };
	Tensorboard__Chart *b_b[] = { multiline("c3", NULL, 0) };
	Tensorboard__Category *b_cats[] = { category("A", false, b_a, 2), category("B", true, b_b, 1) };
	Tensorboard__Chart *c_b[] = { multiline("c4", q, 1) };
	Tensorboard__Chart *c_a[] = { multiline("", z, 1) };
	Tensorboard__Category *c_cats[] = { category("B", false, c_b, 1), category("A", false, c_a, 1) };
	Tensorboard__Layout la = TENSORBOARD__LAYOUT__INIT, lb = la, lc = la;
	la.n_category = 1;
	la.category = a_cats;
	lb.n_category = 2;
	lb.category = b_cats;
	lc.n_category = 2;
	lc.category = c_cats;
	/* added out of name order: runs merge in name order */
	add_layout(app, "c", &lc);
	add_layout(app, "a", &la);
	add_layout(app, "b", &lb);
	expect(app, "/data/plugin/custom_scalars/layout", NULL, 0, 200,
	       "{\n"
	       "  \"category\": [\n"
	       "    {\n"
	       "      \"title\": \"A\",\n"
	       "      \"chart\": [\n"
	       "        {\n"
	       "          \"title\": \"c1\",\n"
	       "          \"multiline\": {\n"
	       "            \"tag\": [\n"
	       "              \"x.*\"\n"
	       "            ]\n"
	       "          }\n"
	       "        },\n"
	       "        {\n"
	       "          \"title\": \"c2\",\n"
	       "          \"margin\": {\n"
	       "            \"series\": [\n"
	       "              {\n"
	       "                \"value\": \"v\",\n"
	       "                \"upper\": \"u\",\n"
	       "                \"lower\": \"\"\n"
	       "              }\n"
	       "            ]\n"
	       "          }\n"
	       "        },\n"
	       "        {\n"
	       "          \"multiline\": {\n"
	       "            \"tag\": [\n"
	       "              \"z\"\n"
	       "            ]\n"
	       "          },\n"
	       "          \"title\": \"\"\n"
	       "        }\n"
	       "      ],\n"
	       "      \"closed\": false\n"
	       "    },\n"
	       "    {\n"
	       "      \"title\": \"B\",\n"
	       "      \"chart\": [\n"
	       "        {\n"
	       "          \"title\": \"c3\",\n"
	       "          \"multiline\": {\n"
	       "            \"tag\": []\n"
	       "          }\n"
	       "        }\n"
	       "      ],\n"
	       "      \"closed\": true\n"
	       "    }\n"
	       "  ],\n"
	       "  \"version\": 0\n"
	       "}");
	for (size_t i = 0; i < 1; i++) {
		free(a_charts[i]->multiline);
		free(a_charts[i]);
	}
	Tensorboard__Chart *heap[] = { b_a[0], b_b[0], c_b[0], c_a[0] };
	for (size_t i = 0; i < 4; i++) {
		free(heap[i]->multiline);
		free(heap[i]);
	}
	free(a_cats[0]);
	free(b_cats[0]);
	free(b_cats[1]);
	free(c_cats[0]);
	free(c_cats[1]);
}

/* ---- scalars --------------------------------------------------------------- */

#define CS "/data/plugin/custom_scalars/scalars"

static void test_scalars(void **state)
{
	tb_app *app = &((fixture *)*state)->app;
	static const char *const tags[] = { "loss", "acc", "val/loss" };
	for (size_t i = 0; i < 3; i++) {
		tb_series *se = add_series(app, "r", tags[i], TB_KIND_SCALAR, "scalars");
		tb_scalar s = { TB_NUM_F32, 0.5, 0 };
		assert_int_equal(tb_series_append_scalar(&app->store, se, 1700000000.0, 1, &s), 0);
	}
	const char *pt = "[[1700000000.0, 1, 0.5]]";
	char want[512];
	snprintf(want, sizeof want, "{\"regex_valid\": true, \"tag_to_events\": "
		 "{\"loss\": %s, \"val/loss\": %s}}", pt, pt);
	expect(app, CS, (const char *[]){ "run", "r", "tag", "loss|val" }, 2, 200, want);
	/* re.match: anchored at the start only */
	snprintf(want, sizeof want, "{\"regex_valid\": true, \"tag_to_events\": {\"val/loss\": %s}}", pt);
	expect(app, CS, (const char *[]){ "run", "r", "tag", "v" }, 2, 200, want);
	expect(app, CS, (const char *[]){ "run", "r", "tag", "(?i)V\\w+/L" }, 2, 200, want);
	expect(app, CS, (const char *[]){ "run", "r", "tag", "oss" }, 2, 200,
	       "{\"regex_valid\": true, \"tag_to_events\": {}}");
	expect(app, CS, (const char *[]){ "run", "nope", "tag", "loss" }, 2, 200,
	       "{\"regex_valid\": true, \"tag_to_events\": {}}");
	expect(app, CS, (const char *[]){ "run", "r", "tag", "(loss" }, 2, 200,
	       "{\"regex_valid\": false, \"tag_to_events\": {}}");
	expect(app, CS, (const char *[]){ "run", "r", "tag", "" }, 2, 200,
	       "{\"regex_valid\": false, \"tag_to_events\": {}}");
	expect(app, CS, (const char *[]){ "run", "r", "tag", "(?=l)loss" }, 2, 400,
	       "Invalid argument: tag regex '(?=l)loss' uses lookaround, a backreference, a "
	       "conditional, an atomic group or \\N{...}, which tbserve does not run");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pr_curve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scalars, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
