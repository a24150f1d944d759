/*
 * test_real.c - tbserve's reader against every real event file in
 * tests/data/real, checked two independent ways:
 *
 *  1. SUMMARY.json (an independent decoder's raw view): for each file, read
 *     alone with purging off, every tag has the same kind, plugin, number of
 *     points and step range, and no other series exists except the graph and
 *     run-metadata series implied by the file's events.
 *  2. golden-real/ (the real TensorBoard's HTTP answers, --load_fast=false,
 *     keep everything): with the Python purge rule, the run order, the scalar
 *     and histogram tag sets, every scalar point (wall time, step, value bit
 *     for bit) and TensorBoard's sampled histogram points (found in order
 *     among ours, buckets bit for bit).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include "testutil.h"

static cJSON *load_json(const char *rel)
{
	char *text = tu_read_file(tu_path(rel), NULL);
	assert_non_null(text);
	cJSON *j = cJSON_Parse(text);
	free(text);
	assert_non_null(j);
	return j;
}

static const char *kind_of_summary(const char *kind)
{
	if (!strcmp(kind, "scalar")) return "scalar";
	if (!strcmp(kind, "histogram")) return "histogram";
	if (!strcmp(kind, "text")) return "text";
	return "blob";
}

static const char *kind_name(tb_kind k)
{
	return k == TB_KIND_SCALAR ? "scalar" : k == TB_KIND_HISTOGRAM ? "histogram" :
	       k == TB_KIND_TEXT ? "text" : "blob";
}

/* The plugin a legacy value implies when SUMMARY says it had none. */
static const char *plugin_of_summary(const cJSON *t)
{
	const cJSON *p = cJSON_GetObjectItem(t, "plugin");
	if (cJSON_IsString(p))
		return p->valuestring;
	const char *kind = cJSON_GetObjectItem(t, "kind")->valuestring;
	if (!strcmp(kind, "scalar")) return "scalars";
	if (!strcmp(kind, "histogram")) return "histograms";
	if (!strcmp(kind, "image")) return "images";
	if (!strcmp(kind, "audio")) return "audio";
	return "";
}

static void check_file(const cJSON *f)
{
	const char *rel = cJSON_GetObjectItem(f, "path")->valuestring;
	char path[4096];
	snprintf(path, sizeof path, "real/%s", rel);

	tb_store s;
	tu_store_init(&s, TB_PURGE_NONE);
	tb_loader l;
	assert_int_equal(tb_loader_init(&l, &s, ".", NULL), 0);
	assert_int_equal(tb_loader_add_file(&l, "r", tu_path(path)), 0);
	assert_int_equal(tb_loader_read(&l), 0);
	tb_run *r = tb_store_find_run(&s, "r");
	assert_non_null(r);

	/* every complete record read, no file error */
	const tb_file *file = l.runs[0]->files[0];
	if (file->error || (double)file->records != cJSON_GetObjectItem(f, "records")->valuedouble)
		fail_msg("%s: read %llu records (error %d), SUMMARY says %g", rel,
			 (unsigned long long)file->records, file->error,
			 cJSON_GetObjectItem(f, "records")->valuedouble);

	size_t expected_series = 0;
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(f, "tags")) {
		const char *tag = cJSON_GetObjectItem(t, "tag")->valuestring;
		tb_series *se = tb_run_find(r, tag, strlen(tag));
		if (!se)
			fail_msg("%s: tag '%s' missing", rel, tag);
		expected_series++;
		const char *want_kind = kind_of_summary(cJSON_GetObjectItem(t, "kind")->valuestring);
		if (strcmp(want_kind, kind_name(se->kind)))
			fail_msg("%s: tag '%s' kind %s, want %s", rel, tag, kind_name(se->kind), want_kind);
		if (strcmp(plugin_of_summary(t), se->plugin))
			fail_msg("%s: tag '%s' plugin '%s', want '%s'", rel, tag, se->plugin,
				 plugin_of_summary(t));
		double points = cJSON_GetObjectItem(t, "points")->valuedouble;
		if ((double)se->n != points)
			fail_msg("%s: tag '%s' has %zu points, want %g", rel, tag, se->n, points);
		int64_t lo = INT64_MAX, hi = INT64_MIN;
		for (size_t i = 0; i < se->n; i++) {
			int64_t st = tb_series_step(se, i);
			lo = st < lo ? st : lo;
			hi = st > hi ? st : hi;
		}
		if (se->n && ((double)lo != cJSON_GetObjectItem(t, "step_min")->valuedouble ||
			      (double)hi != cJSON_GetObjectItem(t, "step_max")->valuedouble))
			fail_msg("%s: tag '%s' steps %lld..%lld, want %g..%g", rel, tag, (long long)lo,
				 (long long)hi, cJSON_GetObjectItem(t, "step_min")->valuedouble,
				 cJSON_GetObjectItem(t, "step_max")->valuedouble);
		assert_int_equal(se->dropped, 0);
	}
	/* graph_def events and tagged run metadata are series of their own */
	const cJSON *kinds = cJSON_GetObjectItem(f, "event_kinds");
	if (cJSON_GetObjectItem(kinds, "graph_def")) {
		tb_series *g = tb_run_find(r, "__run_graph__", 13);
		assert_non_null(g);
		assert_string_equal(g->plugin, "graphs");
		expected_series++;
	}
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(f, "tagged_run_metadata_tags")) {
		tb_series *g = tb_run_find(r, t->valuestring, strlen(t->valuestring));
		assert_non_null(g);
		assert_string_equal(g->plugin, "graph_tagged_run_metadata");
		expected_series++;
	}
	if (r->n_series != expected_series)
		fail_msg("%s: %zu series, want %zu", rel, r->n_series, expected_series);
	tb_loader_release(&l);
	tb_store_release(&s);
}

