/*
 * test_query.c - the query layer (server/query.c): views (found, visible,
 * locked, released, read cap), the two walkers, point iterators (all,
 * since_step, spike-preserving buckets with step ranges), and visibility
 * decided at ingest from the plugin-data version.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "ingest.h"
#include "query.h"

/* ---- helpers ------------------------------------------------------------- */

static tb_series *mk(tb_store *s, const char *run, const char *tag, tb_kind kind)
{
	static const char *const plugin[] = { "", "scalars", "histograms", "text", "images" };
	tb_run *r = tb_store_add_run(s, run);
	assert_non_null(r);
	tb_series_meta m = { plugin[kind], 0, tag, "", NULL, 0 };
	tb_run_wrlock(r);
	tb_series *se = tb_run_create(s, r, tag, strlen(tag), kind, &m);
	tb_run_unlock(r);
	assert_non_null(se);
	return se;
}

static void add(tb_store *s, tb_series *se, int64_t step, double value)
{
	tb_scalar v = { TB_NUM_F64, value, 0 };
	assert_int_equal(tb_series_append_scalar(s, se, 1000.0 + (double)step, step, &v), 0);
}

/* Steps 0..n-1 with value = step. */
static tb_series *ramp(tb_store *s, const char *run, const char *tag, int n)
{
	tb_series *se = mk(s, run, tag, TB_KIND_SCALAR);
	for (int i = 0; i < n; i++)
		add(s, se, i, i);
	return se;
}

/* The iterator's indices as steps, into out; returns how many. */
static size_t steps_of(tb_points *it, int64_t *out, size_t max)
{
	size_t n = 0, i;
	while (tb_points_next(it, &i)) {
		assert_true(n < max);
		out[n++] = tb_series_step(it->se, i);
	}
	return n;
}

static void expect_steps(const tb_view *v, const tb_point_query *q, const int64_t *want,
			 size_t n_want)
{
	tb_points it;
	int64_t got[256];
	assert_int_equal(tb_points_open(&it, v, q), 0);
	size_t n = steps_of(&it, got, 256);
	assert_int_equal(tb_points_count(&it), n);
	tb_points_release(&it);
	assert_int_equal(n, n_want);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(got[k], want[k]);
}

static bool run_write_locked(tb_run *r)
{
	int rc = pthread_rwlock_trywrlock(&r->lock);
	if (rc == 0)
		pthread_rwlock_unlock(&r->lock);
	return rc != 0;
}

static bool store_write_locked(tb_store *s)
{
	int rc = pthread_rwlock_trywrlock(&s->lock);
	if (rc == 0)
		pthread_rwlock_unlock(&s->lock);
	return rc != 0;
}

/* ---- views ---------------------------------------------------------------- */

static void test_view_open(void **state)
{
	(void)state;
	tb_store s;
	tb_store_init(&s, NULL);
	tb_series *se = ramp(&s, "a", "loss", 5);
	mk(&s, "a", "h", TB_KIND_HISTOGRAM);
	tb_view v;
	assert_int_equal(tb_view_open(&v, &s, "a", "loss", TB_KIND_SCALAR), 0);
	assert_ptr_equal(v.se, se);
	assert_string_equal(v.run->name, "a");
	assert_int_equal(v.first, 0);
	assert_int_equal(v.end, 5);
	/* held for reading: a writer cannot get in until the release */
	assert_true(run_write_locked(v.run));
	assert_true(store_write_locked(&s));
	tb_view_release(&v);
	assert_false(run_write_locked(s.runs[0]));
	assert_false(store_write_locked(&s));

	assert_int_equal(tb_view_open(&v, &s, "b", "loss", TB_KIND_SCALAR), -ENOENT);
	assert_int_equal(tb_view_open(&v, &s, "a", "nope", TB_KIND_SCALAR), -ENOENT);
	/* the wrong plugin asking */
	assert_int_equal(tb_view_open(&v, &s, "a", "loss", TB_KIND_HISTOGRAM), -ENOENT);
	assert_int_equal(tb_view_open(&v, &s, "a", "h", TB_KIND_SCALAR), -ENOENT);
	assert_int_equal(tb_view_open(&v, &s, "a", "h", TB_KIND_HISTOGRAM), 0);
	tb_view_release(&v);
	/* hidden at ingest: served by nobody */
	se->too_new = true;
	assert_int_equal(tb_view_open(&v, &s, "a", "loss", TB_KIND_SCALAR), -ENOENT);
	/* nothing left locked by the failures */
	assert_false(run_write_locked(s.runs[0]));
	assert_false(store_write_locked(&s));
	tb_store_release(&s);
}

