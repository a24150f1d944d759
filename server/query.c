/*
 * query.c - views, walks and point iterators over the store (see query.h).
 *
 * Lock order is the store's: store, then run. Nothing here formats output
 * or knows about HTTP.
 */
#include "query.h"

#include "blob.h"

#include "smooth.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "vec.h"

const char *tb_kind_plugin(tb_kind kind)
{
	switch (kind) {
	case TB_KIND_SCALAR:
		return "scalars";
	case TB_KIND_HISTOGRAM:
		return "histograms";
	case TB_KIND_TEXT:
		return "text";
	case TB_KIND_IMAGE:
		return "images";
	case TB_KIND_AUDIO:
		return "audio";
	case TB_KIND_HPARAMS:
		return "hparams";
	case TB_KIND_PR_CURVE:
		return "pr_curves";
	case TB_KIND_CUSTOM_SCALARS:
		return "custom_scalars";
	case TB_KIND_GRAPH:
		return "graphs";
	default:
		return "";
	}
}

/* The newest points only, when --samples_per_plugin caps the plugin. */
static void read_cap(const tb_store *s, tb_view *v, tb_kind kind)
{
	const tb_store_opts *o = &s->opts;
	const char *plugin = tb_kind_plugin(kind);
	v->first = 0;
	v->end = v->se->n;
	for (size_t i = 0; i < o->n_samples; i++)
		if (!strcmp(o->samples[i].plugin, plugin) && o->samples[i].keep &&
		    o->samples[i].keep < v->se->n)
			v->first = v->se->n - (size_t)o->samples[i].keep;
}

/* Store lock held: the series of r, run-locked, or -ENOENT unlocked. */
static int view_in(tb_view *v, tb_store *s, tb_run *r, const char *tag, tb_kind kind)
{
	tb_run_rdlock(r);
	const tb_series *se = tb_run_find(r, tag, strlen(tag));
	if (!se || !tb_series_visible(se, kind)) {
		tb_run_unlock(r);
		return -ENOENT;
	}
	*v = (tb_view){ .store = s, .run = r, .se = se };
	read_cap(s, v, kind);
	return 0;
}

/* The run named name, or else the one whose name is shown as name: a name
 * that is not UTF-8 is listed with U+FFFD for its bad bytes, and a client
 * can only send that back (the first such run in store order when several
 * are shown alike). Store read lock held. */
static tb_run *find_run(tb_store *s, const char *name)
{
	tb_run *r = tb_store_find_run(s, name);
	if (r || !strstr(name, "\xef\xbf\xbd"))
		return r;
	for (size_t i = 0; i < s->n_runs; i++)
		if (tb_json_shown_as(s->runs[i]->name, name))
			return s->runs[i];
	return NULL;
}

int tb_view_open(tb_view *v, tb_store *s, const char *run, const char *tag, tb_kind kind)
{
	v->run = NULL;  /* releasing a view that did not open is a no-op */
	tb_store_rdlock(s);
	tb_run *r = find_run(s, run);
	if (!r || view_in(v, s, r, tag, kind)) {
		tb_store_unlock(s);
		return -ENOENT;
	}
	v->store_locked = true;
	return 0;
}

void tb_view_release(tb_view *v)
{
	if (!v->run)
		return;
	tb_run_unlock(v->run);
	if (v->store_locked)
		tb_store_unlock(v->store);
	v->run = NULL;
}

static bool named_before(const char *const *names, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (!strcmp(names[j], names[i]))
			return true;
	return false;
}

static int visit(tb_store *s, tb_run *r, const char *tag, tb_kind kind, tb_view_fn fn, void *arg)
{
	tb_view v;
	if (!r || view_in(&v, s, r, tag, kind))
		return 0;
	int rc = fn(arg, &v);
	tb_view_release(&v);
	return rc;
}

int tb_query_runs(tb_store *s, const char *const *names, size_t n, const char *tag,
		  tb_kind kind, tb_view_fn fn, void *arg)
{
	int rc = 0;
	tb_store_rdlock(s);
	if (!names) {
		for (size_t i = 0; i < s->n_runs && !rc; i++)
			rc = visit(s, s->runs[i], tag, kind, fn, arg);
	} else {
		for (size_t i = 0; i < n && !rc; i++)
			if (!named_before(names, i))
				rc = visit(s, find_run(s, names[i]), tag, kind, fn, arg);
	}
	tb_store_unlock(s);
	return rc;
}

