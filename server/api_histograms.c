/*
 * api_histograms.c - the histograms and distributions plugins (reference
 * §2.3, §2.4, §4.5). Both read the same histogram series:
 *
 *   {histograms,distributions}/tags   {run: {tag: {displayName, description}}}
 *   histograms/histograms?run&tag     [[wall, step, [[left, right, count], ...]], ...]
 *   distributions/distributions?run&tag
 *                                     [[wall, step, [[bp, value] x 9]], ...]
 *
 * Unlike TensorBoard, which answers a random 51 (501) points, every stored
 * point is sent, or the newest N when --samples_per_plugin caps
 * "histograms". Missing run or tag is a 400 (TensorBoard crashes with 500).
 *
 * Invariant: distributions are TensorBoard's compress_histogram() computed
 * in the same floating-point order (numpy's summation included), so the
 * values match its answers bit for bit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "json.h"
#include "query.h"
#include "writer.h"

/* Basis points (1/100 of a percent) of the 9 distribution lines: min,
 * ±1.5σ, ±1σ, ±0.5σ of a normal distribution, median, max. */
static const int dist_bps[9] = { 0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000 };

/* ---- compress_histogram ---------------------------------------------------- */

/* numpy's pairwise summation of n doubles spaced stride apart (np.sum). */
static double np_pairwise_sum(const double *a, size_t n, size_t stride)
{
	if (n < 8) {
		double res = 0.;
		for (size_t i = 0; i < n; i++)
			res += a[i * stride];
		return res;
	}
	if (n <= 128) {
		double r[8];
		size_t i;
		for (int k = 0; k < 8; k++)
			r[k] = a[(size_t)k * stride];
		for (i = 8; i < n - n % 8; i += 8)
			for (int k = 0; k < 8; k++)
				r[k] += a[(i + (size_t)k) * stride];
		double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
		for (; i < n; i++)
			res += a[i * stride];
		return res;
	}
	size_t n2 = n / 2;
	n2 -= n2 % 8;
	return np_pairwise_sum(a, n2, stride) + np_pairwise_sum(a + n2 * stride, n - n2, stride);
}

/* np.sum over a strided column: numpy's iterator hands the reduction loop
 * at most one buffer (8192 elements) at a time, starting from 0.0. */
static double np_sum(const double *a, size_t n, size_t stride)
{
	double res = 0.;
	for (size_t i = 0; i < n; i += 8192)
		res += np_pairwise_sum(a + i * stride, n - i < 8192 ? n - i : 8192, stride);
	return res;
}

/* np.searchsorted(w, key, side="right") with numpy's NaN-last ordering;
 * w need not be sorted (negative counts), the probe sequence is numpy's. */
