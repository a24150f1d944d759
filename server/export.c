/*
 * export.c - streaming export (see export.h). Output is built in a buffer
 * flushed every FLUSH_BYTES so memory stays flat however large the logdir.
 */
#include "export.h"

#include <errno.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h" /* tb_series_visible: export shows what the API shows */
#include "buf.h"
#include "json.h"

#define FLUSH_BYTES (256u * 1024)

static void csv_field(tb_buf *b, const char *s, size_t n)
{
	if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n)) {
		tb_buf_append(b, s, n);
		return;
	}
	tb_buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			tb_buf_putc(b, '"');
		tb_buf_putc(b, s[i]);
	}
	tb_buf_putc(b, '"');
}

static void scalar_json(tb_buf *b, tb_scalar v)
{
	if (v.type == TB_NUM_I64)
		tb_json_int(b, v.i);
	else if (v.type == TB_NUM_BOOL)
		tb_json_bool(b, v.i != 0);
	else
		tb_json_double(b, v.f);
}

static void scalar_csv(tb_buf *b, tb_scalar v)
{
	char tmp[40];
	if (v.type == TB_NUM_I64)
		tb_buf_append(b, tmp, tb_fmt_int(tmp, v.i));
	else if (v.type == TB_NUM_BOOL)
		tb_buf_puts(b, v.i ? "True" : "False");
	else
		tb_csv_double(b, v.f);
}

static void jsonl_head(tb_buf *b, const tb_run *r, const tb_series *se, size_t i)
{
	tb_buf_puts(b, "{\"run\": ");
	tb_json_cstr(b, r->name);
	tb_buf_puts(b, ", \"tag\": ");
	tb_json_str(b, se->tag, se->tag_len);
	tb_buf_puts(b, ", \"plugin\": ");
	tb_json_cstr(b, se->plugin);
	tb_buf_puts(b, ", \"wall_time\": ");
	tb_json_double(b, tb_series_wall(se, i));
	tb_buf_puts(b, ", \"step\": ");
	tb_json_int(b, tb_series_step(se, i));
}

static void point_jsonl(tb_buf *b, const tb_run *r, const tb_series *se, size_t i)
{
	jsonl_head(b, r, se, i);
	if (se->kind == TB_KIND_SCALAR) {
		tb_buf_puts(b, ", \"value\": ");
		scalar_json(b, tb_series_scalar(se, i));
	} else if (se->kind == TB_KIND_HISTOGRAM) {
		const tb_hist *h = tb_series_hist(se, i);
		tb_buf_puts(b, ", \"buckets\": [");
		for (size_t k = 0; k < h->n; k++) {
			tb_buf_puts(b, k ? ", [" : "[");
			tb_json_double(b, h->b[3 * k]);
			tb_buf_puts(b, ", ");
			tb_json_double(b, h->b[3 * k + 1]);
			tb_buf_puts(b, ", ");
			tb_json_double(b, h->b[3 * k + 2]);
			tb_buf_putc(b, ']');
		}
		tb_buf_putc(b, ']');
	} else {
		const tb_text *t = tb_series_text(se, i);
		tb_buf_puts(b, ", \"shape\": [");
		for (int k = 0; k < t->rank; k++) {
			if (k)
				tb_buf_puts(b, ", ");
			tb_json_int(b, t->dims[k]);
		}
		tb_buf_puts(b, "], \"text\": [");
		for (size_t k = 0; k < t->count; k++) {
			if (k)
				tb_buf_puts(b, ", ");
			tb_json_str(b, t->strs[k], t->lens[k]);
		}
		tb_buf_putc(b, ']');
	}
	tb_buf_puts(b, "}\n");
}

static void csv_head(tb_buf *b, const tb_run *r, const tb_series *se, size_t i)
{
	char tmp[40];
	csv_field(b, r->name, strlen(r->name));
	tb_buf_putc(b, ',');
	csv_field(b, se->tag, se->tag_len);
	tb_buf_putc(b, ',');
	csv_field(b, se->plugin, strlen(se->plugin));
	tb_buf_putc(b, ',');
	tb_csv_double(b, tb_series_wall(se, i));
	tb_buf_putc(b, ',');
	tb_buf_append(b, tmp, tb_fmt_int(tmp, tb_series_step(se, i)));
	tb_buf_putc(b, ',');
}

