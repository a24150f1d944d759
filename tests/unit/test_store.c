/*
 * test_store.c - the in-memory store (server/store.c): scalar columns of
 * every numeric type and their promotion, steps that do not fit int32
 * offsets, the step purge rule (reference §1.6), tb_run_purge, the load-time
 * reservoir (§3.1), heavy points owned by the store, run order, compaction
 * and memory per point. Run under ASan too: every path here must free what
 * it allocates.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "testutil.h"

/* ---- helpers -------------------------------------------------------------- */

static tb_series *mk_series(tb_store *s, tb_run *r, const char *tag, tb_kind kind)
{
	const char *plugin = kind == TB_KIND_SCALAR ? "scalars" : kind == TB_KIND_HISTOGRAM ?
			     "histograms" : kind == TB_KIND_TEXT ? "text" : "images";
	int cls = kind == TB_KIND_SCALAR ? TB_CLASS_SCALAR : kind == TB_KIND_BLOB ?
		  TB_CLASS_BLOB_SEQUENCE : TB_CLASS_TENSOR;
	tb_series_meta m = { plugin, cls, tag, "", NULL, 0 };
	tb_series *se = tb_run_create(s, r, tag, strlen(tag), kind, &m);
	assert_non_null(se);
	return se;
}

static tb_scalar sf32(float f)
{
	tb_scalar v = { TB_NUM_F32, f, 0 };
	return v;
}

static tb_scalar sf64(double f)
{
	tb_scalar v = { TB_NUM_F64, f, 0 };
	return v;
}

static tb_scalar si64(int64_t i)
{
	tb_scalar v = { TB_NUM_I64, 0, i };
	return v;
}

static tb_scalar sbool(int b)
{
	tb_scalar v = { TB_NUM_BOOL, 0, b };
	return v;
}

static void put(tb_store *s, tb_series *se, int64_t step, tb_scalar v)
{
	assert_int_equal(tb_series_append_scalar(s, se, 1000.0 + (double)step, step, &v), 0);
}

static void put_f(tb_store *s, tb_series *se, int64_t step, double f)
{
	put(s, se, step, sf64(f));
}

/* The series' steps are exactly want[0..n). */
static void expect_steps(const tb_series *se, const int64_t *want, size_t n)
{
	if (se->n != n)
		fail_msg("series %s: %zu points, want %zu", se->tag, se->n, n);
	for (size_t i = 0; i < n; i++)
		if (tb_series_step(se, i) != want[i])
			fail_msg("series %s point %zu: step %lld, want %lld", se->tag, i,
				 (long long)tb_series_step(se, i), (long long)want[i]);
}

static double value_of(const tb_series *se, size_t i)
{
	tb_scalar v = tb_series_scalar(se, i);
	return v.type == TB_NUM_F32 || v.type == TB_NUM_F64 ? v.f : (double)v.i;
}

static tb_store *new_store(tb_store *s, tb_purge_rule rule)
{
	tu_store_init(s, rule);
	return s;
}

/* ---- scalar types ----------------------------------------------------------- */

static void test_scalar_types(void **state)
{
	(void)state;
	tb_store s;
	new_store(&s, TB_PURGE_NONE);
	tb_run *r = tb_store_add_run(&s, "run");
	assert_non_null(r);

	tb_series *f = mk_series(&s, r, "f32", TB_KIND_SCALAR);
	const float fv[] = { 0.1f, -0.0f, INFINITY, -INFINITY, FLT_MAX };
	for (size_t i = 0; i < sizeof fv / sizeof *fv; i++)
		put(&s, f, (int64_t)i, sf32(fv[i]));
	put(&s, f, 9, sf32(NAN));
	assert_int_equal(f->num_type, TB_NUM_F32);
	for (size_t i = 0; i < sizeof fv / sizeof *fv; i++) {
		tb_scalar v = tb_series_scalar(f, i);
		assert_int_equal(v.type, TB_NUM_F32);
		double want = fv[i];
		assert_memory_equal(&v.f, &want, 8);
	}
	assert_true(isnan(tb_series_scalar(f, 5).f));

	tb_series *d = mk_series(&s, r, "f64", TB_KIND_SCALAR);
	const double dv[] = { 0.1, 1e300, -5e-324, 3.141592653589793 };
	for (size_t i = 0; i < 4; i++)
		put(&s, d, (int64_t)i, sf64(dv[i]));
	assert_int_equal(d->num_type, TB_NUM_F64);
	for (size_t i = 0; i < 4; i++) {
		tb_scalar v = tb_series_scalar(d, i);
		assert_int_equal(v.type, TB_NUM_F64);
		assert_memory_equal(&v.f, &dv[i], 8);
	}

	tb_series *n = mk_series(&s, r, "i64", TB_KIND_SCALAR);
	const int64_t iv[] = { INT64_MIN, -1, 0, ((int64_t)1 << 53) + 1, INT64_MAX };
	for (size_t i = 0; i < 5; i++)
		put(&s, n, (int64_t)i, si64(iv[i]));
	assert_int_equal(n->num_type, TB_NUM_I64);
	for (size_t i = 0; i < 5; i++) {
		tb_scalar v = tb_series_scalar(n, i);
		assert_int_equal(v.type, TB_NUM_I64);
		assert_true(v.i == iv[i]);
	}

	tb_series *b = mk_series(&s, r, "bool", TB_KIND_SCALAR);
	put(&s, b, 0, sbool(1));
	put(&s, b, 1, sbool(0));
	put(&s, b, 2, sbool(1));
	assert_int_equal(b->num_type, TB_NUM_BOOL);
	assert_int_equal(tb_series_scalar(b, 0).type, TB_NUM_BOOL);
	assert_int_equal(tb_series_scalar(b, 0).i, 1);
	assert_int_equal(tb_series_scalar(b, 1).i, 0);
	assert_int_equal(tb_series_scalar(b, 2).i, 1);
	/* wall times kept exactly */
	assert_true(tb_series_wall(b, 2) == 1002.0);
	tb_store_release(&s);
}

