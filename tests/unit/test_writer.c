/*
 * test_writer.c - the point writers (server/writer.c), byte for byte: JSON
 * points of every scalar type, CSV rows, the binary multirun body read back
 * field by field, histogram buckets in both shapes, CSV fields, Python's
 * repr() and the series head of export and live records.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"

static tb_store store;
static tb_view view;

static tb_series *mk(const char *tag)
{
	tb_run *r = tb_store_add_run(&store, "run,1");
	tb_series_meta m = { "scalars", 0, tag, "", NULL, 0 };
	tb_series *se = tb_run_create(&store, r, tag, strlen(tag), TB_KIND_SCALAR, &m);
	assert_non_null(se);
	return se;
}

static void add(tb_series *se, double wall, int64_t step, tb_scalar v)
{
	assert_int_equal(tb_series_append_scalar(&store, se, wall, step, &v), 0);
}

static int setup(void **state)
{
	(void)state;
	tb_store_init(&store, NULL);
	tb_series *f = mk("f32");
	add(f, 1700000000.25, 1, (tb_scalar){ TB_NUM_F32, 0.1f, 0 });
	add(f, 1700000001.5, 3, (tb_scalar){ TB_NUM_F32, NAN, 0 });
	add(f, INFINITY, 4, (tb_scalar){ TB_NUM_F32, -INFINITY, 0 });
	tb_series *i = mk("i64");
	add(i, 2.0, -5, (tb_scalar){ TB_NUM_I64, 0, -9007199254740993LL });
	tb_series *b = mk("bool");
	add(b, 3.0, 7, (tb_scalar){ TB_NUM_BOOL, 0, 1 });
	add(b, 4.0, 8, (tb_scalar){ TB_NUM_BOOL, 0, 0 });
	tb_series *d = mk("f64");
	add(d, 5.0, 1LL << 40, (tb_scalar){ TB_NUM_F64, 1e-7, 0 });
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tb_store_release(&store);
	return 0;
}

/* The whole series written by fn, as a string owned by a static buffer. */
static const char *written(const char *tag, int (*fn)(tb_buf *, tb_points *))
{
	static tb_buf b;
	tb_buf_release(&b);
	assert_int_equal(tb_view_open(&view, &store, "run,1", tag, TB_KIND_SCALAR), 0);
	tb_points it;
	assert_int_equal(tb_points_open(&it, &view, NULL), 0);
	assert_int_equal(fn(&b, &it), 0);
	tb_points_release(&it);
	tb_view_release(&view);
	return b.data ? b.data : "";
}

static void test_points_json(void **state)
{
	(void)state;
	assert_string_equal(written("f32", tb_write_points_json),
			    "[[1700000000.25, 1, 0.10000000149011612], [1700000001.5, 3, \"NaN\"], "
			    "[\"Infinity\", 4, \"-Infinity\"]]");
	assert_string_equal(written("i64", tb_write_points_json), "[[2.0, -5, -9007199254740993]]");
	assert_string_equal(written("bool", tb_write_points_json), "[[3.0, 7, true], [4.0, 8, false]]");
	assert_string_equal(written("f64", tb_write_points_json), "[[5.0, 1099511627776, 1e-07]]");
}

static void test_points_csv(void **state)
{
	(void)state;
	assert_string_equal(written("f32", tb_write_points_csv),
			    "1700000000.25,1,0.10000000149011612\r\n1700000001.5,3,nan\r\ninf,4,-inf\r\n");
	assert_string_equal(written("i64", tb_write_points_csv), "2.0,-5,-9007199254740993\r\n");
	assert_string_equal(written("bool", tb_write_points_csv), "3.0,7,True\r\n4.0,8,False\r\n");
}