static void test_summary(void **state)
{
	(void)state;
	cJSON *sum = load_json("real/SUMMARY.json");
	const cJSON *f;
	int n = 0;
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(sum, "files")) {
		check_file(f);
		n++;
	}
	assert_int_equal(n, 73);
	cJSON_Delete(sum);
}

/* ---- golden-real ---------------------------------------------------------- */

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Value of query parameter key in path (form-decoded), or 0 if absent. */
static int query_param(const char *path, const char *key, char *out, size_t outlen)
{
	const char *q = strchr(path, '?');
	size_t klen = strlen(key);
	while (q && *q) {
		q++;
		const char *amp = strchr(q, '&');
		size_t len = amp ? (size_t)(amp - q) : strlen(q);
		if (len > klen && !strncmp(q, key, klen) && q[klen] == '=') {
			size_t j = 0;
			for (size_t i = klen + 1; i < len && j + 1 < outlen; i++) {
				if (q[i] == '%' && i + 2 < len + 1 && hexval(q[i + 1]) >= 0 && hexval(q[i + 2]) >= 0) {
					out[j++] = (char)(hexval(q[i + 1]) * 16 + hexval(q[i + 2]));
					i += 2;
				} else {
					out[j++] = q[i] == '+' ? ' ' : q[i];
				}
			}
			out[j] = '\0';
			return 1;
		}
		q = amp;
	}
	return 0;
}