static void test_promotion(void **state)
{
	(void)state;
	tb_store s;
	new_store(&s, TB_PURGE_NONE);
	tb_run *r = tb_store_add_run(&s, "run");

	/* float32 series receiving a double: the whole series becomes F64 */
	tb_series *a = mk_series(&s, r, "a", TB_KIND_SCALAR);
	for (int i = 0; i < 100; i++)
		put(&s, a, i, sf32((float)i / 10.0f));
	put(&s, a, 100, sf64(0.1));
	assert_int_equal(a->num_type, TB_NUM_F64);
	assert_int_equal(a->n, 101);
	for (int i = 0; i < 100; i++) {
		tb_scalar v = tb_series_scalar(a, (size_t)i);
		assert_int_equal(v.type, TB_NUM_F64);
		double want = (double)((float)i / 10.0f);
		assert_memory_equal(&v.f, &want, 8);
	}
	assert_true(tb_series_scalar(a, 100).f == 0.1);
	/* and later float32 values are stored as their double value */
	put(&s, a, 101, sf32(0.1f));
	assert_true(tb_series_scalar(a, 101).f == (double)0.1f);
	assert_int_equal(a->num_type, TB_NUM_F64);

	/* int + bool -> I64, both orders */
	tb_series *b = mk_series(&s, r, "b", TB_KIND_SCALAR);
	put(&s, b, 0, si64(-7));
	put(&s, b, 1, sbool(1));
	assert_int_equal(b->num_type, TB_NUM_I64);
	assert_int_equal(tb_series_scalar(b, 0).i, -7);
	assert_int_equal(tb_series_scalar(b, 1).i, 1);
	tb_series *c = mk_series(&s, r, "c", TB_KIND_SCALAR);
	put(&s, c, 0, sbool(1));
	put(&s, c, 1, sbool(0));
	put(&s, c, 2, si64(1000000));
	assert_int_equal(c->num_type, TB_NUM_I64);
	assert_int_equal(tb_series_scalar(c, 0).type, TB_NUM_I64);
	assert_int_equal(tb_series_scalar(c, 0).i, 1);
	assert_int_equal(tb_series_scalar(c, 1).i, 0);
	assert_int_equal(tb_series_scalar(c, 2).i, 1000000);

	/* int + float -> F64, values preserved */
	tb_series *d = mk_series(&s, r, "d", TB_KIND_SCALAR);
	put(&s, d, 0, si64(123456789));
	put(&s, d, 1, si64(-3));
	put(&s, d, 2, sf32(2.5f));
	assert_int_equal(d->num_type, TB_NUM_F64);
	assert_true(tb_series_scalar(d, 0).f == 123456789.0);
	assert_true(tb_series_scalar(d, 1).f == -3.0);
	assert_true(tb_series_scalar(d, 2).f == 2.5);
	put(&s, d, 3, si64(4));
	assert_true(tb_series_scalar(d, 3).f == 4.0);
	assert_int_equal(tb_series_scalar(d, 3).type, TB_NUM_F64);

	/* float32 + int -> F64 */
	tb_series *e = mk_series(&s, r, "e", TB_KIND_SCALAR);
	put(&s, e, 0, sf32(0.3f));
	put(&s, e, 1, si64(16777217)); /* not representable as float32 */
	assert_int_equal(e->num_type, TB_NUM_F64);
	assert_true(tb_series_scalar(e, 0).f == (double)0.3f);
	assert_true(tb_series_scalar(e, 1).f == 16777217.0);

	/* bool + double -> F64 */
	tb_series *g = mk_series(&s, r, "g", TB_KIND_SCALAR);
	put(&s, g, 0, sbool(1));
	put(&s, g, 1, sf64(0.5));
	assert_int_equal(g->num_type, TB_NUM_F64);
	assert_true(tb_series_scalar(g, 0).f == 1.0);
	assert_true(tb_series_scalar(g, 1).f == 0.5);

	/* the first value fixes the type of an empty series */
	tb_series *h = mk_series(&s, r, "h", TB_KIND_SCALAR);
	put(&s, h, 0, si64(5));
	assert_int_equal(h->num_type, TB_NUM_I64);
	tb_store_release(&s);
}

/* Promotion in the middle of reservoir sampling and after steps widened. */
static void test_promotion_with_wide_steps(void **state)
{
	(void)state;
	tb_store s;
	new_store(&s, TB_PURGE_NONE);
	tb_run *r = tb_store_add_run(&s, "run");
	tb_series *a = mk_series(&s, r, "a", TB_KIND_SCALAR);
	put(&s, a, 0, sf32(1.5f));
	put(&s, a, (int64_t)1 << 40, sf32(2.5f));
	put(&s, a, -5, sf64(0.1));
	put(&s, a, 7, si64(9));
	const int64_t want[] = { 0, (int64_t)1 << 40, -5, 7 };
	expect_steps(a, want, 4);
	assert_true(value_of(a, 0) == 1.5);
	assert_true(value_of(a, 1) == 2.5);
	assert_true(value_of(a, 2) == 0.1);
	assert_true(value_of(a, 3) == 9.0);
	tb_store_release(&s);
}

