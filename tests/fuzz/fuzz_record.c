/*
 * fuzz_record.c - TFRecord framing (record.c) on arbitrary bytes.
 * Property: every payload the reader hands out was framed correctly --
 * re-framing it gives back exactly the bytes it was read from (lengths
 * and both CRCs), so a reader that skips a check is caught, not only one
 * that crashes.
 */
#include <string.h>

#include "fuzz.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tb_record_reader r;
	if (tb_record_open_mem(&r, data, size))
		return 0;
	const unsigned char *p;
	size_t len;
	uint64_t at = tb_record_offset(&r);
	while (tb_record_next(&r, &p, &len) == 1) {
		uint64_t end = tb_record_offset(&r);
		FUZZ_CHECK(end <= size && end - at == (uint64_t)len + 16);
		unsigned char *framed = malloc(len + 16);
		if (!framed)
			break;
		tb_record_frame(framed, p, len);
		FUZZ_CHECK(!memcmp(framed, data + at, len + 16));
		free(framed);
		at = end;
	}
	tb_record_close(&r);
	return 0;
}