static double json_number(const cJSON *v)
{
	if (cJSON_IsString(v)) {
		if (!strcmp(v->valuestring, "NaN")) return NAN;
		if (!strcmp(v->valuestring, "Infinity")) return INFINITY;
		if (!strcmp(v->valuestring, "-Infinity")) return -INFINITY;
		fail_msg("unexpected string %s", v->valuestring);
	}
	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

static int same_double(double a, double b)
{
	return !memcmp(&a, &b, sizeof a) || (isnan(a) && isnan(b));
}

static double scalar_double(tb_scalar v)
{
	return v.type == TB_NUM_F32 || v.type == TB_NUM_F64 ? v.f : (double)v.i;
}

static void check_scalars(tb_store *s, const char *path, const cJSON *body)
{
	char run[1024], tag[1024];
	assert_true(query_param(path, "run", run, sizeof run));
	assert_true(query_param(path, "tag", tag, sizeof tag));
	tb_run *r = tb_store_find_run(s, run);
	if (!r)
		fail_msg("%s: no run", path);
	tb_series *se = tb_run_find(r, tag, strlen(tag));
	if (!se || se->kind != TB_KIND_SCALAR)
		fail_msg("%s: no scalar series", path);
	if ((size_t)cJSON_GetArraySize(body) != se->n)
		fail_msg("%s: %zu points, TensorBoard has %d", path, se->n, cJSON_GetArraySize(body));
	size_t i = 0;
	const cJSON *p;
	cJSON_ArrayForEach(p, body) {
		double w = json_number(cJSON_GetArrayItem(p, 0));
		double st = json_number(cJSON_GetArrayItem(p, 1));
		double v = json_number(cJSON_GetArrayItem(p, 2));
		if (!same_double(w, tb_series_wall(se, i)) || st != (double)tb_series_step(se, i) ||
		    !same_double(v, scalar_double(tb_series_scalar(se, i))))
			fail_msg("%s: point %zu differs: TensorBoard [%.17g, %.17g, %.17g], "
				 "tbserve [%.17g, %lld, %.17g]", path, i, w, st, v,
				 tb_series_wall(se, i), (long long)tb_series_step(se, i),
				 scalar_double(tb_series_scalar(se, i)));
		i++;
	}
}

static int hist_point_equal(const tb_series *se, size_t i, const cJSON *p)
{
	if (!same_double(json_number(cJSON_GetArrayItem(p, 0)), tb_series_wall(se, i)) ||
	    json_number(cJSON_GetArrayItem(p, 1)) != (double)tb_series_step(se, i))
		return 0;
	const tb_hist *h = tb_series_hist(se, i);
	const cJSON *b = cJSON_GetArrayItem(p, 2);
	if ((size_t)cJSON_GetArraySize(b) != h->n)
		return 0;
	size_t k = 0;
	const cJSON *row;
	cJSON_ArrayForEach(row, b) {
		for (int c = 0; c < 3; c++)
			if (!same_double(json_number(cJSON_GetArrayItem(row, c)), h->b[3 * k + c]))
				return 0;
		k++;
	}
	return 1;
}

static void check_histograms(tb_store *s, const char *path, const cJSON *body)
{
	char run[1024], tag[1024];
	assert_true(query_param(path, "run", run, sizeof run));
	assert_true(query_param(path, "tag", tag, sizeof tag));
	tb_run *r = tb_store_find_run(s, run);
	assert_non_null(r);
	tb_series *se = tb_run_find(r, tag, strlen(tag));
	if (!se || se->kind != TB_KIND_HISTOGRAM)
		fail_msg("%s: no histogram series", path);
	/* TensorBoard's points are a random ordered subset of ours */
	size_t i = 0;
	const cJSON *p;
	cJSON_ArrayForEach(p, body) {
		while (i < se->n && !hist_point_equal(se, i, p))
			i++;
		if (i == se->n)
			fail_msg("%s: TensorBoard point at step %g not found in order", path,
				 json_number(cJSON_GetArrayItem(p, 1)));
		i++;
	}
	/* and TensorBoard keeps the newest point */
	assert_true(hist_point_equal(se, se->n - 1,
				     cJSON_GetArrayItem(body, cJSON_GetArraySize(body) - 1)));
}

/* {run: {tag: {...}}} lists exactly our series of that kind. */
static void check_tags(tb_store *s, const cJSON *body, tb_kind kind)
{
	size_t runs_with = 0;
	for (size_t i = 0; i < s->n_runs; i++) {
		tb_run *r = s->runs[i];
		size_t n = 0;
		for (size_t k = 0; k < r->n_series; k++)
			n += r->series[k]->kind == kind;
		if (!n)
			continue;
		runs_with++;
		const cJSON *tags = cJSON_GetObjectItem(body, r->name);
		if (!tags)
			fail_msg("run %s missing from TensorBoard's tags", r->name);
		assert_int_equal((size_t)cJSON_GetArraySize(tags), n);
		const cJSON *t;
		cJSON_ArrayForEach(t, tags) {
			tb_series *se = tb_run_find(r, t->string, strlen(t->string));
			if (!se || se->kind != kind)
				fail_msg("run %s tag %s: not ours", r->name, t->string);
			assert_string_equal(cJSON_GetObjectItem(t, "displayName")->valuestring,
					    se->display_name);
		}
	}
	assert_int_equal((size_t)cJSON_GetArraySize(body), runs_with);
}

static void test_golden_real(void **state)
{
	(void)state;
	tb_store s;
	tu_store_init(&s, TB_PURGE_SESSION);
	tb_loader l;
	assert_int_equal(tb_loader_init(&l, &s, tu_path("real"), NULL), 0);
	l.threads = 2;
	assert_int_equal(tb_loader_scan(&l), 0);
	assert_int_equal(tb_loader_read(&l), 0);

	cJSON *index = load_json("golden-real/index.json");
	const cJSON *e;
	int scalars = 0, hists = 0;
	cJSON_ArrayForEach(e, index) {
		const char *path = cJSON_GetObjectItem(e, "path")->valuestring;
		char rel[512];
		snprintf(rel, sizeof rel, "golden-real/%s", cJSON_GetObjectItem(e, "file")->valuestring);
		if (!strncmp(path, "/data/runs", 10)) {
			cJSON *body = load_json(rel);
			tb_run *sorted[256];
			assert_true(s.n_runs <= 256);
			tb_store_sorted_runs(&s, sorted);
			assert_int_equal((size_t)cJSON_GetArraySize(body), s.n_runs);
			for (size_t i = 0; i < s.n_runs; i++)
				assert_string_equal(cJSON_GetArrayItem(body, (int)i)->valuestring,
						    sorted[i]->name);
			cJSON_Delete(body);
		} else if (!strncmp(path, "/data/plugin/scalars/scalars?", 29)) {
			cJSON *body = load_json(rel);
			check_scalars(&s, path, body);
			cJSON_Delete(body);
			scalars++;
		} else if (!strncmp(path, "/data/plugin/histograms/histograms?", 35)) {
			cJSON *body = load_json(rel);
			check_histograms(&s, path, body);
			cJSON_Delete(body);
			hists++;
		} else if (!strcmp(path, "/data/plugin/scalars/tags")) {
			cJSON *body = load_json(rel);
			check_tags(&s, body, TB_KIND_SCALAR);
			cJSON_Delete(body);
		} else if (!strcmp(path, "/data/plugin/histograms/tags")) {
			cJSON *body = load_json(rel);
			check_tags(&s, body, TB_KIND_HISTOGRAM);
			cJSON_Delete(body);
		}
	}
	assert_int_equal(scalars, 248);
	assert_int_equal(hists, 111);
	cJSON_Delete(index);
	tb_loader_release(&l);
	tb_store_release(&s);
}

int main(void)
{
	tb_log_level = TB_LOG_ERROR;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_golden_real),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
