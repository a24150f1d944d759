/*
 * api_prcurves.c - the pr_curves plugin (TensorBoard's pr_curves_plugin.py).
 *
 *   tags                     {run: {tag: {displayName, description}}}
 *   pr_curves?run=R[&run=R2...]&tag=T
 *        {run: [{wall_time, step, precision, recall, true_positives,
 *                false_positives, true_negatives, false_negatives,
 *                thresholds}, ...]}   (every step, in the order stored)
 *
 * Each point is a [6, N] tensor: rows TP, FP, TN, FN, precision, recall
 * (pr_curve/metadata.py). As TensorBoard, the columns after the last one
 * with TP + FP > 0 are cut, counts are truncated to integers, thresholds
 * are numpy's linspace(0, 1, N), and a run without the tag fails the whole
 * request with 400. TensorBoard answers a missing run or tag with a 500
 * (it passes the status as the content type); tbserve answers 400 with
 * TensorBoard's intended text. TensorBoard serves at most 100 curves per
 * tag unless --samples_per_plugin says otherwise; tbserve serves all.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "arena.h"
#include "event.h"
#include "json.h"
#include "query.h"
#include "tblimits.h"
#include "writer.h"

enum { TP, FP, TN, FN, PRECISION, RECALL, PR_ROWS };

void tb_api_pr_curves_tags(const tb_request *req, tb_response *resp)
{
	tb_api_described_tags(resp, &req->app->store, TB_KIND_PR_CURVE);
}

/* Python's int(v) of a float, as JSON: -EDOM for NaN, -ERANGE for inf
 * (int() raises ValueError and OverflowError). */
static int put_count(tb_buf *b, double v)
{
	if (isnan(v))
		return -EDOM;
	if (isinf(v))
		return -ERANGE;
	v = trunc(v);
	char s[400];
	snprintf(s, sizeof s, "%.0f", v == 0 ? 0.0 : v);   /* exact: v is integral */
	tb_buf_puts(b, s);
	return 0;
}

/* numpy.astype(int) of TP + FP, enough to find the trailing zeros. */
static bool positive(const double *row_tp, const double *row_fp, size_t j)
{
	double tp = isfinite(row_tp[j]) ? trunc(row_tp[j]) : 1, fp = isfinite(row_fp[j]) ? trunc(row_fp[j]) : 1;
	return tp + fp != 0;
}

static void put_floats(tb_buf *b, const double *row, size_t end)
{
	tb_buf_putc(b, '[');
	for (size_t j = 0; j < end; j++) {
		if (j)
			tb_buf_puts(b, ", ");
		tb_json_double(b, row[j]);
	}
	tb_buf_putc(b, ']');
}

static int put_counts(tb_buf *b, const double *row, size_t n, size_t end)
{
	/* every column converts (int() runs over the whole row), then the cut */
	for (size_t j = 0; j < n; j++)
		if (isnan(row[j]) || isinf(row[j]))
			return isnan(row[j]) ? -EDOM : -ERANGE;
	tb_buf_putc(b, '[');
	for (size_t j = 0; j < end; j++) {
		if (j)
			tb_buf_puts(b, ", ");
		put_count(b, row[j]);
	}
	tb_buf_putc(b, ']');
	return 0;
}

/* One point as TensorBoard's _make_pr_entry. 0; -EINVAL: not a [6, N]
 * numeric tensor; -EDOM/-ERANGE: a count is NaN/inf; -ENOMEM; a
 * tb_view_blob error. */
