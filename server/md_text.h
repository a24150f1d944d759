/*
 * md_text.h - character and UTF-8 helpers shared by the Markdown renderer,
 * its Python-Markdown preprocessors and the HTML sanitiser (internal to
 * markdown.c, md_preprocess.c and html_sanitize.c; not a public interface).
 *
 * Invariant: UTF-8 is judged as Python's strict decoder judges it, because
 * TensorBoard decodes the text with it before rendering.
 */
#ifndef TB_MD_TEXT_H
#define TB_MD_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline bool is_alpha(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static inline bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_hex(unsigned char c)
{
	return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static inline unsigned char to_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* Python's str.isspace() / re \s, ASCII part. */
static inline bool py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static inline bool py_space_cp(uint32_t cp)
{
	if (cp < 0x80)
		return py_space((unsigned char)cp);
	return cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
	       (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* Length of the UTF-8 sequence at s as Python's strict decoder accepts it
   (no overlongs, no surrogates, at most U+10FFFF), or 0. */
static inline size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

static inline bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq(p + i, n - i, &cp);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

/* Grows *p (an array of size-byte items with capacity *cap) to hold need
   items. Returns false, leaving the array alone, on overflow or ENOMEM. */
static inline bool vec_reserve(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return true;
	size_t c = *cap ? *cap : 16;
	while (c < need) {
		if (c > ((size_t)-1 / 2) / size)
			return false;
		c *= 2;
	}
	void *q = realloc(*p, c * size);
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

static inline bool starts_with_ci(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	if (n < l)
		return false;
	for (size_t i = 0; i < l; i++)
		if (to_lower((unsigned char)s[i]) != (unsigned char)lit[i])
			return false;
	return true;
}

#endif
