/*
 * request.c - request accessors and response setters (see request.h).
 */
#include "request.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cache.h"
#include "log.h"

void tb_response_init(tb_response *r)
{
	memset(r, 0, sizeof *r);
	tb_buf_init(&r->body);
	r->status = 200;
	r->content_type = "application/json";
}

/* Drop whichever non-buffer source is held and fall back to the buffer. */
static void drop_source(tb_response *r)
{
	if (r->src == TB_BODY_SHARED)
		tb_body_unref(r->u.shared);
	else if (r->src == TB_BODY_STREAM && r->u.stream.free)
		r->u.stream.free(r->u.stream.state);
	memset(&r->u, 0, sizeof r->u);
	r->src = TB_BODY_BUF;
}

void tb_response_release(tb_response *r)
{
	drop_source(r);
	tb_buf_release(&r->body);
}

void tb_resp_static(tb_response *r, const void *data, size_t len)
{
	drop_source(r);
	r->src = TB_BODY_STATIC;
	r->u.fixed.data = data;
	r->u.fixed.len = len;
}

void tb_resp_shared(tb_response *r, struct tb_body *b)
{
	drop_source(r);
	r->src = TB_BODY_SHARED;
	r->u.shared = b;
}

void tb_resp_stream(tb_response *r, const tb_stream *s)
{
	drop_source(r);
	r->src = TB_BODY_STREAM;
	r->u.stream = *s;
}

static const tb_param *find_param(const tb_param *p, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(p[i].key, key))
			return &p[i];
	return NULL;
}

const tb_param *tb_req_arg_param(const tb_request *req, const char *key)
{
	return find_param(req->query, req->n_query, key);
}

const char *tb_req_arg(const tb_request *req, const char *key)
{
	const tb_param *p = find_param(req->query, req->n_query, key);
	return p ? p->value : NULL;
}

const char *tb_req_form(const tb_request *req, const char *key)
{
	const tb_param *p = find_param(req->form, req->n_form, key);
	return p ? p->value : NULL;
}

void tb_resp_json(tb_response *r)
{
	drop_source(r);
	r->status = 200;
	r->content_type = "application/json";
	tb_buf_reset(&r->body);
}

void tb_resp_error(tb_response *r, int status, const char *fmt, ...)
{
	drop_source(r);
	r->status = status;
	r->content_type = "text/plain; charset=utf-8";
	tb_buf_reset(&r->body);
	tb_buf_puts(&r->body, status == 400 ? "Invalid argument: " :
			      status == 404 ? "Not found: " :
			      status == 405 ? "Method not allowed: " : "Error: ");
	char tmp[2048], shown[4 * sizeof tmp];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	/* messages quote run and tag names from the request: no raw control
	 * bytes back to a terminal or a log viewer */
	if (n > 0)
		tb_buf_append(&r->body, shown, tb_escape_controls(shown, sizeof shown, tmp,
				(size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1));
}

void tb_resp_not_found(tb_response *r)
{
	drop_source(r);
	r->status = 404;
	r->content_type = "text/plain; charset=utf-8";
	tb_buf_reset(&r->body);
	tb_buf_puts(&r->body, "Not found");
}

void tb_resp_oom(tb_response *r)
{
	drop_source(r);
	r->body.oom = 1;
}

void tb_resp_redirect(tb_response *r, int status, const char *location)
{
	drop_source(r);
	r->status = status;
	r->content_type = "text/html; charset=utf-8";
	snprintf(r->location, sizeof r->location, "%s", location);
	tb_buf_reset(&r->body);
	tb_buf_puts(&r->body, "<!doctype html>\n<title>Redirecting...</title>\n<a href=\"");
	tb_buf_puts(&r->body, location);
	tb_buf_puts(&r->body, "\">");
	tb_buf_puts(&r->body, location);
	tb_buf_puts(&r->body, "</a>");
}
