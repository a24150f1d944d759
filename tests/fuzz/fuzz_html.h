/*
 * fuzz_html.h - the sanitiser's promise (html_sanitize.h), checked on its
 * output: valid UTF-8; every '<' opens or closes an allowed element (or is
 * TensorBoard's fixed NUL-warning comment); only a[href,title] and
 * img[src,title,alt] attributes, always quoted; href and src only
 * with http, https, mailto or no scheme, as a browser would parse the URL.
 * A sanitiser that lets anything else through fails here even if it does
 * not crash.
 */
#ifndef TB_FUZZ_HTML_H
#define TB_FUZZ_HTML_H

#include <ctype.h>
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

/* The attribute value as a browser's URL parser sees it: character
 * references decoded (numeric ones, and the named ones that can spell a
 * scheme: &colon; &Tab; &NewLine;), then tab, LF and CR removed anywhere and
 * C0 controls and spaces stripped at the ends. Returns the length in out. */
static inline size_t fh_url_text(const char *v, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < cap;) {
		unsigned long cp = (unsigned char)v[i];
		size_t used = 1;
		if (v[i] == '&' && i + 1 < n && v[i + 1] == '#') {
			size_t j = i + 2;
			int base = 10;
			if (j < n && (v[j] == 'x' || v[j] == 'X'))
				base = 16, j++;
			unsigned long x = 0;
			size_t d = j;
			while (j < n && (base == 16 ? isxdigit((unsigned char)v[j]) : isdigit((unsigned char)v[j])) &&
			       x < 0x110000) {
				x = x * (unsigned long)base +
				    (unsigned long)(isdigit((unsigned char)v[j]) ? v[j] - '0' : (v[j] | 0x20) - 'a' + 10);
				j++;
			}
			if (j > d) {
				cp = x;
				used = j - i + (j < n && v[j] == ';');
			}
		} else if (v[i] == '&') {
			static const struct { const char *name; char c; } named[] = {
				{ "&colon;", ':' }, { "&Tab;", '\t' }, { "&NewLine;", '\n' }, { "&amp;", '&' },
			};
			for (size_t e = 0; e < sizeof named / sizeof *named; e++) {
				size_t l = strlen(named[e].name);
				if (n - i >= l && !memcmp(v + i, named[e].name, l)) {
					cp = (unsigned char)named[e].c;
					used = l;
				}
			}
		}
		i += used;
		if (cp == '\t' || cp == '\n' || cp == '\r')
			continue;
		out[k++] = cp < 0x80 ? (char)cp : '?';
	}
	size_t a = 0;
	while (a < k && (unsigned char)out[a] <= 0x20)
		a++;
	while (k > a && (unsigned char)out[k - 1] <= 0x20)
		k--;
	memmove(out, out + a, k - a);
	return k - a;
}

/* href/src: no scheme (WHATWG: an ASCII letter, then letters, digits, '+',
 * '-', '.', then ':'), or http, https, mailto in any case. */
static inline bool fh_url_ok(const char *v, size_t n)
{
	char u[4096];
	size_t len = fh_url_text(v, n, u, sizeof u);
	if (!len || !isalpha((unsigned char)u[0]))
		return true;
	size_t k = 1;
	while (k < len && (isalnum((unsigned char)u[k]) || u[k] == '+' || u[k] == '-' || u[k] == '.'))
		k++;
	if (k == len || u[k] != ':')
		return true;
	return (k == 4 && !strncasecmp(u, "http", 4)) || (k == 5 && !strncasecmp(u, "https", 5)) ||
	       (k == 6 && !strncasecmp(u, "mailto", 6));
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
			/* double quotes, or single ones around a value holding '"'
			   (html5lib's serializer) */
			FUZZ_CHECK(j + 1 < n && s[j] == '=' && (s[j + 1] == '"' || s[j + 1] == '\''));
			const char *q = memchr(s + j + 2, s[j + 1], n - j - 2);
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