int tb_query_sorted_runs(tb_store *s, tb_run_fn fn, void *arg)
{
	tb_store_rdlock(s);
	tb_run **sorted = malloc((s->n_runs ? s->n_runs : 1) * sizeof *sorted);
	int rc = sorted ? tb_store_sorted_runs(s, sorted) : -ENOMEM;
	for (size_t i = 0; i < s->n_runs && !rc; i++) {
		tb_run_rdlock(sorted[i]);
		rc = fn(arg, sorted[i]);
		tb_run_unlock(sorted[i]);
	}
	tb_store_unlock(s);
	free(sorted);
	return rc;
}

int tb_query_tags(tb_store *s, tb_kind kind, tb_tags_fn fn, void *arg)
{
	int rc = 0;
	TB_VEC(const tb_series *) tags = { 0 };
	tb_store_rdlock(s);
	for (size_t i = 0; i < s->n_runs && !rc; i++) {
		tb_run *r = s->runs[i];
		tb_run_rdlock(r);
		tags.n = 0;
		rc = tb_vec_grow(&tags, r->n_series);
		for (size_t k = 0; !rc && k < r->n_series; k++)
			if (tb_series_visible(r->series[k], kind))
				tags.v[tags.n++] = r->series[k];
		if (!rc && tags.n)
			rc = fn(arg, r, tags.v, tags.n);
		tb_run_unlock(r);
	}
	tb_store_unlock(s);
	tb_vec_release(&tags);
	return rc;
}

/* ---- points ------------------------------------------------------------ */

struct bucket {
	size_t first, last, min, max, nan, smin, smax;
	double minv, maxv, sminv, smaxv; /* the values at min, max, smin, smax */
	bool used, has_minmax, has_nan, has_smooth;
};

static double scalar_as_double(tb_scalar v)
{
	return v.type == TB_NUM_F32 || v.type == TB_NUM_F64 ? v.f : (double)v.i;
}

static void bucket_add(struct bucket *b, size_t i, double x)
{
	if (!b->used) {
		b->used = true;
		b->first = i;
	}
	b->last = i;
	if (isnan(x)) {
		if (!b->has_nan) {
			b->has_nan = true;
			b->nan = i;
		}
	} else if (!b->has_minmax) {
		b->has_minmax = true;
		b->min = b->max = i;
		b->minv = b->maxv = x;
	} else if (x < b->minv) {
		b->min = i;
		b->minv = x;
	} else if (x > b->maxv) {
		b->max = i;
		b->maxv = x;
	}
}

/* The smoothed line's own extremes in a bucket (x: the smoothed value). */
static void bucket_smoothed(struct bucket *b, size_t i, double x)
{
	if (!isfinite(x))
		return;
	if (!b->has_smooth || x < b->sminv) {
		b->smin = i;
		b->sminv = x;
	}
	if (!b->has_smooth || x > b->smaxv) {
		b->smax = i;
		b->smaxv = x;
	}
	b->has_smooth = true;
}

#define BUCKET_PICKS 7
/* A range of at most this many points per bucket is sent whole: no more
 * than the picks could be, and the page can smooth it itself. */
#define WHOLE_PER_BUCKET 4

/* A bucket's (at most 7) picks appended to out in index order, each once. */
static size_t bucket_picks(const struct bucket *b, size_t *out, size_t n)
{
	size_t cand[BUCKET_PICKS] = { b->first, b->min, b->max, b->nan, b->smin, b->smax, b->last };
	bool ok[BUCKET_PICKS] = { true, b->has_minmax, b->has_minmax, b->has_nan,
				  b->has_smooth, b->has_smooth, true };
	for (int a = 0; a < BUCKET_PICKS; a++)
		for (int c = a + 1; c < BUCKET_PICKS; c++)
			if (ok[c] && (!ok[a] || cand[c] < cand[a])) {
				size_t t = cand[a];
				bool tb = ok[a];
				cand[a] = cand[c];
				ok[a] = ok[c];
				cand[c] = t;
				ok[c] = tb;
			}
	for (int a = 0; a < BUCKET_PICKS; a++)
		if (ok[a] && (n == 0 || out[n - 1] != cand[a]))
			out[n++] = cand[a];
	return n;
}

