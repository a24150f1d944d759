/*
 * inspect.h - `tbserve --inspect`: a human-readable digest of a loaded logdir.
 *
 * Per run: its files (records read, errors), event counts, and per tag the
 * plugin, storage kind, number of points, step range and first/last wall
 * time. Reads the store only; it writes to a FILE and nowhere else.
 */
#ifndef TB_INSPECT_H
#define TB_INSPECT_H

#include <stdio.h>

#include "loader.h"
#include "store.h"

/* tag: only this tag (NULL = all). Returns 0. */
int tb_inspect(tb_store *s, const tb_loader *l, const char *tag, FILE *out);

const char *tb_kind_name(tb_kind k);

#endif