/* ---- steps ----------------------------------------------------------------- */

static void test_wide_steps(void **state)
{
	(void)state;
	tb_store s;
	new_store(&s, TB_PURGE_NONE);
	tb_run *r = tb_store_add_run(&s, "run");
	tb_series *a = mk_series(&s, r, "a", TB_KIND_SCALAR);
	const int64_t st[] = { 0, (int64_t)1 << 40, -5, INT64_MAX, INT64_MIN, 3, (int64_t)INT32_MAX + 1 };
	for (size_t i = 0; i < sizeof st / sizeof *st; i++)
		put_f(&s, a, st[i], (double)i);
	expect_steps(a, st, sizeof st / sizeof *st);
	for (size_t i = 0; i < sizeof st / sizeof *st; i++)
		assert_true(value_of(a, i) == (double)i);

	/* a base far from zero, offsets on both sides within int32 */
	tb_series *b = mk_series(&s, r, "b", TB_KIND_SCALAR);
	const int64_t st2[] = { (int64_t)1 << 50, ((int64_t)1 << 50) + INT32_MAX,
				((int64_t)1 << 50) + INT32_MIN, ((int64_t)1 << 50) - 1 };
	for (size_t i = 0; i < 4; i++)
		put_f(&s, b, st2[i], 1.0);
	expect_steps(b, st2, 4);
	/* one past the offset range */
	put_f(&s, b, ((int64_t)1 << 50) + (int64_t)INT32_MAX + 1, 2.0);
	assert_int_equal(tb_series_step(b, 4), ((int64_t)1 << 50) + (int64_t)INT32_MAX + 1);
	assert_int_equal(b->n, 5);
	for (size_t i = 0; i < 4; i++) /* earlier steps intact after widening */
		assert_int_equal(tb_series_step(b, i), st2[i]);
	tb_store_release(&s);
}

static void test_wide_steps_heavy(void **state)
{
	(void)state;
	tb_store s;
	new_store(&s, TB_PURGE_STEP);
	tb_run *r = tb_store_add_run(&s, "run");
	tb_series *h = mk_series(&s, r, "h", TB_KIND_HISTOGRAM);
	const double b[3] = { 0, 1, 2 };
	const int64_t st[] = { -((int64_t)1 << 45), 0, (int64_t)1 << 45, ((int64_t)1 << 62) };
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(tb_series_append_hist(&s, h, 1.0, st[i], b, 1), 0);
	expect_steps(h, st, 4);
	/* the step rule on a widened series */
	assert_int_equal(tb_series_append_hist(&s, h, 1.0, 5, b, 1), 0);
	const int64_t want[] = { -((int64_t)1 << 45), 0, 5 };
	expect_steps(h, want, 3);
	tb_store_release(&s);
}

/* ---- purge rules ------------------------------------------------------------ */

static void test_purge_step_rule(void **state)
{
	(void)state;
	tb_store s;
	new_store(&s, TB_PURGE_STEP);
	tb_run *r = tb_store_add_run(&s, "run");
	tb_series *a = mk_series(&s, r, "a", TB_KIND_SCALAR);
	tb_series *other = mk_series(&s, r, "other", TB_KIND_SCALAR);
	for (int i = 0; i < 4; i++)
		put_f(&s, a, i * 10, i);
	for (int i = 0; i < 10; i++)
		put_f(&s, other, i, i);
	/* a point at 15 removes 20 and 30 */
	put_f(&s, a, 15, 1.5);
	const int64_t w1[] = { 0, 10, 15 };
	expect_steps(a, w1, 3);
	assert_true(value_of(a, 2) == 1.5);
	/* duplicate step: the last value stays */
	put_f(&s, a, 15, 2.5);
	put_f(&s, a, 15, 3.5);
	expect_steps(a, w1, 3);
	assert_true(value_of(a, 2) == 3.5);
	assert_true(value_of(a, 1) == 1.0);
	/* restart at a lower step truncates */
	put_f(&s, a, 0, 9.0);
	const int64_t w2[] = { 0 };
	expect_steps(a, w2, 1);
	assert_true(value_of(a, 0) == 9.0);
	/* below every stored step */
	put_f(&s, a, -3, 8.0);
	const int64_t w3[] = { -3 };
	expect_steps(a, w3, 1);
	/* other series untouched */
	assert_int_equal(other->n, 10);
	/* heavy points under the rule: purged points are freed (ASan) */
	tb_series *h = mk_series(&s, r, "h", TB_KIND_BLOB);
	for (int i = 0; i < 50; i++)
		assert_int_equal(tb_series_append_blob(&s, h, 1.0, i, TB_BLOB_RAW,
						       (const unsigned char *)"xyz", 3), 0);
	assert_int_equal(tb_series_append_blob(&s, h, 1.0, 10, TB_BLOB_RAW,
					       (const unsigned char *)"new", 3), 0);
	assert_int_equal(h->n, 11);
	assert_memory_equal(tb_series_blob(h, 10)->data, "new", 3);
	tb_store_release(&s);
}

