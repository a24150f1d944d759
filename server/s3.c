/*
 * s3.c - S3 requests over libcurl (see s3.h).
 *
 * One request is: take a curl handle from the pool (waiting while
 * TB_S3_MAX_PARALLEL are busy), set the URL and headers, perform, read the
 * status; retry transient failures after a jittered backoff; give the
 * handle back with its connection kept alive. Bodies are bounded: a listing
 * page by TB_S3_MAX_LIST_BODY, an error document by TB_S3_MAX_ERROR_BODY, a
 * ranged read by the caller's buffer.
 */
#include "s3.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "log.h"
#include "tblimits.h"

struct tb_s3 {
	char *endpoint;         /* scheme://host[:port], no trailing '/' */
	char *scheme_end;       /* into endpoint: just past "://" */
	char *region;
	char *sigv4;            /* "aws:amz:REGION:s3", NULL when anonymous */
	char *userpwd;          /* "KEY:SECRET", NULL when anonymous */
	char *token_header;     /* "x-amz-security-token: ...", or NULL */
	char *ca_bundle;
	bool path_style;
	bool verify;
	CURLSH *share;
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
	pthread_mutex_t pool_lock;
	pthread_cond_t pool_free;
	CURL *idle[TB_S3_MAX_PARALLEL];
	size_t n_idle, n_made;
	size_t n_busy;          /* handles out for a request */
	size_t allowed;         /* requests at once now: halved when the store
				 * throttles, back up one per TB_S3_CALM_TO_GROW
				 * answers that were not throttled */
	unsigned calm;
	_Atomic uint64_t requests;
	_Atomic uint64_t retries;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static void global_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access a, void *arg)
{
	(void)h; (void)a;
	pthread_mutex_lock(&((tb_s3 *)arg)->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *arg)
{
	(void)h;
	pthread_mutex_unlock(&((tb_s3 *)arg)->share_locks[data]);
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && v[0] ? v : NULL;
}

/* "1", "true", "yes", "on" (any case) -> 1; "0", "false", "no", "off" -> 0;
 * unset -> dflt; anything else -> -1. */
static int env_bool(const char *name, int dflt)
{
	const char *v = env(name);
	if (!v)
		return dflt;
	static const char *const yes[] = { "1", "true", "yes", "on" }, *const no[] = { "0", "false", "no", "off" };
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]))
			return 1;
		if (!strcasecmp(v, no[i]))
			return 0;
	}
	return -1;
}

/* a + b + c in a new string. */
static char *concat(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *p = malloc(la + lb + lc + 1);
	if (p) {
		memcpy(p, a, la);
		memcpy(p + la, b, lb);
		memcpy(p + la + lb, c, lc + 1);
	}
	return p;
}

