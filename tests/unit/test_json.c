/*
 * test_json.c - tests for server/json.c.
 *
 * Number formatting is checked three ways: against strings Python's repr()
 * printed, against a slow oracle built only from the C library (snprintf
 * "%.*e" over increasing precisions, strtod to test round trips), and by
 * reading every output back with strtod. The oracle is deliberately naive so
 * that it is obviously right; it is also checked on the known vectors.
 * String escaping is checked against json.dumps(ensure_ascii=True) output,
 * with inputs copied to exact-size heap blocks so ASan sees any over-read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "json.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* splitmix64: deterministic, so a failure reproduces. */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double from_bits(uint64_t u)
{
	double d;
	memcpy(&d, &u, sizeof d);
	return d;
}

static uint64_t to_bits(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	return u;
}

/* Python's layout of digits ds (no trailing zeros) times 10^(e - n + 1). */
static void oracle_layout(char *out, size_t cap, bool neg, const char *ds, int e)
{
	int n = (int)strlen(ds);
	const char *sign = neg ? "-" : "";
	if (e < -4 || e >= 16)
		snprintf(out, cap, "%s%c%s%.*se%+03d", sign, ds[0], n > 1 ? "." : "",
			 n - 1, ds + 1, e);
	else if (e < 0)
		snprintf(out, cap, "%s0.%.*s%s", sign, -e - 1, "0000", ds);
	else if (n <= e + 1)
		snprintf(out, cap, "%s%s%.*s.0", sign, ds, e + 1 - n,
			 "0000000000000000");
	else
		snprintf(out, cap, "%s%.*s.%s", sign, e + 1, ds, ds + e + 1);
}

static bool reads_back(const char *s, double a)
{
	return strtod(s, NULL) == a;
}

/*
 * Oracle for repr(v): the first precision p at which a p-digit decimal reads
 * back as v. The candidate is the correctly rounded one from snprintf; when
 * v is a power of two its interval is lopsided (the gap below is half the gap
 * above), so the closest p-digit decimal can miss while its upper or lower
 * neighbour fits. Elsewhere, if the closest misses, every farther one does.
 */
static void oracle_repr(char *out, size_t cap, double v)
{
	if (isnan(v) || isinf(v) || v == 0) {
		snprintf(out, cap, "%s", isnan(v) ? "nan" : isinf(v) ? (v < 0 ? "-inf" : "inf")
					       : signbit(v) ? "-0.0" : "0.0");
		return;
	}
	double a = fabs(v);
	bool pow2 = (to_bits(a) & ((1ull << 52) - 1)) == 0;
	char tmp[64] = "", ds[32];
	unsigned long long d = 0;
	int x = 0, p;
	for (p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof tmp, "%.*e", p - 1, a);
		char digits[32], *w = digits;
		const char *r;
		for (r = tmp; *r != 'e'; r++)
			if (*r != '.')
				*w++ = *r;
		*w = '\0';
		d = strtoull(digits, NULL, 10);
		x = atoi(r + 1) - p + 1; /* a ~= d * 10^x */
		if (reads_back(tmp, a))
			break;
		if (!pow2)
			continue;
		snprintf(tmp, sizeof tmp, "%llue%d", d + 1, x);
		if (reads_back(tmp, a)) {
			d++;
			break;
		}
		snprintf(tmp, sizeof tmp, "%llue%d", d - 1, x);
		if (reads_back(tmp, a)) {
			d--;
			break;
		}
	}
	assert_true(p <= 17); /* 17 digits always suffice */
	snprintf(ds, sizeof ds, "%llu", d);
	int e = x + (int)strlen(ds) - 1;
	size_t n = strlen(ds);
	while (n > 1 && ds[n - 1] == '0')
		ds[--n] = '\0';
	oracle_layout(out, cap, signbit(v), ds, e);
}

