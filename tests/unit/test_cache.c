/*
 * test_cache.c - shared response bodies (server/cache.c): a body is kept
 * only once its version was asked for twice, a kept body is handed out
 * only while the series is still at that version (a new point, a purge and
 * a replaced point each make it miss), bodies outlive the cache that held
 * them (reference counts), and tb_gzip's output inflates to its input.
 * The series are made through the store's own API, as ingest makes them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cache.h"
#include "store.h"

typedef struct fx {
	tb_store store;
	tb_run *run;
	tb_series *se;
} fx;

/* The store frees a series: drop what the cache keeps for it (as app.c). */
static void forget(void *arg, const tb_series *se)
{
	(void)arg;
	tb_cache_forget(se);
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	tb_store_opts o;
	memset(&o, 0, sizeof o);
	o.rule = TB_PURGE_STEP;
	o.on_free = forget;
	assert_int_equal(tb_store_init(&f->store, &o), 0);
	f->run = tb_store_add_run(&f->store, "run");
	assert_non_null(f->run);
	tb_series_meta m = { "scalars", TB_CLASS_SCALAR, "loss", "", NULL, 0 };
	tb_run_wrlock(f->run);
	f->se = tb_run_create(&f->store, f->run, "loss", 4, TB_KIND_SCALAR, &m);
	tb_run_unlock(f->run);
	assert_non_null(f->se);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	tb_store_release(&f->store);
	free(f);
	return 0;
}

static void append(fx *f, int64_t step, float v)
{
	tb_scalar x = { TB_NUM_F32, v, 0 };
	tb_run_wrlock(f->run);
	assert_int_equal(tb_series_append_scalar(&f->store, f->se, 1.0 + (double)step, step, &x), 0);
	tb_run_unlock(f->run);
}

/* The body "text" for the series as it is now, offered to the cache. */
static tb_body *offer(fx *f, const char *text)
{
	tb_body *b = tb_body_new(text, strlen(text), f->se->version);
	assert_non_null(b);
	tb_cache_put(f->se, TB_CACHE_JSON, b);
	return b;
}

static void test_kept_on_second_ask(void **state)
{
	fx *f = *state;
	append(f, 0, 1.0f);
	tb_body *a = offer(f, "[0]");
	assert_null(tb_cache_get(f->se, TB_CACHE_JSON)); /* asked once: not kept */
	tb_body *b = offer(f, "[0]");
	tb_body *got = tb_cache_get(f->se, TB_CACHE_JSON);
	assert_ptr_equal(got, b);
	assert_memory_equal(got->data, "[0]", 3);
	assert_ptr_equal(tb_body_of(got->data), got);
	assert_null(tb_cache_get(f->se, TB_CACHE_JSON_GZIP)); /* slots are separate */
	tb_body_unref(got);
	tb_body_unref(a);
	tb_body_unref(b);
}

/* The version check: whatever changes the series makes the kept body miss. */
static void test_miss_after_change(void **state)
{
	fx *f = *state;
	append(f, 0, 1.0f);
	tb_body_unref(offer(f, "v1"));
	tb_body_unref(offer(f, "v1"));
	tb_body *got = tb_cache_get(f->se, TB_CACHE_JSON);
	assert_non_null(got);
	tb_body_unref(got);

	append(f, 1, 2.0f); /* a new point */
	assert_null(tb_cache_get(f->se, TB_CACHE_JSON));

	tb_body_unref(offer(f, "v2"));
	tb_body_unref(offer(f, "v2"));
	got = tb_cache_get(f->se, TB_CACHE_JSON);
	assert_non_null(got);
	assert_memory_equal(got->data, "v2", 2);
	tb_body_unref(got);

	append(f, 1, 3.0f); /* the same step again: the purge rule replaces it */
	assert_null(tb_cache_get(f->se, TB_CACHE_JSON));
}

/* A body handed out stays valid after the cache replaces or drops it. */
static void test_body_outlives_slot(void **state)
{
	fx *f = *state;
	append(f, 0, 1.0f);
	tb_body_unref(offer(f, "old"));
	tb_body_unref(offer(f, "old"));
	tb_body *held = tb_cache_get(f->se, TB_CACHE_JSON);
	assert_non_null(held);
	size_t before = tb_cache_bytes();
	assert_true(before >= 3);
	append(f, 1, 2.0f);
	tb_body_unref(offer(f, "newer"));
	tb_body_unref(offer(f, "newer")); /* replaces "old" in the slot */
	assert_int_equal(tb_cache_bytes(), before - 3 + 5);
	assert_memory_equal(held->data, "old", 3);
	tb_body_unref(held);
}

static void test_gzip_round_trip(void **state)
{
	(void)state;
	char in[5000];
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (char)("abcab"[i % 5] + (i % 97 == 0));
	tb_buf z = TB_BUF_INIT;
	assert_int_equal(tb_gzip(in, sizeof in, &z), 0);
	assert_true(z.len > 18 && z.len < sizeof in);
	assert_int_equal((unsigned char)z.data[0], 0x1f); /* gzip magic */
	assert_int_equal((unsigned char)z.data[1], 0x8b);
	char out[6000];
	z_stream s;
	memset(&s, 0, sizeof s);
	assert_int_equal(inflateInit2(&s, 15 + 16), Z_OK);
	s.next_in = (Bytef *)z.data;
	s.avail_in = (uInt)z.len;
	s.next_out = (Bytef *)out;
	s.avail_out = sizeof out;
	assert_int_equal(inflate(&s, Z_FINISH), Z_STREAM_END);
	assert_int_equal(s.total_out, sizeof in);
	assert_memory_equal(out, in, sizeof in);
	inflateEnd(&s);
	tb_buf_release(&z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kept_on_second_ask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_miss_after_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_outlives_slot, setup, teardown),
		cmocka_unit_test(test_gzip_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
