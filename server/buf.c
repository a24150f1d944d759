/*
 * buf.c - growable byte buffer (see buf.h). Growth doubles capacity, so
 * appends are amortised O(1); a failed allocation sets the sticky oom flag.
 */
#include "buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

void tb_buf_init(tb_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = 0;
}

void tb_buf_release(tb_buf *b)
{
	free(b->data);
	tb_buf_init(b);
}

void tb_buf_reset(tb_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

int tb_buf_grow(tb_buf *b, size_t extra)
{
	if (b->oom)
		return -ENOMEM;
	if (extra > (size_t)-1 / 2 - b->len) {
		b->oom = 1;
		return -ENOMEM;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p) {
		b->oom = 1;
		return -ENOMEM;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void tb_buf_append(tb_buf *b, const void *p, size_t n)
{
	if (tb_buf_grow(b, n) != 0)
		return;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void tb_buf_printf(tb_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[256];
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		tb_buf_append(b, tmp, (size_t)n);
		return;
	}
	if (tb_buf_grow(b, (size_t)n) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *tb_buf_detach(tb_buf *b, size_t *len)
{
	char *p = b->data;
	if (len)
		*len = b->len;
	tb_buf_init(b);
	return p;
}
