/*
 * fuzz_form.c - libFuzzer target: request bodies as urlencoded and as
 * multipart forms (the first line of the input is the Content-Type).
 * Built by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tb_params p;
	memset(&p, 0, sizeof p);
	tb_form_parse_urlencoded((const char *)data, size, &p);
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
	tb_params_release(&p);
	free(ct);
	return 0;
}
