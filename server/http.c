/*
 * http.c - libmicrohttpd glue (see http.h).
 *
 * Per-request state (struct conn_req) is created on the first callback of
 * a request and freed in request_completed(); handlers never free request
 * memory. libmicrohttpd runs a small thread pool; the store's locks make
 * concurrent handlers safe.
 */
#include "http.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "api.h"
#include "cache.h"
#include "form.h"
#include "log.h"
#include "tblimits.h"

struct tb_http {
	struct MHD_Daemon *daemon;
	tb_app *app;
};

struct conn_req {
	tb_buf body;
	int too_large;
	tb_params query;
	int query_error;
};

#define CSP "default-src 'self';font-src 'self' data:;frame-src 'self';" \
	    "img-src 'self' data: blob:;object-src 'none';" \
	    "style-src 'self' data: 'unsafe-inline';connect-src 'self';script-src 'self'"

int tb_http_accepts_gzip(const char *ae)
{
	if (!ae)
		return 0;
	const char *p = ae;
	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		size_t len = strcspn(p, ", \t");
		if ((len == 4 && !strncasecmp(p, "gzip", 4)) ||
		    (len == 6 && !strncasecmp(p, "x-gzip", 6)) || (len == 1 && *p == '*'))
			return 1;
		p += len;
	}
	return 0;
}

static void request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct conn_req *cr = *con_cls;
	if (!cr)
		return;
	tb_buf_release(&cr->body);
	tb_params_release(&cr->query);
	free(cr);
	*con_cls = NULL;
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   size_t key_size, const char *value, size_t value_size)
{
	(void)kind;
	struct conn_req *cr = cls;
	if (tb_params_add(&cr->query, key, key_size, value ? value : "", value ? value_size : 0)) {
		cr->query_error = 1;
		return MHD_NO;
	}
	return MHD_YES;
}

static int is_textual(const char *ct)
{
	return !strncmp(ct, "text/", 5) || !strncmp(ct, "application/json", 16) ||
	       !strncmp(ct, "application/javascript", 22) || !strncmp(ct, "image/svg", 9);
}

struct stream_ctx {
	void *stream;
	int (*next)(void *, tb_buf *, size_t, bool *);
	void (*free)(void *);
	struct MHD_Connection *conn;
	tb_buf buf;
	size_t pos;
	int done;
};

/* Called by a waiting stream from inside stream_read (the content reader
 * callback, where libmicrohttpd allows suspending) and from the thread
 * that has new data. */
static void conn_suspend(void *arg)
{
	MHD_suspend_connection(((struct stream_ctx *)arg)->conn);
}