static const char *fmt(double v)
{
	static char out[TB_FMT_DOUBLE_MAX + 1];
	size_t n = tb_fmt_double(out, v);
	assert_int_equal(n, strlen(out));
	assert_true(n <= TB_FMT_DOUBLE_MAX);
	return out;
}

/* ---- doubles: known vectors --------------------------------------------- */

struct vec {
	double v;
	const char *want; /* printed by CPython 3.11 repr() */
};

static const struct vec known[] = {
	{ 0.0, "0.0" },
	{ -0.0, "-0.0" },
	{ 0.1, "0.1" },
	{ (double)0.1f, "0.10000000149011612" },
	{ 0.3, "0.3" },
	{ 2.0 / 3.0, "0.6666666666666666" },
	{ 1.0 / 3.0, "0.3333333333333333" },
	{ 0.5, "0.5" },
	{ 1e22, "1e+22" },
	{ 1e23, "1e+23" },
	{ 9007199254740993.0, "9007199254740992.0" },
	{ 5e-324, "5e-324" },
	{ 1e-323, "1e-323" },
	{ 1.5e-323, "1.5e-323" },
	{ 4.4e-323, "4.4e-323" },
	{ 2.2250738585072014e-308, "2.2250738585072014e-308" }, /* DBL_MIN */
	{ 2.225073858507201e-308, "2.225073858507201e-308" },   /* largest subnormal */
	{ DBL_MAX, "1.7976931348623157e+308" },
	{ (double)FLT_MAX, "3.4028234663852886e+38" },
	{ 3.3999999521443642e+38, "3.3999999521443642e+38" },
	{ 1e16, "1e+16" },
	{ 1e15, "1000000000000000.0" },
	{ 1e-4, "0.0001" },
	{ 1e-5, "1e-05" },
	{ 5e-5, "5e-05" },
	{ 1.5e-7, "1.5e-07" },
	{ 0.001, "0.001" },
	{ 123.0, "123.0" },
	{ 100.0, "100.0" },
	{ 12345.678, "12345.678" },
	{ 1700000000.0, "1700000000.0" },
	{ 1443856985.705543, "1443856985.705543" },
	{ 123456789012345680.0, "1.2345678901234568e+17" },
	{ 9223372036854775808.0, "9.223372036854776e+18" },
	{ 1e100, "1e+100" },
	{ 1e-100, "1e-100" },
	{ -1.5, "-1.5" },
	{ -123.0, "-123.0" },
	{ -1e-05, "-1e-05" },
	{ -1113178120592002.25, "-1113178120592002.2" }, /* exact tie: even */
	{ 233891771783429.625, "233891771783429.62" },   /* exact tie: even */
};

static void test_known_vectors(void **state)
{
	(void)state;
	char o[64];
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		assert_string_equal(fmt(known[i].v), known[i].want);
		oracle_repr(o, sizeof o, known[i].v);
		assert_string_equal(o, known[i].want);
	}
	assert_string_equal(fmt(from_bits(0x43c5757239bd3aa2ull)), "3.092535278770144e+18");
}

static void test_non_finite(void **state)
{
	(void)state;
	assert_string_equal(fmt(NAN), "nan");
	assert_string_equal(fmt(-NAN), "nan");
	assert_string_equal(fmt(INFINITY), "inf");
	assert_string_equal(fmt(-INFINITY), "-inf");
}

/* ---- doubles: randomized comparison with the oracle --------------------- */

static unsigned long checked;

static void check_one(double v)
{
	char o[64];
	const char *got = fmt(v);
	oracle_repr(o, sizeof o, v);
	if (strcmp(got, o) != 0)
		fail_msg("%016llx: got %s, oracle %s", (unsigned long long)to_bits(v), got, o);
	if (!isnan(v) && to_bits(strtod(got, NULL)) != to_bits(v))
		fail_msg("%016llx: %s does not read back", (unsigned long long)to_bits(v), got);
	checked++;
}

static double gen_bits(void) { return from_bits(rng_next()); }