tb_s3 *tb_s3_new(char *err, size_t errlen)
{
	pthread_once(&global_once, global_init);
	tb_s3 *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	const char *region = env("AWS_REGION");
	if (!region)
		region = env("AWS_DEFAULT_REGION");
	if (!region)
		region = "us-east-1";
	const char *endpoint = env("AWS_ENDPOINT_URL");
	if (!endpoint)
		endpoint = env("S3_ENDPOINT");
	int path_style = env_bool("S3_USE_PATH_STYLE", endpoint ? 1 : 0);
	int verify = env_bool("S3_VERIFY_SSL", 1);
	if (path_style < 0 || verify < 0) {
		snprintf(err, errlen, "%s must be 0/1, true/false, yes/no or on/off",
			 path_style < 0 ? "S3_USE_PATH_STYLE" : "S3_VERIFY_SSL");
		free(s);
		return NULL;
	}
	s->path_style = path_style;
	s->verify = verify;
	s->region = strdup(region);
	if (endpoint) {
		/* TensorBoard's S3_ENDPOINT may be a bare host[:port] */
		s->endpoint = strstr(endpoint, "://") ? strdup(endpoint) :
			      concat("https://", endpoint, "");
	} else {
		s->endpoint = concat("https://s3.", region, ".amazonaws.com");
	}
	if (!s->region || !s->endpoint)
		goto oom;
	size_t el = strlen(s->endpoint);
	while (el && s->endpoint[el - 1] == '/')
		s->endpoint[--el] = '\0';
	s->scheme_end = strstr(s->endpoint, "://") + 3;
	if (strncmp(s->endpoint, "http://", 7) && strncmp(s->endpoint, "https://", 8)) {
		snprintf(err, errlen, "the S3 endpoint must be an http:// or https:// URL");
		tb_s3_free(s);
		return NULL;
	}
	const char *key = env("AWS_ACCESS_KEY_ID"), *secret = env("AWS_SECRET_ACCESS_KEY");
	if (key && secret && env_bool("AWS_NO_SIGN_REQUEST", 0) != 1) {
		if (!(s->userpwd = concat(key, ":", secret)) ||
		    !(s->sigv4 = concat("aws:amz:", s->region, ":s3")))
			goto oom;
		const char *token = env("AWS_SESSION_TOKEN");
		if (token && !(s->token_header = concat("x-amz-security-token: ", token, "")))
			goto oom;
	} else if (key || secret) {
		tb_log(TB_LOG_WARN, "S3: %s is set but %s is not; sending anonymous requests",
		       key ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		       key ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	}
	const char *ca = env("AWS_CA_BUNDLE");
	if (ca && !(s->ca_bundle = strdup(ca)))
		goto oom;
	s->share = curl_share_init();
	if (!s->share)
		goto oom;
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&s->share_locks[i], NULL);
	pthread_mutex_init(&s->pool_lock, NULL);
	pthread_cond_init(&s->pool_free, NULL);
	s->allowed = TB_S3_MAX_PARALLEL;
	curl_share_setopt(s->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(s->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(s->share, CURLSHOPT_USERDATA, s);
	curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	return s;
oom:
	snprintf(err, errlen, "out of memory");
	free(s->endpoint);
	free(s->region);
	free(s->userpwd);
	free(s->sigv4);
	free(s->token_header);
	free(s->ca_bundle);
	free(s);
	return NULL;
}

void tb_s3_free(tb_s3 *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_idle; i++)
		curl_easy_cleanup(s->idle[i]);
	if (s->share) {
		curl_share_cleanup(s->share);
		for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
			pthread_mutex_destroy(&s->share_locks[i]);
		pthread_mutex_destroy(&s->pool_lock);
		pthread_cond_destroy(&s->pool_free);
	}
	free(s->endpoint);
	free(s->region);
	if (s->userpwd) {
		memset(s->userpwd, 0, strlen(s->userpwd));
		free(s->userpwd);
	}
	free(s->sigv4);
	free(s->token_header);
	free(s->ca_bundle);
	free(s);
}

const char *tb_s3_endpoint(const tb_s3 *s)
{
	return s->endpoint;
}

uint64_t tb_s3_requests(const tb_s3 *s)
{
	return atomic_load(&((tb_s3 *)s)->requests);
}

uint64_t tb_s3_retries(const tb_s3 *s)
{
	return atomic_load(&((tb_s3 *)s)->retries);
}

/* ---- handles ------------------------------------------------------------ */

static CURL *handle_get(tb_s3 *s)
{
	pthread_mutex_lock(&s->pool_lock);
	while (s->n_busy >= s->allowed)
		pthread_cond_wait(&s->pool_free, &s->pool_lock);
	s->n_busy++;
	CURL *h = NULL;
	if (s->n_idle) {
		h = s->idle[--s->n_idle];
	} else {
		h = curl_easy_init();
		if (h)
			s->n_made++;
		else
			s->n_busy--;
	}
	pthread_mutex_unlock(&s->pool_lock);
	return h;
}

/* Give h back after a try; throttled (503 SlowDown, 429) halves the
 * requests allowed at once, as AWS's adaptive retry mode does. */
static void handle_put(tb_s3 *s, CURL *h, bool throttled)
{
	pthread_mutex_lock(&s->pool_lock);
	s->idle[s->n_idle++] = h;
	s->n_busy--;
	if (throttled) {
		s->allowed = s->allowed > 1 ? s->allowed / 2 : 1;
		s->calm = 0;
	} else if (s->allowed < TB_S3_MAX_PARALLEL && ++s->calm >= TB_S3_CALM_TO_GROW) {
		s->allowed++;
		s->calm = 0;
	}
	pthread_cond_broadcast(&s->pool_free);
	pthread_mutex_unlock(&s->pool_lock);
}

/* ---- URLs --------------------------------------------------------------- */

/* Append src percent-encoded as SigV4 wants (unreserved kept; '/' kept
 * when keep_slash). Returns false when out grows past cap. */
static bool put_encoded(char *out, size_t cap, size_t *len, const char *src, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
		bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			     *p == '-' || *p == '_' || *p == '.' || *p == '~' || (keep_slash && *p == '/');
		if (*len + 4 > cap)
			return false;
		if (plain) {
			out[(*len)++] = (char)*p;
		} else {
			out[(*len)++] = '%';
			out[(*len)++] = hex[*p >> 4];
			out[(*len)++] = hex[*p & 15];
		}
	}
	out[*len] = '\0';
	return true;
}