static void conn_resume(void *arg)
{
	MHD_resume_connection(((struct stream_ctx *)arg)->conn);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	(void)pos;
	struct stream_ctx *s = cls;
	if (s->pos == s->buf.len) {
		if (s->done)
			return MHD_CONTENT_READER_END_OF_STREAM;
		tb_buf_reset(&s->buf);
		s->pos = 0;
		bool done = false;
		int rc = s->next(s->stream, &s->buf, TB_HTTP_STREAM_CHUNK, &done);
		if (rc == -EAGAIN && s->buf.len == 0)
			return 0; /* suspended until the stream has data */
		if (rc < 0 && rc != -EAGAIN)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		s->done = done;
		if (s->buf.len == 0)
			return s->done ? MHD_CONTENT_READER_END_OF_STREAM : 0;
	}
	size_t n = s->buf.len - s->pos < max ? s->buf.len - s->pos : max;
	memcpy(out, s->buf.data + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream_ctx *s = cls;
	s->free(s->stream);
	tb_buf_release(&s->buf);
	free(s);
}

static void free_shared(void *data)
{
	tb_body_unref(tb_body_of(data));
}

static enum MHD_Result send_response(struct MHD_Connection *c, tb_response *r, int gzip_ok)
{
	if (r->src == TB_BODY_STREAM) {
		struct stream_ctx *s = calloc(1, sizeof *s);
		if (!s)
			return MHD_NO;
		s->stream = r->u.stream.state;
		s->next = r->u.stream.next;
		s->free = r->u.stream.free;
		s->conn = c;
		if (r->u.stream.waker)
			r->u.stream.waker(s->stream, conn_suspend, conn_resume, s);
		r->src = TB_BODY_BUF; /* owned by the MHD response now */
		struct MHD_Response *resp = MHD_create_response_from_callback(
			MHD_SIZE_UNKNOWN, TB_HTTP_STREAM_CHUNK, stream_read, s, stream_free);
		if (!resp) {
			stream_free(s);
			return MHD_NO;
		}
		MHD_add_response_header(resp, "Content-Type", r->content_type);
		MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
		MHD_add_response_header(resp, "Cache-Control", "no-cache, must-revalidate");
		MHD_add_response_header(resp, "X-Accel-Buffering", "no");
		if (r->disposition)
			MHD_add_response_header(resp, "Content-Disposition", r->disposition);
		enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	struct MHD_Response *resp;
	const char *encoding = r->content_encoding;
	if (r->src == TB_BODY_SHARED) {
		/* a cached body: shared, released by libmicrohttpd when sent */
		tb_body *b = r->u.shared;
		r->src = TB_BODY_BUF;
		resp = MHD_create_response_from_buffer_with_free_callback(b->len, b->data, free_shared);
		if (!resp)
			tb_body_unref(b);
	} else if (r->src == TB_BODY_STATIC) {
		resp = MHD_create_response_from_buffer(r->u.fixed.len, (void *)r->u.fixed.data,
						       MHD_RESPMEM_PERSISTENT);
	} else {
		tb_buf *body = &r->body, gz = TB_BUF_INIT;
		if (!encoding && gzip_ok && !r->no_gzip && body->len && is_textual(r->content_type) &&
		    tb_gzip(body->data, body->len, &gz) == 0) {
			body = &gz;
			encoding = "gzip";
		}
		size_t len = body->len;
		char *data = len ? tb_buf_detach(body, NULL) : NULL;
		tb_buf_release(&gz);
		resp = data ? MHD_create_response_from_buffer_with_free_callback(len, data, free) :
			      MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		if (!resp)
			free(data);
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", r->content_type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (r->cacheable) {
		MHD_add_response_header(resp, "Cache-Control", "private, max-age=86400");
	} else {
		MHD_add_response_header(resp, "Expires", "0");
		MHD_add_response_header(resp, "Cache-Control", "no-cache, must-revalidate");
	}
	if (r->etag[0])
		MHD_add_response_header(resp, "ETag", r->etag);
	if (encoding)
		MHD_add_response_header(resp, "Content-Encoding", encoding);
	if (r->location[0])
		MHD_add_response_header(resp, "Location", r->location);
	if (r->allow)
		MHD_add_response_header(resp, "Allow", r->allow);
	if (r->disposition)
		MHD_add_response_header(resp, "Content-Disposition", r->disposition);
	if (r->html || !strncmp(r->content_type, "text/html", 9))
		MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_plain(struct MHD_Connection *c, int status, const char *msg)
{
	tb_response r;
	tb_response_init(&r);
	r.status = status;
	r.content_type = "text/plain; charset=utf-8";
	tb_buf_puts(&r.body, msg);
	enum MHD_Result ret = send_response(c, &r, 0);
	tb_response_release(&r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	(void)version;
	tb_http *h = cls;
	struct conn_req *cr = *con_cls;
	if (!cr) {
		cr = calloc(1, sizeof *cr);
		if (!cr)
			return MHD_NO;
		*con_cls = cr;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > TB_HTTP_MAX_BODY)
			return send_plain(c, 413, "Request body too large");
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!cr->too_large && cr->body.len + *upload_data_size > TB_HTTP_MAX_BODY)
			cr->too_large = 1;
		if (!cr->too_large)
			tb_buf_append(&cr->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (cr->too_large)
		return send_plain(c, 413, "Request body too large");
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect_arg, cr);
	if (cr->query_error || cr->query.n > TB_HTTP_MAX_QUERY_PARAMS)
		return send_plain(c, 400, "Invalid argument: too many query parameters");

	tb_params form = { 0 };
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	if (cr->body.len && ct) {
		int rc = 0;
		if (!strncasecmp(ct, "application/x-www-form-urlencoded", 33))
			rc = tb_form_parse_urlencoded(cr->body.data, cr->body.len, &form);
		else if (!strncasecmp(ct, "multipart/form-data", 19))
			rc = tb_form_parse_multipart(cr->body.data, cr->body.len, ct, &form);
		if (rc) {
			tb_params_release(&form);
			return send_plain(c, 400, rc == -E2BIG ? "Invalid argument: too many form fields" :
						  "Invalid argument: malformed form body");
		}
	}
	tb_request req = {
		.app = h->app,
		.method = method,
		.path = url,
		.query = cr->query.v,
		.n_query = cr->query.n,
		.form = form.v,
		.n_form = form.n,
		.body = cr->body.data,
		.body_len = cr->body.len,
		.accept_gzip = tb_http_accepts_gzip(
			MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding")),
		.if_none_match = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match"),
	};
	tb_response resp;
	tb_response_init(&resp);
	tb_api_handle(&req, &resp);
	enum MHD_Result ret;
	if (resp.body.oom) {
		ret = send_plain(c, 503, "Service unavailable: out of memory");
	} else {
		ret = send_response(c, &resp, req.accept_gzip);
	}
	tb_response_release(&resp);
	tb_params_release(&form);
	return ret;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	/* per-request protocol errors (bad clients) are answered, not logged */
	tb_log(TB_LOG_DEBUG, "http: %s", line);
}

tb_http *tb_http_start(tb_app *app, int listen_fd)
{
	tb_http *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->app = app;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = cpus < 1 ? 1 : cpus > TB_HTTP_MAX_THREADS ? TB_HTTP_MAX_THREADS : (unsigned)cpus;
	h->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_TURBO |
			MHD_ALLOW_SUSPEND_RESUME,
		0, NULL, NULL, handle, h,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, listen_fd,
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)TB_HTTP_CONN_MEMORY,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)TB_HTTP_MAX_CONNECTIONS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)TB_HTTP_MAX_PER_IP,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)TB_HTTP_IDLE_TIMEOUT,
		MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL,
		MHD_OPTION_END);
	if (!h->daemon) {
		free(h);
		return NULL;
	}
	return h;
}

void tb_http_stop(tb_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon);
	free(h);
}
