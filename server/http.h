/*
 * http.h - the one file that talks to libmicrohttpd.
 *
 * Accepts connections on a listening socket made by serve.c (over TLS when
 * given a certificate), collects each request (URL, query arguments, a POST
 * body up to TB_HTTP_MAX_BODY), applies the access policy (access.h: Host,
 * token, cross-site) and the connection table's deadlines and capacity
 * (conns.h), refuses malformed framing (NUL bytes, conflicting lengths,
 * unknown transfer codings), decodes forms, calls tb_api_handle() and sends
 * the tb_response with TensorBoard's headers (nosniff, no-cache, CSP on
 * HTML; HSTS over TLS), gzip when the client accepts it, and keep-alive.
 * Everything a request allocates is freed in libmicrohttpd's completion
 * callback.
 */
#ifndef TB_HTTP_H
#define TB_HTTP_H

#include "app.h"
#include "buf.h"

typedef struct tb_http tb_http;
struct tb_access;

typedef struct tb_http_opts {
	int listen_fd;              /* bound and listening (serve.c) */
	struct tb_access *access;   /* Host, token and cross-site policy; borrowed */
	const char *tls_cert;       /* PEM text of the certificate (chain) and */
	const char *tls_key;        /* its key: HTTPS when both are set; borrowed */
} tb_http_opts;

/* Start serving. NULL on failure, with the reason (e.g. the TLS library's
 * "the certificate and the key do not match") in err. */
tb_http *tb_http_start(tb_app *app, const tb_http_opts *opts, char *err, size_t errlen);
void tb_http_stop(tb_http *h);

/* TensorBoard's Accept-Encoding rule: a "gzip", "x-gzip" or "*" token not
 * directly followed by ";q=0" (exposed for tests). */
int tb_http_accepts_gzip(const char *accept_encoding);

#endif