/* Indices for nb buckets over steps [lo, hi] into it->pick. */
static int pick_buckets(tb_points *it, size_t nb, int64_t lo, int64_t hi)
{
	struct bucket *bk = calloc(nb, sizeof *bk);
	it->pick = malloc(BUCKET_PICKS * nb * sizeof *it->pick);
	if (!bk || !it->pick) {
		free(bk);
		return -ENOMEM;
	}
	const tb_series *se = it->se;
	double width = ((double)hi - (double)lo + 1) / (double)nb;
	for (size_t i = it->first; i < it->end; i++) {
		int64_t st = tb_series_step(se, i);
		if (st < lo || st > hi)
			continue;
		size_t k = (size_t)(((double)st - (double)lo) / width);
		struct bucket *b = &bk[k < nb ? k : nb - 1];
		bucket_add(b, i, scalar_as_double(tb_series_scalar(se, i)));
		if (it->smooth)
			bucket_smoothed(b, i, it->smooth[i - it->first]);
		it->seen++;
	}
	for (size_t k = 0; k < nb; k++)
		if (bk[k].used)
			it->npick = bucket_picks(&bk[k], it->pick, it->npick);
	free(bk);
	if (it->seen <= WHOLE_PER_BUCKET * nb) { /* few points: all of them */
		it->npick = 0;
		for (size_t i = it->first; i < it->end; i++) {
			int64_t st = tb_series_step(se, i);
			if (st >= lo && st <= hi)
				it->pick[it->npick++] = i;
		}
	}
	return 0;
}

int tb_points_open(tb_points *it, const tb_view *v, const tb_point_query *q)
{
	static const tb_point_query all;
	if (!q)
		q = &all;
	*it = (tb_points){ .se = v->se, .first = v->first, .end = v->end,
			   .bucketed = q->buckets > 0, .has_since = q->has_since && !q->buckets,
			   .since = q->since };
	if (q->smooth && it->end > it->first) {
		it->smooth = malloc((it->end - it->first) * sizeof *it->smooth);
		if (!it->smooth)
			return -ENOMEM;
		tb_series_smooth(v->se, it->first, it->end, q->smoothing, it->smooth);
	}
	if (!it->bucketed || it->end <= it->first)
		return 0;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (size_t i = it->first; i < it->end; i++) {
		int64_t st = tb_series_step(v->se, i);
		lo = st < lo ? st : lo;
		hi = st > hi ? st : hi;
	}
	if (q->has_min && q->min_step > lo)
		lo = q->min_step;
	if (q->has_max && q->max_step < hi)
		hi = q->max_step;
	if (q->has_since && q->since == INT64_MAX)
		return 0; /* no step is larger */
	if (q->has_since && q->since + 1 > lo)
		lo = q->since + 1;
	if (lo > hi)
		return 0;
	return pick_buckets(it, q->buckets, lo, hi);
}

bool tb_points_next(tb_points *it, size_t *i)
{
	if (it->bucketed) {
		if (it->cur >= it->npick)
			return false;
		*i = it->pick[it->cur++];
		return true;
	}
	while (it->first + it->cur < it->end) {
		size_t j = it->first + it->cur++;
		if (!it->has_since || tb_series_step(it->se, j) > it->since) {
			*i = j;
			return true;
		}
	}
	return false;
}

void tb_points_rewind(tb_points *it)
{
	it->cur = 0;
}

size_t tb_points_count(tb_points *it)
{
	size_t n = 0, i;
	if (it->bucketed)
		return it->npick;
	if (!it->has_since)
		return it->end - it->first;
	tb_points_rewind(it);
	while (tb_points_next(it, &i))
		n++;
	tb_points_rewind(it);
	return n;
}

void tb_points_release(tb_points *it)
{
	free(it->pick);
	free(it->smooth);
	it->pick = NULL;
	it->smooth = NULL;
	it->npick = 0;
}

/* ---- blobs ------------------------------------------------------------- */

int tb_view_blob(const tb_view *v, size_t i, tb_blob_type *type,
		 unsigned char **data, size_t *len)
{
	const tb_blob *b = tb_series_blob(v->se, i);
	int rc = tb_blob_read(v->run, b, data, len);
	if (rc == 0)
		*type = b->type;
	return rc;
}
