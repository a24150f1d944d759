/*
 * test_crc32c.c - CRC-32C (server/crc32c.c): published check values, the
 * hardware and portable paths agree on every length and alignment, split
 * computation equals one-shot, and the TFRecord mask.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "crc32c.h"

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

/* Check values from RFC 3720 (iSCSI) appendix B.4 and the CRC catalogue. */
static void check_vectors(crc_fn f)
{
	unsigned char buf[32];
	assert_int_equal(f(0, "123456789", 9), 0xe3069283u);
	memset(buf, 0, sizeof buf);
	assert_int_equal(f(0, buf, 32), 0x8a9136aau);
	memset(buf, 0xff, sizeof buf);
	assert_int_equal(f(0, buf, 32), 0x62a8ab43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (unsigned char)i;
	assert_int_equal(f(0, buf, 32), 0x46dd794eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (unsigned char)(31 - i);
	assert_int_equal(f(0, buf, 32), 0x113fdb5cu);
	assert_int_equal(f(0, "", 0), 0);
	assert_int_equal(f(0, "a", 1), 0xc1d04330u);
	assert_int_equal(f(0x12345678u, "", 0), 0x12345678u);
}

static void test_vectors_dispatch(void **state)
{
	(void)state;
	check_vectors(tb_crc32c);
}

static void test_vectors_sw(void **state)
{
	(void)state;
	check_vectors(tb_crc32c_sw);
}

static void test_vectors_hw(void **state)
{
	(void)state;
	if (!tb_crc32c_have_hw()) {
		/* this test only means something where SSE4.2 exists; every
		 * x86-64 machine this project targets has it */
#if defined(__x86_64__)
		fail_msg("x86-64 CPU without SSE4.2: hardware path cannot be tested");
#else
		return;
#endif
	}
	check_vectors(tb_crc32c_hw);
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void test_hw_sw_agree(void **state)
{
	(void)state;
	unsigned char raw[300 + 16 + 16];
	for (size_t i = 0; i < sizeof raw; i++)
		raw[i] = (unsigned char)rnd();
	int have_hw = tb_crc32c_have_hw();
	for (size_t align = 0; align < 16; align++) {
		for (size_t len = 0; len <= 300; len++) {
			const unsigned char *p = raw + align;
			uint32_t seed = (len & 1) ? rnd() : 0;
			uint32_t sw = tb_crc32c_sw(seed, p, len);
			/* bytewise reference, independent of both implementations */
			uint32_t ref = ~seed;
			for (size_t k = 0; k < len; k++) {
				ref ^= p[k];
				for (int b = 0; b < 8; b++)
					ref = (ref >> 1) ^ (0x82f63b78u & (0u - (ref & 1)));
			}
			ref = ~ref;
			if (sw != ref)
				fail_msg("sw len %zu align %zu: %08x, reference %08x", len, align, sw, ref);
			if (have_hw && tb_crc32c_hw(seed, p, len) != sw)
				fail_msg("hw len %zu align %zu: %08x, sw %08x", len, align,
					 tb_crc32c_hw(seed, p, len), sw);
			assert_int_equal(tb_crc32c(seed, p, len), sw);
		}
	}
}

static void test_incremental(void **state)
{
	(void)state;
	unsigned char data[1000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)rnd();
	crc_fn fns[3] = { tb_crc32c, tb_crc32c_sw, tb_crc32c_hw };
	int nfns = tb_crc32c_have_hw() ? 3 : 2;
	for (int f = 0; f < nfns; f++) {
		uint32_t whole = fns[f](0, data, sizeof data);
		for (size_t cut = 0; cut <= sizeof data; cut += 7) {
			uint32_t c = fns[f](0, data, cut);
			c = fns[f](c, data + cut, sizeof data - cut);
			if (c != whole)
				fail_msg("fn %d cut %zu: %08x != %08x", f, cut, c, whole);
		}
		/* many small pieces of varying size */
		uint32_t c = 0;
		size_t pos = 0, step = 1;
		while (pos < sizeof data) {
			size_t k = step < sizeof data - pos ? step : sizeof data - pos;
			c = fns[f](c, data + pos, k);
			pos += k;
			step = step % 13 + 1;
		}
		assert_int_equal(c, whole);
	}
	/* "1234" then "56789" is the check value */
	assert_int_equal(tb_crc32c(tb_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
}

static void test_mask(void **state)
{
	(void)state;
	assert_int_equal(tb_crc32c_mask(0), 0xa282ead8u);
	/* rotate right by 15, then add (mod 2^32) */
	assert_int_equal(tb_crc32c_mask(0x00008000u), 0xa282ead9u);
	assert_int_equal(tb_crc32c_mask(1), 0x00020000u + 0xa282ead8u);
	assert_int_equal(tb_crc32c_mask(0xffffffffu), 0xa282ead7u);
	assert_int_equal(tb_crc32c_mask(0xe3069283u), 0xc78ab0e5u);
	/* the length field of an empty record: 8 zero bytes, masked */
	unsigned char zero[8] = { 0 };
	assert_int_equal(tb_crc32c(0, zero, 8), 0x8c28b28au);
	assert_int_equal(tb_crc32c_mask(0x8c28b28au), 0x07980329u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_dispatch),
		cmocka_unit_test(test_vectors_sw),
		cmocka_unit_test(test_vectors_hw),
		cmocka_unit_test(test_hw_sw_agree),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_mask),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
