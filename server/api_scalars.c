/*
 * api_scalars.c - the scalars plugin (reference §4.4) and tbserve's two
 * additions to it: spike-preserving buckets and incremental fetch.
 *
 *   tags                       {run: {tag: {displayName, description}}}
 *   scalars?run&tag[&format=csv]
 *          [&since_step=S]     only points with step > S (live charts)
 *          [&buckets=N[&min_step=A][&max_step=B]]
 *                              per step bucket the first, min, max and last
 *                              point (file order kept, duplicates once), so
 *                              a chart of any zoom never hides a spike
 *   scalars_multirun (POST)    {run: [[wall, step, value], ...]}
 *          [?since_step=&buckets=&min_step=&max_step=]
 *                              the same options, applied to every run (the
 *                              web page fetches all runs of a chart at once)
 *          [&format=binary]    the same points as little-endian arrays
 *                              (docs/api.md): no number formatting on
 *                              the server, no JSON parsing in the page
 *          [&smoothing=W]      (binary only) plus TensorBoard's smoothed
 *                              value of each point, averaged over every
 *                              stored point, not just the ones sent
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cache.h"
#include "json.h"
#include "smooth.h"

/* buckets= above this is refused: a chart never needs more than a few
 * points per pixel, and each bucket costs server memory. */
#define TB_MAX_BUCKETS 100000

static void point_json(tb_buf *b, const tb_series *se, size_t i)
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
	tb_json_scalar(b, tb_series_scalar(se, i));
	tb_buf_putc(b, ']');
}

static void point_csv(tb_buf *b, const tb_series *se, size_t i)
{
	char tmp[TB_FMT_DOUBLE_MAX + 1];
	tb_csv_double(b, tb_series_wall(se, i));
	tb_buf_putc(b, ',');
	tb_buf_append(b, tmp, tb_fmt_int(tmp, tb_series_step(se, i)));
	tb_buf_putc(b, ',');
	tb_scalar v = tb_series_scalar(se, i);
	if (v.type == TB_NUM_I64)
		tb_buf_append(b, tmp, tb_fmt_int(tmp, v.i));
	else if (v.type == TB_NUM_BOOL)
		tb_buf_puts(b, v.i ? "True" : "False");
	else
		tb_csv_double(b, v.f);
	tb_buf_puts(b, "\r\n");
}

void tb_api_scalars_tags(const tb_request *req, tb_response *resp)
{
	tb_store *s = &req->app->store;
	tb_buf *b = &resp->body;
	tb_resp_json(resp);
	tb_buf_putc(b, '{');
	int first_run = 1;
	tb_store_rdlock(s);
	for (size_t i = 0; i < s->n_runs; i++) {
		tb_run *r = s->runs[i];
		tb_run_rdlock(r);
		int first_tag = 1;
		for (size_t k = 0; k < r->n_series; k++) {
			const tb_series *se = r->series[k];
			if (!tb_series_visible(se, TB_KIND_SCALAR))
				continue;
			if (first_tag) {
				if (!first_run)
					tb_buf_puts(b, ", ");
				tb_json_cstr(b, r->name);
				tb_buf_puts(b, ": {");
				first_run = 0;
			} else {
				tb_buf_puts(b, ", ");
			}
			first_tag = 0;
			tb_json_str(b, se->tag, se->tag_len);
			tb_buf_puts(b, ": {\"displayName\": ");
			tb_json_cstr(b, se->display_name);
			tb_buf_puts(b, ", \"description\": ");
			tb_json_description(b, se);
			tb_buf_putc(b, '}');
		}
		if (!first_tag)
			tb_buf_putc(b, '}');
		tb_run_unlock(r);
	}
	tb_store_unlock(s);
	tb_buf_putc(b, '}');
}

/* Python's repr of an optional string argument, for error messages. */
static void repr_arg(char *out, size_t n, const char *v)
{
	if (!v)
		snprintf(out, n, "None");
	else
		snprintf(out, n, "'%.200s'", v);
}

/* Parse an optional integer argument; 0 if absent, -EINVAL if malformed. */
static int int_arg(const tb_request *req, const char *key, long long *out, bool *present)
{
	const char *v = tb_req_arg(req, key);
	*present = v != NULL;
	if (!v)
		return 0;
	char *end;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return (*v && !*end && !errno) ? 0 : -EINVAL;
}