static void test_view_read_cap(void **state)
{
	(void)state;
	tb_store_opts o = { .rule = TB_PURGE_NONE, .n_samples = 2 };
	strcpy(o.samples[0].plugin, "histograms");
	o.samples[0].keep = 1;
	strcpy(o.samples[1].plugin, "scalars");
	o.samples[1].keep = 3;
	tb_store s;
	tb_store_init(&s, &o);
	/* created without the store's keep: the read cap alone trims */
	tb_series *se = ramp(&s, "a", "loss", 2);
	se->keep = 0;
	for (int i = 2; i < 10; i++)
		add(&s, se, i, i);
	tb_view v;
	assert_int_equal(tb_view_open(&v, &s, "a", "loss", TB_KIND_SCALAR), 0);
	assert_int_equal(v.first, 7);
	assert_int_equal(v.end, 10);
	int64_t want[] = { 7, 8, 9 };
	expect_steps(&v, NULL, want, 3);
	tb_view_release(&v);
	tb_store_release(&s);
}

/* ---- walkers ---------------------------------------------------------------- */

struct seen {
	char names[16][32];
	size_t n;
	int stop_at;    /* return 7 from this call (1-based), 0 = never */
};

static int note_view(void *arg, const tb_view *v)
{
	struct seen *x = arg;
	assert_true(run_write_locked(v->run));
	snprintf(x->names[x->n++], 32, "%s/%s:%zu", v->run->name, v->se->tag, v->end - v->first);
	return x->stop_at && (int)x->n == x->stop_at ? 7 : 0;
}

static void test_query_runs(void **state)
{
	(void)state;
	tb_store s;
	tb_store_init(&s, NULL);
	ramp(&s, "r1", "loss", 2);
	ramp(&s, "r2", "acc", 1);
	ramp(&s, "r3", "loss", 3);
	mk(&s, "r4", "loss", TB_KIND_TEXT);
	struct seen x = { 0 };
	assert_int_equal(tb_query_runs(&s, NULL, 0, "loss", TB_KIND_SCALAR, note_view, &x), 0);
	assert_int_equal(x.n, 2);
	assert_string_equal(x.names[0], "r1/loss:2");
	assert_string_equal(x.names[1], "r3/loss:3");

	/* named runs: in the order given, repeats once, unknown skipped */
	const char *names[] = { "r3", "nope", "r1", "r3", "r4" };
	memset(&x, 0, sizeof x);
	assert_int_equal(tb_query_runs(&s, names, 5, "loss", TB_KIND_SCALAR, note_view, &x), 0);
	assert_int_equal(x.n, 2);
	assert_string_equal(x.names[0], "r3/loss:3");
	assert_string_equal(x.names[1], "r1/loss:2");

	/* a nonzero return stops the walk and is its result */
	memset(&x, 0, sizeof x);
	x.stop_at = 1;
	assert_int_equal(tb_query_runs(&s, NULL, 0, "loss", TB_KIND_SCALAR, note_view, &x), 7);
	assert_int_equal(x.n, 1);
	assert_false(store_write_locked(&s));
	tb_store_release(&s);
}

