/*
 * fuzz_api.h - for fuzz targets that go through the HTTP API: one app,
 * loaded once from tests/data/golden/logdir-small (TensorBoard's settings:
 * --load_fast=false, every point kept), and fuzz_api_call(), the one place
 * that builds a request, so a change of the request struct is fixed here.
 */
#ifndef TB_FUZZ_API_H
#define TB_FUZZ_API_H

#include <stdbool.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "cache.h"
#include "flags.h"
#include "log.h"

static inline tb_app *fuzz_app(bool load)
{
	static tb_flags flags;
	static tb_app app;
	static bool ready;
	if (ready)
		return &app;
	char logdir[4096];
	snprintf(logdir, sizeof logdir, "%s/golden/logdir-small", TB_FUZZ_DATA);
	char a0[] = "tbserve", a1[] = "--logdir", a3[] = "--load_fast=false";
	char *argv[] = { a0, a1, logdir, a3, NULL };
	char err[512];
	if (tb_flags_parse(&flags, 4, argv, err, sizeof err) ||
	    tb_app_init(&app, &flags, err, sizeof err)) {
		fprintf(stderr, "fuzz: cannot set up the app: %s\n", err);
		abort();
	}
	if (load && tb_app_load(&app)) {
		fprintf(stderr, "fuzz: cannot load %s\n", logdir);
		abort();
	}
	ready = true;
	return &app;
}

/* One request through the router; the caller releases resp. */
static inline void fuzz_api_call(tb_app *app, const char *method, const char *path,
			  const tb_param *query, size_t n_query, const tb_param *form,
			  size_t n_form, tb_response *resp)
{
	tb_request req;
	memset(&req, 0, sizeof req);
	req.app = app;
	req.method = method;
	req.path = path;
	req.query = query;
	req.n_query = n_query;
	req.form = form;
	req.n_form = n_form;
	tb_response_init(resp);
	tb_api_handle(&req, resp);
}

/* The answer's bytes wherever the response keeps them (built, fixed, or
 * shared from the cache); NULL for a stream or an allocation failure. */
static inline const char *fuzz_body(const tb_response *r, size_t *len)
{
	switch (r->src) {
	case TB_BODY_BUF:
		*len = r->body.len;
		return r->body.oom ? NULL : r->body.data ? r->body.data : "";
	case TB_BODY_STATIC:
		*len = r->u.fixed.len;
		return r->u.fixed.data;
	case TB_BODY_SHARED:
		*len = r->u.shared->len;
		return r->u.shared->data;
	default:
		return NULL;
	}
}

#endif