static void test_purge_none_keeps_all(void **state)
{
	(void)state;
	for (int rule = TB_PURGE_SESSION; rule <= TB_PURGE_NONE; rule++) {
		tb_store s;
		new_store(&s, (tb_purge_rule)rule);
		tb_run *r = tb_store_add_run(&s, "run");
		tb_series *a = mk_series(&s, r, "a", TB_KIND_SCALAR);
		const int64_t st[] = { 0, 10, 20, 5, 5, 30, 0, -1 };
		for (size_t i = 0; i < 8; i++)
			put_f(&s, a, st[i], (double)i);
		expect_steps(a, st, 8);
		for (size_t i = 0; i < 8; i++)
			assert_true(value_of(a, i) == (double)i);
		tb_store_release(&s);
	}
}

static void test_run_purge(void **state)
{
	(void)state;
	tb_store s;
	new_store(&s, TB_PURGE_NONE);
	tb_run *r = tb_store_add_run(&s, "run");
	tb_series *a = mk_series(&s, r, "a", TB_KIND_SCALAR);
	tb_series *b = mk_series(&s, r, "b", TB_KIND_HISTOGRAM);
	tb_series *c = mk_series(&s, r, "c", TB_KIND_TEXT);
	const double bk[3] = { 0, 1, 1 };
	const char *str = "t";
	size_t len = 1;
	tb_text_view tv = { 0, NULL, 1, &str, &len, 1 };
	for (int i = 0; i < 10; i++) {
		put_f(&s, a, i, i);
		assert_int_equal(tb_series_append_hist(&s, b, 1.0, i, bk, 1), 0);
		assert_int_equal(tb_series_append_text(&s, c, 1.0, i, &tv), 0);
	}
	uint64_t va = a->version, rv = r->version;
	/* all tags */
	tb_run_purge(r, 5, NULL, 0);
	const int64_t w5[] = { 0, 1, 2, 3, 4 };
	expect_steps(a, w5, 5);
	expect_steps(b, w5, 5);
	expect_steps(c, w5, 5);
	assert_true(a->version != va);
	assert_true(r->version != rv);
	/* only listed tags */
	const char *const only[] = { "a", "c", "no-such-tag" };
	tb_run_purge(r, 2, only, 3);
	const int64_t w2[] = { 0, 1 };
	expect_steps(a, w2, 2);
	expect_steps(b, w5, 5);
	expect_steps(c, w2, 2);
	/* a purge that removes nothing */
	va = a->version;
	tb_run_purge(r, 100, NULL, 0);
	expect_steps(a, w2, 2);
	assert_true(a->version == va);

	/* unsorted series (no step rule): every step >= s goes, order kept */
	tb_series *u = mk_series(&s, r, "u", TB_KIND_SCALAR);
	const int64_t st[] = { 5, 1, 9, 2, 7, 0, 3 };
	for (int i = 0; i < 7; i++)
		put_f(&s, u, st[i], st[i] * 10.0);
	tb_run_purge(r, 3, NULL, 0);
	const int64_t wu[] = { 1, 2, 0 };
	expect_steps(u, wu, 3);
	assert_true(value_of(u, 0) == 10.0);
	assert_true(value_of(u, 1) == 20.0);
	assert_true(value_of(u, 2) == 0.0);
	/* appends after a purge */
	put_f(&s, u, 4, 40.0);
	const int64_t wu2[] = { 1, 2, 0, 4 };
	expect_steps(u, wu2, 4);
	tb_store_release(&s);
}

/* ---- reservoir -------------------------------------------------------------- */

static tb_store *reservoir_store(tb_store *s, tb_purge_rule rule, const char *plugin, uint64_t keep)
{
	tb_store_opts o;
	memset(&o, 0, sizeof o);
	o.rule = rule;
	o.n_samples = 1;
	snprintf(o.samples[0].plugin, sizeof o.samples[0].plugin, "%s", plugin);
	o.samples[0].keep = keep;
	tb_store_init(s, &o);
	return s;
}

static void test_reservoir(void **state)
{
	(void)state;
	for (int rule = TB_PURGE_STEP; rule <= TB_PURGE_NONE; rule++) {
		tb_store s;
		reservoir_store(&s, (tb_purge_rule)rule, "scalars", 10);
		tb_run *r = tb_store_add_run(&s, "run");
		tb_series *a = mk_series(&s, r, "a", TB_KIND_SCALAR);
		assert_int_equal(a->keep, 10);
		for (int i = 0; i < 10000; i++) {
			put_f(&s, a, i, i * 2.0);
			size_t want = i < 10 ? (size_t)i + 1 : 10;
			if (a->n != want)
				fail_msg("after %d appends: %zu points", i + 1, a->n);
			/* the newest is always last */
			assert_int_equal(tb_series_step(a, a->n - 1), i);
		}
		assert_int_equal(a->n, 10);
		/* order preserved, values belong to their steps */
		for (size_t k = 0; k < 10; k++) {
			if (k)
				assert_true(tb_series_step(a, k) > tb_series_step(a, k - 1));
			assert_true(value_of(a, k) == 2.0 * (double)tb_series_step(a, k));
			assert_true(tb_series_wall(a, k) == 1000.0 + (double)tb_series_step(a, k));
		}
		/* a uniform sample of 9 from 9,999 is not bunched at one end
		 * (probability of all 9 in one tenth: 1e-9) */
		assert_true(tb_series_step(a, 0) < 9000);
		assert_true(tb_series_step(a, 8) > 1000);
		/* other plugins keep everything */
		tb_series *h = mk_series(&s, r, "h", TB_KIND_HISTOGRAM);
		const double b[3] = { 0, 1, 1 };
		for (int i = 0; i < 500; i++)
			assert_int_equal(tb_series_append_hist(&s, h, 1.0, i, b, 1), 0);
		assert_int_equal(h->n, 500);
		tb_store_release(&s);
	}
}

