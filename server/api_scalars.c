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
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cache.h"
#include "json.h"
#include "query.h"
#include "tblimits.h"
#include "writer.h"

static int tags_run(void *arg, const tb_run *r, const tb_series **tags, size_t n)
{
	tb_buf *b = arg;
	tb_write_sep(b);
	tb_json_cstr(b, r->name);
	tb_buf_puts(b, ": {");
	for (size_t k = 0; k < n; k++) {
		if (k)
			tb_buf_puts(b, ", ");
		tb_json_str(b, tags[k]->tag, tags[k]->tag_len);
		tb_buf_puts(b, ": {\"displayName\": ");
		tb_json_cstr(b, tags[k]->display_name);
		tb_buf_puts(b, ", \"description\": ");
		tb_write_description_json(b, tags[k]);
		tb_buf_putc(b, '}');
	}
	tb_buf_putc(b, '}');
	return 0;
}

/* {run: {tag: {displayName, description}}}, shared with histograms and
 * distributions. */
void tb_api_described_tags(tb_response *resp, tb_store *s, tb_kind kind)
{
	tb_buf *b = &resp->body;
	tb_resp_json(resp);
	tb_buf_putc(b, '{');
	if (tb_query_tags(s, kind, tags_run, b))
		b->oom = 1;
	tb_buf_putc(b, '}');
}

void tb_api_scalars_tags(const tb_request *req, tb_response *resp)
{
	tb_api_described_tags(resp, &req->app->store, TB_KIND_SCALAR);
}

/* Parse an optional integer argument; 0 if absent, -EINVAL if malformed. */
static int int_arg(const tb_request *req, const char *key, int64_t *out, bool *present)
{
	const char *v = tb_req_arg(req, key);
	*present = v != NULL;
	if (!v)
		return 0;
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	*out = x;
	return (*v && !*end && !errno) ? 0 : -EINVAL;
}

/* The whole series as JSON (gzip'ed when the client takes it), from the
 * per-version cache or built and cached now. */