static double gen_float32(void)
{
	float f;
	uint32_t u = (uint32_t)rng_next();
	memcpy(&f, &u, sizeof f);
	return (double)f;
}

/* k / 10^j: the steps, losses and learning rates people log. */
static double gen_decimal(void)
{
	static const double p10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };
	int64_t k = (int64_t)(rng_next() % 2000000001) - 1000000000;
	return (double)k / p10[rng_next() % 10];
}

/* Wall times 1.4e9..1.8e9 s with microseconds, as time.time() gives. */
static double gen_wall_time(void)
{
	double sec = 1.4e9 + (double)(rng_next() % 400000000);
	return sec + (double)(rng_next() % 1000000) / 1e6;
}

static void test_random_vs_oracle(void **state)
{
	(void)state;
	double (*gens[])(void) = { gen_bits, gen_float32, gen_decimal, gen_wall_time };
	rng_state = 20240601;
	checked = 0;
	for (int g = 0; g < 4; g++)
		for (int i = 0; i < 550000; i++)
			check_one(gens[g]());
	assert_true(checked >= 2000000);
}

/* Every power of two with its neighbours (lopsided intervals, exponent
 * edges), all small subnormals, and integers around 2^53. */
static void test_edges_vs_oracle(void **state)
{
	(void)state;
	for (uint64_t e = 0; e < 2047; e++)
		for (int d = -2; d <= 2; d++) {
			uint64_t m = (uint64_t)d & ((1ull << 52) - 1);
			check_one(from_bits(e << 52 | m));
			check_one(-from_bits(e << 52 | m));
		}
	for (uint64_t c = 1; c <= 100000; c++)
		check_one(from_bits(c));
	for (int64_t i = -1000; i <= 1000; i++) {
		check_one((double)((1ll << 53) + i));
		check_one((double)i);
		check_one((double)i / 1000);
	}
}

/* ---- integers and JSON values ------------------------------------------- */

static void test_fmt_int(void **state)
{
	(void)state;
	char o[24];
	assert_int_equal(tb_fmt_int(o, 0), 1);
	assert_string_equal(o, "0");
	tb_fmt_int(o, -1);
	assert_string_equal(o, "-1");
	tb_fmt_int(o, 1234567);
	assert_string_equal(o, "1234567");
	assert_int_equal(tb_fmt_int(o, INT64_MAX), 19);
	assert_string_equal(o, "9223372036854775807");
	assert_int_equal(tb_fmt_int(o, INT64_MIN), 20);
	assert_string_equal(o, "-9223372036854775808");
}

static void test_json_values(void **state)
{
	(void)state;
	tb_buf b = TB_BUF_INIT;
	tb_buf_putc(&b, '[');
	tb_json_double(&b, NAN);
	tb_buf_putc(&b, ',');
	tb_json_double(&b, INFINITY);
	tb_buf_putc(&b, ',');
	tb_json_double(&b, -INFINITY);
	tb_buf_putc(&b, ',');
	tb_json_double(&b, 1443856985.705543);
	tb_buf_putc(&b, ',');
	tb_json_int(&b, -42);
	tb_buf_putc(&b, ',');
	tb_json_bool(&b, true);
	tb_buf_putc(&b, ',');
	tb_json_bool(&b, false);
	tb_buf_putc(&b, ',');
	tb_json_null(&b);
	tb_buf_putc(&b, ']');
	assert_string_equal(b.data, "[\"NaN\",\"Infinity\",\"-Infinity\",1443856985.705543,"
				    "-42,true,false,null]");
	assert_int_equal(b.len, strlen(b.data));
	tb_buf_release(&b);
}

static void test_csv_double(void **state)
{
	(void)state;
	tb_buf b = TB_BUF_INIT;
	tb_csv_double(&b, NAN);
	tb_buf_putc(&b, ',');
	tb_csv_double(&b, -INFINITY);
	tb_buf_putc(&b, ',');
	tb_csv_double(&b, 0.1f);
	assert_string_equal(b.data, "nan,-inf,0.10000000149011612");
	tb_buf_release(&b);
}