static bool put_raw(char *out, size_t cap, size_t *len, const char *src)
{
	size_t n = strlen(src);
	if (*len + n + 1 > cap)
		return false;
	memcpy(out + *len, src, n + 1);
	*len += n;
	return true;
}

/* The URL of bucket/key (key may be ""), without a query. */
static bool object_url(const tb_s3 *s, const char *bucket, const char *key, char *out, size_t cap)
{
	size_t len = 0;
	bool ok;
	if (s->path_style) {
		ok = put_raw(out, cap, &len, s->endpoint) && put_raw(out, cap, &len, "/") &&
		     put_encoded(out, cap, &len, bucket, false);
	} else {
		size_t scheme = (size_t)(s->scheme_end - s->endpoint);
		ok = len + scheme < cap;
		if (ok) {
			memcpy(out, s->endpoint, scheme);
			len = scheme;
			out[len] = '\0';
			ok = put_encoded(out, cap, &len, bucket, false) && put_raw(out, cap, &len, ".") &&
			     put_raw(out, cap, &len, s->scheme_end);
		}
	}
	return ok && put_raw(out, cap, &len, "/") && put_encoded(out, cap, &len, key, true);
}

/* ---- one request -------------------------------------------------------- */

typedef struct body {
	char *data;             /* growable (listing, error) or the caller's */
	size_t len, cap;
	size_t limit;           /* bytes accepted at most */
	bool fixed;             /* data is the caller's buffer of cap bytes */
	bool overflow;
	CURL *h;
	char *err_data;         /* the error document of a failed request */
	size_t err_len, err_cap;
} body;

static bool grow_append(char **data, size_t *len, size_t *cap, const char *p, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t c = *cap ? *cap : 4096;
		while (c < *len + n + 1)
			c *= 2;
		char *q = realloc(*data, c);
		if (!q)
			return false;
		*data = q;
		*cap = c;
	}
	memcpy(*data + *len, p, n);
	*len += n;
	(*data)[*len] = '\0';
	return true;
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	body *b = arg;
	size_t n = size * nmemb;
	long status = 0;
	curl_easy_getinfo(b->h, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 300 && status != 416) {
		if (b->err_len + n > TB_S3_MAX_ERROR_BODY)
			return n; /* the rest of an error document is not needed */
		return grow_append(&b->err_data, &b->err_len, &b->err_cap, p, n) ? n : 0;
	}
	if (b->len + n > b->limit) {
		b->overflow = true;
		return 0;
	}
	if (b->fixed) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		return n;
	}
	return grow_append(&b->data, &b->len, &b->cap, p, n) ? n : 0;
}

/* The text of <tag>...</tag> in xml (first one from *from), copied into out;
 * *from moves past it. Returns false when absent. */
static bool xml_field(const char *xml, const char *end, const char *tag, const char **from,
		      char *out, size_t cap)
{
	char open[64], close[64];
	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	const char *p = strstr(from ? *from : xml, open);
	if (!p || p >= end)
		return false;
	p += strlen(open);
	const char *q = strstr(p, close);
	if (!q || q > end)
		return false;
	size_t n = (size_t)(q - p);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	if (from)
		*from = q + strlen(close);
	return true;
}