static int put_entry(tb_buf *b, tb_arena *a, const tb_view *v, size_t i)
{
	tb_blob_type type;
	unsigned char *data;
	size_t len;
	int rc = tb_view_blob(v, i, &type, &data, &len);
	if (rc)
		return rc;
	tb_num_tensor t;
	rc = type == TB_BLOB_TENSOR ? tb_tensor_decode_numbers(a, data, len, &t) : -EINVAL;
	free(data);
	if (rc)
		return rc;
	if (t.rank != 2 || t.dims[0] != PR_ROWS || t.dims[1] < 1 ||
	    (uint64_t)t.dims[1] > TB_MAX_PR_THRESHOLDS)
		return -EINVAL;
	size_t n = (size_t)t.dims[1];
	const double *row[PR_ROWS];
	for (int r = 0; r < PR_ROWS; r++)
		row[r] = t.v + (size_t)r * n;
	size_t end = n;
	while (end > 1 && !positive(row[TP], row[FP], end - 1))
		end--;
	tb_buf_puts(b, "{\"wall_time\": ");
	tb_json_double(b, tb_series_wall(v->se, i));
	tb_buf_puts(b, ", \"step\": ");
	tb_json_int(b, tb_series_step(v->se, i));
	tb_buf_puts(b, ", \"precision\": ");
	put_floats(b, row[PRECISION], end);
	tb_buf_puts(b, ", \"recall\": ");
	put_floats(b, row[RECALL], end);
	static const char *const names[] = { "true_positives", "false_positives",
					     "true_negatives", "false_negatives" };
	for (int r = TP; r <= FN; r++) {
		tb_buf_puts(b, ", \"");
		tb_buf_puts(b, names[r]);
		tb_buf_puts(b, "\": ");
		if ((rc = put_counts(b, row[r], n, end)))
			return rc;
	}
	/* numpy.linspace(0.0, 1.0, n): i * (1 / (n - 1)), the last exactly 1 */
	tb_buf_puts(b, ", \"thresholds\": [");
	double step = n > 1 ? 1.0 / (double)(n - 1) : 0;
	for (size_t j = 0; j < end; j++) {
		if (j)
			tb_buf_puts(b, ", ");
		tb_json_double(b, n > 1 && j == n - 1 ? 1.0 : (double)j * step + 0.0);
	}
	tb_buf_puts(b, "]}");
	return b->oom ? -ENOMEM : 0;
}

static int put_run(tb_buf *b, const tb_view *v)
{
	tb_arena a;
	int rc = 0;
	tb_arena_init(&a);
	tb_buf_putc(b, '[');
	for (size_t i = v->first; i < v->end && !rc; i++) {
		if (i > v->first)
			tb_buf_puts(b, ", ");
		rc = put_entry(b, &a, v, i);
		tb_arena_reset(&a);
	}
	tb_buf_putc(b, ']');
	tb_arena_release(&a);
	return rc;
}

/* TensorBoard's text, without tb_resp_error's "Invalid argument: ". */
static void bad_request(tb_response *resp, const char *run, const char *tag)
{
	tb_buf *b = &resp->body;
	resp->status = 400;
	resp->content_type = "text/plain; charset=utf-8";
	tb_buf_reset(b);
	tb_buf_puts(b, "No PR curves could be found for run ");
	tb_write_py_repr(b, run);
	tb_buf_puts(b, " and tag ");
	tb_write_py_repr(b, tag);
}

void tb_api_pr_curves(const tb_request *req, tb_response *resp)
{
	const char *tag = tb_req_arg(req, "tag");
	if (!tb_req_arg(req, "run")) {
		tb_resp_error(resp, 400, "No runs provided when fetching PR curve data");
		return;
	}
	if (!tag || !*tag) {
		tb_resp_error(resp, 400, "No tag provided when fetching PR curve data");
		return;
	}
	tb_buf *b = &resp->body;
	tb_resp_json(resp);
	tb_buf_putc(b, '{');
	size_t members = 0;
	for (size_t k = 0; k < req->n_query; k++) {
		const char *run = req->query[k].value;
		if (strcmp(req->query[k].key, "run"))
			continue;
		bool seen = false;     /* a repeated run is one member (a dict) */
		for (size_t j = 0; j < k && !seen; j++)
			seen = !strcmp(req->query[j].key, "run") && !strcmp(req->query[j].value, run);
		tb_view v;
		if (tb_view_open(&v, &req->app->store, run, tag, TB_KIND_PR_CURVE)) {
			bad_request(resp, run, tag);
			return;
		}
		if (seen) {
			tb_view_release(&v);
			continue;
		}
		if (members++)
			tb_buf_puts(b, ", ");
		tb_json_cstr(b, run);
		tb_buf_puts(b, ": ");
		int rc = put_run(b, &v);
		tb_view_release(&v);
		if (rc == -ENOMEM) {
			tb_resp_oom(resp);
			return;
		} else if (rc == -EDOM) {
			tb_resp_error(resp, 400, "cannot convert float NaN to integer");
			return;
		} else if (rc == -ERANGE) {
			tb_resp_error(resp, 500, "cannot convert float infinity to integer");
			return;
		} else if (rc == -ENOENT) {
			tb_resp_error(resp, 404, "the event file holding a PR curve of run '%s', tag '%s' "
				      "is gone or was rewritten", run, tag);
			return;
		} else if (rc) {
			tb_resp_error(resp, 500, "PR curve of run '%s', tag '%s' is not a [6, N] "
				      "numeric tensor (or could not be read back)", run, tag);
			return;
		}
	}
	tb_buf_putc(b, '}');
}
