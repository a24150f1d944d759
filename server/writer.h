/*
 * writer.h - the few shapes every endpoint writes points in: JSON, CSV and
 * the little-endian binary scalar body, plus histogram buckets, Python's
 * repr() for error messages and the run/tag/plugin head of export and
 * live records. Shared by the API handlers, export.c and live.c so that a
 * value is formatted the same everywhere.
 *
 * Writers append to a caller-owned tb_buf and never lock: callers hold the
 * view (query.h) whose points they write. Out of memory is the buffer's
 * sticky oom flag; the functions that return int return 0 or -ENOMEM
 * (b->oom) so callers can answer 503 instead of a partial body.
 */
#ifndef TB_WRITER_H
#define TB_WRITER_H

#include <stdbool.h>

#include "buf.h"
#include "query.h"

/* A scalar as TensorBoard's JSON writes it (ints stay ints, bools
 * true/false), and as its CSV writes it (bools True/False). */
void tb_write_scalar_json(tb_buf *b, tb_scalar v);
void tb_write_scalar_csv(tb_buf *b, tb_scalar v);

/* [wall, step, value] of scalar point i. */
void tb_write_point_json(tb_buf *b, const tb_series *se, size_t i);

/* The iterator's scalar points as a JSON array of [wall, step, value]. */
int tb_write_points_json(tb_buf *b, tb_points *it);
/* ... as CSV rows "wall,step,value\r\n" (no header). */
int tb_write_points_csv(tb_buf *b, tb_points *it);
/* ... as one run of the binary multirun body (docs/api.md): name, count,
 * value width, then walls, steps and values as arrays, each 8-byte
 * aligned from the start of the body. */
int tb_write_points_binary(tb_buf *b, const char *run, tb_points *it);
/* Flags in the high bits of a run's value-width field: */
#define TB_BINARY_REDUCED 0x100  /* buckets left points of the run out */
#define TB_BINARY_SMOOTHED 0x200 /* float64 smoothed values follow the values */
/* The binary body's header; tb_write_binary_end sets its run count. */
void tb_write_binary_begin(tb_buf *b);
int tb_write_binary_end(tb_buf *b, size_t runs);

/* Histogram buckets: [[left, right, count], ...], or with objects
 * [{"min": left, "max": right, "count": count}, ...]. */
void tb_write_buckets_json(tb_buf *b, const tb_hist *h, bool objects);

/* The series' description as sanitised HTML (Markdown rendered), as a
 * JSON string ("" when it has none or it is not UTF-8; out of memory sets
 * b->oom). */
void tb_write_description_json(tb_buf *b, const tb_series *se);

/* ", " unless the last byte written opens an object or array: for members
 * appended one at a time by callbacks. */
void tb_write_sep(tb_buf *b);

/* "run": ["tag", ...] (a member of a tags object). */
void tb_write_tag_list(tb_buf *b, const char *run, const tb_series *const *tags, size_t n);

/* "run": R, "tag": T, "plugin": P (no braces). */
void tb_write_series_id(tb_buf *b, const char *run, const tb_series *se);

/* A CSV field, quoted when it holds a comma, quote or line break; one a
 * spreadsheet would run as a formula (first byte =, +, -, @, tab or CR) is
 * also prefixed with a single quote (OWASP CSV injection). */
void tb_write_csv_field(tb_buf *b, const char *s, size_t n);

/* Python's repr() of a str (None for NULL), for TensorBoard's "%r" error
 * messages: quotes with ' unless the text holds ' and no ". */
void tb_write_py_repr(tb_buf *b, const char *s);

/* Images and audio. Images at an image point (its blob sequence's
 * length minus the width and height); whether point i is the first of its
 * step among [first, i] (TensorBoard's Python loader serves only that
 * one); TensorBoard's blob key of element index of a step's sequence:
 * unpadded URL-safe base64 of ["", plugin, run, tag, step, index]. */
int64_t tb_image_samples(const tb_blob *b);
bool tb_blob_first_at_step(const tb_series *se, size_t first, size_t i);
void tb_write_blob_key(tb_buf *b, const char *plugin, const char *run, const char *tag,
		       size_t tag_len, int64_t step, int64_t index);

#endif
