/*
 * fuzz_path.c - static path canonicalisation (static_files.c) and routing
 * (api.c) on arbitrary paths. Properties: a path the canonicaliser accepts
 * stays below the root (no "..", "." or empty segment, no leading '/', no
 * backslash or control byte) and fits its buffer; any path through the
 * router gets a status a client can be given, never a crash.
 */
#include <string.h>

#include "fuzz.h"
#include "fuzz_api.h"
#include "static_files.h"

static void check_clean(const char *path)
{
	char out[256];
	if (tb_static_clean_path(path, out, sizeof out))
		return;
	size_t n = strlen(out);
	FUZZ_CHECK(n > 0 && n < sizeof out && out[0] != '/');
	for (const char *seg = out; *seg;) {
		size_t len = strcspn(seg, "/");
		FUZZ_CHECK(len > 0);
		FUZZ_CHECK(!(len == 1 && seg[0] == '.'));
		FUZZ_CHECK(!(len == 2 && seg[0] == '.' && seg[1] == '.'));
		for (size_t i = 0; i < len; i++)
			FUZZ_CHECK(seg[i] != '\\' && (unsigned char)seg[i] >= 0x20);
		seg += len + (seg[len] == '/');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = malloc(size + 2);
	if (!path)
		return 0;
	path[0] = '/';
	memcpy(path + 1, data, size);
	path[size + 1] = '\0';
	check_clean(path + 1);
	check_clean(path);
	static const char *const methods[] = { "GET", "POST", "HEAD" };
	tb_app *app = fuzz_app(false);
	tb_response resp;
	fuzz_api_call(app, methods[size % 3], path, NULL, 0, NULL, 0, &resp);
	FUZZ_CHECK(resp.status >= 200 && resp.status < 600);
	FUZZ_CHECK(resp.status != 500);
	tb_response_release(&resp);
	free(path);
	return 0;
}