static void point_csv(tb_buf *b, const tb_run *r, const tb_series *se, size_t i)
{
	if (se->kind == TB_KIND_SCALAR) {
		csv_head(b, r, se, i);
		scalar_csv(b, tb_series_scalar(se, i));
		tb_buf_puts(b, ",,,\r\n");
	} else if (se->kind == TB_KIND_HISTOGRAM) {
		const tb_hist *h = tb_series_hist(se, i);
		for (size_t k = 0; k < h->n; k++) {
			csv_head(b, r, se, i);
			for (int c = 0; c < 3; c++) {
				tb_buf_putc(b, ',');
				tb_csv_double(b, h->b[3 * k + c]);
			}
			tb_buf_puts(b, "\r\n");
		}
	} else {
		const tb_text *t = tb_series_text(se, i);
		for (size_t k = 0; k < t->count; k++) {
			csv_head(b, r, se, i);
			csv_field(b, t->strs[k], t->lens[k]);
			tb_buf_puts(b, ",,,\r\n");
		}
	}
}

struct tb_export_cursor {
	tb_store *store;
	int csv;
	char **runs, **tags;   /* (run, tag) pairs to export, snapshot at open */
	size_t n, cap;
	size_t pair;           /* current pair */
	size_t point;          /* next point of the current pair */
	int header_done;
};

static int pair_add(tb_export_cursor *e, const char *run, const char *tag)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		char **r = realloc(e->runs, cap * sizeof *r), **t;
		if (!r)
			return -ENOMEM;
		e->runs = r;
		t = realloc(e->tags, cap * sizeof *t);
		if (!t)
			return -ENOMEM;
		e->tags = t;
		e->cap = cap;
	}
	e->runs[e->n] = strdup(run);
	e->tags[e->n] = strdup(tag);
	if (!e->runs[e->n] || !e->tags[e->n]) {
		free(e->runs[e->n]);
		free(e->tags[e->n]);
		return -ENOMEM;
	}
	e->n++;
	return 0;
}

tb_export_cursor *tb_export_open(tb_store *s, const char *format, const char *run, const char *tag)
{
	tb_export_cursor *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->store = s;
	e->csv = !strcmp(format, "csv");
	int rc = 0;
	tb_store_rdlock(s);
	tb_run **sorted = malloc((s->n_runs ? s->n_runs : 1) * sizeof *sorted);
	if (!sorted)
		rc = -ENOMEM;
	else
		tb_store_sorted_runs(s, sorted);
	for (size_t i = 0; !rc && i < s->n_runs; i++) {
		tb_run *r = sorted[i];
		if (run && strcmp(run, r->name))
			continue;
		tb_run_rdlock(r);
		for (size_t k = 0; !rc && k < r->n_series; k++) {
			const tb_series *se = r->series[k];
			if ((tag && strcmp(tag, se->tag)) || se->kind == TB_KIND_BLOB ||
			    !tb_series_visible(se, se->kind))
				continue;
			rc = pair_add(e, r->name, se->tag);
		}
		tb_run_unlock(r);
	}
	tb_store_unlock(s);
	free(sorted);
	if (rc) {
		tb_export_close(e);
		return NULL;
	}
	return e;
}

void tb_export_close(tb_export_cursor *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++) {
		free(e->runs[i]);
		free(e->tags[i]);
	}
	free(e->runs);
	free(e->tags);
	free(e);
}

int tb_export_next(tb_export_cursor *e, tb_buf *out, size_t want)
{
	if (!e->header_done) {
		e->header_done = 1;
		if (e->csv)
			tb_buf_puts(out, "run,tag,plugin,wall_time,step,value,left,right,count\r\n");
	}
	tb_store *s = e->store;
	tb_store_rdlock(s);
	while (e->pair < e->n && out->len < want && !out->oom) {
		/* series are looked up again on every call: runs may come and go
		 * while a long export streams */
		tb_run *r = tb_store_find_run(s, e->runs[e->pair]);
		if (!r) {
			e->pair++;
			e->point = 0;
			continue;
		}
		tb_run_rdlock(r);
		const tb_series *se = tb_run_find(r, e->tags[e->pair], strlen(e->tags[e->pair]));
		while (se && e->point < se->n && out->len < want) {
			if (e->csv)
				point_csv(out, r, se, e->point);
			else
				point_jsonl(out, r, se, e->point);
			e->point++;
		}
		if (!se || e->point >= se->n) {
			e->pair++;
			e->point = 0;
		}
		tb_run_unlock(r);
	}
	tb_store_unlock(s);
	if (out->oom)
		return -ENOMEM;
	return e->pair < e->n ? 1 : 0;
}

int tb_export(tb_store *s, const char *format, const char *run, const char *tag, FILE *out)
{
	tb_export_cursor *e = tb_export_open(s, format, run, tag);
	if (!e)
		return -ENOMEM;
	tb_buf b = TB_BUF_INIT;
	int rc;
	do {
		tb_buf_reset(&b);
		rc = tb_export_next(e, &b, FLUSH_BYTES);
		if (rc >= 0 && b.len && fwrite(b.data, 1, b.len, out) != b.len)
			rc = -EIO;
	} while (rc > 0);
	tb_buf_release(&b);
	tb_export_close(e);
	if (!rc && fflush(out))
		rc = -EIO;
	return rc;
}
