/*
 * form.c - urlencoded and multipart form decoding (see form.h).
 */
#include "form.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tblimits.h"
#include "vec.h"

void tb_params_release(tb_params *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].key);
		free(p->v[i].value);
	}
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

char *tb_url_decode(const char *s, size_t n, int plus, size_t *out_len)
{
	char *o = malloc(n + 1);
	if (!o)
		return NULL;
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			o[j++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else if (plus && s[i] == '+') {
			o[j++] = ' ';
		} else {
			o[j++] = s[i];
		}
	}
	o[j] = '\0';
	if (out_len)
		*out_len = j;
	return o;
}

static int add_owned(tb_params *p, char *key, char *val, size_t vlen)
{
	if (!key || !val) {
		free(key);
		free(val);
		return -ENOMEM;
	}
	if (p->n >= TB_HTTP_MAX_PARAMS) {
		free(key);
		free(val);
		return -E2BIG;
	}
	if (tb_array_grow(p->v, p->cap, p->n)) {
		free(key);
		free(val);
		return -ENOMEM;
	}
	p->v[p->n].key = key;
	p->v[p->n].value = val;
	p->v[p->n].value_len = vlen;
	p->n++;
	return 0;
}

int tb_params_add(tb_params *p, const char *key, size_t klen, const char *val, size_t vlen)
{
	char *k = malloc(klen + 1), *v = malloc(vlen + 1);
	if (k) {
		memcpy(k, key, klen);
		k[klen] = '\0';
	}
	if (v) {
		memcpy(v, val, vlen);
		v[vlen] = '\0';
	}
	return add_owned(p, k, v, vlen);
}

int tb_form_parse_urlencoded(const char *s, size_t n, tb_params *out)
{
	size_t i = 0;
	while (i < n) {
		size_t end = i;
		while (end < n && s[end] != '&')
			end++;
		if (end > i) {
			const char *eq = memchr(s + i, '=', end - i);
			size_t klen = eq ? (size_t)(eq - (s + i)) : end - i;
			const char *v = eq ? eq + 1 : s + end;
			size_t vlen = eq ? (size_t)(s + end - v) : 0;
			size_t dk, dv;
			char *key = tb_url_decode(s + i, klen, 1, &dk);
			char *val = tb_url_decode(v, vlen, 1, &dv);
			int rc = add_owned(out, key, val, dv);
			if (rc)
				return rc;
		}
		i = end + 1;
	}
	return 0;
}

/* Find needle in [h, h+n). */
static const char *find(const char *h, size_t n, const char *needle, size_t m)
{
	if (m == 0 || n < m)
		return NULL;
	for (size_t i = 0; i + m <= n; i++)
		if (h[i] == needle[0] && !memcmp(h + i, needle, m))
			return h + i;
	return NULL;
}

/* boundary=... from a Content-Type value, quotes removed. */
static int boundary_of(const char *ct, char *out, size_t outlen)
{
	const char *b = ct ? strcasestr(ct, "boundary=") : NULL;
	if (!b)
		return -EINVAL;
	b += 9;
	size_t len;
	if (*b == '"') {
		b++;
		const char *q = strchr(b, '"');
		if (!q)
			return -EINVAL;
		len = (size_t)(q - b);
	} else {
		len = strcspn(b, "; \t");
	}
	if (len == 0 || len + 3 > outlen)
		return -EINVAL;
	out[0] = '-';
	out[1] = '-';
	memcpy(out + 2, b, len);
	out[len + 2] = '\0';
	return 0;
}

/* name="..." from the part headers [h, h+n). */
static int part_name(const char *h, size_t n, const char **name, size_t *len)
{
	const char *p = h;
	while ((p = find(p, (size_t)(h + n - p), "name=\"", 6))) {
		/* skip filename="..." */
		if (p > h && (p[-1] == 'e' && p - h >= 8 && !strncasecmp(p - 4, "file", 4))) {
			p += 6;
			continue;
		}
		p += 6;
		const char *q = memchr(p, '"', (size_t)(h + n - p));
		if (!q)
			return -EINVAL;
		*name = p;
		*len = (size_t)(q - p);
		return 0;
	}
	return -EINVAL;
}

int tb_form_parse_multipart(const char *body, size_t n, const char *content_type, tb_params *out)
{
	char delim[256];
	if (boundary_of(content_type, delim, sizeof delim))
		return -EINVAL;
	size_t dlen = strlen(delim);
	const char *end = body + n;
	const char *p = find(body, n, delim, dlen);
	if (!p)
		return -EINVAL;
	for (;;) {
		p += dlen;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return 0; /* closing delimiter */
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return -EINVAL;
		p += 2;
		const char *hend = find(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (!hend)
			return -EINVAL;
		const char *name;
		size_t nlen;
		if (part_name(p, (size_t)(hend - p), &name, &nlen))
			return -EINVAL;
		const char *data = hend + 4;
		char crlf_delim[260];
		crlf_delim[0] = '\r';
		crlf_delim[1] = '\n';
		memcpy(crlf_delim + 2, delim, dlen + 1);
		const char *next = find(data, (size_t)(end - data), crlf_delim, dlen + 2);
		if (!next)
			return -EINVAL;
		int rc = tb_params_add(out, name, nlen, data, (size_t)(next - data));
		if (rc)
			return rc;
		p = next + 2;
	}
}