bool tb_s3_xml_unescape(char *s)
{
	static const struct { const char *name; char c; } ents[] = {
		{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' }, { "quot;", '"' }, { "apos;", '\'' },
	};
	char *w = s;
	for (char *r = s; *r;) {
		if (*r != '&') {
			*w++ = *r++;
			continue;
		}
		r++;
		bool done = false;
		for (size_t i = 0; i < sizeof ents / sizeof *ents && !done; i++) {
			size_t n = strlen(ents[i].name);
			if (!strncmp(r, ents[i].name, n)) {
				*w++ = ents[i].c;
				r += n;
				done = true;
			}
		}
		if (done)
			continue;
		if (*r != '#')
			return false;
		r++;
		int base = 10;
		if (*r == 'x' || *r == 'X') {
			base = 16;
			r++;
		}
		char *endp;
		unsigned long cp = strtoul(r, &endp, base);
		if (endp == r || *endp != ';' || cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		r = endp + 1;
		/* UTF-8, never longer than the reference it replaces */
		if (cp < 0x80) {
			*w++ = (char)cp;
		} else if (cp < 0x800) {
			*w++ = (char)(0xC0 | cp >> 6);
			*w++ = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			*w++ = (char)(0xE0 | cp >> 12);
			*w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
			*w++ = (char)(0x80 | (cp & 0x3F));
		} else {
			*w++ = (char)(0xF0 | cp >> 18);
			*w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
			*w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
			*w++ = (char)(0x80 | (cp & 0x3F));
		}
	}
	*w = '\0';
	return true;
}

/* Sleep before retry `attempt` (0-based): full jitter over an exponential
 * ceiling (AWS's recommended backoff). */
static void backoff(int attempt)
{
	double ceiling = TB_S3_BACKOFF_BASE_MS * (double)(1u << attempt);
	if (ceiling > TB_S3_BACKOFF_MAX_MS)
		ceiling = TB_S3_BACKOFF_MAX_MS;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)&attempt;
	double ms = ceiling * ((double)rand_r(&seed) / RAND_MAX);
	struct timespec ts = { (time_t)(ms / 1000), (long)((ms - (time_t)(ms / 1000) * 1000) * 1e6) };
	nanosleep(&ts, NULL);
}

/* Map a failed response to a code and a line (never a credential). */
static int classify(long status, const body *b, bool anonymous, const char *what, char *err,
		    size_t errlen)
{
	char code[64] = "", msg[200] = "";
	if (b->err_data) {
		const char *end = b->err_data + b->err_len;
		xml_field(b->err_data, end, "Code", NULL, code, sizeof code);
		xml_field(b->err_data, end, "Message", NULL, msg, sizeof msg);
		tb_s3_xml_unescape(code);
		tb_s3_xml_unescape(msg);
	}
	const char *detail = code[0] ? code : "no error code";
	if (status == 404 || !strcmp(code, "NoSuchBucket") || !strcmp(code, "NoSuchKey")) {
		snprintf(err, errlen, "%s: %s (HTTP %ld %s)", what,
			 !strcmp(code, "NoSuchKey") ? "no such object" : "the bucket does not exist",
			 status, detail);
		return -ENOENT;
	}
	if (!strcmp(code, "AuthorizationHeaderMalformed") || !strcmp(code, "PermanentRedirect") ||
	    status == 301 || !strcmp(code, "IncorrectEndpoint")) {
		snprintf(err, errlen, "%s: wrong region or endpoint for this bucket (HTTP %ld %s%s%s); "
			 "set AWS_REGION or AWS_ENDPOINT_URL", what, status, detail, msg[0] ? ": " : "", msg);
		return -EINVAL;
	}
	if ((status == 401 || status == 403) && !anonymous) {
		snprintf(err, errlen, "%s: access refused (HTTP %ld %s): check AWS_ACCESS_KEY_ID and "
			 "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)", what, status, detail);
		return -EACCES;
	}
	if (status == 401 || status == 403) {
		snprintf(err, errlen, "%s: access refused to an anonymous request (HTTP %ld %s): the bucket "
			 "is not public; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", what, status, detail);
		return -EACCES;
	}
	if (status == 412) {
		snprintf(err, errlen, "%s: the object changed while it was read", what);
		return -EAGAIN;
	}
	snprintf(err, errlen, "%s: HTTP %ld %s%s%s", what, status, detail, msg[0] ? ": " : "", msg);
	return status >= 500 || status == 429 ? -EIO : -EINVAL;
}

/* A request's parameters, and its body. */
typedef struct req {
	const char *url;
	const char *range;      /* "a-b" or NULL */
	const char *if_match;   /* an ETag or NULL */
	const char *what;       /* for messages */
	body *b;
} req;

/* One try of r on h. Returns the HTTP status (2xx or 416), or a negative
 * code with err filled; *retry says whether the failure is transient, and
 * *throttled whether the store asked us to slow down. */
static long attempt_once(tb_s3 *s, CURL *h, const req *r, bool *retry, bool *throttled, char *err,
			 size_t errlen)
{
	body *b = r->b;
	*retry = *throttled = false;
	b->len = 0;
	b->overflow = false;
	free(b->err_data);
	b->err_data = NULL;
	b->err_len = b->err_cap = 0;
	b->h = h;
	curl_easy_reset(h);
	struct curl_slist *hdr = NULL, *t;
	char if_match_header[TB_S3_MAX_ETAG + 32];
	/* curl signs but does not send the payload hash; radosgw and AWS want
	 * the header (GETs have no payload to sign) */
	hdr = curl_slist_append(hdr, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
	if (hdr && s->token_header && (t = curl_slist_append(hdr, s->token_header)))
		hdr = t;
	if (hdr && r->if_match) {
		snprintf(if_match_header, sizeof if_match_header, "If-Match: \"%s\"", r->if_match);
		if ((t = curl_slist_append(hdr, if_match_header)))
			hdr = t;
	}
	if (!hdr) {
		snprintf(err, errlen, "%s: out of memory", r->what);
		return -ENOMEM;
	}
	curl_easy_setopt(h, CURLOPT_URL, r->url);
	curl_easy_setopt(h, CURLOPT_SHARE, s->share);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)TB_S3_CONNECT_TIMEOUT_MS);
	/* a stalled transfer (under 1 byte/s for this long) is a timeout; a
	 * slow but moving one is not */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)TB_S3_STALL_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, s->verify ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, s->verify ? 2L : 0L);
	if (s->ca_bundle)
		curl_easy_setopt(h, CURLOPT_CAINFO, s->ca_bundle);
	if (s->sigv4) {
		curl_easy_setopt(h, CURLOPT_AWS_SIGV4, s->sigv4);
		curl_easy_setopt(h, CURLOPT_USERPWD, s->userpwd);
	}
	if (r->range)
		curl_easy_setopt(h, CURLOPT_RANGE, r->range);
	atomic_fetch_add(&s->requests, 1);
	CURLcode rc = curl_easy_perform(h);
	curl_slist_free_all(hdr);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_WRITE_ERROR && b->overflow) {
		snprintf(err, errlen, "%s: the reply is larger than expected", r->what);
		return -EIO;
	}
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s (endpoint %s)", r->what, curl_easy_strerror(rc), s->endpoint);
		if (rc == CURLE_OUT_OF_MEMORY || rc == CURLE_WRITE_ERROR)
			return -ENOMEM;
		*retry = true; /* network error or timeout */
		return -EIO;
	}
	if ((status >= 200 && status < 300) || status == 416)
		return status;
	long result = classify(status, b, !s->sigv4, r->what, err, errlen);
	*retry = result == -EIO;
	*throttled = status == 503 || status == 429;
	return result;
}

