/*
 * fuzz_hparams.c - the hparams requests (hparams_request.c, hparams_groups.c,
 * api_hparams.c): the first input byte picks the endpoint, the rest is the
 * POST body, against the golden fixture logdir (sessions hp_search/trial_*).
 * Properties: the answer is 200 with JSON (a JSON object, or an array for
 * metric_evals), 400 with a message, or 404 for metric_evals; never a
 * crash, never a 500.
 */
#include <cjson/cJSON.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {
		"/data/plugin/hparams/experiment",
		"/data/plugin/hparams/session_groups",
		"/data/plugin/hparams/metric_evals",
		"/experiment/x/data/plugin/hparams/session_groups",
	};
	if (!size)
		return 0;
	tb_app *app = fuzz_app(true);
	int which = data[0] % 4;
	char *body = malloc(size);
	if (!body)
		return 0;
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	tb_response resp;
	tb_request req;  /* fuzz_api_call() sends no body */
	memset(&req, 0, sizeof req);
	req.app = app;
	req.method = "POST";
	req.path = paths[which];
	req.body = body;
	req.body_len = size - 1;
	tb_response_init(&resp);
	tb_api_handle(&req, &resp);
	FUZZ_CHECK(resp.status == 200 || resp.status == 400 || (which == 2 && resp.status == 404));
	size_t len;
	const char *out = fuzz_body(&resp, &len);
	if (resp.status == 200 && out) {
		cJSON *j = cJSON_ParseWithLength(out, len);
		FUZZ_CHECK(j && (which == 2 ? cJSON_IsArray(j) : cJSON_IsObject(j)));
		cJSON_Delete(j);
	}
	tb_response_release(&resp);
	free(body);
	return 0;
}
