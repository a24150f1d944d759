/*
 * api.h - TensorBoard's HTTP data API as plain functions.
 *
 * A handler reads a tb_request (method, routed path, decoded query and form
 * fields, raw body) and fills a tb_response (status, content type, body).
 * Handlers never touch sockets, never read files and never free request
 * memory; http.c owns both structs and turns the response into bytes. Tests
 * call tb_api_handle() directly.
 *
 * Routing (reference §4.1): tb_api_handle() strips --path_prefix and one
 * /experiment/<id> prefix, removes one trailing '/', then looks the path up
 * in the route table (api.c). Unknown paths answer 404 "Not found".
 *
 * Errors (one convention): handlers call tb_resp_error(resp, 400, ...) for
 * "Invalid argument: ..." and tb_resp_error(resp, 404, ...) for
 * "Not found: ...", both text/plain; charset=utf-8.
 *
 * Ownership: every string in a tb_request belongs to the request (http.c
 * or the test that built it) and lives until the response is sent.
 */
#ifndef TB_API_H
#define TB_API_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "buf.h"
#include "store.h"

typedef struct tb_param {
	char *key;
	char *value;        /* NUL-terminated; may contain NUL (value_len) */
	size_t value_len;
} tb_param;

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
	const char *route;        /* set by tb_api_handle: path after prefixes */
	int depth;                /* set by tb_api_handle: '/'s in route below the mount */
} tb_request;

typedef struct tb_response {
	int status;
	const char *content_type; /* static string */
	tb_buf body;
	const char *static_body;  /* instead of body: bytes owned elsewhere */
	struct tb_body *shared;   /* instead of body: a cached body (cache.h);
				   * the response holds one reference */
	size_t static_len;
	const char *content_encoding; /* for precompressed static bodies */
	char location[512];       /* redirects */
	const char *allow;        /* 405 */
	bool html;                /* adds TensorBoard's Content-Security-Policy */
	bool no_gzip;             /* never compress (e.g. already compressed) */
	bool cacheable;           /* immutable asset: long cache lifetime */
	char etag[40];
	const char *disposition;  /* Content-Disposition, or NULL */
	/* A streamed body (large exports): http.c calls stream_next until it
	 * returns 0 (done) or < 0 (abort), then stream_free. */
	void *stream;
	int (*stream_next)(void *stream, tb_buf *out, size_t want);
	void (*stream_free)(void *stream);
	/* Streams that wait for data (live push): stream_next returns 2 when it
	 * has nothing, after calling suspend(arg); resume(arg) is called when
	 * data arrives. The transport provides the pair through this hook. */
	void (*stream_waker)(void *stream, void (*suspend)(void *), void (*resume)(void *),
			     void *arg);
} tb_response;

void tb_response_init(tb_response *r);
void tb_response_release(tb_response *r);

/* Route and run one request. */
void tb_api_handle(const tb_request *req, tb_response *resp);

/* First value of a query parameter (NULL if absent); form fields for POST. */
const char *tb_req_arg(const tb_request *req, const char *key);
const tb_param *tb_req_arg_param(const tb_request *req, const char *key);
const char *tb_req_form(const tb_request *req, const char *key);

/* Response helpers. */
void tb_resp_json(tb_response *r);   /* 200, application/json, body to be filled */
void tb_resp_error(tb_response *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tb_resp_not_found(tb_response *r); /* 404 "Not found" */

/* Handlers of the plugins (one file each: api_scalars.c, api_histograms.c,
 * api_text.c, api_timeseries.c); core handlers live in api.c. */
typedef void (*tb_handler)(const tb_request *req, tb_response *resp);

void tb_api_scalars_tags(const tb_request *req, tb_response *resp);
void tb_api_scalars(const tb_request *req, tb_response *resp);
void tb_api_scalars_multirun(const tb_request *req, tb_response *resp);
void tb_api_histograms_tags(const tb_request *req, tb_response *resp);
void tb_api_histograms(const tb_request *req, tb_response *resp);
void tb_api_distributions_tags(const tb_request *req, tb_response *resp);
void tb_api_distributions(const tb_request *req, tb_response *resp);
void tb_api_text_tags(const tb_request *req, tb_response *resp);
void tb_api_text(const tb_request *req, tb_response *resp);
void tb_api_timeseries_tags(const tb_request *req, tb_response *resp);
void tb_api_timeseries(const tb_request *req, tb_response *resp);
void tb_api_export(const tb_request *req, tb_response *resp);
void tb_api_runs_info(const tb_request *req, tb_response *resp);

/* Shared by the plugin handlers. */

/* Is this series served by the plugin's tags endpoint? Checks kind, plugin
 * name, data class and the plugin-data "too new" version (reference §2.7). */
bool tb_series_visible(const tb_series *se, tb_kind kind);

/* Tag description as sanitised HTML (Markdown rendered), appended as a
 * JSON string. */
void tb_json_description(tb_buf *b, const tb_series *se);

/* A scalar value as TensorBoard's JSON writes it (ints stay ints). */
void tb_json_scalar(tb_buf *b, tb_scalar v);

/* Points [first, end) of a series to serve, after --samples_per_plugin's
 * read cap for plugin (newest points kept). */
void tb_serve_range(const tb_request *req, const tb_series *se, const char *plugin,
		    size_t *first, size_t *end);

#endif
