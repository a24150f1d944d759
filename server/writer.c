/*
 * writer.c - point writers (see writer.h). Numbers go through json.c's
 * formatters, so JSON and CSV agree digit for digit with TensorBoard.
 */
#include "writer.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "json.h"
#include "markdown.h"

static int status(const tb_buf *b)
{
	return b->oom ? -ENOMEM : 0;
}

void tb_write_scalar_json(tb_buf *b, tb_scalar v)
{
	if (v.type == TB_NUM_I64)
		tb_json_int(b, v.i);
	else if (v.type == TB_NUM_BOOL)
		tb_json_bool(b, v.i != 0);
	else
		tb_json_double(b, v.f);
}

void tb_write_scalar_csv(tb_buf *b, tb_scalar v)
{
	char tmp[24];
	if (v.type == TB_NUM_I64)
		tb_buf_append(b, tmp, tb_fmt_int(tmp, v.i));
	else if (v.type == TB_NUM_BOOL)
		tb_buf_puts(b, v.i ? "True" : "False");
	else
		tb_csv_double(b, v.f);
}

void tb_write_point_json(tb_buf *b, const tb_series *se, size_t i)
{
	char tmp[TB_FMT_DOUBLE_MAX + 1];
	tb_buf_putc(b, '[');
	double w = tb_series_wall(se, i);
	if (isfinite(w))
		tb_buf_append(b, tmp, tb_fmt_double(tmp, w));
	else
		tb_json_double(b, w);
	tb_buf_puts(b, ", ");
	tb_buf_append(b, tmp, tb_fmt_int(tmp, tb_series_step(se, i)));
	tb_buf_puts(b, ", ");
	tb_write_scalar_json(b, tb_series_scalar(se, i));
	tb_buf_putc(b, ']');
}

int tb_write_points_json(tb_buf *b, tb_points *it)
{
	size_t i, written = 0;
	if (!it->bucketed && !it->has_since)
		tb_buf_grow(b, (it->end - it->first) * 48 + 2);
	tb_buf_putc(b, '[');
	while (tb_points_next(it, &i)) {
		if (written++)
			tb_buf_puts(b, ", ");
		tb_write_point_json(b, it->se, i);
	}
	tb_buf_putc(b, ']');
	return status(b);
}

int tb_write_points_csv(tb_buf *b, tb_points *it)
{
	char tmp[24];
	size_t i;
	while (tb_points_next(it, &i)) {
		tb_csv_double(b, tb_series_wall(it->se, i));
		tb_buf_putc(b, ',');
		tb_buf_append(b, tmp, tb_fmt_int(tmp, tb_series_step(it->se, i)));
		tb_buf_putc(b, ',');
		tb_write_scalar_csv(b, tb_series_scalar(it->se, i));
		tb_buf_puts(b, "\r\n");
	}
	return status(b);
}

/* ---- binary ------------------------------------------------------------- */

/* Little-endian, whatever the host. */
static void put_u32le(tb_buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 24) };
	tb_buf_append(b, x, sizeof x);
}

static void put_f64le(tb_buf *b, double d)
{
	uint64_t v;
	memcpy(&v, &d, sizeof v);
	put_u32le(b, (uint32_t)v);
	put_u32le(b, (uint32_t)(v >> 32));
}

static void put_f32le(tb_buf *b, float f)
{
	uint32_t v;
	memcpy(&v, &f, sizeof v);
	put_u32le(b, v);
}

static void pad8(tb_buf *b)
{
	static const char zeros[8];
	tb_buf_append(b, zeros, (8 - b->len % 8) % 8);
}

void tb_write_binary_begin(tb_buf *b)
{
	tb_buf_append(b, "TBS1\0\0\0\0", 8);
}

int tb_write_binary_end(tb_buf *b, size_t runs)
{
	if (b->oom || b->len < 8)
		return -ENOMEM;
	for (int k = 0; k < 4; k++)
		b->data[4 + k] = (char)(runs >> (8 * k));
	return 0;
}

int tb_write_points_binary(tb_buf *b, const char *run, tb_points *it)
{
	const tb_series *se = it->se;
	size_t len = strlen(run), n = tb_points_count(it), i;
	bool f32 = se->num_type == TB_NUM_F32;
	put_u32le(b, (uint32_t)len);
	tb_buf_append(b, run, len);
	pad8(b);
	bool smoothed = it->smooth != NULL;
	put_u32le(b, (uint32_t)n);
	put_u32le(b, (f32 ? 4 : 8) | (it->bucketed && n < it->seen ? TB_BINARY_REDUCED : 0) |
			     (smoothed ? TB_BINARY_SMOOTHED : 0));
	if (tb_buf_grow(b, n * (f32 ? 28 : 32) + 8))
		return -ENOMEM;
	for (tb_points_rewind(it); tb_points_next(it, &i);)
		put_f64le(b, tb_series_wall(se, i));
	for (tb_points_rewind(it); tb_points_next(it, &i);)
		put_f64le(b, (double)tb_series_step(se, i));
	for (tb_points_rewind(it); tb_points_next(it, &i);) {
		tb_scalar v = tb_series_scalar(se, i);
		double d = v.type == TB_NUM_I64 || v.type == TB_NUM_BOOL ? (double)v.i : v.f;
		if (f32)
			put_f32le(b, (float)d);
		else
			put_f64le(b, d);
	}
	pad8(b);
	for (tb_points_rewind(it); smoothed && tb_points_next(it, &i);)
		put_f64le(b, it->smooth[i - it->first]);
	return status(b);
}

/* ---- the rest ----------------------------------------------------------- */