static int note_tags(void *arg, const tb_run *r, const tb_series **tags, size_t n)
{
	struct seen *x = arg;
	int len = snprintf(x->names[x->n], 32, "%s:", r->name);
	for (size_t k = 0; k < n; k++)
		len += snprintf(x->names[x->n] + len, 32 - (size_t)len, "%s,", tags[k]->tag);
	x->n++;
	return x->stop_at && (int)x->n == x->stop_at ? 7 : 0;
}

static void test_query_tags(void **state)
{
	(void)state;
	tb_store s;
	tb_store_init(&s, NULL);
	ramp(&s, "r1", "b", 1);
	ramp(&s, "r1", "a", 1);
	mk(&s, "r1", "t", TB_KIND_TEXT);
	mk(&s, "r2", "t", TB_KIND_TEXT);
	tb_series *hidden = ramp(&s, "r3", "x", 1);
	hidden->too_new = true;
	ramp(&s, "r4", "c", 1);
	struct seen x = { 0 };
	assert_int_equal(tb_query_tags(&s, TB_KIND_SCALAR, note_tags, &x), 0);
	assert_int_equal(x.n, 2);
	assert_string_equal(x.names[0], "r1:b,a,");   /* creation order */
	assert_string_equal(x.names[1], "r4:c,");
	memset(&x, 0, sizeof x);
	assert_int_equal(tb_query_tags(&s, TB_KIND_TEXT, note_tags, &x), 0);
	assert_int_equal(x.n, 2);
	assert_string_equal(x.names[0], "r1:t,");
	assert_string_equal(x.names[1], "r2:t,");
	memset(&x, 0, sizeof x);
	x.stop_at = 1;
	assert_int_equal(tb_query_tags(&s, TB_KIND_SCALAR, note_tags, &x), 7);
	assert_int_equal(x.n, 1);
	assert_false(store_write_locked(&s));
	tb_store_release(&s);
}

static int note_run(void *arg, tb_run *r)
{
	struct seen *x = arg;
	assert_true(run_write_locked(r));
	snprintf(x->names[x->n++], 32, "%s", r->name);
	return x->stop_at && (int)x->n == x->stop_at ? 7 : 0;
}

static void test_query_sorted_runs(void **state)
{
	(void)state;
	tb_store s;
	tb_store_init(&s, NULL);
	const char *names[] = { "z_nostart", "late", "b", "early", "a" };
	const double starts[] = { 0, 30, 20, 10, 20 };
	for (int i = 0; i < 5; i++) {
		tb_run *r = tb_store_add_run(&s, names[i]);
		r->has_start = starts[i] > 0;
		r->start_time = starts[i];
	}
	struct seen x = { 0 };
	assert_int_equal(tb_query_sorted_runs(&s, note_run, &x), 0);
	assert_int_equal(x.n, 5);
	const char *want[] = { "early", "a", "b", "late", "z_nostart" };
	for (int i = 0; i < 5; i++)
		assert_string_equal(x.names[i], want[i]);
	memset(&x, 0, sizeof x);
	x.stop_at = 2;
	assert_int_equal(tb_query_sorted_runs(&s, note_run, &x), 7);
	assert_int_equal(x.n, 2);
	assert_false(store_write_locked(&s));
	tb_store_release(&s);
}

/* ---- point iterators ------------------------------------------------------------ */

static void test_points_since(void **state)
{
	(void)state;
	tb_store s;
	tb_store_init(&s, NULL);
	ramp(&s, "a", "x", 6);
	tb_view v;
	assert_int_equal(tb_view_open(&v, &s, "a", "x", TB_KIND_SCALAR), 0);
	int64_t all[] = { 0, 1, 2, 3, 4, 5 };
	expect_steps(&v, NULL, all, 6);
	tb_point_query q = { .has_since = true, .since = 3 };
	expect_steps(&v, &q, all + 4, 2);
	q.since = 5;
	expect_steps(&v, &q, NULL, 0);
	q.since = -100;
	expect_steps(&v, &q, all, 6);
	q.since = INT64_MAX;
	expect_steps(&v, &q, NULL, 0);
	tb_view_release(&v);
	tb_store_release(&s);
}