/* A bigger reservoir: the kept sample is spread evenly over the input. */
static void test_reservoir_uniform(void **state)
{
	(void)state;
	tb_store s;
	reservoir_store(&s, TB_PURGE_STEP, "scalars", 1000);
	tb_run *r = tb_store_add_run(&s, "run");
	tb_series *a = mk_series(&s, r, "a", TB_KIND_SCALAR);
	const int N = 100000;
	for (int i = 0; i < N; i++)
		put(&s, a, i, sf32((float)i));
	assert_int_equal(a->n, 1000);
	assert_int_equal(tb_series_step(a, 999), N - 1);
	int deciles[10] = { 0 };
	double sum = 0;
	for (size_t k = 0; k < 999; k++) {
		int64_t st = tb_series_step(a, k);
		if (k)
			assert_true(st > tb_series_step(a, k - 1));
		deciles[st * 10 / N]++;
		sum += (double)st / N;
	}
	/* expected 99.9 per decile, standard deviation about 9.5 */
	for (int d = 0; d < 10; d++)
		if (deciles[d] < 60 || deciles[d] > 140)
			fail_msg("decile %d holds %d of 999 samples", d, deciles[d]);
	double mean = sum / 999;
	assert_true(mean > 0.45 && mean < 0.55);
	tb_store_release(&s);
}

/* A reservoir of heavy points frees what it drops (checked by ASan). */
static void test_reservoir_heavy(void **state)
{
	(void)state;
	tb_store s;
	reservoir_store(&s, TB_PURGE_STEP, "images", 3);
	tb_run *r = tb_store_add_run(&s, "run");
	tb_series *im = mk_series(&s, r, "im", TB_KIND_BLOB);
	for (int i = 0; i < 1000; i++) {
		unsigned char data[64];
		memset(data, i & 0xff, sizeof data);
		assert_int_equal(tb_series_append_blob(&s, im, 1.0, i, TB_BLOB_IMAGE, data,
						       sizeof data), 0);
	}
	assert_int_equal(im->n, 3);
	assert_int_equal(tb_series_step(im, 2), 999);
	for (size_t k = 0; k < 3; k++) {
		const tb_blob *b = tb_series_blob(im, k);
		assert_int_equal(b->len, 64);
		assert_int_equal(b->data[0], (unsigned char)(tb_series_step(im, k) & 0xff));
	}
	/* keep = 1: only the newest */
	tb_store_release(&s);
	reservoir_store(&s, TB_PURGE_NONE, "scalars", 1);
	r = tb_store_add_run(&s, "run");
	tb_series *a = mk_series(&s, r, "a", TB_KIND_SCALAR);
	for (int i = 0; i < 100; i++)
		put_f(&s, a, (i % 2) ? ((int64_t)1 << 40) + i : i, i);
	assert_int_equal(a->n, 1);
	assert_int_equal(tb_series_step(a, 0), ((int64_t)1 << 40) + 99);
	assert_true(value_of(a, 0) == 99.0);
	tb_store_release(&s);
}

static void test_keep_zero(void **state)
{
	(void)state;
	tb_store s;
	reservoir_store(&s, TB_PURGE_STEP, "scalars", 0);
	tb_run *r = tb_store_add_run(&s, "run");
	tb_series *a = mk_series(&s, r, "a", TB_KIND_SCALAR);
	for (int i = 0; i < 10000; i++)
		put_f(&s, a, i, i);
	assert_int_equal(a->n, 10000);
	for (size_t i = 0; i < 10000; i++)
		assert_int_equal(tb_series_step(a, i), (int64_t)i);
	tb_store_release(&s);
}

/* ---- heavy points are copies ------------------------------------------------ */

