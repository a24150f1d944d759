/*
 * export.c - streaming export (see export.h). Points are read through the
 * query layer, so export serves exactly the series and points the API
 * does; output is built in a buffer flushed every TB_EXPORT_FLUSH bytes so
 * memory stays flat however large the logdir.
 */
#include "export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hparams.h"   /* hparams: hparams as columns */
#include "json.h"
#include "query.h"
#include "tblimits.h"
#include "vec.h"
#include "writer.h"

/* Images and audio: one row per sample of the first event of each
 * step, as the API serves them, with its blob key (TensorBoard's, for
 * individualImage / individualAudio). */
static int64_t blob_samples(const tb_series *se, size_t first, size_t i)
{
	const tb_blob *b = tb_series_blob(se, i);
	if (!tb_blob_first_at_step(se, first, i))
		return 0;
	if (se->kind == TB_KIND_IMAGE)
		return tb_image_samples(b);
	return b->type == TB_BLOB_AUDIO ? 1 : b->type == TB_BLOB_TENSOR ? b->count : 0;
}

static void blob_key_of(tb_buf *b, const char *run, const tb_series *se, size_t i, int64_t k)
{
	tb_write_blob_key(b, se->kind == TB_KIND_IMAGE ? "images" : "audio", run, se->tag,
			  se->tag_len, tb_series_step(se, i), se->kind == TB_KIND_IMAGE ? k + 2 : k);
}

static void blob_jsonl(tb_buf *b, const char *run, const tb_series *se, size_t first, size_t i)
{
	int64_t n = blob_samples(se, first, i);
	for (int64_t k = 0; k < n; k++) {
		tb_buf_putc(b, '{');
		tb_write_series_id(b, run, se);
		tb_buf_puts(b, ", \"wall_time\": ");
		tb_json_double(b, tb_series_wall(se, i));
		tb_buf_puts(b, ", \"step\": ");
		tb_json_int(b, tb_series_step(se, i));
		tb_buf_puts(b, ", \"sample\": ");
		tb_json_int(b, k);
		tb_buf_puts(b, ", \"blob_key\": \"");
		blob_key_of(b, run, se, i, k);
		tb_buf_puts(b, "\"}\n");
	}
}

static void point_jsonl(tb_buf *b, const char *run, const tb_series *se, size_t i)
{
	tb_buf_putc(b, '{');
	tb_write_series_id(b, run, se);
	tb_buf_puts(b, ", \"wall_time\": ");
	tb_json_double(b, tb_series_wall(se, i));
	tb_buf_puts(b, ", \"step\": ");
	tb_json_int(b, tb_series_step(se, i));
	if (se->kind == TB_KIND_SCALAR) {
		tb_buf_puts(b, ", \"value\": ");
		tb_write_scalar_json(b, tb_series_scalar(se, i));
	} else if (se->kind == TB_KIND_HISTOGRAM) {
		tb_buf_puts(b, ", \"buckets\": ");
		tb_write_buckets_json(b, tb_series_hist(se, i), false);
	} else {
		const tb_text *t = tb_series_text(se, i);
		tb_buf_puts(b, ", \"shape\": [");
		for (int k = 0; k < t->rank; k++) {
			if (k)
				tb_buf_puts(b, ", ");
			tb_json_int(b, t->dims[k]);
		}
		tb_buf_puts(b, "], \"text\": [");
		for (size_t k = 0; k < t->n_strs; k++) {
			if (k)
				tb_buf_puts(b, ", ");
			tb_json_str(b, t->strs[k], t->lens[k]);
		}
		tb_buf_putc(b, ']');
	}
	tb_buf_puts(b, "}\n");
}

static void csv_head(tb_buf *b, const char *run, const tb_series *se, size_t i)
{
	char tmp[24];
	tb_write_csv_field(b, run, strlen(run));
	tb_buf_putc(b, ',');
	tb_write_csv_field(b, se->tag, se->tag_len);
	tb_buf_putc(b, ',');
	tb_write_csv_field(b, se->plugin, strlen(se->plugin));
	tb_buf_putc(b, ',');
	tb_csv_double(b, tb_series_wall(se, i));
	tb_buf_putc(b, ',');
	tb_buf_append(b, tmp, tb_fmt_int(tmp, tb_series_step(se, i)));
	tb_buf_putc(b, ',');
}

static void point_csv(tb_buf *b, const char *run, const tb_series *se, size_t i)
{
	if (se->kind == TB_KIND_SCALAR) {
		csv_head(b, run, se, i);
		tb_write_scalar_csv(b, tb_series_scalar(se, i));
		tb_buf_puts(b, ",,,\r\n");
	} else if (se->kind == TB_KIND_HISTOGRAM) {
		const tb_hist *h = tb_series_hist(se, i);
		for (size_t k = 0; k < h->n; k++) {
			csv_head(b, run, se, i);
			for (int c = 0; c < 3; c++) {
				tb_buf_putc(b, ',');
				tb_csv_double(b, h->b[3 * k + c]);
			}
			tb_buf_puts(b, "\r\n");
		}
	} else if (tb_kind_is_blob(se->kind)) {
		return; /* blob_csv */
	} else {
		const tb_text *t = tb_series_text(se, i);
		for (size_t k = 0; k < t->n_strs; k++) {
			csv_head(b, run, se, i);
			tb_write_csv_field(b, t->strs[k], t->lens[k]);
			tb_buf_puts(b, ",,,\r\n");
		}
	}
}

