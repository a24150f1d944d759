/*
 * fuzz_form.c - URL and form decoding (form.c): the input percent-decoded
 * with and without '+', as an urlencoded body, and as a multipart body
 * whose Content-Type is the input's first line. Properties: decoding never
 * grows the text, and every decoded pair fits in what was sent.
 */
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "fuzz.h"

static void check_pairs(const tb_params *p, size_t size)
{
	for (size_t i = 0; i < p->n; i++)
		FUZZ_CHECK(strlen(p->v[i].key) + p->v[i].value_len <= size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int plus = 0; plus < 2; plus++) {
		size_t n = 0;
		char *d = tb_url_decode((const char *)data, size, plus, &n);
		FUZZ_CHECK(!d || n <= size);
		free(d);
	}
	tb_params p;
	memset(&p, 0, sizeof p);
	tb_form_parse_urlencoded((const char *)data, size, &p);
	check_pairs(&p, size);
	tb_params_release(&p);
	const uint8_t *nl = memchr(data, '\n', size);
	if (!nl)
		return 0;
	size_t ctlen = (size_t)(nl - data);
	char *ct = malloc(ctlen + 1);
	if (!ct)
		return 0;
	memcpy(ct, data, ctlen);
	ct[ctlen] = '\0';
	memset(&p, 0, sizeof p);
	tb_form_parse_multipart((const char *)nl + 1, size - ctlen - 1, ct, &p);
	check_pairs(&p, size);
	tb_params_release(&p);
	free(ct);
	return 0;
}
