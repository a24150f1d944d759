/*
 * http.h - the one file that talks to libmicrohttpd.
 *
 * Accepts connections on a listening socket made by serve.c, collects each
 * request (URL, query arguments, a POST body up to TB_HTTP_MAX_BODY),
 * decodes forms, calls tb_api_handle() and sends the tb_response with
 * TensorBoard's headers (nosniff, no-cache, CSP on HTML), gzip when the
 * client accepts it, and keep-alive. Everything a request allocates is
 * freed in libmicrohttpd's completion callback.
 */
#ifndef TB_HTTP_H
#define TB_HTTP_H

#include "app.h"
#include "buf.h"

typedef struct tb_http tb_http;

/* Start serving on an already bound, listening socket. NULL on failure. */
tb_http *tb_http_start(tb_app *app, int listen_fd);
void tb_http_stop(tb_http *h);

/* TensorBoard's Accept-Encoding rule: a "gzip", "x-gzip" or "*" token not
 * directly followed by ";q=0" (exposed for tests). */
int tb_http_accepts_gzip(const char *accept_encoding);

#endif