struct bucket {
	size_t first, last, min, max, nan, smin, smax;
	double minv, maxv, sminv, smaxv; /* the values at min, max, smin, smax */
	bool used, has_minmax, has_nan, has_smooth;
};

/* Keep the smoothed line's own extremes of a bucket too (sm: the smoothed
 * values of [from, to), or NULL). */
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

/* Indices to send for ?buckets=N: per bucket first/min/max/last (and the
 * smoothed min/max when sm is given), in order. *seen: points in [lo, hi]. */
static size_t pick_buckets(const tb_series *se, size_t from, size_t to, size_t nb,
			   int64_t lo, int64_t hi, const double *sm, size_t *out, size_t *seen)
{
	struct bucket *bk = calloc(nb, sizeof *bk);
	if (!bk)
		return 0;
	double width = ((double)hi - (double)lo + 1) / (double)nb;
	for (size_t i = from; i < to; i++) {
		int64_t st = tb_series_step(se, i);
		if (st < lo || st > hi)
			continue;
		size_t k = (size_t)(((double)st - (double)lo) / width);
		if (k >= nb)
			k = nb - 1;
		struct bucket *b = &bk[k];
		tb_scalar v = tb_series_scalar(se, i);
		double x = v.type == TB_NUM_F32 || v.type == TB_NUM_F64 ? v.f : (double)v.i;
		if (!b->used) {
			b->used = true;
			b->first = i;
		}
		b->last = i;
		++*seen;
		if (sm)
			bucket_smoothed(b, i, sm[i - from]);
		if (isnan(x)) {
			if (!b->has_nan) {
				b->has_nan = true;
				b->nan = i;
			}
			continue;
		}
		if (!b->has_minmax) {
			b->has_minmax = true;
			b->min = b->max = i;
			b->minv = b->maxv = x;
		} else {
			if (x < b->minv) {
				b->min = i;
				b->minv = x;
			}
			if (x > b->maxv) {
				b->max = i;
				b->maxv = x;
			}
		}
	}
	size_t n = 0;
	for (size_t k = 0; k < nb; k++) {
		struct bucket *b = &bk[k];
		if (!b->used)
			continue;
		size_t cand[7] = { b->first, b->min, b->max, b->nan, b->smin, b->smax, b->last };
		bool ok[7] = { true, b->has_minmax, b->has_minmax, b->has_nan,
			       b->has_smooth, b->has_smooth, true };
		/* sort the (at most 7) indices and drop duplicates */
		for (int a = 0; a < 7; a++)
			for (int c = a + 1; c < 7; c++)
				if (ok[c] && (!ok[a] || cand[c] < cand[a])) {
					size_t t = cand[a];
					bool tb = ok[a];
					cand[a] = cand[c];
					ok[a] = ok[c];
					cand[c] = t;
					ok[c] = tb;
				}
		for (int a = 0; a < 7; a++)
			if (ok[a] && (n == 0 || out[n - 1] != cand[a]))
				out[n++] = cand[a];
	}
	free(bk);
	return n;
}

static void points_json(tb_buf *b, const tb_series *se, size_t from, size_t to)
{
	tb_buf_grow(b, (to - from) * 48 + 2);
	tb_buf_putc(b, '[');
	for (size_t i = from; i < to; i++) {
		if (i > from)
			tb_buf_puts(b, ", ");
		point_json(b, se, i);
	}
	tb_buf_putc(b, ']');
}

/* The whole series as JSON (gzip'ed when the client takes it), from the
 * per-version cache or built and cached now. Run read lock held. */
static bool serve_cached(const tb_request *req, tb_response *resp, tb_series *se,
			 size_t from, size_t to)
{
	int slot = req->accept_gzip ? TB_CACHE_JSON_GZIP : TB_CACHE_JSON;
	tb_body *body = tb_cache_get(se, slot);
	if (!body) {
		tb_body *plain = tb_cache_get(se, TB_CACHE_JSON);
		if (!plain) {
			tb_buf b = TB_BUF_INIT;
			points_json(&b, se, from, to);
			plain = b.oom ? NULL : tb_body_new(b.data, b.len, se->version);
			tb_buf_release(&b);
			if (!plain)
				return false;
			tb_cache_put(se, TB_CACHE_JSON, plain);
		}
		if (slot == TB_CACHE_JSON) {
			body = plain;
		} else {
			tb_buf gz = TB_BUF_INIT;
			if (tb_gzip(plain->data, plain->len, &gz) == 0)
				body = tb_body_new(gz.data, gz.len, se->version);
			tb_buf_release(&gz);
			tb_body_unref(plain);
			if (!body)
				return false;
			tb_cache_put(se, slot, body);
		}
	}
	tb_resp_json(resp);
	resp->shared = body;
	if (slot == TB_CACHE_JSON_GZIP)
		resp->content_encoding = "gzip";
	return true;
}