void tb_write_buckets_json(tb_buf *b, const tb_hist *h, bool objects)
{
	static const char *const keys[2][3] = { { "[", ", ", ", " },
						{ "{\"min\": ", ", \"max\": ", ", \"count\": " } };
	const char *const *k = keys[objects];
	tb_buf_putc(b, '[');
	for (size_t j = 0; j < h->n; j++) {
		if (j)
			tb_buf_puts(b, ", ");
		for (int c = 0; c < 3; c++) {
			tb_buf_puts(b, k[c]);
			tb_json_double(b, h->b[3 * j + c]);
		}
		tb_buf_putc(b, objects ? '}' : ']');
	}
	tb_buf_putc(b, ']');
}

void tb_write_description_json(tb_buf *b, const tb_series *se)
{
	if (!se->description[0]) {
		tb_buf_puts(b, "\"\"");
		return;
	}
	tb_buf html = TB_BUF_INIT;
	int rc = tb_markdown_to_safe_html(se->description, strlen(se->description), &html);
	if (rc == -ENOMEM || html.oom)
		b->oom = 1;   /* the answer is a 503, not a tag without its description */
	else if (rc == 0)
		tb_json_str(b, html.data ? html.data : "", html.len);
	else
		tb_buf_puts(b, "\"\"");   /* not UTF-8: TensorBoard shows no description */
	tb_buf_release(&html);
}

void tb_write_sep(tb_buf *b)
{
	if (!b->oom && b->len && b->data[b->len - 1] != '{' && b->data[b->len - 1] != '[')
		tb_buf_puts(b, ", ");
}

void tb_write_tag_list(tb_buf *b, const char *run, const tb_series *const *tags, size_t n)
{
	tb_json_cstr(b, run);
	tb_buf_puts(b, ": [");
	for (size_t k = 0; k < n; k++) {
		if (k)
			tb_buf_puts(b, ", ");
		tb_json_str(b, tags[k]->tag, tags[k]->tag_len);
	}
	tb_buf_putc(b, ']');
}

void tb_write_series_id(tb_buf *b, const char *run, const tb_series *se)
{
	tb_buf_puts(b, "\"run\": ");
	tb_json_cstr(b, run);
	tb_buf_puts(b, ", \"tag\": ");
	tb_json_str(b, se->tag, se->tag_len);
	tb_buf_puts(b, ", \"plugin\": ");
	tb_json_cstr(b, se->plugin);
}

void tb_write_csv_field(tb_buf *b, const char *s, size_t n)
{
	/* OWASP's CSV injection advice: a cell a spreadsheet would read as a
	 * formula (=, +, -, @, tab, CR first) is prefixed with ' and quoted */
	bool formula = n && memchr("=+-@\t\r", s[0], 6);
	if (!formula && !memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) &&
	    !memchr(s, '\r', n)) {
		tb_buf_append(b, s, n);
		return;
	}
	tb_buf_putc(b, '"');
	if (formula)
		tb_buf_putc(b, '\'');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			tb_buf_putc(b, '"');
		tb_buf_putc(b, s[i]);
	}
	tb_buf_putc(b, '"');
}

void tb_write_py_repr(tb_buf *b, const char *s)
{
	if (!s) {
		tb_buf_puts(b, "None");
		return;
	}
	char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
	tb_buf_putc(b, q);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\\' || *p == (unsigned char)q) {
			tb_buf_putc(b, '\\');
			tb_buf_putc(b, (char)*p);
		} else if (*p == '\n') {
			tb_buf_puts(b, "\\n");
		} else if (*p == '\r') {
			tb_buf_puts(b, "\\r");
		} else if (*p == '\t') {
			tb_buf_puts(b, "\\t");
		} else if (*p < 0x20 || *p == 0x7f) {
			tb_buf_printf(b, "\\x%02x", *p);
		} else {
			tb_buf_putc(b, (char)*p);
		}
	}
	tb_buf_putc(b, q);
}

/* ---- images and audio ---------------------------------------------------- */

/* Images at the point (its sequence length minus width and height). */
int64_t tb_image_samples(const tb_blob *b)
{
	if (b->type == TB_BLOB_IMAGE)
		return 1;
	if (b->type == TB_BLOB_TENSOR)
		return b->count >= 2 ? (int64_t)b->count - 2 : 0;
	return 0;
}

/* Is point i the first of its step among [first, i]? (The Python loader
 * serves the first event of each step.) */
bool tb_blob_first_at_step(const tb_series *se, size_t first, size_t i)
{
	int64_t s = tb_series_step(se, i);
	if (i == first || tb_series_step(se, i - 1) < s)
		return true;
	for (size_t j = first; j < i; j++)
		if (tb_series_step(se, j) == s)
			return false;
	return true;
}

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64_put(tb_buf *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		tb_buf_putc(out, b64url[v >> 18 & 63]);
		tb_buf_putc(out, b64url[v >> 12 & 63]);
		if (i + 1 < n)
			tb_buf_putc(out, b64url[v >> 6 & 63]);
		if (i + 2 < n)
			tb_buf_putc(out, b64url[v & 63]);
	}
}

void tb_write_blob_key(tb_buf *b, const char *plugin, const char *run, const char *tag,
		       size_t tag_len, int64_t step, int64_t index)
{
	tb_buf j = TB_BUF_INIT;
	tb_buf_puts(&j, "[\"\",");
	tb_json_cstr(&j, plugin);
	tb_buf_putc(&j, ',');
	tb_json_cstr(&j, run);
	tb_buf_putc(&j, ',');
	tb_json_str(&j, tag, tag_len);
	tb_buf_putc(&j, ',');
	tb_json_int(&j, step);
	tb_buf_putc(&j, ',');
	tb_json_int(&j, index);
	tb_buf_putc(&j, ']');
	if (j.oom)
		b->oom = 1;
	else
		b64_put(b, (const unsigned char *)j.data, j.len);
	tb_buf_release(&j);
}
