/*
 * fuzz_timeseries.c - the timeSeries request body (api_timeseries.c): the
 * input is the "requests" form field of a POST against the golden fixture
 * logdir. Properties: the answer is 200 with a JSON array, or 400 with a
 * message; never a crash, never a 500.
 */
#include <cjson/cJSON.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tb_app *app = fuzz_app(true);
	char key[] = "requests";
	char *value = malloc(size + 1);
	if (!value)
		return 0;
	memcpy(value, data, size);
	value[size] = '\0';
	tb_param form = { key, value, size };
	tb_response resp;
	fuzz_api_call(app, "POST", "/data/plugin/timeseries/timeSeries", NULL, 0, &form, 1, &resp);
	FUZZ_CHECK(resp.status == 200 || resp.status == 400);
	size_t len;
	const char *body = fuzz_body(&resp, &len);
	if (resp.status == 200 && body) {
		cJSON *j = cJSON_ParseWithLength(body, len);
		FUZZ_CHECK(j && cJSON_IsArray(j));
		cJSON_Delete(j);
	}
	tb_response_release(&resp);
	free(value);
	return 0;
}