static void test_heavy_copies(void **state)
{
	(void)state;
	tb_store s;
	new_store(&s, TB_PURGE_STEP);
	tb_run *r = tb_store_add_run(&s, "run");

	tb_series *h = mk_series(&s, r, "h", TB_KIND_HISTOGRAM);
	double b[6] = { 0, 1, 5, 1, 2, 7 };
	assert_int_equal(tb_series_append_hist(&s, h, 3.5, 1, b, 2), 0);
	for (int i = 0; i < 6; i++)
		b[i] = -1;
	const tb_hist *hp = tb_series_hist(h, 0);
	assert_int_equal(hp->n, 2);
	const double want[6] = { 0, 1, 5, 1, 2, 7 };
	assert_memory_equal(hp->b, want, sizeof want);
	assert_true(tb_series_wall(h, 0) == 3.5);
	/* zero buckets */
	assert_int_equal(tb_series_append_hist(&s, h, 3.5, 2, NULL, 0), 0);
	assert_int_equal(tb_series_hist(h, 1)->n, 0);

	tb_series *t = mk_series(&s, r, "t", TB_KIND_TEXT);
	char s0[] = "hello", s1[] = "a\0b", s2[] = "";
	const char *strs[3] = { s0, s1, s2 };
	size_t lens[3] = { 5, 3, 0 };
	int64_t dims[1] = { 3 };
	tb_text_view tv = { 1, dims, 3, strs, lens, 3 };
	assert_int_equal(tb_series_append_text(&s, t, 1.0, 1, &tv), 0);
	memset(s0, 'X', 5);
	memset(s1, 'Y', 3);
	dims[0] = 99;
	lens[0] = 1;
	const tb_text *tp = tb_series_text(t, 0);
	assert_int_equal(tp->rank, 1);
	assert_int_equal(tp->dims[0], 3);
	assert_int_equal(tp->count, 3);
	assert_int_equal(tp->lens[0], 5);
	assert_string_equal(tp->strs[0], "hello");
	assert_int_equal(tp->lens[1], 3);
	assert_memory_equal(tp->strs[1], "a\0b\0", 4);
	assert_int_equal(tp->lens[2], 0);
	assert_string_equal(tp->strs[2], "");
	/* rank 0 */
	const char *one = "scalar text";
	size_t onel = strlen(one);
	tb_text_view t0 = { 0, NULL, 1, &one, &onel, 1 };
	assert_int_equal(tb_series_append_text(&s, t, 1.0, 2, &t0), 0);
	assert_int_equal(tb_series_text(t, 1)->rank, 0);
	assert_string_equal(tb_series_text(t, 1)->strs[0], "scalar text");

	tb_series *bl = mk_series(&s, r, "bl", TB_KIND_BLOB);
	unsigned char data[100];
	for (int i = 0; i < 100; i++)
		data[i] = (unsigned char)i;
	assert_int_equal(tb_series_append_blob(&s, bl, 1.0, 1, TB_BLOB_TENSOR, data, 100), 0);
	memset(data, 0, sizeof data);
	const tb_blob *bp = tb_series_blob(bl, 0);
	assert_int_equal(bp->type, TB_BLOB_TENSOR);
	assert_int_equal(bp->len, 100);
	for (int i = 0; i < 100; i++)
		assert_int_equal(bp->data[i], i);
	assert_int_equal(tb_series_append_blob(&s, bl, 1.0, 2, TB_BLOB_NONE, NULL, 0), 0);
	assert_int_equal(tb_series_blob(bl, 1)->len, 0);
	tb_store_release(&s);
}

/* ---- runs and series ------------------------------------------------------------ */

static void test_sorted_runs(void **state)
{
	(void)state;
	tb_store s;
	new_store(&s, TB_PURGE_STEP);
	const char *names[] = { "z_nostart", "b", "a", "c", "a_nostart", "early" };
	const double starts[] = { -1, 5.0, 5.0, 3.0, -1, -100.0 };
	for (int i = 0; i < 6; i++) {
		tb_run *r = tb_store_add_run(&s, names[i]);
		assert_non_null(r);
		if (starts[i] != -1) {
			r->has_start = true;
			r->start_time = starts[i];
		}
	}
	assert_int_equal(s.n_runs, 6);
	/* adding an existing name returns the same run */
	assert_ptr_equal(tb_store_add_run(&s, "b"), tb_store_find_run(&s, "b"));
	assert_int_equal(s.n_runs, 6);
	tb_run *out[6];
	tb_store_sorted_runs(&s, out);
	const char *want[] = { "early", "c", "a", "b", "a_nostart", "z_nostart" };
	for (int i = 0; i < 6; i++)
		if (strcmp(out[i]->name, want[i]))
			fail_msg("position %d: %s, want %s", i, out[i]->name, want[i]);
	/* the store's own order is untouched */
	assert_string_equal(s.runs[0]->name, "z_nostart");
	/* removal */
	tb_store_remove_run(&s, "c");
	assert_null(tb_store_find_run(&s, "c"));
	assert_int_equal(s.n_runs, 5);
	tb_store_remove_run(&s, "no such run");
	assert_int_equal(s.n_runs, 5);
	tb_store_release(&s);
}