/* 100 points in 4 buckets of 25 steps, a spike and a dip and a NaN hidden
 * in the middle of buckets: every one survives. */
static void test_points_buckets(void **state)
{
	(void)state;
	tb_store s;
	tb_store_init(&s, NULL);
	tb_series *se = mk(&s, "a", "x", TB_KIND_SCALAR);
	for (int i = 0; i < 100; i++)
		add(&s, se, i, i == 37 ? 1e9 : i == 38 ? -1e9 : i == 60 ? NAN : 1.0);
	tb_view v;
	assert_int_equal(tb_view_open(&v, &s, "a", "x", TB_KIND_SCALAR), 0);
	tb_point_query q = { .buckets = 4 };
	/* bucket 0: first 0, min=max=0 (first of equal values), last 24;
	 * bucket 1: first 25, spike 37, dip 38, last 49; bucket 2: first 50,
	 * NaN 60, last 74; bucket 3: 75, 99 */
	int64_t want[] = { 0, 24, 25, 37, 38, 49, 50, 60, 74, 75, 99 };
	expect_steps(&v, &q, want, sizeof want / sizeof *want);

	/* a step range: [30, 49] in 2 buckets of 10 */
	tb_point_query r = { .buckets = 2, .has_min = true, .min_step = 30, .has_max = true,
			     .max_step = 49 };
	int64_t want_r[] = { 30, 37, 38, 39, 40, 49 };
	expect_steps(&v, &r, want_r, sizeof want_r / sizeof *want_r);

	/* since_step narrows the bucketed range from below */
	tb_point_query t = { .buckets = 1, .has_since = true, .since = 90 };
	int64_t want_t[] = { 91, 99 };
	expect_steps(&v, &t, want_t, 2);
	/* ... to nothing at the largest step (once all of them, and an
	 * overflow of since + 1 before that) */
	t.since = INT64_MAX;
	expect_steps(&v, &t, NULL, 0);
	t.since = INT64_MIN;
	t.has_min = true;
	t.min_step = INT64_MIN;
	t.has_max = true;
	t.max_step = INT64_MAX;
	int64_t want_all[] = { 0, 37, 38, 60, 99 };
	expect_steps(&v, &t, want_all, 5);

	/* at most 4 points per bucket: all of them (no more than the picks) */
	tb_point_query w = { .buckets = 1, .has_since = true, .since = 95 };
	int64_t want_w[] = { 96, 97, 98, 99 };
	expect_steps(&v, &w, want_w, 4);
	tb_point_query w2 = { .buckets = 5, .has_min = true, .min_step = 20, .has_max = true,
			      .max_step = 39 };
	int64_t want_w2[] = { 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39 };
	expect_steps(&v, &w2, want_w2, 20);

	/* an empty range */
	tb_point_query e = { .buckets = 3, .has_min = true, .min_step = 500 };
	expect_steps(&v, &e, NULL, 0);
	tb_view_release(&v);
	tb_store_release(&s);
}

/* Each bucket's points come out in file order even when the minimum comes
 * before the first maximum. */
static void test_points_bucket_order(void **state)
{
	(void)state;
	tb_store s;
	tb_store_init(&s, NULL);
	tb_series *se = mk(&s, "a", "x", TB_KIND_SCALAR);
	double vals[] = { 5, 9, 1, 5, 5 };
	for (int i = 0; i < 5; i++)
		add(&s, se, i * 10, vals[i]);
	tb_view v;
	assert_int_equal(tb_view_open(&v, &s, "a", "x", TB_KIND_SCALAR), 0);
	tb_point_query q = { .buckets = 1 };
	int64_t want[] = { 0, 10, 20, 40 };
	expect_steps(&v, &q, want, 4);
	tb_view_release(&v);
	tb_store_release(&s);
}

