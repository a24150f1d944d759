/*
 * export.h - `tbserve export`: every point of every run and tag, streamed.
 *
 * JSON Lines: one object per point,
 *   {"run": R, "tag": T, "plugin": P, "wall_time": W, "step": S, "value": V}
 * with "buckets": [[left, right, count], ...] instead of "value" for
 * histograms and "text": [...], "shape": [...] for text. CSV: the header
 *   run,tag,plugin,wall_time,step,value,left,right,count
 * one row per scalar point, per histogram bucket and per text element.
 * Only the series the HTTP API serves are exported (query.h's visibility
 * rule; blob series such as images and graphs are not), with the points
 * it serves (--samples_per_plugin's read cap). Numbers use the same
 * formatting as the API. Reads the store only, through the query layer.
 */
#ifndef TB_EXPORT_H
#define TB_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "buf.h"
#include "store.h"

/* format: "jsonl" or "csv"; run/tag: filters or NULL. Returns 0, -EIO or
 * -ENOMEM. */
int tb_export(tb_store *s, const char *format, const char *run, const char *tag, FILE *out);

/* The same as a cursor, for streaming over HTTP: open snapshots the list of
 * (run, tag) pairs (0 or -ENOMEM); each next appends points until want
 * bytes are in out and returns 0 (setting *done after the last point) or
 * -ENOMEM. Takes the store and run locks itself, only inside each call. */
typedef struct tb_export_cursor tb_export_cursor;
int tb_export_open(tb_export_cursor **out, tb_store *s, const char *format, const char *run,
		   const char *tag);
int tb_export_next(tb_export_cursor *e, tb_buf *out, size_t want, bool *done);
void tb_export_close(tb_export_cursor *e);

#endif
