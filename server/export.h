/*
 * export.h - `tbserve export`: every point of every run and tag, streamed.
 *
 * JSON Lines: one object per point,
 *   {"run": R, "tag": T, "plugin": P, "wall_time": W, "step": S, "value": V}
 * with "buckets": [[left, right, count], ...] instead of "value" for
 * histograms and "text": [...], "shape": [...] for text. CSV: the header
 *   run,tag,plugin,wall_time,step,value,left,right,count
 * one row per scalar point, per histogram bucket and per text element.
 * Blob series (images, graphs, ...) are not exported. Numbers use the same
 * formatting as the HTTP API. Reads the store only.
 */
#ifndef TB_EXPORT_H
#define TB_EXPORT_H

#include <stdio.h>

#include "buf.h"
#include "store.h"

/* format: "jsonl" or "csv"; run/tag: filters or NULL. Returns 0 or -EIO. */
int tb_export(tb_store *s, const char *format, const char *run, const char *tag, FILE *out);

/* The same as a cursor, for streaming over HTTP: open snapshots the list of
 * (run, tag) pairs; each next appends at least one point (until want bytes
 * are in out) and returns 1 while more remain, 0 when done, or -ENOMEM.
 * Takes the store and run locks itself, only inside each call. */
typedef struct tb_export_cursor tb_export_cursor;
tb_export_cursor *tb_export_open(tb_store *s, const char *format, const char *run, const char *tag);
int tb_export_next(tb_export_cursor *e, tb_buf *out, size_t want);
void tb_export_close(tb_export_cursor *e);

#endif
