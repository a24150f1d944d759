/*
 * fuzz_html.h - the sanitiser's promise (html_sanitize.h), checked on its
 * output: valid UTF-8; every '<' opens or closes an allowed element (or is
 * TensorBoard's fixed NUL-warning comment); only a[href,title] and
 * img[src,title,alt] attributes, always double-quoted; href and src only
 * with http, https, mailto or no scheme. A sanitiser that lets anything
 * else through fails here even if it does not crash.
 */
#ifndef TB_FUZZ_HTML_H
#define TB_FUZZ_HTML_H

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"

static inline bool fh_utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t l = c < 0x80 ? 1 : (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3 :
			   (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
		if (!l || i + l > n)
			return false;
		for (size_t k = 1; k < l; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += l;
	}
	return true;
}

static inline bool fh_name_in(const char *s, size_t n, const char *const *names)
{
	for (; *names; names++)
		if (strlen(*names) == n && !strncmp(s, *names, n))
			return true;
	return false;
}

/* href/src: no scheme, or http, https, mailto (any case). */
static inline bool fh_url_ok(const char *v, size_t n)
{
	size_t k = 0;
	while (k < n && v[k] != ':' && v[k] != '/' && v[k] != '?' && v[k] != '#')
		k++;
	if (k == n || v[k] != ':')
		return true;
	return (k == 4 && !strncasecmp(v, "http", 4)) || (k == 5 && !strncasecmp(v, "https", 5)) ||
	       (k == 6 && !strncasecmp(v, "mailto", 6));
}

static inline void fuzz_check_safe_html(const char *s, size_t n)
{
	static const char *const elems[] = { "ul", "ol", "li", "p", "pre", "code", "blockquote",
		"h1", "h2", "h3", "h4", "h5", "h6", "hr", "br", "strong", "em", "a", "img", "table",
		"thead", "tbody", "td", "tr", "th", NULL };
	static const char *const a_attrs[] = { "href", "title", NULL };
	static const char *const img_attrs[] = { "src", "title", "alt", NULL };
	static const char warn[] = "<!-- WARNING: discarded ";
	FUZZ_CHECK(fh_utf8_valid((const unsigned char *)s, n));
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '>')
			continue;
		if (s[i] != '<')
			continue;
		if (n - i >= sizeof warn - 1 && !memcmp(s + i, warn, sizeof warn - 1)) {
			const char *e = memmem(s + i, n - i, "-->", 3);
			FUZZ_CHECK(e != NULL);
			i = (size_t)(e - s) + 2;
			continue;
		}
		size_t j = i + 1;
		bool end = j < n && s[j] == '/';
		j += end;
		size_t name = j;
		while (j < n && s[j] >= 'a' && s[j] <= 'z')
			j++;
		while (j < n && s[j] >= '1' && s[j] <= '6' && j == name + 1 && s[name] == 'h')
			j++;
		FUZZ_CHECK(fh_name_in(s + name, j - name, elems));
		const char *const *attrs = j - name == 1 && s[name] == 'a' ? a_attrs :
					   j - name == 3 && !strncmp(s + name, "img", 3) ? img_attrs : NULL;
		while (j < n && s[j] == ' ' && !end) {
			size_t an = ++j;
			while (j < n && s[j] >= 'a' && s[j] <= 'z')
				j++;
			if (j < n && s[j] == '>' && j == an) /* "<br />"-style never occurs */
				break;
			FUZZ_CHECK(attrs && fh_name_in(s + an, j - an, attrs));
			FUZZ_CHECK(j + 1 < n && s[j] == '=' && s[j + 1] == '"');
			const char *q = memchr(s + j + 2, '"', n - j - 2);
			FUZZ_CHECK(q != NULL);
			size_t vlen = (size_t)(q - (s + j + 2));
			FUZZ_CHECK(memchr(s + j + 2, '<', vlen) == NULL);
			if ((j - an == 4 && !strncmp(s + an, "href", 4)) || (j - an == 3 && !strncmp(s + an, "src", 3)))
				FUZZ_CHECK(fh_url_ok(s + j + 2, vlen));
			j = (size_t)(q - s) + 1;
		}
		FUZZ_CHECK(j < n && s[j] == '>');
		i = j;
	}
}

#endif
