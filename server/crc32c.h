/*
 * crc32c.h - CRC-32C (Castagnoli) and TFRecord's masked form.
 *
 * Two implementations behind one call: the SSE4.2 crc32 instruction where the
 * CPU has it (chosen once, at first use), and a portable slicing-by-8 table
 * otherwise. Both give identical results; tests force each one.
 */
#ifndef TB_CRC32C_H
#define TB_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* crc32c of n bytes, continuing from crc (start with 0). */
uint32_t tb_crc32c(uint32_t crc, const void *p, size_t n);

/* The two implementations, for tests and benchmarks. tb_crc32c_hw must only
 * be called when tb_crc32c_have_hw() is true. */
uint32_t tb_crc32c_sw(uint32_t crc, const void *p, size_t n);
uint32_t tb_crc32c_hw(uint32_t crc, const void *p, size_t n);
int tb_crc32c_have_hw(void);

/* TFRecord mask: rotate right by 15, add 0xa282ead8. */
static inline uint32_t tb_crc32c_mask(uint32_t crc)
{
	return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

#endif
