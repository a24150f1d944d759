/*
 * buf.h - a growable byte buffer, the one way tbserve builds output.
 *
 * Used for JSON and CSV bodies, rendered HTML and scratch strings. It does
 * not escape anything by itself: callers that write untrusted strings use the
 * escaping writers in json.h. Invariant: data[len] is always '\0' once anything
 * has been appended, so a buffer can be handed to C string functions; the
 * terminator is not counted in len.
 *
 * Ownership: the buffer owns data; tb_buf_release() frees it and leaves an
 * empty buffer. tb_buf_detach() hands data to the caller (free() it).
 * Out of memory is sticky: the first failed growth sets oom and later appends
 * are ignored, so a writer can check once at the end.
 */
#ifndef TB_BUF_H
#define TB_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

typedef struct tb_buf {
	char *data;
	size_t len;
	size_t cap;
	int oom;
} tb_buf;

#define TB_BUF_INIT { NULL, 0, 0, 0 }

void tb_buf_init(tb_buf *b);
void tb_buf_release(tb_buf *b);
void tb_buf_reset(tb_buf *b);          /* len = 0, keeps capacity */
int tb_buf_grow(tb_buf *b, size_t extra); /* room for extra more bytes; 0 or -ENOMEM */
void tb_buf_append(tb_buf *b, const void *p, size_t n);
void tb_buf_printf(tb_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *tb_buf_detach(tb_buf *b, size_t *len);

static inline void tb_buf_putc(tb_buf *b, char c)
{
	if (b->len + 1 < b->cap || tb_buf_grow(b, 1) == 0) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
	}
}

static inline void tb_buf_puts(tb_buf *b, const char *s)
{
	tb_buf_append(b, s, strlen(s));
}

#endif
