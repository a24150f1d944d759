/*
 * access.c - Host allow-list, token check with per-address failure limit,
 * cross-site rule (see access.h).
 *
 * Host names are compared case-insensitively without port and trailing
 * dot; addresses are compared in binary, so "[::1]" and "[0:0::1]" match.
 */
#include "access.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "conns.h"
#include "log.h"
#include "tblimits.h"

/* A binary address: family 4 or 6, 16 bytes (IPv4 in the first 4). */
struct addr {
	int family;
	unsigned char b[16];
};

struct failure {
	char peer[TB_PEER_LEN];
	time_t start;
	unsigned count;
};

struct tb_access {
	char **names;         /* allowed names, lower case */
	size_t n_names;
	bool any_host;        /* --allowed_hosts '*' */
	struct addr *addrs;   /* this machine's interface addresses */
	size_t n_addrs;
	char *token;          /* NULL: no token required */
	char cookie_name[32];
	pthread_mutex_t lock; /* guards failures */
	struct failure failures[TB_AUTH_PEERS];
};

/* ---- names and addresses ---------------------------------------------------- */

static bool parse_addr(const char *s, size_t len, struct addr *out)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	if (len == 0 || len >= sizeof tmp)
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, tmp, out->b) == 1) {
		out->family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, tmp, out->b) == 1) {
		out->family = 6;
		return true;
	}
	return false;
}

static bool addr_is_loopback(const struct addr *a)
{
	static const unsigned char v6_loopback[16] = { [15] = 1 };
	return (a->family == 4 && a->b[0] == 127) ||
	       (a->family == 6 && !memcmp(a->b, v6_loopback, 16));
}

/* The host part of a Host header value: without port, brackets and a
 * trailing dot. */
static void host_part(const char *host, const char **name, size_t *len)
{
	const char *p = host;
	size_t n = strlen(host);
	if (n && p[0] == '[') {
		const char *close = memchr(p, ']', n);
		*name = p + 1;
		*len = close ? (size_t)(close - p - 1) : 0; /* "[::1": matches nothing */
		return;
	}
	const char *colon = memchr(p, ':', n);
	if (colon && !memchr(colon + 1, ':', n - (size_t)(colon - p) - 1))
		n = (size_t)(colon - p); /* one colon: name:port (more: a bare IPv6 address) */
	if (n && p[n - 1] == '.')
		n--;
	*name = p;
	*len = n;
}

bool tb_access_is_loopback_name(const char *name, size_t len)
{
	static const char suffix[] = ".localhost";
	size_t sl = sizeof suffix - 1;
	if ((len == 9 && !strncasecmp(name, "localhost", 9)) ||
	    (len > sl && !strncasecmp(name + len - sl, suffix, sl)))
		return true;
	struct addr a;
	return parse_addr(name, len, &a) && addr_is_loopback(&a);
}

static int add_name(tb_access *a, const char *name, size_t len)
{
	while (len && (*name == ' ' || *name == '\t')) {
		name++;
		len--;
	}
	while (len && (name[len - 1] == ' ' || name[len - 1] == '\t' || name[len - 1] == '.'))
		len--;
	if (!len)
		return 0;
	if (len == 1 && *name == '*') {
		a->any_host = true;
		return 0;
	}
	char **v = realloc(a->names, (a->n_names + 1) * sizeof *v);
	if (!v)
		return -ENOMEM;
	a->names = v;
	char *s = strndup(name, len);
	if (!s)
		return -ENOMEM;
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	a->names[a->n_names++] = s;
	return 0;
}