static void test_series_lookup(void **state)
{
	(void)state;
	tb_store s;
	new_store(&s, TB_PURGE_STEP);
	tb_run *r = tb_store_add_run(&s, "run");
	assert_null(tb_run_find(r, "x", 1));
	char tag[64];
	for (int i = 0; i < 2000; i++) {
		snprintf(tag, sizeof tag, "group%d/tag%d", i % 7, i);
		tb_series *se = mk_series(&s, r, tag, TB_KIND_SCALAR);
		put_f(&s, se, 0, i);
	}
	assert_int_equal(r->n_series, 2000);
	for (int i = 0; i < 2000; i++) {
		snprintf(tag, sizeof tag, "group%d/tag%d", i % 7, i);
		tb_series *se = tb_run_find(r, tag, strlen(tag));
		assert_non_null(se);
		assert_string_equal(se->tag, tag);
		assert_true(value_of(se, 0) == i);
	}
	assert_null(tb_run_find(r, "group0/tag", 10));
	/* tags are byte strings: an embedded NUL makes a different tag */
	tb_series_meta m = { "scalars", TB_CLASS_SCALAR, "", "", NULL, 0 };
	tb_series *p1 = tb_run_create(&s, r, "ab", 2, TB_KIND_SCALAR, &m);
	tb_series *p2 = tb_run_create(&s, r, "ab\0c", 4, TB_KIND_SCALAR, &m);
	assert_non_null(p1);
	assert_non_null(p2);
	assert_ptr_equal(tb_run_find(r, "ab", 2), p1);
	assert_ptr_equal(tb_run_find(r, "ab\0c", 4), p2);
	/* metadata is copied */
	char plugin[] = "custom", disp[] = "Display", desc[] = "*desc*";
	unsigned char content[3] = { 8, 1, 0 };
	tb_series_meta m2 = { plugin, TB_CLASS_TENSOR, disp, desc, content, 3 };
	tb_series *se = tb_run_create(&s, r, "meta", 4, TB_KIND_BLOB, &m2);
	assert_non_null(se);
	plugin[0] = disp[0] = desc[0] = '!';
	content[0] = 0;
	assert_string_equal(se->plugin, "custom");
	assert_string_equal(se->display_name, "Display");
	assert_string_equal(se->description, "*desc*");
	assert_int_equal(se->data_class, TB_CLASS_TENSOR);
	assert_int_equal(se->kind, TB_KIND_BLOB);
	assert_int_equal(se->content_len, 3);
	assert_int_equal(se->content[0], 8);
	/* NULL strings become "" */
	tb_series_meta m3 = { NULL, TB_CLASS_UNKNOWN, NULL, NULL, NULL, 0 };
	se = tb_run_create(&s, r, "nul", 3, TB_KIND_BLOB, &m3);
	assert_non_null(se);
	assert_string_equal(se->plugin, "");
	assert_string_equal(se->display_name, "");
	tb_store_release(&s);
}

/* ---- compaction and size ------------------------------------------------------------ */

static void test_compact_keeps_values(void **state)
{
	(void)state;
	tb_store s;
	new_store(&s, TB_PURGE_STEP);
	tb_run *r = tb_store_add_run(&s, "run");
	tb_series *f = mk_series(&s, r, "f", TB_KIND_SCALAR);
	tb_series *d = mk_series(&s, r, "d", TB_KIND_SCALAR);
	tb_series *i = mk_series(&s, r, "i", TB_KIND_SCALAR);
	tb_series *w = mk_series(&s, r, "w", TB_KIND_SCALAR);
	tb_series *h = mk_series(&s, r, "h", TB_KIND_HISTOGRAM);
	tb_series *e = mk_series(&s, r, "e", TB_KIND_SCALAR); /* emptied by purging */
	for (int k = 0; k < 1234; k++) {
		put(&s, f, k, sf32((float)k * 0.5f));
		put(&s, d, k, sf64(k * 0.1));
		put(&s, i, k, si64((int64_t)k * 1000000007));
		put(&s, w, (int64_t)k << 33, sf32((float)k));
		double b[3] = { k, k + 1.0, 1 };
		assert_int_equal(tb_series_append_hist(&s, h, 1.0, k, b, 1), 0);
	}
	put_f(&s, e, 5, 1.0);
	tb_run_purge(r, 0, (const char *const[]){ "e" }, 1);
	assert_int_equal(e->n, 0);
	tb_store_compact(&s);
	for (int k = 0; k < 1234; k++) {
		assert_true(value_of(f, (size_t)k) == (double)((float)k * 0.5f));
		assert_true(value_of(d, (size_t)k) == k * 0.1);
		assert_true(tb_series_scalar(i, (size_t)k).i == (int64_t)k * 1000000007);
		assert_int_equal(tb_series_step(w, (size_t)k), (int64_t)k << 33);
		assert_int_equal(tb_series_step(f, (size_t)k), k);
		assert_true(tb_series_wall(d, (size_t)k) == 1000.0 + k);
		assert_true(tb_series_hist(h, (size_t)k)->b[0] == k);
	}
	assert_int_equal(f->cap, f->n);
	assert_int_equal(h->cap, h->n);
	/* appends after compaction, also to the emptied series */
	put(&s, f, 5000, sf32(1.0f));
	assert_int_equal(f->n, 1235);
	assert_true(value_of(f, 1234) == 1.0);
	assert_true(value_of(f, 1233) == (double)(1233 * 0.5f));
	put_f(&s, e, 7, 2.0);
	assert_int_equal(e->n, 1);
	assert_int_equal(tb_series_step(e, 0), 7);
	assert_true(value_of(e, 0) == 2.0);
	put(&s, w, (int64_t)1 << 50, sf64(0.25));
	assert_int_equal(tb_series_step(w, 1233), (int64_t)1233 << 33);
	assert_true(value_of(w, 1233) == 1233.0);
	assert_true(value_of(w, 1234) == 0.25);
	tb_store_release(&s);
}

static void test_bytes_per_point(void **state)
{
	(void)state;
	tb_store s;
	new_store(&s, TB_PURGE_STEP);
	tb_run *r = tb_store_add_run(&s, "run");
	/* every 10th step: a progression, no step column at all */
	tb_series *a = mk_series(&s, r, "train/loss", TB_KIND_SCALAR);
	/* irregular steps: an int32 offset column */
	tb_series *b = mk_series(&s, r, "eval/loss", TB_KIND_SCALAR);
	const size_t N = 100000;
	for (size_t i = 0; i < N; i++) {
		put(&s, a, (int64_t)i * 10, sf32((float)i));
		put(&s, b, (int64_t)(i * 10 + i % 3), sf32((float)i));
	}
	tb_store_compact(&s);
	double pa = (double)tb_series_bytes(a) / (double)N;
	double pb = (double)tb_series_bytes(b) / (double)N;
	if (pa > 12.1 || pa < 12)
		fail_msg("%.3f bytes per float32 point with regular steps", pa);
	if (pb > 16.1 || pb < 16)
		fail_msg("%.3f bytes per float32 point with irregular steps", pb);
	assert_null(a->step32);
	assert_null(a->step64);
	assert_non_null(b->step32);
	assert_int_equal(a->n, N);
	assert_int_equal(b->n, N);
	for (size_t i = 0; i < N; i += 997) {
		assert_int_equal(tb_series_step(a, i), (int64_t)i * 10);
		assert_int_equal(tb_series_step(b, i), (int64_t)(i * 10 + i % 3));
		assert_true(value_of(a, i) == (double)(float)i);
	}
	tb_store_release(&s);
}