static uint32_t u32le(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static double f64le(const unsigned char *p)
{
	uint64_t v = (uint64_t)u32le(p) | (uint64_t)u32le(p + 4) << 32;
	double d;
	memcpy(&d, &v, 8);
	return d;
}

static void test_points_binary(void **state)
{
	(void)state;
	tb_buf b = TB_BUF_INIT;
	tb_write_binary_begin(&b);
	for (int k = 0; k < 2; k++) {
		const char *tag = k ? "i64" : "f32";
		assert_int_equal(tb_view_open(&view, &store, "run,1", tag, TB_KIND_SCALAR), 0);
		tb_points it;
		assert_int_equal(tb_points_open(&it, &view, NULL), 0);
		assert_int_equal(tb_write_points_binary(&b, "run,1", &it), 0);
		tb_points_release(&it);
		tb_view_release(&view);
	}
	assert_int_equal(tb_write_binary_end(&b, 2), 0);
	const unsigned char *p = (const unsigned char *)b.data;
	assert_memory_equal(p, "TBS1", 4);
	assert_int_equal(u32le(p + 4), 2);
	/* run 1: name (5 bytes, padded to 8 from the body's start), count 3,
	 * width 4, walls, steps, float32 values padded to 8 */
	assert_int_equal(u32le(p + 8), 5);
	assert_memory_equal(p + 12, "run,1", 5);
	assert_int_equal(u32le(p + 24), 3);
	assert_int_equal(u32le(p + 28), 4);
	assert_true(f64le(p + 32) == 1700000000.25);
	assert_true(isinf(f64le(p + 48)));
	assert_true(f64le(p + 56) == 1.0 && f64le(p + 64) == 3.0 && f64le(p + 72) == 4.0);
	float v[3];
	memcpy(v, p + 80, 12);
	assert_true(v[0] == 0.1f && isnan(v[1]) && isinf(v[2]) && v[2] < 0);
	/* run 2 starts 8-aligned after 12 value bytes: 80 + 16 */
	const unsigned char *q = p + 96;
	assert_int_equal(u32le(q), 5);
	assert_int_equal(u32le(q + 16), 1);
	assert_int_equal(u32le(q + 20), 8);
	assert_true(f64le(q + 24) == 2.0);
	assert_true(f64le(q + 32) == -5.0);
	assert_true(f64le(q + 40) == -9007199254740992.0);
	assert_int_equal(b.len, 96 + 48);
	tb_buf_release(&b);
}

static void test_buckets_json(void **state)
{
	(void)state;
	tb_hist *h = malloc(sizeof *h + 6 * sizeof(double));
	h->n = 2;
	double v[6] = { -1.5, 0.0, 3.0, 0.0, INFINITY, 1e21 };
	memcpy(h->b, v, sizeof v);
	tb_buf b = TB_BUF_INIT;
	tb_write_buckets_json(&b, h, false);
	assert_string_equal(b.data, "[[-1.5, 0.0, 3.0], [0.0, \"Infinity\", 1e+21]]");
	tb_buf_reset(&b);
	tb_write_buckets_json(&b, h, true);
	assert_string_equal(b.data, "[{\"min\": -1.5, \"max\": 0.0, \"count\": 3.0}, "
				    "{\"min\": 0.0, \"max\": \"Infinity\", \"count\": 1e+21}]");
	h->n = 0;
	tb_buf_reset(&b);
	tb_write_buckets_json(&b, h, true);
	assert_string_equal(b.data, "[]");
	tb_buf_release(&b);
	free(h);
}

static void test_small_writers(void **state)
{
	(void)state;
	tb_buf b = TB_BUF_INIT;
	tb_write_py_repr(&b, NULL);
	tb_buf_putc(&b, ' ');
	tb_write_py_repr(&b, "it's");
	tb_buf_putc(&b, ' ');
	tb_write_py_repr(&b, "a'b\"c\\\n\x01");
	assert_string_equal(b.data, "None \"it's\" 'a\\'b\"c\\\\\\n\\x01'");
	tb_buf_reset(&b);
	tb_write_csv_field(&b, "plain", 5);
	tb_buf_putc(&b, '|');
	tb_write_csv_field(&b, "a,\"b\"", 5);
	tb_buf_putc(&b, '|');
	tb_write_csv_field(&b, "x\ny", 3);
	assert_string_equal(b.data, "plain|\"a,\"\"b\"\"\"|\"x\ny\"");
	/* cells a spreadsheet would take for formulas (OWASP CSV injection) */
	static const char *const formulas[] = { "=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx" };
	static const char *const want[] = { "\"'=1+1\"", "\"'+1\"", "\"'-2+3\"", "\"'@SUM(A1)\"",
					    "\"'\tx\"", "\"'\rx\"" };
	for (size_t i = 0; i < 6; i++) {
		tb_buf_reset(&b);
		tb_write_csv_field(&b, formulas[i], strlen(formulas[i]));
		assert_string_equal(b.data, want[i]);
	}
	tb_buf_reset(&b);
	tb_write_csv_field(&b, "=\"x\",1", 6);
	assert_string_equal(b.data, "\"'=\"\"x\"\",1\"");
	tb_buf_reset(&b);
	tb_write_csv_field(&b, "a=b", 3);
	assert_string_equal(b.data, "a=b");
	tb_buf_reset(&b);
	assert_int_equal(tb_view_open(&view, &store, "run,1", "bool", TB_KIND_SCALAR), 0);
	tb_write_series_id(&b, "r\"1", view.se);
	tb_view_release(&view);
	assert_string_equal(b.data, "\"run\": \"r\\\"1\", \"tag\": \"bool\", \"plugin\": \"scalars\"");
	tb_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_points_json),
		cmocka_unit_test(test_points_csv),
		cmocka_unit_test(test_points_binary),
		cmocka_unit_test(test_buckets_json),
		cmocka_unit_test(test_small_writers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