/* The optional arguments of scalars and scalars_multirun. */
struct scalar_query {
	long long since, nbuckets, min_step, max_step;
	double smoothing;
	bool has_since, has_buckets, has_min, has_max, csv, binary, has_smoothing;
};

/* Parse them; false (and a 400 in resp) when one is malformed. */
static bool parse_query(const tb_request *req, tb_response *resp, struct scalar_query *q)
{
	memset(q, 0, sizeof *q);
	if (int_arg(req, "since_step", &q->since, &q->has_since) ||
	    int_arg(req, "buckets", &q->nbuckets, &q->has_buckets) ||
	    int_arg(req, "min_step", &q->min_step, &q->has_min) ||
	    int_arg(req, "max_step", &q->max_step, &q->has_max)) {
		tb_resp_error(resp, 400, "since_step, buckets, min_step and max_step must be integers");
		return false;
	}
	if (q->has_buckets && (q->nbuckets < 1 || q->nbuckets > TB_MAX_BUCKETS)) {
		tb_resp_error(resp, 400, "buckets must be between 1 and %d", TB_MAX_BUCKETS);
		return false;
	}
	const char *format = tb_req_arg(req, "format");
	q->csv = format && !strcmp(format, "csv");
	q->binary = format && !strcmp(format, "binary");
	const char *w = tb_req_arg(req, "smoothing");
	if (w) {
		char *end;
		q->smoothing = strtod(w, &end);
		q->has_smoothing = true;
		if (!*w || *end || !(q->smoothing >= 0 && q->smoothing <= 1)) {
			tb_resp_error(resp, 400, "smoothing must be a number from 0 to 1");
			return false;
		}
		if (!q->binary) {
			tb_resp_error(resp, 400, "smoothing needs format=binary");
			return false;
		}
	}
	return true;
}

/* The points of a series that a query selects: every index of [from, to)
 * after since_step, or the bucket picks of the step range (pick). */
struct selection {
	const tb_series *se;
	size_t from, to;
	bool bucketed;
	size_t *pick; /* malloc'd bucket picks (NULL: none, or out of memory) */
	size_t npick;
	size_t seen;  /* points of the bucketed step range */
	double *smooth; /* malloc'd smoothed values of [from, to) (NULL: none) */
	bool has_since;
	int64_t since;
};

static void select_points(struct selection *sel, const tb_series *se, size_t from, size_t to,
			  const struct scalar_query *q)
{
	*sel = (struct selection){ .se = se, .from = from, .to = to, .bucketed = q->has_buckets,
				   .has_since = q->has_since && !q->has_buckets, .since = q->since };
	if (q->has_smoothing && to > from) {
		sel->smooth = malloc((to - from) * sizeof *sel->smooth);
		if (sel->smooth)
			tb_series_smooth(se, from, to, q->smoothing, sel->smooth);
	}
	if (!q->has_buckets || to <= from)
		return;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (size_t i = from; i < to; i++) {
		int64_t st = tb_series_step(se, i);
		lo = st < lo ? st : lo;
		hi = st > hi ? st : hi;
	}
	if (q->has_min && q->min_step > lo)
		lo = q->min_step;
	if (q->has_max && q->max_step < hi)
		hi = q->max_step;
	if (q->has_since && q->since + 1 > lo)
		lo = q->since + 1;
	sel->pick = malloc(7 * (size_t)q->nbuckets * sizeof *sel->pick);
	if (sel->pick && lo <= hi)
		sel->npick = pick_buckets(se, from, to, (size_t)q->nbuckets, lo, hi, sel->smooth,
					  sel->pick, &sel->seen);
}

