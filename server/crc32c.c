/*
 * crc32c.c - CRC-32C, hardware (SSE4.2) and portable (slicing-by-8).
 *
 * The table for the portable path is built and the implementation chosen
 * once, by a constructor that runs before main(): after that all state is
 * read-only, and a call costs one indirect jump (no pthread_once per call:
 * the loader makes two calls per record, ~50 bytes each).
 */
#include "crc32c.h"

#include <string.h>

#define POLY 0x82f63b78u /* Castagnoli, reflected */

static uint32_t table[8][256];

static void table_build(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (POLY & (0u - (c & 1)));
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
}

uint32_t tb_crc32c_sw(uint32_t crc, const void *p, size_t n)
{
	const unsigned char *s = p;
	crc = ~crc;
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8); /* little-endian hosts only; see tb_crc32c_have_hw */
		w ^= crc;
		crc = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^
		      table[5][(w >> 16) & 0xff] ^ table[4][(w >> 24) & 0xff] ^
		      table[3][(w >> 32) & 0xff] ^ table[2][(w >> 40) & 0xff] ^
		      table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
		s += 8;
		n -= 8;
	}
	while (n--)
		crc = (crc >> 8) ^ table[0][(crc ^ *s++) & 0xff];
	return ~crc;
}

#if defined(__x86_64__)
#include <nmmintrin.h>

__attribute__((target("sse4.2")))
uint32_t tb_crc32c_hw(uint32_t crc, const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t c = ~crc;
	/* unaligned 8-byte loads cost the same as aligned ones on every x86-64
	 * with SSE4.2, so no byte loop to reach alignment */
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		c = _mm_crc32_u64(c, w);
		s += 8;
		n -= 8;
	}
	if (n >= 4) {
		uint32_t w;
		memcpy(&w, s, 4);
		c = _mm_crc32_u32((uint32_t)c, w);
		s += 4;
		n -= 4;
	}
	while (n--)
		c = _mm_crc32_u8((uint32_t)c, *s++);
	return ~(uint32_t)c;
}

int tb_crc32c_have_hw(void)
{
	return __builtin_cpu_supports("sse4.2");
}
#else
uint32_t tb_crc32c_hw(uint32_t crc, const void *p, size_t n)
{
	return tb_crc32c_sw(crc, p, n);
}

int tb_crc32c_have_hw(void)
{
	return 0;
}
#endif

static uint32_t (*crc_impl)(uint32_t, const void *, size_t) = tb_crc32c_sw;

__attribute__((constructor)) static void crc32c_init(void)
{
	table_build();
	crc_impl = tb_crc32c_have_hw() ? tb_crc32c_hw : tb_crc32c_sw;
}

uint32_t tb_crc32c(uint32_t crc, const void *p, size_t n)
{
	return crc_impl(crc, p, n);
}