/* Perform r with the retries: transient failures are tried again after a
 * jittered backoff, each try holding a handle only while it runs, so that
 * a store that throttles sees fewer requests at once (see handle_put). */
static long request(tb_s3 *s, const req *r, char *err, size_t errlen)
{
	long result = -EIO;
	for (int attempt = 0; attempt < TB_S3_ATTEMPTS; attempt++) {
		if (attempt) {
			atomic_fetch_add(&s->retries, 1);
			backoff(attempt - 1);
		}
		CURL *h = handle_get(s);
		if (!h) {
			snprintf(err, errlen, "%s: out of memory", r->what);
			result = -ENOMEM;
			break;
		}
		bool retry, throttled;
		result = attempt_once(s, h, r, &retry, &throttled, err, errlen);
		handle_put(s, h, throttled);
		if (!retry)
			break;
	}
	free(r->b->err_data);
	r->b->err_data = NULL;
	return result;
}

/* ---- API ---------------------------------------------------------------- */

ssize_t tb_s3_read(tb_s3 *s, const char *bucket, const char *key, const char *etag,
		   uint64_t offset, void *buf, size_t n, char *err, size_t errlen)
{
	if (!n)
		return 0;
	char url[TB_S3_MAX_URL], range[64], what[128];
	snprintf(what, sizeof what, "reading s3://%.40s/%.60s", bucket, key);
	if (!object_url(s, bucket, key, url, sizeof url)) {
		snprintf(err, errlen, "%s: key too long", what);
		return -EINVAL;
	}
	snprintf(range, sizeof range, "%llu-%llu", (unsigned long long)offset,
		 (unsigned long long)(offset + n - 1));
	body b = { .data = buf, .cap = n, .limit = n, .fixed = true };
	req r = { .url = url, .range = range, .if_match = etag, .what = what, .b = &b };
	long st = request(s, &r, err, errlen);
	if (st < 0)
		return st;
	if (st == 416)
		return 0;
	if (st == 200 && offset) {
		/* a server that ignored the Range: the bytes start at 0 */
		snprintf(err, errlen, "%s: the server ignored the byte range", what);
		return -EIO;
	}
	return (ssize_t)b.len;
}