/* Many appends across buffer growth must keep len and the NUL in step. */
static void test_json_growth(void **state)
{
	(void)state;
	tb_buf b = TB_BUF_INIT;
	char one[TB_FMT_DOUBLE_MAX + 1];
	size_t want = 0;
	rng_state = 7;
	for (int i = 0; i < 10000; i++) {
		double v = gen_bits();
		tb_json_double(&b, v);
		want += isnan(v) ? 5 : isinf(v) ? (v > 0 ? 10 : 11) : tb_fmt_double(one, v);
	}
	assert_int_equal(b.len, want);
	assert_int_equal(strlen(b.data), want);
	assert_false(b.oom);
	tb_buf_release(&b);
}

/* ---- strings ------------------------------------------------------------ */

/* Escapes exactly n bytes from a heap copy, so ASan catches over-reads. */
static void check_str(const char *in, size_t n, const char *want)
{
	char *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, in, n);
	tb_buf b = TB_BUF_INIT;
	tb_json_str(&b, copy, n);
	assert_string_equal(b.data, want);
	tb_buf_release(&b);
	free(copy);
}

#define CHECK_STR(lit, want) check_str(lit, sizeof(lit) - 1, want)

static void test_str_ascii(void **state)
{
	(void)state;
	CHECK_STR("", "\"\"");
	CHECK_STR("train/loss", "\"train/loss\"");
	CHECK_STR("say \"hi\"", "\"say \\\"hi\\\"\"");
	CHECK_STR("back\\slash", "\"back\\\\slash\"");
	CHECK_STR("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
	CHECK_STR("\x01\x1f\x0b", "\"\\u0001\\u001f\\u000b\"");
	CHECK_STR("a\x7f" "b", "\"a\\u007fb\""); /* json.dumps escapes DEL */
	CHECK_STR("a\0b", "\"a\\u0000b\"");
	CHECK_STR("<script>&'", "\"<script>&'\"");
	tb_buf b = TB_BUF_INIT;
	tb_json_cstr(&b, "run_1");
	assert_string_equal(b.data, "\"run_1\"");
	tb_buf_release(&b);
}

static void test_str_utf8(void **state)
{
	(void)state;
	CHECK_STR("\xc3\xbc", "\"\\u00fc\"");                 /* 2 bytes */
	CHECK_STR("\xc2\x80", "\"\\u0080\"");                 /* smallest 2-byte */
	CHECK_STR("\xe8\xbf\x90", "\"\\u8fd0\"");             /* 3 bytes */
	CHECK_STR("\xe2\x80\xa8\xe2\x80\xa9", "\"\\u2028\\u2029\"");
	CHECK_STR("\xef\xbf\xbf", "\"\\uffff\"");
	CHECK_STR("\xf0\x9f\x98\x80", "\"\\ud83d\\ude00\"");  /* 4 bytes */
	CHECK_STR("\xf0\x90\x80\x80", "\"\\ud800\\udc00\"");  /* U+10000 */
	CHECK_STR("\xf4\x8f\xbf\xbf", "\"\\udbff\\udfff\"");  /* U+10FFFF */
	CHECK_STR("x\xc3\xbcy", "\"x\\u00fcy\"");
}

#define BAD "\\ufffd"

static void test_str_invalid_utf8(void **state)
{
	(void)state;
	CHECK_STR("\x80", "\"" BAD "\"");                          /* stray continuation */
	CHECK_STR("a\xbf" "b", "\"a" BAD "b\"");
	CHECK_STR("\xc0\xaf", "\"" BAD BAD "\"");                  /* overlong '/' */
	CHECK_STR("\xc1\xbf", "\"" BAD BAD "\"");
	CHECK_STR("\xe0\x80\xaf", "\"" BAD BAD BAD "\"");          /* overlong 3-byte */
	CHECK_STR("\xf0\x80\x80\xaf", "\"" BAD BAD BAD BAD "\"");  /* overlong 4-byte */
	CHECK_STR("\xed\xa0\x80", "\"" BAD BAD BAD "\"");          /* UTF-8 surrogate */
	CHECK_STR("\xed\xbf\xbf", "\"" BAD BAD BAD "\"");
	CHECK_STR("\xf4\x90\x80\x80", "\"" BAD BAD BAD BAD "\"");  /* > U+10FFFF */
	CHECK_STR("\xf5\x80", "\"" BAD BAD "\"");
	CHECK_STR("\xff\xfe", "\"" BAD BAD "\"");
	CHECK_STR("\xc3", "\"" BAD "\"");                          /* truncated at end */
	CHECK_STR("\xe8\xbf", "\"" BAD BAD "\"");
	CHECK_STR("\xf0\x9f\x98", "\"" BAD BAD BAD "\"");
	CHECK_STR("\xe8\xbf" "A", "\"" BAD BAD "A\"");             /* cut short */
	CHECK_STR("\xc3\xc3\xbc", "\"" BAD "\\u00fc\"");
}

/* Random bytes: never crash, never read past n, always printable ASCII. */
static void test_str_random_bytes(void **state)
{
	(void)state;
	rng_state = 99;
	for (int i = 0; i < 20000; i++) {
		size_t n = rng_next() % 24;
		char *s = malloc(n ? n : 1);
		assert_non_null(s);
		for (size_t j = 0; j < n; j++)
			s[j] = (char)(rng_next() % 4 ? 0x80 | (rng_next() & 0x7f) : rng_next() & 0xff);
		tb_buf b = TB_BUF_INIT;
		tb_json_str(&b, s, n);
		assert_int_equal(strlen(b.data), b.len);
		for (size_t j = 0; j < b.len; j++)
			assert_true(b.data[j] >= 0x20 && b.data[j] < 0x7f);
		tb_buf_release(&b);
		free(s);
	}
}

/* A run listed with U+FFFD for its bad bytes can be asked for by that name. */
static void test_shown_as(void **state)
{
	(void)state;
	assert_true(tb_json_shown_as("plain", "plain"));
	assert_false(tb_json_shown_as("plain", "plai"));
	assert_false(tb_json_shown_as("plai", "plain"));
	assert_true(tb_json_shown_as("r\xff", "r\xef\xbf\xbd"));
	assert_true(tb_json_shown_as("\xc3\xa9\xe9x", "\xc3\xa9\xef\xbf\xbdx"));
	/* one U+FFFD per bad byte, as tb_json_str writes them */
	assert_true(tb_json_shown_as("\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd"));
	assert_false(tb_json_shown_as("\xe2\x82", "\xef\xbf\xbd"));
	assert_false(tb_json_shown_as("r\xef\xbf\xbd", "r\xff"));
	tb_buf b = TB_BUF_INIT;
	const char *raw = "a\xfe\xed\xa0\x80" "b\xf0\x9f\x98\x80";
	tb_json_cstr(&b, raw);
	assert_string_equal(b.data, "\"a\\ufffd\\ufffd\\ufffd\\ufffdb\\ud83d\\ude00\"");
	assert_true(tb_json_shown_as(raw, "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
				     "b\xf0\x9f\x98\x80"));
	tb_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shown_as),
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_non_finite),
		cmocka_unit_test(test_edges_vs_oracle),
		cmocka_unit_test(test_random_vs_oracle),
		cmocka_unit_test(test_fmt_int),
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_csv_double),
		cmocka_unit_test(test_json_growth),
		cmocka_unit_test(test_str_ascii),
		cmocka_unit_test(test_str_utf8),
		cmocka_unit_test(test_str_invalid_utf8),
		cmocka_unit_test(test_str_random_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