/* ---- visibility at ingest ------------------------------------------------------------ */

/* A text value whose plugin data content is the given bytes. */
static void ingest_text(tb_ingest *g, const char *tag, const uint8_t *content, size_t n)
{
	ProtobufCBinaryData str = { 2, (uint8_t *)"hi" };
	Tensorboard__TensorProto t = TENSORBOARD__TENSOR_PROTO__INIT;
	t.dtype = TENSORBOARD__DATA_TYPE__DT_STRING;
	t.n_string_val = 1;
	t.string_val = &str;
	Tensorboard__SummaryMetadata__PluginData pd = TENSORBOARD__SUMMARY_METADATA__PLUGIN_DATA__INIT;
	pd.plugin_name = (char *)"text";
	pd.content.data = (uint8_t *)content;
	pd.content.len = n;
	Tensorboard__SummaryMetadata md = TENSORBOARD__SUMMARY_METADATA__INIT;
	md.plugin_data = &pd;
	Tensorboard__Summary__Value v = TENSORBOARD__SUMMARY__VALUE__INIT, *vp = &v;
	v.tag = (char *)tag;
	v.metadata = &md;
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR;
	v.tensor = &t;
	Tensorboard__Summary sum = TENSORBOARD__SUMMARY__INIT;
	sum.n_value = 1;
	sum.value = &vp;
	Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
	ev.wall_time = 1.0;
	ev.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY;
	ev.summary = &sum;
	unsigned char buf[512];
	size_t len = tensorboard__event__pack(&ev, buf);
	assert_true(len < sizeof buf);
	assert_int_equal(tb_ingest_record(g, buf, len), 0);
}

static void test_visibility_at_ingest(void **state)
{
	(void)state;
	tb_store s;
	tb_store_init(&s, NULL);
	tb_run *r = tb_store_add_run(&s, "a");
	tb_ingest g;
	tb_ingest_init(&g, &s, r);
	tb_run_wrlock(r);
	static const uint8_t v0[] = { 0x08, 0x00 }, v1[] = { 0x08, 0x01 },
			     other_first[] = { 0x10, 0x05, 0x08, 0x02 }, neg[] = { 0x08, 0xff, 0xff, 0xff,
									 0xff, 0x0f },
			     not_varint[] = { 0x0a, 0x01, 0x41, 0x08, 0x01 };
	ingest_text(&g, "v0", v0, sizeof v0);
	ingest_text(&g, "none", NULL, 0);
	ingest_text(&g, "v1", v1, sizeof v1);
	ingest_text(&g, "skip_then_v2", other_first, sizeof other_first);
	ingest_text(&g, "negative", neg, sizeof neg);
	ingest_text(&g, "bytes_first", not_varint, sizeof not_varint);
	tb_run_unlock(r);
	tb_ingest_release(&g);
	static const struct { const char *tag; bool visible; } want[] = {
		{ "v0", true }, { "none", true }, { "v1", false }, { "skip_then_v2", false },
		{ "negative", true }, { "bytes_first", true },
	};
	for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
		tb_view v;
		int rc = tb_view_open(&v, &s, "a", want[k].tag, TB_KIND_TEXT);
		if (rc != (want[k].visible ? 0 : -ENOENT))
			fail_msg("%s: tb_view_open = %d", want[k].tag, rc);
		tb_view_release(&v);
	}
	tb_store_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_view_open),
		cmocka_unit_test(test_view_read_cap),
		cmocka_unit_test(test_query_runs),
		cmocka_unit_test(test_query_tags),
		cmocka_unit_test(test_query_sorted_runs),
		cmocka_unit_test(test_points_since),
		cmocka_unit_test(test_points_buckets),
		cmocka_unit_test(test_points_bucket_order),
		cmocka_unit_test(test_visibility_at_ingest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
