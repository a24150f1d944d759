/*
 * hparams_internal.h - what the hparams files share (hparams.c collects,
 * hparams_request.c parses, hparams_groups.c groups, hparams_export.c
 * exports): arena string helpers and the error message writer. Not a
 * public interface: only server/hparams*.c include it.
 */
#ifndef TB_HPARAMS_INTERNAL_H
#define TB_HPARAMS_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hparams.h"

static inline char *adup(tb_arena *a, const char *s)
{
	size_t n = strlen(s ? s : "");
	char *p = tb_arena_alloc(a, n + 1);
	if (p) {
		memcpy(p, s ? s : "", n);
		p[n] = 0;
	}
	return p;
}

static inline void *azalloc(tb_arena *a, size_t n)
{
	void *p = tb_arena_alloc(a, n ? n : 1);
	if (p)
		memset(p, 0, n ? n : 1);
	return p;
}

__attribute__((format(printf, 3, 4)))
static inline void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Sessions by name (qsort/bsearch over pointers). */
static inline int cmp_session_ptr(const void *a, const void *b)
{
	return strcmp((*(const tb_hp_session *const *)a)->name,
		      (*(const tb_hp_session *const *)b)->name);
}

#endif