static size_t np_searchsorted_right(const double *w, size_t n, double key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + ((hi - lo) >> 1);
		bool key_less = key < w[mid] || (w[mid] != w[mid] && key == key);
		if (!key_less)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The 9 values of one histogram. w: scratch for h->n cumulative weights. */
static void compress_histogram(const tb_hist *h, double *w, double out[9])
{
	size_t n = h->n;
	if (n == 0) {
		for (int j = 0; j < 9; j++)
			out[j] = 0.0;
		return;
	}
	const double *b = h->b;
	double minmin = b[0], maxmax = b[3 * (n - 1) + 1];
	double total = np_sum(b + 2, n, 3);
	if (total == 0.0)
		total = 1.0;     /* "counts.sum() or 1.0" */
	for (size_t i = 0; i < n; i++) {
		double x = b[3 * i + 2] * 10000.0 / total;
		w[i] = i ? w[i - 1] + x : x;
	}
	int j = 0;
	while (j < 9) {
		size_t i = np_searchsorted_right(w, n, (double)dist_bps[j]);
		for (; i < n; i++) {
			double cum = w[i], prev = i ? w[i - 1] : 0.0;
			if (cum == prev)
				continue;        /* empty bucket: no slope to follow */
			double lhs, rhs, r = b[3 * i + 1];
			if (i == 0 || prev == 0.0) {
				lhs = minmin;
			} else {
				double rp = b[3 * (i - 1) + 1];
				lhs = minmin > rp ? minmin : rp;    /* Python max(rp, minmin) */
			}
			rhs = maxmax < r ? maxmax : r;          /* Python min(r, maxmax) */
			double x = (double)dist_bps[j];
			out[j] = lhs + (x - prev) * (rhs - lhs) / (cum - prev);
			j++;
			break;
		}
		if (i >= n)
			break;
	}
	for (; j < 9; j++)
		out[j] = maxmax;
}

/* ---- handlers --------------------------------------------------------------- */

void tb_api_histograms_tags(const tb_request *req, tb_response *resp)
{
	tb_api_described_tags(resp, &req->app->store, TB_KIND_HISTOGRAM);
}

void tb_api_distributions_tags(const tb_request *req, tb_response *resp)
{
	tb_api_described_tags(resp, &req->app->store, TB_KIND_HISTOGRAM);
}

/* The view for ?run&tag, or false with the error response written. */
static bool open_view(const tb_request *req, tb_response *resp, tb_view *v)
{
	const char *run = tb_req_arg(req, "run"), *tag = tb_req_arg(req, "tag");
	if (!run || !tag) {
		tb_resp_error(resp, 400, "Missing %s",
			      !run && !tag ? "'run' and 'tag' parameters" :
			      !run ? "'run' parameter" : "'tag' parameter");
		return false;
	}
	if (tb_view_open(v, &req->app->store, run, tag, TB_KIND_HISTOGRAM) == 0)
		return true;
	tb_buf msg = TB_BUF_INIT;
	tb_buf_puts(&msg, "No histogram tag ");
	tb_write_py_repr(&msg, tag);
	tb_buf_puts(&msg, " for run ");
	tb_write_py_repr(&msg, run);
	if (msg.oom)
		tb_resp_oom(resp);
	else
		tb_resp_error(resp, 404, "%s", msg.data);
	tb_buf_release(&msg);
	return false;
}

/* "[wall, step, " of point i. */
static void point_head(tb_buf *b, const tb_series *se, size_t i)
{
	tb_buf_putc(b, '[');
	tb_json_double(b, tb_series_wall(se, i));
	tb_buf_puts(b, ", ");
	tb_json_int(b, tb_series_step(se, i));
	tb_buf_puts(b, ", ");
}

void tb_api_histograms(const tb_request *req, tb_response *resp)
{
	tb_view v;
	if (!open_view(req, resp, &v))
		return;
	tb_buf *b = &resp->body;
	tb_resp_json(resp);
	tb_buf_putc(b, '[');
	for (size_t i = v.first; i < v.end; i++) {
		if (i > v.first)
			tb_buf_puts(b, ", ");
		point_head(b, v.se, i);
		tb_write_buckets_json(b, tb_series_hist(v.se, i), false);
		tb_buf_putc(b, ']');
	}
	tb_buf_putc(b, ']');
	tb_view_release(&v);
}

void tb_api_distributions(const tb_request *req, tb_response *resp)
{
	tb_view v;
	if (!open_view(req, resp, &v))
		return;
	size_t most = 0;
	for (size_t i = v.first; i < v.end; i++)
		if (tb_series_hist(v.se, i)->n > most)
			most = tb_series_hist(v.se, i)->n;
	double *w = malloc((most ? most : 1) * sizeof *w);
	if (!w) {
		tb_view_release(&v);
		tb_resp_oom(resp);
		return;
	}
	tb_buf *b = &resp->body;
	tb_resp_json(resp);
	tb_buf_putc(b, '[');
	for (size_t i = v.first; i < v.end; i++) {
		double d[9];
		compress_histogram(tb_series_hist(v.se, i), w, d);
		if (i > v.first)
			tb_buf_puts(b, ", ");
		point_head(b, v.se, i);
		tb_buf_putc(b, '[');
		for (int j = 0; j < 9; j++) {
			tb_buf_puts(b, j ? ", [" : "[");
			tb_json_int(b, dist_bps[j]);
			tb_buf_puts(b, ", ");
			tb_json_double(b, d[j]);
			tb_buf_putc(b, ']');
		}
		tb_buf_puts(b, "]]");
	}
	tb_buf_putc(b, ']');
	tb_view_release(&v);
	free(w);
}
