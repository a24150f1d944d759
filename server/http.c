/*
 * http.c - libmicrohttpd glue (see http.h).
 *
 * Per-request state (struct conn_req) is created when libmicrohttpd reports
 * the request line (uri_seen) and freed in request_completed(); handlers
 * never free request memory. Per-connection state is the connection
 * table's entry (conns.h), made and dropped in notify_connection().
 * Everything that can refuse a request (framing, access.h's policy, sizes)
 * runs on the first handler call, before a body is read. libmicrohttpd runs
 * a small thread pool; the store's locks make concurrent handlers safe.
 */
#include "http.h"

#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "access.h"
#include "api.h"
#include "cache.h"
#include "conns.h"
#include "form.h"
#include "log.h"
#include "tblimits.h"

struct tb_http {
	struct MHD_Daemon *daemon;
	tb_app *app;
	tb_access *access;
	tb_conns *conns;
	bool tls;
	pthread_mutex_t start_lock;
	bool starting;        /* MHD_start_daemon has not returned */
	char start_error[512]; /* what libmicrohttpd said first while starting */
};

/* One request: created by the URI callback (the first thing libmicrohttpd
 * reports of a request), freed in request_completed(). */
struct conn_req {
	tb_conn *conn;       /* the connection's table entry (conns.h) */
	bool started;        /* headers seen: the handler has run once */
	const char *bad_uri; /* a reason to answer 400 before anything else */
	char *raw_uri;       /* as sent, kept when it may carry ?token= */
	tb_buf body;
	tb_params query;
	int query_error;
};

/* TLS 1.2 and 1.3 only, AEAD ciphers, forward-secret key exchange. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305:" \
		       "+AES-256-GCM:+AES-128-GCM:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:%SERVER_PRECEDENCE"

#define HSTS "max-age=31536000"

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
	if (cr->conn)
		tb_conn_waiting(cr->conn);
	tb_buf_release(&cr->body);
	tb_params_release(&cr->query);
	free(cr->raw_uri);
	free(cr);
	*con_cls = NULL;
}

static tb_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* Connections enter and leave the table (conns.h) here. */
static void notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			      enum MHD_ConnectionNotificationCode code)
{
	tb_http *h = cls;
	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (*socket_context)
			tb_conn_close(*socket_context);
		*socket_context = NULL;
		return;
	}
	const union MHD_ConnectionInfo *fdi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *ai = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!fdi || !ai)
		return;
	bool refused;
	tb_conn *conn = tb_conn_open(h->conns, fdi->connect_fd, ai->client_addr, &refused);
	*socket_context = conn;
	if (refused || !conn)
		shutdown(fdi->connect_fd, SHUT_RDWR);
}

/* The request line as sent, before libmicrohttpd splits and decodes it:
 * the one place that sees %00 (decoding would cut the string there) and
 * can count query fields before they are parsed into the connection's
 * memory pool (which, when exhausted, leaves the request unanswered). */
