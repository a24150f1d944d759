/*
 * form.h - decoding query strings and POST forms into tb_param lists.
 *
 * application/x-www-form-urlencoded ('+' is a space, %XX escapes, repeated
 * keys kept in order) and multipart/form-data (fields by their
 * Content-Disposition name; file parts are fields too). Parsing works on
 * (pointer, length) with a cursor; no input is trusted to be terminated.
 * Malformed percent escapes are kept literally, as Python's urllib does.
 *
 * Ownership: a tb_params owns its keys and values; tb_params_release()
 * frees them.
 */
#ifndef TB_FORM_H
#define TB_FORM_H

#include <stddef.h>

/* One decoded field. */
typedef struct tb_param {
	char *key;
	char *value;        /* NUL-terminated; may contain NUL (value_len) */
	size_t value_len;
} tb_param;

typedef struct tb_params {
	tb_param *v;
	size_t n, cap;
} tb_params;

void tb_params_release(tb_params *p);

/* Append one decoded pair. Returns 0, -ENOMEM, or -E2BIG past
 * TB_HTTP_MAX_PARAMS. */
int tb_params_add(tb_params *p, const char *key, size_t klen, const char *val, size_t vlen);

/* Percent-decode (and '+' -> ' ' when plus is set) into a new string. */
char *tb_url_decode(const char *s, size_t n, int plus, size_t *out_len);

int tb_form_parse_urlencoded(const char *s, size_t n, tb_params *out);

/* content_type carries the boundary parameter. Returns 0, -EINVAL for a
 * body that is not valid multipart, or the errors of tb_params_add. */
int tb_form_parse_multipart(const char *body, size_t n, const char *content_type, tb_params *out);

#endif