/* The selection's next index: start with *cursor = 0; false after the last. */
static bool next_point(const struct selection *sel, size_t *cursor, size_t *i)
{
	if (sel->bucketed) {
		if (!sel->pick || *cursor >= sel->npick)
			return false;
		*i = sel->pick[(*cursor)++];
		return true;
	}
	while (sel->from + *cursor < sel->to) {
		size_t j = sel->from + (*cursor)++;
		if (!sel->has_since || tb_series_step(sel->se, j) > sel->since) {
			*i = j;
			return true;
		}
	}
	return false;
}

/* How many points the selection holds (the binary body states it first). */
static size_t count_points(const struct selection *sel)
{
	if (sel->bucketed)
		return sel->pick ? sel->npick : 0;
	size_t n = 0, cur = 0, i;
	while (next_point(sel, &cur, &i))
		n++;
	return n;
}

/* Little-endian, whatever the host. */
static void put_u32le(tb_buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 24) };
	tb_buf_append(b, x, sizeof x);
}

static void put_u64le(tb_buf *b, uint64_t v)
{
	put_u32le(b, (uint32_t)v);
	put_u32le(b, (uint32_t)(v >> 32));
}

static void put_f64le(tb_buf *b, double d)
{
	uint64_t v;
	memcpy(&v, &d, sizeof v);
	put_u64le(b, v);
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

/* Flags in the high bits of a run's width field of the binary body. */
#define BIN_REDUCED 0x100  /* buckets left points out: the run has more than were sent */
#define BIN_SMOOTHED 0x200 /* a float64 array of smoothed values follows the values */

/* One run of the binary multirun body (docs/api.md): name, count, value
 * width and flags, then the walls, the steps, the values and (smoothing=)
 * the smoothed values as arrays, each 8-byte aligned from the start of the
 * body. */
static void run_binary(tb_buf *b, const char *run, const tb_series *se, size_t from, size_t to,
		       const struct scalar_query *q)
{
	struct selection sel;
	select_points(&sel, se, from, to, q);
	size_t len = strlen(run), n = count_points(&sel), cur, i;
	bool f32 = se->num_type == TB_NUM_F32;
	put_u32le(b, (uint32_t)len);
	tb_buf_append(b, run, len);
	pad8(b);
	bool smoothed = q->has_smoothing && (sel.smooth || to <= from);
	put_u32le(b, (uint32_t)n);
	put_u32le(b, (f32 ? 4 : 8) | (sel.bucketed && n < sel.seen ? BIN_REDUCED : 0) |
			     (smoothed ? BIN_SMOOTHED : 0));
	if (tb_buf_grow(b, n * (f32 ? 28 : 32) + 8) == 0) { /* else b->oom: a 503 */
		for (cur = 0; next_point(&sel, &cur, &i);)
			put_f64le(b, tb_series_wall(se, i));
		for (cur = 0; next_point(&sel, &cur, &i);)
			put_f64le(b, (double)tb_series_step(se, i));
		for (cur = 0; next_point(&sel, &cur, &i);) {
			tb_scalar v = tb_series_scalar(se, i);
			double d = v.type == TB_NUM_I64 || v.type == TB_NUM_BOOL ? (double)v.i : v.f;
			if (f32)
				put_f32le(b, (float)d);
			else
				put_f64le(b, d);
		}
		pad8(b);
		for (cur = 0; smoothed && next_point(&sel, &cur, &i);)
			put_f64le(b, sel.smooth[i - from]);
	}
	free(sel.pick);
	free(sel.smooth);
}

/* Write the selected points of se. JSON is a bare array; CSV rows follow
 * the header the caller wrote. Run read lock held. */
static void emit_points(tb_buf *b, const tb_series *se, size_t from, size_t to,
			const struct scalar_query *q)
{
	struct selection sel;
	select_points(&sel, se, from, to, q);
	if (!q->csv)
		tb_buf_putc(b, '[');
	size_t cur = 0, i, written = 0;
	while (next_point(&sel, &cur, &i)) {
		if (q->csv) {
			point_csv(b, se, i);
		} else {
			if (written++)
				tb_buf_puts(b, ", ");
			point_json(b, se, i);
		}
	}
	if (!q->csv)
		tb_buf_putc(b, ']');
	free(sel.pick);
	free(sel.smooth);
}

void tb_api_scalars(const tb_request *req, tb_response *resp)
{
	const char *run = tb_req_arg(req, "run"), *tag = tb_req_arg(req, "tag");
	if (!run || !tag) {
		char rt[256], rr[256];
		repr_arg(rt, sizeof rt, tag);
		repr_arg(rr, sizeof rr, run);
		tb_resp_error(resp, 400, "Both run and tag must be specified: tag=%s, run=%s", rt, rr);
		return;
	}
	struct scalar_query q;
	if (!parse_query(req, resp, &q))
		return;
	tb_store *s = &req->app->store;
	tb_store_rdlock(s);
	tb_run *r = tb_store_find_run(s, run);
	if (r)
		tb_run_rdlock(r);
	const tb_series *se = r ? tb_run_find(r, tag, strlen(tag)) : NULL;
	if (!se || !tb_series_visible(se, TB_KIND_SCALAR)) {
		if (r)
			tb_run_unlock(r);
		tb_store_unlock(s);
		tb_resp_error(resp, 404, "No scalar data for run='%s', tag='%s'", run, tag);
		return;
	}
	size_t from, to;
	tb_serve_range(req, se, "scalars", &from, &to);
	if (!q.csv && !q.has_buckets && !q.has_since &&
	    serve_cached(req, resp, (tb_series *)se, from, to)) {
		tb_run_unlock(r);
		tb_store_unlock(s);
		return;
	}
	tb_buf *b = &resp->body;
	if (q.csv) {
		resp->status = 200;
		resp->content_type = "text/csv; charset=utf-8";
		tb_buf_puts(b, "Wall time,Step,Value\r\n");
	} else {
		tb_resp_json(resp);
	}
	emit_points(b, se, from, to, &q);
	tb_run_unlock(r);
	tb_store_unlock(s);
}

void tb_api_scalars_multirun(const tb_request *req, tb_response *resp)
{
	if (strcmp(req->method, "POST")) {
		resp->status = 405;
		resp->allow = "POST";
		resp->content_type = "text/html; charset=utf-8";
		resp->html = true;
		tb_buf_puts(&resp->body, "<!doctype html>\n<title>405 Method Not Allowed</title>\n"
					 "<h1>Method Not Allowed</h1>\n"
					 "<p>The method is not allowed for the requested URL.</p>\n");
		return;
	}
	const char *tag = NULL;
	size_t tags = 0;
	for (size_t i = 0; i < req->n_form; i++)
		if (!strcmp(req->form[i].key, "tag")) {
			tag = req->form[i].value;
			tags++;
		}
	if (tags != 1) {
		tb_resp_error(resp, 400, "tag must be specified exactly once");
		return;
	}
	struct scalar_query q;
	if (!parse_query(req, resp, &q))
		return;
	q.csv = false;
	tb_store *s = &req->app->store;
	tb_buf *b = &resp->body;
	if (q.binary) {
		resp->status = 200;
		resp->content_type = "application/octet-stream";
		tb_buf_append(b, "TBS1\0\0\0\0", 8); /* the run count is set below */
	} else {
		tb_resp_json(resp);
		tb_buf_putc(b, '{');
	}
	size_t written = 0;
	tb_store_rdlock(s);
	for (size_t i = 0; i < req->n_form; i++) {
		if (strcmp(req->form[i].key, "runs"))
			continue;
		const char *run = req->form[i].value;
		bool dup = false;
		for (size_t j = 0; j < i; j++)
			dup |= !strcmp(req->form[j].key, "runs") && !strcmp(req->form[j].value, run);
		tb_run *r = dup ? NULL : tb_store_find_run(s, run);
		if (!r)
			continue;
		tb_run_rdlock(r);
		const tb_series *se = tb_run_find(r, tag, strlen(tag));
		if (se && tb_series_visible(se, TB_KIND_SCALAR)) {
			size_t from, to;
			tb_serve_range(req, se, "scalars", &from, &to);
			if (q.binary) {
				written++;
				run_binary(b, run, se, from, to, &q);
			} else {
				if (written++)
					tb_buf_puts(b, ", ");
				tb_json_cstr(b, run);
				tb_buf_puts(b, ": ");
				emit_points(b, se, from, to, &q);
			}
		}
		tb_run_unlock(r);
	}
	tb_store_unlock(s);
	if (!q.binary) {
		tb_buf_putc(b, '}');
	} else if (!b->oom) {
		for (int k = 0; k < 4; k++)
			b->data[4 + k] = (char)(written >> (8 * k));
	}
}