static bool serve_cached(const tb_request *req, tb_response *resp, const tb_view *v)
{
	tb_series *se = (tb_series *)v->se;
	int slot = req->accept_gzip ? TB_CACHE_JSON_GZIP : TB_CACHE_JSON;
	tb_body *body = tb_cache_get(se, slot);
	if (!body) {
		tb_body *plain = tb_cache_get(se, TB_CACHE_JSON);
		if (!plain) {
			tb_buf b = TB_BUF_INIT;
			tb_points it;
			tb_points_open(&it, v, NULL);
			plain = tb_write_points_json(&b, &it) ? NULL :
								 tb_body_new(b.data, b.len, se->version);
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
	tb_resp_shared(resp, body);
	if (slot == TB_CACHE_JSON_GZIP)
		resp->content_encoding = "gzip";
	return true;
}

/* The optional arguments of scalars and scalars_multirun. */
struct scalar_query {
	tb_point_query pq;
	bool csv, binary;
};

/* Parse them; false (and a 400 in resp) when one is malformed. */
static bool parse_query(const tb_request *req, tb_response *resp, struct scalar_query *q)
{
	memset(q, 0, sizeof *q);
	int64_t nb = 0;
	bool has_buckets;
	tb_point_query *p = &q->pq;
	if (int_arg(req, "since_step", &p->since, &p->has_since) ||
	    int_arg(req, "buckets", &nb, &has_buckets) ||
	    int_arg(req, "min_step", &p->min_step, &p->has_min) ||
	    int_arg(req, "max_step", &p->max_step, &p->has_max)) {
		tb_resp_error(resp, 400, "since_step, buckets, min_step and max_step must be integers");
		return false;
	}
	if (has_buckets && (nb < 1 || nb > TB_MAX_BUCKETS)) {
		tb_resp_error(resp, 400, "buckets must be between 1 and %d", TB_MAX_BUCKETS);
		return false;
	}
	p->buckets = has_buckets ? (size_t)nb : 0;
	const char *format = tb_req_arg(req, "format");
	q->csv = format && !strcmp(format, "csv");
	q->binary = format && !strcmp(format, "binary");
	const char *w = tb_req_arg(req, "smoothing");
	if (w) {
		char *end;
		p->smoothing = strtod(w, &end);
		p->smooth = true;
		if (!*w || *end || !(p->smoothing >= 0 && p->smoothing <= 1)) {
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

void tb_api_scalars(const tb_request *req, tb_response *resp)
{
	const char *run = tb_req_arg(req, "run"), *tag = tb_req_arg(req, "tag");
	if (!run || !tag) {
		tb_buf msg = TB_BUF_INIT;
		tb_buf_puts(&msg, "Both run and tag must be specified: tag=");
		tb_write_py_repr(&msg, tag);
		tb_buf_puts(&msg, ", run=");
		tb_write_py_repr(&msg, run);
		tb_resp_error(resp, 400, "%s", msg.oom ? "" : msg.data);
		tb_buf_release(&msg);
		return;
	}
	struct scalar_query q;
	if (!parse_query(req, resp, &q))
		return;
	tb_view v;
	if (tb_view_open(&v, &req->app->store, run, tag, TB_KIND_SCALAR)) {
		tb_resp_error(resp, 404, "No scalar data for run='%s', tag='%s'", run, tag);
		return;
	}
	bool plain = !q.csv && !q.pq.buckets && !q.pq.has_since;
	if (!plain || !serve_cached(req, resp, &v)) {
		tb_points it;
		int rc = tb_points_open(&it, &v, &q.pq);
		if (q.csv) {
			resp->status = 200;
			resp->content_type = "text/csv; charset=utf-8";
			tb_buf_puts(&resp->body, "Wall time,Step,Value\r\n");
			rc = rc ? rc : tb_write_points_csv(&resp->body, &it);
		} else {
			tb_resp_json(resp);
			rc = rc ? rc : tb_write_points_json(&resp->body, &it);
		}
		tb_points_release(&it);
		if (rc)
			resp->body.oom = 1;
	}
	tb_view_release(&v);
}

struct multirun {
	tb_buf *b;
	const struct scalar_query *q;
	size_t written;
};

static int multirun_run(void *arg, const tb_view *v)
{
	struct multirun *m = arg;
	tb_points it;
	int rc = tb_points_open(&it, v, &m->q->pq);
	if (!rc && m->q->binary) {
		rc = tb_write_points_binary(m->b, v->run->name, &it);
	} else if (!rc) {
		if (m->written)
			tb_buf_puts(m->b, ", ");
		tb_json_cstr(m->b, v->run->name);
		tb_buf_puts(m->b, ": ");
		rc = tb_write_points_json(m->b, &it);
	}
	m->written++;
	tb_points_release(&it);
	return rc;
}

void tb_api_scalars_multirun(const tb_request *req, tb_response *resp)
{
	const char *tag = NULL;
	size_t tags = 0, nruns = 0;
	for (size_t i = 0; i < req->n_form; i++) {
		if (!strcmp(req->form[i].key, "tag")) {
			tag = req->form[i].value;
			tags++;
		}
		nruns += !strcmp(req->form[i].key, "runs");
	}
	if (tags != 1) {
		tb_resp_error(resp, 400, "tag must be specified exactly once");
		return;
	}
	struct scalar_query q;
	if (!parse_query(req, resp, &q))
		return;
	const char **runs = malloc((nruns ? nruns : 1) * sizeof *runs);
	if (!runs) {
		resp->body.oom = 1;
		return;
	}
	nruns = 0;
	for (size_t i = 0; i < req->n_form; i++)
		if (!strcmp(req->form[i].key, "runs"))
			runs[nruns++] = req->form[i].value;
	tb_buf *b = &resp->body;
	if (q.binary) {
		resp->status = 200;
		resp->content_type = "application/octet-stream";
		tb_write_binary_begin(b);
	} else {
		tb_resp_json(resp);
		tb_buf_putc(b, '{');
	}
	struct multirun m = { b, &q, 0 };
	int rc = tb_query_runs(&req->app->store, runs, nruns, tag, TB_KIND_SCALAR, multirun_run, &m);
	free(runs);
	if (!rc && q.binary)
		rc = tb_write_binary_end(b, m.written);
	else if (!q.binary)
		tb_buf_putc(b, '}');
	if (rc)
		b->oom = 1;
}