static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	struct conn_req *cr = calloc(1, sizeof *cr);
	if (!cr)
		return NULL;
	cr->conn = conn_of(c);
	char *q = strchr(uri, '?');
	if (strstr(uri, "%00"))
		cr->bad_uri = "Invalid argument: NUL (%00) in the URL";
	if (q) {
		size_t fields = 1;
		for (const char *p = q + 1; *p; p++)
			fields += *p == '&';
		if (fields > TB_HTTP_MAX_QUERY_PARAMS) {
			cr->bad_uri = "Invalid argument: too many query parameters";
			/* libmicrohttpd parses the query right after this callback, from
			 * its own (writable) read buffer: leave it nothing to parse */
			((char *)q)[1] = '\0';
		} else if (strstr(q, "token=")) {
			cr->raw_uri = strdup(uri);
		}
	}
	return cr;
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
		if (rc < 0 && rc != -EAGAIN) {
			/* ended by the server (a live stream making room, shutdown):
			 * the client must see the end now, and libmicrohttpd 0.9.75
			 * sometimes leaves such a resumed connection open until its
			 * next event; shutting the socket both ways gives it one */
			const union MHD_ConnectionInfo *fdi =
				MHD_get_connection_info(s->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
			if (fdi)
				shutdown(fdi->connect_fd, SHUT_RDWR);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
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

/* Headers every answer carries: type, nosniff, caching, CSP on HTML, HSTS
 * over TLS. */
static void add_common_headers(tb_http *h, struct MHD_Connection *c, struct MHD_Response *resp,
			       const char *content_type, bool html, bool cacheable)
{
	MHD_add_response_header(resp, "Content-Type", content_type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (cacheable) {
		MHD_add_response_header(resp, "Cache-Control", "private, max-age=86400");
	} else {
		MHD_add_response_header(resp, "Expires", "0");
		MHD_add_response_header(resp, "Cache-Control", "no-cache, must-revalidate");
	}
	if (html || !strncmp(content_type, "text/html", 9))
		MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	if (h->tls && tb_access_hsts_host(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host")))
		MHD_add_response_header(resp, "Strict-Transport-Security", HSTS);
}

/* Error bodies may quote what the client sent (a run name, a path): show
 * control bytes as \xNN so they cannot drive a terminal or fake log lines
 * where the answer is printed. */
static void escape_controls(tb_buf *body)
{
	size_t n = 0;
	for (size_t i = 0; i < body->len; i++)
		n += (unsigned char)body->data[i] < 0x20 || body->data[i] == 0x7f;
	if (!n)
		return;
	tb_buf out = TB_BUF_INIT;
	for (size_t i = 0; i < body->len; i++) {
		unsigned char ch = (unsigned char)body->data[i];
		if (ch < 0x20 || ch == 0x7f)
			tb_buf_printf(&out, "\\x%02x", ch);
		else
			tb_buf_putc(&out, (char)ch);
	}
	if (out.oom) {
		tb_buf_release(&out);
		tb_buf_reset(body);
		tb_buf_puts(body, "Error");
		return;
	}
	tb_buf_release(body);
	*body = out;
}

static enum MHD_Result send_response(tb_http *h, struct MHD_Connection *c, tb_response *r,
				     int gzip_ok)
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
		add_common_headers(h, c, resp, r->content_type, false, false);
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
		if (r->status >= 400 && !strncmp(r->content_type, "text/plain", 10))
			escape_controls(body);
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
	add_common_headers(h, c, resp, r->content_type, r->html, r->cacheable);
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
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* An answer made here rather than by a handler (refusals, the login), with
 * up to two extra headers (name, value; NULL name = none). */
static enum MHD_Result send_simple(tb_http *h, struct MHD_Connection *c, int status,
				   const char *content_type, const char *body, const char *h1,
				   const char *v1, const char *h2, const char *v2)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
								    MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	add_common_headers(h, c, resp, content_type, false, false);
	if (h1)
		MHD_add_response_header(resp, h1, v1);
	if (h2)
		MHD_add_response_header(resp, h2, v2);
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_plain(tb_http *h, struct MHD_Connection *c, int status, const char *msg)
{
	return send_simple(h, c, status, "text/plain; charset=utf-8", msg, NULL, NULL, NULL, NULL);
}

/* ---- checks before a request reaches the API ------------------------------ */

struct framing {
	int content_length;    /* Content-Length headers seen */
	int transfer_encoding; /* Transfer-Encoding headers seen */
	bool chunked_only;     /* ... and each says exactly "chunked" */
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	(void)kind;
	struct framing *f = cls;
	if (!strcasecmp(key, "Content-Length")) {
		f->content_length++;
	} else if (!strcasecmp(key, "Transfer-Encoding")) {
		f->transfer_encoding++;
		f->chunked_only = f->chunked_only && value && !strcasecmp(value, "chunked");
	}
	return MHD_YES;
}

/* RFC 9112 §6.3: a message with both lengths, or two lengths, is a
 * request-smuggling attempt; a coding we cannot decode gets 501. */
static enum MHD_Result check_framing(tb_http *h, struct MHD_Connection *c, bool *answered)
{
	struct framing f = { 0, 0, true };
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
	*answered = true;
	if (f.content_length > 1)
		return send_plain(h, c, 400, "Invalid argument: more than one Content-Length");
	if (f.content_length && f.transfer_encoding)
		return send_plain(h, c, 400, "Invalid argument: both Content-Length and Transfer-Encoding");
	if (f.transfer_encoding && (f.transfer_encoding > 1 || !f.chunked_only))
		return send_plain(h, c, 501, "Not implemented: Transfer-Encoding other than chunked");
	*answered = false;
	return MHD_YES;
}

static const char login_page[] =
	"<!doctype html>\n<meta charset=\"utf-8\">\n<title>tbserve: log in</title>\n"
	"<style>body{font:16px system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em}"
	"input{font:inherit;width:22em}</style>\n"
	"<h1>This tbserve needs a token</h1>\n"
	"<p>%s Open the address tbserve printed when it started (it ends in "
	"<code>?token=&hellip;</code>), or paste the token here:</p>\n"
	"<form method=\"get\"><input name=\"token\" type=\"password\" autocomplete=\"off\" "
	"autofocus aria-label=\"Token\"> <button>Log in</button></form>\n";

static enum MHD_Result send_unauthorized(tb_http *h, struct MHD_Connection *c, bool wrong)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
	const char *why = wrong ? "That token is not the right one." : "";
	if (accept && strstr(accept, "text/html")) {
		char page[sizeof login_page + 64];
		snprintf(page, sizeof page, login_page, why);
		return send_simple(h, c, 401, "text/html; charset=utf-8", page, "WWW-Authenticate",
				   "Bearer realm=\"tbserve\"", NULL, NULL);
	}
	return send_simple(h, c, 401, "text/plain; charset=utf-8",
			   wrong ? "Unauthorized: wrong token" :
				   "Unauthorized: this tbserve needs its token (?token=, the cookie it sets, "
				   "or 'Authorization: Bearer TOKEN')",
			   "WWW-Authenticate", "Bearer realm=\"tbserve\"", NULL, NULL);
}

/* The URL the client asked for without its token field: where a login
 * redirects. Falls back to the root of the board when the URL is odd. */
static void clean_url(const char *raw, const char *prefix, char *out, size_t outlen)
{
	out[0] = '\0';
	size_t n = 0;
	const char *q = raw ? strchr(raw, '?') : NULL;
	bool ok = q && (size_t)(q - raw) < outlen;
	if (ok) {
		memcpy(out, raw, (size_t)(q - raw));
		n = (size_t)(q - raw);
		out[n] = '\0';
		char sep = '?';
		for (const char *p = q + 1; *p;) {
			size_t len = strcspn(p, "&");
			if (len && strncmp(p, "token=", 6) && !(len == 5 && !strncmp(p, "token", 5))) {
				if (n + 1 + len >= outlen) {
					ok = false;
					break;
				}
				out[n++] = sep;
				memcpy(out + n, p, len);
				n += len;
				out[n] = '\0';
				sep = '&';
			}
			p += len + (p[len] == '&');
		}
		for (size_t i = 0; ok && i < n; i++)
			ok = (unsigned char)out[i] > 0x20 && out[i] != 0x7f;
		ok = ok && out[0] == '/';
	}
	if (!ok)
		snprintf(out, outlen, "%s/", prefix);
}

/* The Host allow-list, the token, the cross-site rule. Answers (and sets
 * *answered) when the request may not go on. */
static enum MHD_Result check_access(tb_http *h, struct MHD_Connection *c, struct conn_req *cr,
				    const char *method, bool *answered)
{
	*answered = true;
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	if (!tb_access_host_allowed(h->access, host)) {
		char msg[1024];
		char shown[128];
		snprintf(shown, sizeof shown, "%s", host);
		snprintf(msg, sizeof msg,
			 "Forbidden: this tbserve does not answer requests for the host '%s'. It answers "
			 "only for this machine's names and addresses (and localhost), so that a web page "
			 "cannot read it through DNS rebinding. If this is your name for it (a reverse "
			 "proxy, a DNS alias), start tbserve with --allowed_hosts and that name",
			 shown);
		return send_plain(h, c, 403, msg);
	}
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (tb_access_token_required(h->access)) {
		char peer_buf[TB_PEER_LEN];
		const char *peer = cr->conn ? tb_conn_peer(cr->conn) : NULL;
		if (!peer) {
			const union MHD_ConnectionInfo *ai =
				MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
			tb_peer_name(ai ? ai->client_addr : NULL, peer_buf);
			peer = peer_buf;
		}
		tb_auth v = tb_access_authorize(
			h->access, peer, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token"),
			MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie"), auth);
		if (v == TB_AUTH_LIMITED) {
			char secs[16], msg[160];
			unsigned left = tb_access_retry_after(h->access, peer);
			snprintf(secs, sizeof secs, "%u", left);
			snprintf(msg, sizeof msg, "Too many requests: too many wrong tokens from your "
				 "address; try again in %u s", left);
			return send_simple(h, c, 429, "text/plain; charset=utf-8", msg, "Retry-After", secs,
					   NULL, NULL);
		}
		if (v == TB_AUTH_MISSING || v == TB_AUTH_WRONG)
			return send_unauthorized(h, c, v == TB_AUTH_WRONG);
		if (v == TB_AUTH_LOGIN) {
			char cookie[512], location[2048];
			const char *prefix = h->app->flags->path_prefix;
			if (tb_access_set_cookie(h->access, prefix, h->tls, cookie, sizeof cookie))
				return send_plain(h, c, 500, "Error: cookie too long");
			clean_url(cr->raw_uri, prefix, location, sizeof location);
			return send_simple(h, c, 302, "text/plain; charset=utf-8", "Logged in\n", "Set-Cookie",
					   cookie, "Location", location);
		}
	}
	if (!tb_access_same_site(method, host, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"),
				 MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site"),
				 MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-XSRF-Protected"),
				 MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"), auth))
		return send_plain(h, c, 403,
				  "Forbidden: a cross-site request. Send the header 'X-XSRF-Protected: 1' "
				  "(or a JSON body) with POST requests");
	*answered = false;
	return MHD_YES;
}

/* First call of a request (its headers are in): everything that can be
 * refused before the body is read. */
static enum MHD_Result check_request(tb_http *h, struct MHD_Connection *c, struct conn_req *cr,
				     const char *method, bool *answered)
{
	*answered = true;
	if (cr->bad_uri)
		return send_plain(h, c, 400, cr->bad_uri);
	enum MHD_Result ret = check_framing(h, c, answered);
	if (*answered)
		return ret;
	ret = check_access(h, c, cr, method, answered);
	if (*answered)
		return ret;
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	if (cl && strtoull(cl, NULL, 10) > TB_HTTP_MAX_BODY) {
		*answered = true;
		return send_plain(h, c, 413, "Request body too large");
	}
	return MHD_YES;
}

/* A chunked body (no Content-Length to refuse up front) grew past
 * TB_HTTP_MAX_BODY. libmicrohttpd 0.9.75 accepts no response while a body
 * is being read, so over plain HTTP the 413 is written to the socket here
 * (nothing else is being written to it: the request is still arriving)
 * and the connection is closed without reading the rest. Over TLS the
 * bytes would have to be encrypted by the library: it is just closed. */
static enum MHD_Result refuse_mid_body(tb_http *h, struct MHD_Connection *c)
{
	static const char answer[] = "HTTP/1.1 413 Payload Too Large\r\n"
				     "Content-Type: text/plain; charset=utf-8\r\n"
				     "X-Content-Type-Options: nosniff\r\n"
				     "Connection: close\r\nContent-Length: 22\r\n\r\n"
				     "Request body too large";
	const union MHD_ConnectionInfo *fdi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!h->tls && fdi) {
		ssize_t n = send(fdi->connect_fd, answer, sizeof answer - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)n; /* best effort: the connection closes either way */
		shutdown(fdi->connect_fd, SHUT_WR);
	}
	return MHD_NO;
}

static bool has_nul(const tb_params *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (strlen(p->v[i].value) != p->v[i].value_len)
			return true;
	return false;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	(void)version;
	tb_http *h = cls;
	struct conn_req *cr = *con_cls;
	if (!cr)
		return MHD_NO; /* out of memory when the request began */
	if (!cr->started) {
		cr->started = true;
		bool answered;
		enum MHD_Result ret = check_request(h, c, cr, method, &answered);
		if (answered && cr->conn)
			tb_conn_busy(cr->conn);
		return ret;
	}
	if (*upload_data_size) {
		if (cr->body.len + *upload_data_size > TB_HTTP_MAX_BODY) {
			if (cr->conn)
				tb_conn_busy(cr->conn);
			return refuse_mid_body(h, c);
		}
		tb_buf_append(&cr->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (cr->conn)
		tb_conn_busy(cr->conn);
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect_arg, cr);
	if (cr->query_error || cr->query.n > TB_HTTP_MAX_QUERY_PARAMS)
		return send_plain(h, c, 400, "Invalid argument: too many query parameters");
	if (has_nul(&cr->query))
		return send_plain(h, c, 400, "Invalid argument: NUL in a query parameter");

	tb_params form = { 0 };
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	if (cr->body.len && ct) {
		int rc = 0;
		if (!strncasecmp(ct, "application/x-www-form-urlencoded", 33))
			rc = tb_form_parse_urlencoded(cr->body.data, cr->body.len, &form);
		else if (!strncasecmp(ct, "multipart/form-data", 19))
			rc = tb_form_parse_multipart(cr->body.data, cr->body.len, ct, &form);
		if (rc || has_nul(&form)) {
			tb_params_release(&form);
			return send_plain(h, c, 400, rc == -E2BIG ? "Invalid argument: too many form fields" :
						  rc ? "Invalid argument: malformed form body" :
						       "Invalid argument: NUL in a form field");
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
		.peer = cr->conn ? tb_conn_peer(cr->conn) : "",
	};
	tb_response resp;
	tb_response_init(&resp);
	tb_api_handle(&req, &resp);
	enum MHD_Result ret;
	if (resp.body.oom) {
		ret = send_plain(h, c, 503, "Service unavailable: out of memory");
	} else {
		ret = send_response(h, c, &resp, req.accept_gzip);
	}
	tb_response_release(&resp);
	tb_params_release(&form);
	return ret;
}

/* libmicrohttpd's diagnostics: per-request protocol errors (bad clients)
 * are answered, not logged; while starting, the first one is kept as the
 * reason (e.g. a certificate that does not match its key). */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	tb_http *h = cls;
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	tb_access_redact(h->access, line);
	pthread_mutex_lock(&h->start_lock);
	if (h->starting && !h->start_error[0])
		snprintf(h->start_error, sizeof h->start_error, "%s", line);
	pthread_mutex_unlock(&h->start_lock);
	tb_log(TB_LOG_DEBUG, "http: %s", line);
}

/* Connections libmicrohttpd may hold: TB_HTTP_MAX_CONNECTIONS plus the
 * reserve for new clients, lowered so that TB_FD_RESERVE descriptors stay
 * free under RLIMIT_NOFILE: at the limit libmicrohttpd stops accepting (the
 * kernel queues) instead of spinning on accept() failing with EMFILE. */
static unsigned connection_limit(void)
{
	unsigned want = TB_HTTP_MAX_CONNECTIONS + TB_HTTP_CONN_RESERVE;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return want;
	rlim_t n = rl.rlim_cur > 2 * TB_FD_RESERVE ? rl.rlim_cur - TB_FD_RESERVE : rl.rlim_cur / 4;
	if (n < 1)
		n = 1;
	return n < want ? (unsigned)n : want;
}

tb_http *tb_http_start(tb_app *app, const tb_http_opts *o, char *err, size_t errlen)
{
	err[0] = '\0';
	tb_http *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->app = app;
	h->access = o->access;
	h->tls = o->tls_cert && o->tls_key;
	if (h->tls && !MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		snprintf(err, errlen, "this libmicrohttpd was built without TLS");
		free(h);
		return NULL;
	}
	unsigned cap = connection_limit();
	tb_conns_limits lim = { .max_connections = cap > 2 * TB_HTTP_CONN_RESERVE ?
							   cap - TB_HTTP_CONN_RESERVE : cap / 2 + 1,
				.max_per_peer = TB_HTTP_MAX_PER_IP,
				.deadline_ms = TB_HTTP_REQUEST_DEADLINE * 1000u };
	h->conns = tb_conns_start(&lim);
	if (!h->conns) {
		free(h);
		return NULL;
	}
	pthread_mutex_init(&h->start_lock, NULL);
	h->starting = true;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = cpus < 1 ? 1 : cpus > TB_HTTP_MAX_THREADS ? TB_HTTP_MAX_THREADS : (unsigned)cpus;
	struct MHD_OptionItem tls_opts[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)o->tls_cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->tls_key },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES },
		{ MHD_OPTION_END, 0, NULL },
	};
	h->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_TURBO |
			MHD_ALLOW_SUSPEND_RESUME | (h->tls ? MHD_USE_TLS : 0),
		0, NULL, NULL, handle, h,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
		MHD_OPTION_LISTEN_SOCKET, o->listen_fd,
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)TB_HTTP_CONN_MEMORY,
		MHD_OPTION_CONNECTION_LIMIT, cap,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)TB_HTTP_IDLE_TIMEOUT,
		MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL,
		MHD_OPTION_NOTIFY_CONNECTION, notify_connection, h,
		MHD_OPTION_URI_LOG_CALLBACK, uri_seen, h,
		MHD_OPTION_ARRAY, h->tls ? tls_opts : &tls_opts[3],
		MHD_OPTION_END);
	if (!h->daemon) {
		snprintf(err, errlen, "%s", h->start_error);
		tb_conns_stop(h->conns);
		pthread_mutex_destroy(&h->start_lock);
		free(h);
		return NULL;
	}
	pthread_mutex_lock(&h->start_lock);
	h->starting = false;
	pthread_mutex_unlock(&h->start_lock);
	return h;
}

void tb_http_stop(tb_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon);
	tb_conns_stop(h->conns);
	pthread_mutex_destroy(&h->start_lock);
	free(h);
}