static int add_machine_addresses(tb_access *a)
{
	struct ifaddrs *list = NULL;
	if (getifaddrs(&list))
		return 0; /* none known: only names and --allowed_hosts then */
	for (struct ifaddrs *i = list; i; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
			continue;
		struct addr *v = realloc(a->addrs, (a->n_addrs + 1) * sizeof *v);
		if (!v) {
			freeifaddrs(list);
			return -ENOMEM;
		}
		a->addrs = v;
		struct addr *x = &a->addrs[a->n_addrs++];
		memset(x, 0, sizeof *x);
		if (i->ifa_addr->sa_family == AF_INET) {
			x->family = 4;
			memcpy(x->b, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else {
			x->family = 6;
			memcpy(x->b, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		}
	}
	freeifaddrs(list);
	return 0;
}

tb_access *tb_access_new(const tb_access_opts *o)
{
	tb_access *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	pthread_mutex_init(&a->lock, NULL);
	snprintf(a->cookie_name, sizeof a->cookie_name, "tbserve-token-%d", o->port);
	int rc = 0;
	char host[256];
	if (gethostname(host, sizeof host) == 0) {
		host[sizeof host - 1] = '\0';
		rc |= add_name(a, host, strlen(host));
		size_t dot = strcspn(host, ".");
		if (host[dot])
			rc |= add_name(a, host, dot);
	}
	if (o->bound_host && strcmp(o->bound_host, "::") && strcmp(o->bound_host, "0.0.0.0"))
		rc |= add_name(a, o->bound_host, strlen(o->bound_host));
	for (const char *p = o->allowed_hosts; p && *p;) {
		size_t len = strcspn(p, ",");
		rc |= add_name(a, p, len);
		p += len + (p[len] == ',');
	}
	rc |= add_machine_addresses(a);
	if (o->token && !(a->token = strdup(o->token)))
		rc = -ENOMEM;
	if (rc) {
		tb_access_free(a);
		return NULL;
	}
	return a;
}

void tb_access_free(tb_access *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n_names; i++)
		free(a->names[i]);
	free(a->names);
	free(a->addrs);
	if (a->token) {
		explicit_bzero(a->token, strlen(a->token));
		free(a->token);
	}
	pthread_mutex_destroy(&a->lock);
	free(a);
}

bool tb_access_host_allowed(const tb_access *a, const char *host)
{
	if (!host || a->any_host)
		return true;
	const char *name;
	size_t len;
	host_part(host, &name, &len);
	if (tb_access_is_loopback_name(name, len))
		return true;
	struct addr x;
	if (parse_addr(name, len, &x)) {
		for (size_t i = 0; i < a->n_addrs; i++)
			if (a->addrs[i].family == x.family && !memcmp(a->addrs[i].b, x.b, 16))
				return true;
	}
	for (size_t i = 0; i < a->n_names; i++)
		if (strlen(a->names[i]) == len && !strncasecmp(a->names[i], name, len))
			return true;
	return false;
}

bool tb_access_hsts_host(const char *host)
{
	if (!host)
		return false;
	const char *name;
	size_t len;
	host_part(host, &name, &len);
	struct addr x;
	return len && !tb_access_is_loopback_name(name, len) && !parse_addr(name, len, &x);
}

/* ---- token ------------------------------------------------------------------ */

bool tb_access_token_required(const tb_access *a)
{
	return a->token != NULL;
}

bool tb_access_token_equal(const char *secret, const char *candidate, size_t n)
{
	size_t len = strlen(secret);
	volatile unsigned char diff = (unsigned char)(len != n);
	/* always walk the whole secret: the time depends on its length only */
	for (size_t i = 0; i < len; i++)
		diff |= (unsigned char)(secret[i] ^ (i < n ? candidate[i] : 0));
	return diff == 0;
}

int tb_access_random_token(char out[49])
{
	unsigned char raw[24];
	size_t got = 0;
	while (got < sizeof raw) {
		ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < sizeof raw; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[48] = '\0';
	explicit_bzero(raw, sizeof raw);
	return 0;
}

/* Caller holds the lock. The peer's entry, or NULL. */
static struct failure *find_failure(tb_access *a, const char *peer)
{
	for (size_t i = 0; i < TB_AUTH_PEERS; i++)
		if (a->failures[i].count && !strcmp(a->failures[i].peer, peer))
			return &a->failures[i];
	return NULL;
}

static bool limited(tb_access *a, const char *peer, time_t now)
{
	pthread_mutex_lock(&a->lock);
	struct failure *f = find_failure(a, peer);
	bool yes = f && f->count >= TB_AUTH_MAX_FAILURES && now - f->start < TB_AUTH_WINDOW;
	pthread_mutex_unlock(&a->lock);
	return yes;
}

static void record_failure(tb_access *a, const char *peer, time_t now)
{
	pthread_mutex_lock(&a->lock);
	struct failure *f = find_failure(a, peer);
	if (!f) {
		/* a free or expired entry, else the one whose window started first */
		f = &a->failures[0];
		for (size_t i = 0; i < TB_AUTH_PEERS; i++) {
			struct failure *g = &a->failures[i];
			if (!g->count || now - g->start >= TB_AUTH_WINDOW) {
				f = g;
				break;
			}
			if (g->start < f->start)
				f = g;
		}
		snprintf(f->peer, sizeof f->peer, "%s", peer);
		f->count = 0;
		f->start = now;
	}
	if (now - f->start >= TB_AUTH_WINDOW) {
		f->count = 0;
		f->start = now;
	}
	if (++f->count == TB_AUTH_MAX_FAILURES)
		tb_log(TB_LOG_WARN, "%u wrong tokens from %s: refusing it for %d s", f->count, peer,
		       TB_AUTH_WINDOW);
	pthread_mutex_unlock(&a->lock);
}

unsigned tb_access_retry_after(tb_access *a, const char *peer)
{
	time_t now = time(NULL);
	pthread_mutex_lock(&a->lock);
	struct failure *f = find_failure(a, peer);
	long left = f ? TB_AUTH_WINDOW - (long)(now - f->start) : 0;
	pthread_mutex_unlock(&a->lock);
	return left > 0 ? (unsigned)left : 1;
}

/* The value of cookie `name` in a Cookie header; the first that matches the
 * token wins (several may be sent, for different paths). *present tells
 * whether there was any. */
static bool cookie_matches(const char *header, const char *name, const char *token, bool *present)
{
	size_t nl = strlen(name);
	const char *p = header;
	bool ok = false;
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		size_t len = strcspn(p, ";");
		if (len > nl && p[nl] == '=' && !strncmp(p, name, nl)) {
			*present = true;
			size_t vl = len - nl - 1;
			while (vl && p[nl + 1 + vl - 1] == ' ')
				vl--;
			ok |= tb_access_token_equal(token, p + nl + 1, vl);
		}
		p += len;
	}
	return ok;
}

tb_auth tb_access_authorize(tb_access *a, const char *peer, const char *query_token,
			    const char *cookie, const char *authorization)
{
	if (!a->token)
		return TB_AUTH_OK;
	time_t now = time(NULL);
	if (limited(a, peer, now))
		return TB_AUTH_LIMITED;
	tb_auth verdict = TB_AUTH_MISSING;
	bool present = false;
	if (query_token) {
		verdict = tb_access_token_equal(a->token, query_token, strlen(query_token)) ?
				  TB_AUTH_LOGIN : TB_AUTH_WRONG;
	} else if (authorization && !strncasecmp(authorization, "Bearer ", 7)) {
		const char *t = authorization + 7;
		while (*t == ' ')
			t++;
		verdict = tb_access_token_equal(a->token, t, strlen(t)) ? TB_AUTH_OK : TB_AUTH_WRONG;
	} else if (cookie) {
		bool ok = cookie_matches(cookie, a->cookie_name, a->token, &present);
		if (present)
			verdict = ok ? TB_AUTH_OK : TB_AUTH_WRONG;
	}
	if (verdict == TB_AUTH_WRONG)
		record_failure(a, peer, now);
	return verdict;
}

int tb_access_set_cookie(const tb_access *a, const char *path_prefix, bool tls, char *out,
			 size_t outlen)
{
	int n = snprintf(out, outlen, "%s=%s; Path=%s/; HttpOnly; SameSite=Strict%s", a->cookie_name,
			 a->token ? a->token : "", path_prefix, tls ? "; Secure" : "");
	return n < 0 || (size_t)n >= outlen ? -ENOSPC : 0;
}

/* ---- cross-site ------------------------------------------------------------- */

bool tb_access_same_site(const char *method, const char *host, const char *origin,
			 const char *sec_fetch_site, const char *xsrf, const char *content_type,
			 const char *authorization)
{
	if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
		return true;
	/* headers a page of another site cannot send without a CORS preflight,
	 * which tbserve never grants */
	if ((xsrf && !strcmp(xsrf, "1")) ||
	    (content_type && !strncasecmp(content_type, "application/json", 16)) ||
	    (authorization && !strncasecmp(authorization, "Bearer ", 7)))
		return true;
	if (origin) {
		const char *sep = strstr(origin, "://");
		return sep && host && !strcasecmp(sep + 3, host);
	}
	return sec_fetch_site && !strcmp(sec_fetch_site, "same-origin");
}

void tb_access_redact(const tb_access *a, char *line)
{
	if (!a || !a->token)
		return;
	size_t tl = strlen(a->token);
	static const char mark[] = "<token>";
	char *p;
	while ((p = strstr(line, a->token))) {
		size_t rest = strlen(p + tl);
		size_t ml = sizeof mark - 1 < tl ? sizeof mark - 1 : tl;
		memcpy(p, mark, ml);
		memmove(p + ml, p + tl, rest + 1);
	}
}
