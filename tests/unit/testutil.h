/*
 * testutil.h - small helpers shared by the unit tests: where the test data
 * is, reading a whole file, and loading a logdir or a single event file into
 * a store. Header-only so each test stays one executable.
 */
#ifndef TB_TESTUTIL_H
#define TB_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "log.h"
#include "store.h"

static inline const char *tu_data_dir(void)
{
	const char *d = getenv("TB_TEST_DATA");
	return d ? d : "tests/data";
}

/* TB_TEST_DATA/rel, in a static buffer rotated over 4 slots. */
static inline const char *tu_path(const char *rel)
{
	static char bufs[4][8192];
	static int k;
	char *b = bufs[k++ & 3];
	snprintf(b, sizeof bufs[0], "%s/%s", tu_data_dir(), rel);
	return b;
}

/* Whole file into a malloc'd buffer (NUL-terminated); NULL on failure. */
static inline char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)n + 1);
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	if (p) {
		p[n] = '\0';
		if (len)
			*len = (size_t)n;
	}
	return p;
}

static inline void tu_store_init(tb_store *s, tb_purge_rule rule)
{
	tb_store_opts o;
	memset(&o, 0, sizeof o);
	o.rule = rule;
	tb_store_init(s, &o);
}

#endif
