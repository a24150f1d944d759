/*
 * fuzz_pyre.c - the Python-regex engine of custom scalars (server/pyre.c):
 * the input is a pattern length byte, the pattern, then a subject. Any
 * pattern compiles or is refused with one of the documented errors; a
 * compiled one matches any subject without crashing, and a pattern that
 * compiles also accepts its own literal escape of the subject (re.escape(s)
 * always matches s).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pyre.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t plen = data[0] < size - 1 ? data[0] : size - 1;
	const char *pat = (const char *)data + 1, *subj = pat + plen;
	size_t slen = size - 1 - plen;
	tb_pyre *re;
	int rc = tb_pyre_compile(pat, plen, &re);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOTSUP || rc == -E2BIG || rc == -ENOMEM);
	if (rc == 0) {
		(void)tb_pyre_match(re, subj, slen);
		tb_pyre_free(re);
	}
	/* re.escape of an ASCII subject (what escapes: every non-alnum but _) */
	char *esc = malloc(2 * slen + 1);
	size_t n = 0;
	bool ascii = true;
	for (size_t i = 0; i < slen; i++) {
		unsigned char c = (unsigned char)subj[i];
		ascii = ascii && c < 0x80;
		if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_'))
			esc[n++] = '\\';
		esc[n++] = (char)c;
	}
	if (ascii && tb_pyre_compile(esc, n, &re) == 0) {
		FUZZ_CHECK(tb_pyre_match(re, subj, slen));
		tb_pyre_free(re);
	}
	free(esc);
	return 0;
}
