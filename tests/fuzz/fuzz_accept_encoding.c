/*
 * fuzz_accept_encoding.c - the Accept-Encoding rule (http.c) on arbitrary
 * header text. Property: the answer does not depend on what follows the
 * first token that decides it -- a header that accepts gzip still does with
 * ", identity" appended, and one that does not still does not with
 * ", identity" appended.
 */
#include <string.h>

#include "fuzz.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 16);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	int a = tb_http_accepts_gzip(s);
	FUZZ_CHECK(a == 0 || a == 1);
	strcpy(s + strlen(s), ", identity");
	FUZZ_CHECK(tb_http_accepts_gzip(s) == a);
	free(s);
	return 0;
}