/* A sample's row: its blob key in the value column. */
static void blob_csv(tb_buf *b, const char *run, const tb_series *se, size_t first, size_t i)
{
	int64_t n = blob_samples(se, first, i);
	for (int64_t k = 0; k < n; k++) {
		csv_head(b, run, se, i);
		blob_key_of(b, run, se, i, k);
		tb_buf_puts(b, ",,,\r\n");
	}
}

/* One (run, tag) to export, snapshot at open. */
struct pair {
	char *run, *tag;
	tb_kind kind;
};

struct tb_export_cursor {
	tb_store *store;
	bool csv;
	TB_VEC(struct pair) pairs;
	size_t pair;           /* current pair */
	size_t point;          /* next point of the current pair */
	bool header_done;
	tb_hp_export *hp;      /* hparams: sessions' hparams, or NULL */
};

static int pair_add(tb_export_cursor *e, const char *run, const tb_series *se)
{
	struct pair p = { strdup(run), strdup(se->tag), se->kind };
	if (!p.run || !p.tag || tb_vec_push(&e->pairs, p)) {
		free(p.run);
		free(p.tag);
		return -ENOMEM;
	}
	return 0;
}

/* Served series only: those some plugin shows (visible as their own kind;
 * of the blob kinds, images and audio). */
static bool exported(const tb_series *se, const char *tag)
{
	return (!tb_kind_is_blob(se->kind) || se->kind == TB_KIND_IMAGE ||
		se->kind == TB_KIND_AUDIO) &&
	       tb_series_visible(se, se->kind) && (!tag || !strcmp(tag, se->tag));
}

struct filter {
	tb_export_cursor *e;
	const char *run, *tag;
};

static int collect_run(void *arg, tb_run *r)
{
	struct filter *f = arg;
	int rc = 0;
	if (f->run && strcmp(f->run, r->name))
		return 0;
	for (size_t k = 0; !rc && k < r->n_series; k++)
		if (exported(r->series[k], f->tag))
			rc = pair_add(f->e, r->name, r->series[k]);
	return rc;
}

int tb_export_open(tb_export_cursor **out, tb_store *s, const char *format, const char *run,
		   const char *tag)
{
	tb_export_cursor *e = calloc(1, sizeof *e);
	if (!e)
		return -ENOMEM;
	e->store = s;
	e->csv = !strcmp(format, "csv");
	struct filter f = { e, run, tag };
	int rc = tb_query_sorted_runs(s, collect_run, &f);
	rc = rc ? rc : tb_hp_export_open(&e->hp, s);  /* hparams */
	if (rc) {
		tb_export_close(e);
		return rc;
	}
	*out = e;
	return 0;
}

void tb_export_close(tb_export_cursor *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->pairs.n; i++) {
		free(e->pairs.v[i].run);
		free(e->pairs.v[i].tag);
	}
	tb_vec_release(&e->pairs);
	tb_hp_export_close(e->hp);  /* hparams */
	free(e);
}

int tb_export_next(tb_export_cursor *e, tb_buf *out, size_t want, bool *done)
{
	if (!e->header_done) {
		e->header_done = true;
		if (e->csv) {
			tb_buf_puts(out, "run,tag,plugin,wall_time,step,value,left,right,count");
			tb_hp_export_csv_header(e->hp, out);  /* hparams */
			tb_buf_puts(out, "\r\n");
		}
	}
	while (e->pair < e->pairs.n && out->len < want && !out->oom) {
		/* the series is looked up again on every call: runs may come
		 * and go while a long export streams */
		const struct pair *p = &e->pairs.v[e->pair];
		tb_view v;
		bool more = false;
		if (tb_view_open(&v, e->store, p->run, p->tag, p->kind) == 0) {
			if (e->point < v.first)
				e->point = v.first;
			size_t mark = out->len;  /* hparams */
			for (; e->point < v.end && out->len < want; e->point++) {
				if (tb_kind_is_blob(p->kind) && e->csv)
					blob_csv(out, p->run, v.se, v.first, e->point);
				else if (tb_kind_is_blob(p->kind))
					blob_jsonl(out, p->run, v.se, v.first, e->point);
				else if (e->csv)
					point_csv(out, p->run, v.se, e->point);
				else
					point_jsonl(out, p->run, v.se, e->point);
			}
			if (tb_hp_export_rows(e->hp, out, mark, p->run, e->csv))
				out->oom = 1;  /* hparams */
			more = e->point < v.end;
			tb_view_release(&v);
		}
		if (!more) {
			e->pair++;
			e->point = 0;
		}
	}
	if (out->oom)
		return -ENOMEM;
	*done = e->pair >= e->pairs.n;
	return 0;
}

int tb_export(tb_store *s, const char *format, const char *run, const char *tag, FILE *out)
{
	tb_export_cursor *e;
	int rc = tb_export_open(&e, s, format, run, tag);
	if (rc)
		return rc;
	tb_buf b = TB_BUF_INIT;
	bool done = false;
	while (!rc && !done) {
		tb_buf_reset(&b);
		rc = tb_export_next(e, &b, TB_EXPORT_FLUSH, &done);
		if (!rc && b.len && fwrite(b.data, 1, b.len, out) != b.len)
			rc = -EIO;
	}
	tb_buf_release(&b);
	tb_export_close(e);
	if (!rc && fflush(out))
		rc = -EIO;
	return rc;
}