/* Steps kept as a progression (no column) must read back exactly whatever
 * breaks the progression: a gap, a purge, a restart, huge strides. */
static void test_implicit_steps(void **state)
{
	(void)state;
	tb_store s;
	new_store(&s, TB_PURGE_STEP);
	tb_run *r = tb_store_add_run(&s, "run");

	/* a gap materialises int32 offsets; later points keep appending */
	tb_series *a = mk_series(&s, r, "a", TB_KIND_SCALAR);
	for (int64_t st = 5; st <= 50; st += 5)
		put(&s, a, st, sf32((float)st));
	assert_null(a->step32);
	put(&s, a, 57, sf32(57));
	assert_non_null(a->step32);
	put(&s, a, 60, sf32(60));
	assert_int_equal(a->n, 12);
	assert_int_equal(tb_series_step(a, 9), 50);
	assert_int_equal(tb_series_step(a, 10), 57);
	assert_int_equal(tb_series_step(a, 11), 60);

	/* a restart at an earlier step purges and the progression goes on */
	tb_series *b = mk_series(&s, r, "b", TB_KIND_SCALAR);
	for (int64_t st = 0; st < 100; st++)
		put(&s, b, st, sf32((float)st));
	put(&s, b, 40, sf32(-40)); /* purges 40..99, then appends 40 */
	assert_int_equal(b->n, 41);
	assert_null(b->step32);
	assert_int_equal(tb_series_step(b, 40), 40);
	assert_true(value_of(b, 40) == -40.0);
	put(&s, b, 41, sf32(41));
	assert_null(b->step32);
	/* a restart down to one point: the next point sets a new stride */
	put(&s, b, 0, sf32(0));
	assert_int_equal(b->n, 1);
	put(&s, b, 7, sf32(7));
	put(&s, b, 14, sf32(14));
	assert_null(b->step32);
	assert_int_equal(tb_series_step(b, 2), 14);

	/* a stride whose span leaves int32 goes straight to int64 */
	tb_series *c = mk_series(&s, r, "c", TB_KIND_SCALAR);
	const int64_t big = (int64_t)1 << 31;
	for (int64_t k = 0; k < 4; k++)
		put(&s, c, k * big, sf32((float)k));
	put(&s, c, 4 * big + 1, sf32(4));
	assert_null(c->step32);
	assert_non_null(c->step64);
	for (int64_t k = 0; k < 4; k++)
		assert_int_equal(tb_series_step(c, (size_t)k), k * big);
	assert_int_equal(tb_series_step(c, 4), 4 * big + 1);

	/* steps near INT64_MAX never overflow the progression */
	tb_series *d = mk_series(&s, r, "d", TB_KIND_SCALAR);
	put(&s, d, INT64_MAX - 2, sf32(0));
	put(&s, d, INT64_MAX - 1, sf32(1));
	put(&s, d, INT64_MAX, sf32(2));
	assert_int_equal(tb_series_step(d, 2), INT64_MAX);
	assert_int_equal(d->n, 3);

	/* negative steps, and a step going backwards under keep-everything */
	tb_store s2;
	new_store(&s2, TB_PURGE_NONE);
	tb_run *r2 = tb_store_add_run(&s2, "run");
	tb_series *e = mk_series(&s2, r2, "e", TB_KIND_SCALAR);
	put(&s2, e, -10, sf32(0));
	put(&s2, e, -5, sf32(1));
	put(&s2, e, 0, sf32(2));
	put(&s2, e, -5, sf32(3));
	assert_int_equal(e->n, 4);
	const int64_t want[] = { -10, -5, 0, -5 };
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(tb_series_step(e, i), want[i]);
	tb_store_release(&s2);
	tb_store_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalar_types),
		cmocka_unit_test(test_promotion),
		cmocka_unit_test(test_promotion_with_wide_steps),
		cmocka_unit_test(test_wide_steps),
		cmocka_unit_test(test_wide_steps_heavy),
		cmocka_unit_test(test_purge_step_rule),
		cmocka_unit_test(test_purge_none_keeps_all),
		cmocka_unit_test(test_run_purge),
		cmocka_unit_test(test_reservoir),
		cmocka_unit_test(test_reservoir_uniform),
		cmocka_unit_test(test_reservoir_heavy),
		cmocka_unit_test(test_keep_zero),
		cmocka_unit_test(test_heavy_copies),
		cmocka_unit_test(test_sorted_runs),
		cmocka_unit_test(test_series_lookup),
		cmocka_unit_test(test_compact_keeps_values),
		cmocka_unit_test(test_bytes_per_point),
		cmocka_unit_test(test_implicit_steps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
