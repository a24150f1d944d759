/*
 * access.h - who may talk to tbserve: the Host allow-list, the token login
 * and the cross-site rule for POST. Pure policy: http.c passes the request's
 * headers in and turns the verdicts into responses.
 *
 *  - Host allow-list (DNS rebinding): a request whose Host header names
 *    neither a loopback name or address, nor the address tbserve bound,
 *    nor this machine's host name or one of its interface addresses, nor a
 *    name given with --allowed_hosts, is refused. A web page on another
 *    origin whose name has been re-pointed at 127.0.0.1 sends its own name
 *    as Host, so it can no longer read the board.
 *  - Token: when serving beyond loopback (or --auth=token), every request
 *    must carry the token: once in the query (?token=, answered with a
 *    cookie and a redirect to the same URL without it), then the cookie
 *    (HttpOnly, SameSite=Strict), or "Authorization: Bearer" from scripts.
 *    Comparison is constant-time; an address that failed
 *    TB_AUTH_MAX_FAILURES times within TB_AUTH_WINDOW seconds gets 429
 *    until the window ends, whatever it sends.
 *  - Cross-site: a request other than GET/HEAD must show it was not sent
 *    by a form or script of another site: an "X-XSRF-Protected: 1" header
 *    (what TensorBoard's own client sends), a JSON Content-Type, a bearer
 *    token, or an Origin / Sec-Fetch-Site naming this very site.
 *
 * Nothing here logs or copies the token out. Ownership: tb_access owns
 * copies of everything it was given.
 */
#ifndef TB_ACCESS_H
#define TB_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tb_access tb_access;

typedef struct tb_access_opts {
	const char *allowed_hosts; /* --allowed_hosts "a,b" ("*" = any), or NULL */
	const char *bound_host;    /* --host as given, or NULL */
	const char *token;         /* required token, or NULL for none */
	int port;                  /* port served (names the cookie) */
} tb_access_opts;

/* NULL when out of memory. Reads this machine's host name and interface
 * addresses once. */
tb_access *tb_access_new(const tb_access_opts *o);
void tb_access_free(tb_access *a);

/* Is this Host header value ("name", "name:port", "[v6]:port") allowed?
 * A missing Host (HTTP/1.0) is: browsers always send one. */
bool tb_access_host_allowed(const tb_access *a, const char *host);

typedef enum tb_auth {
	TB_AUTH_OK,        /* no token needed, or a valid cookie or bearer */
	TB_AUTH_LOGIN,     /* a valid ?token=: set the cookie and redirect */
	TB_AUTH_MISSING,   /* no credentials: 401 with the login page */
	TB_AUTH_WRONG,     /* wrong credentials: 401 (counted) */
	TB_AUTH_LIMITED,   /* too many failures from this address: 429 */
} tb_auth;

bool tb_access_token_required(const tb_access *a);

/* Check one request's credentials. query_token: the ?token= value (or
 * NULL); cookie: the Cookie header; authorization: the Authorization
 * header; peer: the client's peer name (conns.h). */
tb_auth tb_access_authorize(tb_access *a, const char *peer, const char *query_token,
			    const char *cookie, const char *authorization);

/* Seconds until peer may try again (for Retry-After). */
unsigned tb_access_retry_after(tb_access *a, const char *peer);

/* The cookie's name ("tbserve-token-PORT": cookies are shared by every
 * port of a host, so each server names its own) and its Set-Cookie value
 * for this login, written to out. Path is path_prefix + "/"; Secure when
 * served over TLS. Returns -ENOSPC when out is too small. */
int tb_access_set_cookie(const tb_access *a, const char *path_prefix, bool tls, char *out,
			 size_t outlen);

/* Cross-site rule for a request with this method and headers. */
bool tb_access_same_site(const char *method, const char *host, const char *origin,
			 const char *sec_fetch_site, const char *xsrf, const char *content_type,
			 const char *authorization);

/* Constant-time comparison of a secret with a candidate of length n. */
bool tb_access_token_equal(const char *secret, const char *candidate, size_t n);

/* A new random token: 48 hex digits (192 bits) from getrandom(2).
 * Returns 0 or a negative errno. */
int tb_access_random_token(char out[49]);

/* Should a response to this Host carry HSTS (when served over TLS)? Not
 * for loopback names and IP literals: browsers would pin every port of
 * "localhost" to HTTPS, and ignore it for addresses anyway. */
bool tb_access_hsts_host(const char *host);

/* Replace every occurrence of the token in a NUL-terminated line (a log
 * message) by "<token>". */
void tb_access_redact(const tb_access *a, char *line);

/* Is this name a loopback name or address ("localhost", "*.localhost",
 * 127.0.0.0/8, ::1)? */
bool tb_access_is_loopback_name(const char *name, size_t len);

#endif