typedef struct list_state {
	char token[TB_S3_MAX_KEY * 2];
	bool truncated;
	size_t objects;
} list_state;

/* Parse one ListObjectsV2 page. Returns 0, a callback's code, or -EIO on a
 * document that is not a listing. */
static int parse_page(char *xml, size_t len, list_state *st, tb_s3_list_fn fn, void *ctx)
{
	const char *end = xml + len;
	char tmp[16];
	if (!strstr(xml, "<ListBucketResult"))
		return -EIO;
	st->truncated = xml_field(xml, end, "IsTruncated", NULL, tmp, sizeof tmp) && !strcmp(tmp, "true");
	st->token[0] = '\0';
	if (st->truncated) {
		if (!xml_field(xml, end, "NextContinuationToken", NULL, st->token, sizeof st->token) ||
		    !tb_s3_xml_unescape(st->token) || !st->token[0])
			return -EIO;
	}
	const char *from = xml;
	char entry[TB_S3_MAX_KEY * 4 + 1024];
	while (xml_field(xml, end, "Contents", &from, entry, sizeof entry)) {
		char key[TB_S3_MAX_KEY * 4], size[32], etag[TB_S3_MAX_ETAG];
		const char *e_end = entry + strlen(entry);
		if (!xml_field(entry, e_end, "Key", NULL, key, sizeof key) ||
		    !xml_field(entry, e_end, "Size", NULL, size, sizeof size) || !tb_s3_xml_unescape(key))
			return -EIO;
		if (!xml_field(entry, e_end, "ETag", NULL, etag, sizeof etag))
			etag[0] = '\0';
		tb_s3_xml_unescape(etag);
		char *q = etag;
		size_t el = strlen(q);
		if (el >= 2 && q[0] == '"' && q[el - 1] == '"') {
			q[el - 1] = '\0';
			q++;
		}
		char *endp;
		unsigned long long sz = strtoull(size, &endp, 10);
		if (endp == size || *endp)
			return -EIO;
		if (++st->objects > TB_S3_MAX_OBJECTS)
			return -EFBIG;
		tb_s3_object o = { .key = key, .size = sz, .etag = q };
		int rc = fn(ctx, &o);
		if (rc)
			return rc;
	}
	return 0;
}

int tb_s3_list(tb_s3 *s, const char *bucket, const char *prefix, tb_s3_list_fn fn, void *ctx,
	       char *err, size_t errlen)
{
	char what[128];
	snprintf(what, sizeof what, "listing s3://%.40s/%.60s", bucket, prefix);
	list_state *st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(err, errlen, "%s: out of memory", what);
		return -ENOMEM;
	}
	int rc = 0;
	body b = { .limit = TB_S3_MAX_LIST_BODY };
	do {
		char url[TB_S3_MAX_URL * 2];
		size_t len;
		if (!object_url(s, bucket, "", url, sizeof url)) {
			rc = -EINVAL;
			snprintf(err, errlen, "%s: bucket name too long", what);
			break;
		}
		len = strlen(url);
		/* parameters in alphabetical order, values encoded: the query
		 * is signed as written */
		bool ok = true;
		if (st->token[0])
			ok = put_raw(url, sizeof url, &len, "?continuation-token=") &&
			     put_encoded(url, sizeof url, &len, st->token, false) &&
			     put_raw(url, sizeof url, &len, "&list-type=2");
		else
			ok = put_raw(url, sizeof url, &len, "?list-type=2");
		ok = ok && put_raw(url, sizeof url, &len, "&prefix=") &&
		     put_encoded(url, sizeof url, &len, prefix, false);
		if (!ok) {
			rc = -EINVAL;
			snprintf(err, errlen, "%s: prefix too long", what);
			break;
		}
		req r = { .url = url, .what = what, .b = &b };
		long status = request(s, &r, err, errlen);
		if (status < 0) {
			rc = (int)status;
			break;
		}
		if (!b.data) {
			rc = -EIO;
			snprintf(err, errlen, "%s: empty reply", what);
			break;
		}
		rc = parse_page(b.data, b.len, st, fn, ctx);
		if (rc == -EIO)
			snprintf(err, errlen, "%s: the reply is not a ListObjectsV2 document", what);
		else if (rc == -EFBIG)
			snprintf(err, errlen, "%s: more than %u objects", what, (unsigned)TB_S3_MAX_OBJECTS);
	} while (!rc && st->truncated);
	free(b.data);
	free(st);
	return rc;
}
