/*
 * request.h - the plain request and response structs every handler takes.
 *
 * A handler reads a tb_request (method, routed path, decoded query and form
 * fields, raw body) and fills a tb_response (status, content type, body).
 * Handlers never touch sockets and never free request memory; http.c owns
 * both structs and turns the response into bytes, and unit tests build them
 * by hand.
 *
 * The body comes from exactly one source, named by resp->src: the buffer
 * `body` (TB_BODY_BUF, the default, also where any error is written), bytes
 * owned elsewhere (TB_BODY_STATIC), a shared cached body (TB_BODY_SHARED,
 * one reference held) or a stream (TB_BODY_STREAM). The tb_resp_* setters
 * switch sources; tb_response_release() frees whichever is held.
 *
 * Errors (one convention): handlers call tb_resp_error(resp, status, ...),
 * text/plain; charset=utf-8, "Invalid argument: " for 400 and "Not found: "
 * for 404. Running out of memory sets body.oom (tb_resp_oom): the transport
 * answers 503, never a partial 200.
 *
 * Ownership: every string in a tb_request belongs to the request (http.c
 * or the test that built it) and lives until the response is sent.
 */
#ifndef TB_REQUEST_H
#define TB_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "buf.h"
#include "form.h"

typedef struct tb_request {
	tb_app *app;
	const char *method;       /* "GET", "POST", "HEAD", ... */
	const char *path;         /* decoded URL path as received */
	const tb_param *query;    /* decoded query string, in order */
	size_t n_query;
	const tb_param *form;     /* decoded urlencoded or multipart body fields */
	size_t n_form;
	const char *body;         /* raw body (POST), may be NULL */
	size_t body_len;
	bool accept_gzip;         /* client takes Content-Encoding: gzip */
	const char *if_none_match;/* If-None-Match header, or NULL */
	const char *peer;         /* client address as conns.h names it ("" if unknown) */
	const char *route;        /* set by tb_api_handle: path after prefixes */
} tb_request;

/* A streamed body (large exports, live push): the transport calls next,
 * which appends up to about want bytes to out and returns 0, setting *done
 * after the last; any other negative code aborts the body. The transport
 * then calls free. A stream that waits for data returns -EAGAIN with
 * nothing appended after calling suspend(arg), and resume(arg) is called
 * when data arrives; the transport passes the pair through waker (NULL:
 * the stream never waits). */
typedef struct tb_stream {
	void *state;
	int (*next)(void *state, tb_buf *out, size_t want, bool *done);
	void (*free)(void *state);
	void (*waker)(void *state, void (*suspend)(void *), void (*resume)(void *), void *arg);
} tb_stream;

typedef enum tb_body_src {
	TB_BODY_BUF = 0,
	TB_BODY_STATIC,
	TB_BODY_SHARED,
	TB_BODY_STREAM,
} tb_body_src;

typedef struct tb_response {
	int status;
	const char *content_type; /* static string */
	tb_body_src src;
	tb_buf body;              /* TB_BODY_BUF */
	union {
		struct {
			const char *data;
			size_t len;
		} fixed;              /* TB_BODY_STATIC */
		struct tb_body *shared; /* TB_BODY_SHARED (cache.h) */
		tb_stream stream;     /* TB_BODY_STREAM */
	} u;
	const char *content_encoding; /* for precompressed bodies */
	char location[512];       /* redirects */
	const char *allow;        /* 405 */
	bool html;                /* adds TensorBoard's Content-Security-Policy */
	bool no_gzip;             /* never compress (e.g. already compressed) */
	bool cacheable;           /* immutable asset: long cache lifetime */
	char etag[40];
	const char *disposition;  /* Content-Disposition, or NULL */
} tb_response;

void tb_response_init(tb_response *r);
void tb_response_release(tb_response *r);

/* Body sources other than the buffer. */
void tb_resp_static(tb_response *r, const void *data, size_t len);
void tb_resp_shared(tb_response *r, struct tb_body *b); /* takes b's reference */
void tb_resp_stream(tb_response *r, const tb_stream *s);

/* First value of a query parameter (NULL if absent); form fields for POST. */
const char *tb_req_arg(const tb_request *req, const char *key);
const tb_param *tb_req_arg_param(const tb_request *req, const char *key);
const char *tb_req_form(const tb_request *req, const char *key);

/* 200, application/json, empty buffer body to be filled. */
void tb_resp_json(tb_response *r);
void tb_resp_error(tb_response *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tb_resp_not_found(tb_response *r); /* 404 "Not found" */
/* Out of memory: the transport answers 503. */
void tb_resp_oom(tb_response *r);
/* A redirect with TensorBoard's little HTML page; location is a constant
 * of tbserve's (it is not escaped). */
void tb_resp_redirect(tb_response *r, int status, const char *location);

#endif
