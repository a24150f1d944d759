/*
 * test_wandb.c - W&B runs (server/wandb.c, wandb_log.c, wandb_console.c,
 * api_wandb.c) against the real fixtures and hostile files.
 *
 *  1. Real files: tests/data/wandb is loaded as a logdir. For every file of
 *     SUMMARY.json (an independent Python reader's findings): the record
 *     count; every history key served by /data/plugin/scalars/scalars (count,
 *     first and last value, exact) or, for media values, listed as a series
 *     with as many points; every system-metric key under system/ with its
 *     sample count; config and summary keys; console record counts per
 *     kind and stream; run id, project, tags, exit code, SDK version; how
 *     the file ends (pending bytes). /data/runs_info lists every run.
 *  2. Growth: the _snapshots/ states of a live run, written into one file
 *     that grows through them, and real files written in small steps (cut
 *     headers, cut payloads, FIRST chunks completed later) give the same
 *     series as reading the finished file.
 *  3. Damage and bounds: CRC mismatch, chunk longer than its block, an
 *     endless chunk chain, JSON nested 10,000 deep, a row of 100,000 keys,
 *     a file that is not a W&B log: complete records kept, damage counted.
 *  4. The console terminal: '\r', ANSI escapes, erase-line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "cache.h"
#include "app.h"
#include "export.h"
#include "flags.h"
#include "inspect.h"
#include "log.h"
#include "tblimits.h"
#include "testutil.h"
#include "wandb.h"
#include "wandb_console.h"
#include "wandb_writer.h"

/* ---- helpers ------------------------------------------------------------------ */

struct fixture {
	tb_flags flags;
	tb_app app;
};

static struct fixture *fixture_new(const char *logdir, const char *extra)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	char a0[] = "tbserve", a1[] = "--logdir", a2[4096], a3[256];
	snprintf(a2, sizeof a2, "%s", logdir);
	snprintf(a3, sizeof a3, "%s", extra ? extra : "--load_fast=true");
	char *argv[] = { a0, a1, a2, a3, NULL };
	char err[512];
	assert_int_equal(tb_flags_parse(&fx->flags, 4, argv, err, sizeof err), 0);
	assert_int_equal(tb_app_init(&fx->app, &fx->flags, err, sizeof err), 0);
	assert_int_equal(tb_app_load(&fx->app), 0);
	return fx;
}

static void fixture_free(struct fixture *fx)
{
	tb_app_release(&fx->app);
	tb_flags_release(&fx->flags);
	free(fx);
}

/* GET path?run=..&tag=.. through the route table. */
static void get(tb_app *app, tb_response *resp, const char *path, const char *run,
		const char *tag)
{
	tb_param q[2] = { { (char *)"run", (char *)run, run ? strlen(run) : 0 },
			  { (char *)"tag", (char *)tag, tag ? strlen(tag) : 0 } };
	tb_request req;
	memset(&req, 0, sizeof req);
	req.app = app;
	req.method = "GET";
	req.path = path;
	req.query = q;
	req.n_query = run ? (tag ? 2 : 1) : 0;
	tb_response_init(resp);
	tb_api_handle(&req, resp);
	if (resp->src == TB_BODY_SHARED) /* a cached body (cache.h): copied for the checks */
		tb_buf_append(&resp->body, resp->u.shared->data, resp->u.shared->len);
	tb_buf_putc(&resp->body, '\0');
	resp->body.len--;
}

/* A JSON number token as the test reads it (Python's NaN/Infinity too,
 * booleans as 0/1). */
static double num_of(const char *s, size_t n)
{
	char t[80];
	if (n >= sizeof t)
		n = sizeof t - 1;
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') { /* tbserve's JSON quotes NaN, Infinity */
		s++;
		n -= 2;
	}
	memcpy(t, s, n);
	t[n] = '\0';
	if (!strcmp(t, "NaN"))
		return NAN;
	if (!strcmp(t, "Infinity"))
		return INFINITY;
	if (!strcmp(t, "-Infinity"))
		return -INFINITY;
	if (!strcmp(t, "true"))
		return 1;
	if (!strcmp(t, "false"))
		return 0;
	char *end;
	double d = strtod(t, &end);
	if (end == t || *end)
		fail_msg("not a number: '%s'", t);
	return d;
}

static bool same(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

/* The values of a scalars response [[wall, step, value], ...]; the wall
 * times of the first and last point in walls[2]. */
static size_t parse_points(const char *body, double *first, double *last, double walls[2])
{
	size_t n = 0;
	const char *p = body;
	assert_true(*p == '[');
	p++;
	while (*p == ' ' || *p == ',')
		p++;
	while (*p == '[') {
		const char *c2 = strchr(p, ',');
		assert_non_null(c2);
		c2 = strchr(c2 + 1, ',');
		assert_non_null(c2);
		const char *v = c2 + 1;
		while (*v == ' ')
			v++;
		const char *e = strchr(v, ']');
		assert_non_null(e);
		double d = num_of(v, (size_t)(e - v));
		double w = strtod(p + 1, NULL);
		if (!n) {
			*first = d;
			walls[0] = w;
		}
		*last = d;
		walls[1] = w;
		n++;
		p = e + 1;
		while (*p == ' ' || *p == ',')
			p++;
	}
	assert_true(*p == ']');
	return n;
}

static bool is_scalar_json(const char *s)
{
	return (s[0] >= '0' && s[0] <= '9') || s[0] == '-' || !strcmp(s, "NaN") ||
	       !strcmp(s, "Infinity") || !strcmp(s, "true") || !strcmp(s, "false");
}

static char *dir_of(const char *path)
{
	char *d = strdup(path);
	*strrchr(d, '/') = '\0';
	return d;
}

static cJSON *summary_json(void)
{
	char *text = tu_read_file(tu_path("wandb/SUMMARY.json"), NULL);
	assert_non_null(text);
	cJSON *j = cJSON_Parse(text);
	free(text);
	assert_non_null(j);
	return j;
}

static bool kvs_has(const tb_wandb_kvs *k, const char *key)
{
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->v[i].key, key))
			return true;
	return false;
}

static tb_run *run_of(tb_app *app, const char *name)
{
	tb_store_rdlock(&app->store);
	tb_run *r = tb_store_find_run(&app->store, name);
	tb_store_unlock(&app->store);
	return r;
}

static size_t count_lines(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* ---- 1. the real files ---------------------------------------------------------- */

static void check_history_key(tb_app *app, const char *run, const char *key, const cJSON *v,
			      size_t *checked)
{
	int points = cJSON_GetObjectItem(v, "points")->valueint;
	const cJSON *first = cJSON_GetObjectItem(v, "first");
	const cJSON *last = cJSON_GetObjectItem(v, "last");
	if (cJSON_IsString(first) && is_scalar_json(first->valuestring)) {
		tb_response resp;
		get(app, &resp, "/data/plugin/scalars/scalars", run, key);
		if (resp.status != 200 || resp.body.data[0] != '[')
			fail_msg("%s %s: status %d %s", run, key, resp.status, resp.body.data);
		double f = 0, l = 0, walls[2];
		size_t n = parse_points(resp.body.data, &f, &l, walls);
		tb_response_release(&resp);
		if (n != (size_t)points)
			fail_msg("%s %s: %zu points, the reader found %d", run, key, n, points);
		double ef = num_of(first->valuestring, strlen(first->valuestring));
		double el = num_of(last->valuestring, strlen(last->valuestring));
		if (!same(f, ef) || !same(l, el))
			fail_msg("%s %s: first/last %.17g %.17g, expected %s %s", run, key, f, l,
				 first->valuestring, last->valuestring);
		/* every point's wall time is its row's _timestamp */
		if (!strcmp(key, "_timestamp") && (walls[0] != ef || walls[1] != el))
			fail_msg("%s: wall times %.17g %.17g, expected %s %s", run, walls[0], walls[1],
				 first->valuestring, last->valuestring);
		(*checked)++;
		return;
	}
	/* media and other values: a series of that name with as many points */
	tb_run *r = run_of(app, run);
	assert_non_null(r);
	tb_run_rdlock(r);
	tb_series *se = tb_run_find(r, key, strlen(key));
	size_t n = se ? se->n : 0;
	tb_kind kind = se ? se->kind : 0;
	tb_run_unlock(r);
	if (n != (size_t)points)
		fail_msg("%s %s: %zu points of a non-scalar value, the reader found %d", run, key, n,
			 points);
	/* images whose file is there are images (test_media_images reads them) */
	assert_true(kind == TB_KIND_TEXT || kind == TB_KIND_HISTOGRAM || kind == TB_KIND_IMAGE);
	(*checked)++;
}

/* SDK 0.10-0.12 stats names and the one naming tbserve serves them under
 * (stated here independently of tb_wandb_system_key()). */
static void system_tags(const char *key, char out[2][256])
{
	out[1][0] = '\0';
	if (!strcmp(key, "memory"))
		snprintf(out[0], 256, "system/memory_percent");
	else if (!strcmp(key, "disk"))
		snprintf(out[0], 256, "system/disk./.usagePercent");
	else if (!strcmp(key, "network")) {
		snprintf(out[0], 256, "system/network.sent");
		snprintf(out[1], 256, "system/network.recv");
	} else
		snprintf(out[0], 256, "system/%s", key);
}

static void check_facts(const char *name, const cJSON *e, const tb_wandb_info *w)
{
	const cJSON *run = cJSON_GetObjectItem(e, "run");
	if (cJSON_IsObject(run)) {
		assert_string_equal(w->run_id, cJSON_GetObjectItem(run, "run_id")->valuestring);
		assert_string_equal(w->project, cJSON_GetObjectItem(run, "project")->valuestring);
		assert_string_equal(w->display_name,
				    cJSON_GetObjectItem(run, "display_name")->valuestring);
		assert_string_equal(w->group, cJSON_GetObjectItem(run, "group")->valuestring);
		const cJSON *tags = cJSON_GetObjectItem(run, "tags");
		assert_int_equal(w->n_tags, cJSON_GetArraySize(tags));
		for (size_t i = 0; i < w->n_tags; i++)
			assert_string_equal(w->tags[i], cJSON_GetArrayItem(tags, (int)i)->valuestring);
	}
	const cJSON *ver = cJSON_GetObjectItem(e, "cli_version");
	if (cJSON_IsString(ver))
		assert_string_equal(w->sdk_version, ver->valuestring);
	assert_int_equal(w->has_exit, cJSON_IsTrue(cJSON_GetObjectItem(e, "has_exit")));
	const cJSON *code = cJSON_GetObjectItem(e, "exit_code");
	if (cJSON_IsNumber(code))
		assert_int_equal(w->exit_code, code->valueint);
	const cJSON *prod = cJSON_GetObjectItem(e, "core_producer");
	assert_string_equal(w->producer, cJSON_IsString(prod) ? prod->valuestring : "");
	/* how the file ends */
	bool clean = cJSON_IsTrue(cJSON_GetObjectItem(e, "ends_cleanly"));
	int bytes = cJSON_GetObjectItem(e, "bytes")->valueint;
	if (clean || bytes == 0)
		assert_int_equal(w->pending, 0);
	else if (w->pending == 0)
		fail_msg("%s: ends with an incomplete record, but nothing is pending", name);
	assert_int_equal(w->damaged, 0);
	assert_int_equal(w->bytes, bytes);
}

static void check_console(const cJSON *e, const tb_wandb_info *w)
{
	static const char *names[2][2] = { { "output:stderr", "output:stdout" },
					   { "output_raw:stderr", "output_raw:stdout" } };
	const cJSON *cl = cJSON_GetObjectItem(e, "console_lines");
	for (int k = 0; k < 2; k++)
		for (int s = 0; s < 2; s++) {
			const cJSON *n = cJSON_GetObjectItem(cl, names[k][s]);
			assert_int_equal(w->console[k][s], cJSON_IsNumber(n) ? n->valueint : 0);
		}
}

static void check_file(tb_app *app, const char *path, const cJSON *e, size_t *keys)
{
	char *run = dir_of(path);
	tb_run *r = run_of(app, run);
	if (!r)
		fail_msg("run %s was not found", run);
	tb_run_rdlock(r);
	const tb_wandb_info *w = tb_wandb_info_of(r);
	assert_non_null(w);
	if (w->records != (uint64_t)cJSON_GetObjectItem(e, "records")->valueint)
		fail_msg("%s: %llu records, the reader found %d", path,
			 (unsigned long long)w->records, cJSON_GetObjectItem(e, "records")->valueint);
	check_facts(path, e, w);
	check_console(e, w);
	const cJSON *k;
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(e, "config_keys"))
		if (!kvs_has(&w->config, k->valuestring))
			fail_msg("%s: config key %s missing", path, k->valuestring);
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(e, "summary_keys"))
		if (!kvs_has(&w->summary, k->valuestring))
			fail_msg("%s: summary key %s missing", path, k->valuestring);
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(e, "system_metric_keys")) {
		char tags[2][256];
		system_tags(k->string, tags);
		for (int i = 0; i < 2 && tags[i][0]; i++) {
			tb_series *se = tb_run_find(r, tags[i], strlen(tags[i]));
			if (!se || se->n != (size_t)k->valueint)
				fail_msg("%s: %s has %zu samples, the reader found %d", path, tags[i],
					 se ? se->n : 0, k->valueint);
		}
		(*keys)++;
	}
	if (w->console[0][0] + w->console[0][1] + w->console[1][0] + w->console[1][1])
		assert_non_null(tb_run_find(r, TB_WANDB_CONSOLE_TAG, strlen(TB_WANDB_CONSOLE_TAG)));
	tb_run_unlock(r);
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(e, "history_keys"))
		check_history_key(app, run, k->string, k, keys);
	free(run);
}

static void test_real_files(void **state)
{
	struct fixture *fx = fixture_new(tu_path("wandb"), NULL);
	cJSON *sum = summary_json();
	size_t files = 0, keys = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(sum, "files")) {
		if (strstr(e->string, "/_snapshots/"))
			continue; /* test_snapshots */
		check_file(&fx->app, e->string, e, &keys);
		files++;
	}
	assert_int_equal(files, 38);
	assert_true(keys > 900);
	/* runs_info lists every run with its source */
	tb_response resp;
	get(&fx->app, &resp, "/data/runs_info", NULL, NULL);
	assert_int_equal(resp.status, 200);
	cJSON *info = cJSON_Parse(resp.body.data);
	assert_non_null(info);
	int wandb = 0;
	int with_scalars = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(info, "runs")) {
		wandb += !strcmp(cJSON_GetObjectItem(e, "source")->valuestring, "wandb");
		/* plugins: what the run has data for (the run list says it) */
		const cJSON *plugins = cJSON_GetObjectItem(e, "plugins");
		assert_true(cJSON_IsArray(plugins));
		const cJSON *p = cJSON_GetArrayItem(plugins, 0);
		with_scalars += p && !strcmp(p->valuestring, "scalars");
	}
	assert_int_equal(wandb, 38);
	assert_true(with_scalars > 30);
	cJSON_Delete(info);
	tb_response_release(&resp);
	cJSON_Delete(sum);
	fixture_free(fx);
}

/* The resumed run h465zmzw: six folders, six runs, one resume group. */
static void test_resumed_run(void **state)
{
	struct fixture *fx = fixture_new(tu_path("wandb/ToberoCat_TicTacToe"), NULL);
	tb_response resp;
	get(&fx->app, &resp, "/data/runs_info", NULL, NULL);
	cJSON *info = cJSON_Parse(resp.body.data);
	assert_non_null(info);
	const cJSON *e;
	int seen = 0, mask = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(info, "runs")) {
		const cJSON *res = cJSON_GetObjectItem(cJSON_GetObjectItem(e, "wandb"), "resume");
		assert_string_equal(cJSON_GetObjectItem(res, "run_id")->valuestring, "h465zmzw");
		assert_int_equal(cJSON_GetObjectItem(res, "segments")->valueint, 6);
		mask |= 1 << cJSON_GetObjectItem(res, "segment")->valueint;
		seen++;
	}
	assert_int_equal(seen, 6);
	assert_int_equal(mask, 63);
	cJSON_Delete(info);
	tb_response_release(&resp);
	fixture_free(fx);
}

/* The merged view of h465zmzw equals TensorBoard's restart rule applied to
 * its segments in folder order: each segment first drops the points at or
 * above its first step, then adds its own. */
static void test_resumed_merged(void **state)
{
	struct fixture *fx = fixture_new(tu_path("wandb/ToberoCat_TicTacToe"), NULL);
	tb_param q[2] = { { (char *)"run_id", (char *)"h465zmzw", 8 },
			  { (char *)"tag", (char *)"_runtime", 8 } };
	tb_request req;
	memset(&req, 0, sizeof req);
	req.app = &fx->app;
	req.method = "GET";
	req.path = "/data/runs_info/merged_scalars";
	req.query = q;
	req.n_query = 2;
	tb_response resp;
	tb_response_init(&resp);
	tb_api_handle(&req, &resp);
	assert_int_equal(resp.status, 200);
	tb_buf_putc(&resp.body, '\0');
	cJSON *j = cJSON_Parse(resp.body.data);
	assert_non_null(j);
	const cJSON *segs = cJSON_GetObjectItem(j, "segments");
	assert_int_equal(cJSON_GetArraySize(segs), 6);
	/* the rule, simulated on the stored series */
	size_t cap = 20000, n = 0;
	int64_t *steps = malloc(cap * sizeof *steps);
	double *vals = malloc(cap * sizeof *vals);
	const cJSON *seg;
	cJSON_ArrayForEach(seg, segs) {
		tb_run *r = run_of(&fx->app, seg->valuestring);
		tb_run_rdlock(r);
		tb_series *se = tb_run_find(r, "_runtime", 8);
		if (se && se->n) {
			int64_t first = tb_series_step(se, 0);
			while (n && steps[n - 1] >= first)
				n--;
			for (size_t i = 0; i < se->n && n < cap; i++, n++) {
				steps[n] = tb_series_step(se, i);
				tb_scalar v = tb_series_scalar(se, i);
				vals[n] = v.type == TB_NUM_I64 ? (double)v.i : v.f;
			}
		}
		tb_run_unlock(r);
	}
	const cJSON *pts = cJSON_GetObjectItem(j, "points");
	assert_int_equal(cJSON_GetArraySize(pts), n);
	assert_true(n > 5000);
	size_t i = 0;
	const cJSON *p;
	cJSON_ArrayForEach(p, pts) {
		assert_int_equal(cJSON_GetArrayItem(p, 1)->valuedouble, steps[i]);
		assert_true(cJSON_GetArrayItem(p, 2)->valuedouble == vals[i]);
		i++;
	}
	assert_true(cJSON_GetObjectItem(j, "overwritten")->valueint > 0);
	free(steps);
	free(vals);
	cJSON_Delete(j);
	tb_response_release(&resp);
	fixture_free(fx);
}

/* --wandb=false: no W&B run at all. */
static void test_flag_off(void **state)
{
	struct fixture *fx = fixture_new(tu_path("wandb/02hyc_VQ-VAE"), "--wandb=false");
	assert_int_equal(fx->app.store.n_runs, 0);
	fixture_free(fx);
	fx = fixture_new(tu_path("wandb/02hyc_VQ-VAE"), "--wandb=true");
	assert_int_equal(fx->app.store.n_runs, 3);
	fixture_free(fx);
}


/* --inspect and export include W&B runs. */
static void test_inspect_export(void **state)
{
	struct fixture *fx = fixture_new(tu_path("wandb/02hyc_VQ-VAE"), NULL);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_int_equal(tb_inspect(&fx->app.store, &fx->app.loaders[0], NULL, out), 0);
	fclose(out);
	assert_non_null(strstr(text, "W&B run 73bq2lth, project VQVAE-Training, SDK 0.19.8"));
	assert_non_null(strstr(text, "bytes of an incomplete record at the end"));
	assert_non_null(strstr(text, "    train_loss "));
	free(text);
	tb_export_cursor *e;
	assert_int_equal(tb_export_open(&e, &fx->app.store, "jsonl",
					"run-20250315_164420-73bq2lth", "train_loss"), 0);
	tb_buf b = TB_BUF_INIT;
	bool done = false;
	while (!done)
		assert_int_equal(tb_export_next(e, &b, 65536, &done), 0);
	tb_export_close(e);
	tb_buf_putc(&b, '\0');
	assert_int_equal(count_lines(b.data, "\n"), 83); /* SUMMARY.json: 83 points */
	/* hparams: a W&B run is an hparams session, its config in "hparams" */
	assert_non_null(strstr(b.data, "\"value\": 2.431567430496216, \"hparams\": {"));
	assert_non_null(strstr(b.data, "\"batch_size\": 64.0"));
	tb_buf_release(&b);
	fixture_free(fx);
}

/* ---- 2. growing files ----------------------------------------------------------- */

static char tmpdir[256];

static void make_tmp(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/tbserve-wandb-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
}

static void rm_tmp(void)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
}

static void append_bytes(const char *path, const char *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every series of a run as "tag=n;" in tag order, the console as its total
 * line count (its points are blocks cut where a read pass ended). */
static char *series_counts(tb_run *r)
{
	tb_buf b = TB_BUF_INIT;
	tb_run_rdlock(r);
	char **lines = calloc(r->n_series + 1, sizeof *lines);
	size_t console_lines = 0;
	for (size_t i = 0; i < r->n_series; i++) {
		tb_series *se = r->series[i];
		if (!strcmp(se->tag, TB_WANDB_CONSOLE_TAG)) {
			for (size_t k = 0; k < se->n; k++)
				console_lines += count_lines(tb_series_text(se, k)->strs[0], "\n");
			continue;
		}
		tb_buf line = TB_BUF_INIT;
		tb_buf_printf(&line, "%s=%zu;", se->tag, se->n);
		lines[i] = tb_buf_detach(&line, NULL);
	}
	tb_run_unlock(r);
	size_t n = 0;
	for (size_t i = 0; i < r->n_series; i++)
		if (lines[i])
			lines[n++] = lines[i];
	qsort(lines, n, sizeof *lines, cmp_str);
	for (size_t i = 0; i < n; i++) {
		tb_buf_puts(&b, lines[i]);
		free(lines[i]);
	}
	free(lines);
	tb_buf_printf(&b, "console lines=%zu", console_lines);
	return tb_buf_detach(&b, NULL);
}

/* Descriptors this process holds. */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Write src into a fresh run folder in steps of `step` bytes, reading after
 * each; the result must equal reading the whole file at once, and between
 * reads the file holds no descriptor (it is read through the loader's
 * source, opened for one pass). */
static void grow_in_steps(const char *src, size_t step)
{
	size_t n = 0;
	char *data = tu_read_file(src, &n);
	assert_non_null(data);
	make_tmp();
	char dir[512], path[600];
	snprintf(dir, sizeof dir, "%s/wandb", tmpdir);
	mkdir(dir, 0755);
	snprintf(dir, sizeof dir, "%s/wandb/run-20990101_000000-grow", tmpdir);
	mkdir(dir, 0755);
	snprintf(path, sizeof path, "%s/run-grow.wandb", dir);
	tb_store s;
	tu_store_init(&s, TB_PURGE_STEP);
	tb_loader l;
	assert_int_equal(tb_loader_init(&l, &s, tmpdir, NULL), 0);
	append_bytes(path, "", 0); /* a 0-byte file first: waited for, not an error */
	int fds = open_fds();
	assert_int_equal(tb_loader_scan(&l), 0);
	assert_int_equal(tb_loader_read(&l), 0);
	for (size_t off = 0; off < n; off += step) {
		append_bytes(path, data + off, off + step < n ? step : n - off);
		assert_int_equal(tb_loader_scan(&l), 0);
		assert_int_equal(tb_loader_read(&l), 0);
		assert_int_equal(open_fds(), fds);
	}
	tb_run *grown = tb_store_find_run(&s, "wandb/run-20990101_000000-grow");
	assert_non_null(grown);
	char *a = series_counts(grown);

	tb_store s2;
	tu_store_init(&s2, TB_PURGE_STEP);
	tb_run *whole = tb_store_add_run(&s2, "whole");
	assert_int_equal(tb_wandb_read_mem(&s2, whole, dir, data, n), 0);
	char *b = series_counts(whole);
	assert_string_equal(a, b);
	tb_run_rdlock(grown);
	tb_run_rdlock(whole);
	const tb_wandb_info *wa = tb_wandb_info_of(grown), *wb = tb_wandb_info_of(whole);
	assert_int_equal(wa->records, wb->records);
	assert_int_equal(wa->damaged, 0);
	assert_int_equal(wa->console[1][1] + wa->console[0][1], wb->console[1][1] + wb->console[0][1]);
	tb_run_unlock(whole);
	tb_run_unlock(grown);
	free(a);
	free(b);
	tb_loader_release(&l);
	tb_store_release(&s);
	tb_store_release(&s2);
	free(data);
	rm_tmp();
}

static void test_growth_python_writer(void **state)
{
	/* 0.10.21: 32 FIRST/LAST records, block trailers; 997 bytes at a time */
	grow_in_steps(tu_path("wandb/anish-sk_CS6910_Assignment1/run-20210312_161650-nt1k6dl7/"
			      "run-nt1k6dl7.wandb"), 997);
}

static void test_growth_core_writer(void **state)
{
	/* wandb-core 0.19.8: nested_key names, two summaries a row */
	grow_in_steps(tu_path("wandb/02hyc_VQ-VAE/run-20250315_170908-6uznqj8h/run-6uznqj8h.wandb"),
		      331);
}

/* The _snapshots/ of a live run are byte prefixes of the final file: one
 * file grows through them, and after each state the records and history
 * counts are the independent reader's for that state. */
static int by_size(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return cJSON_GetObjectItem(x, "bytes")->valueint - cJSON_GetObjectItem(y, "bytes")->valueint;
}

static void test_snapshots(void **state)
{
	cJSON *sum = summary_json();
	const char *run = "AMEERAZAM08_Deep--Learning/run-20220324_110319-1vkvvguj";
	const cJSON *states[8];
	size_t ns = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(sum, "files"))
		if (strstr(e->string, "AMEERAZAM08") && ns < 8)
			states[ns++] = e; /* four snapshots and the final file */
	assert_int_equal(ns, 5);
	qsort(states, ns, sizeof *states, by_size);
	make_tmp();
	char dir[512], path[600];
	snprintf(dir, sizeof dir, "%s/run-20220324_110319-1vkvvguj", tmpdir);
	mkdir(dir, 0755);
	snprintf(path, sizeof path, "%s/run-1vkvvguj.wandb", dir);
	tb_store s;
	tu_store_init(&s, TB_PURGE_STEP);
	tb_loader l;
	assert_int_equal(tb_loader_init(&l, &s, tmpdir, NULL), 0);
	size_t written = 0;
	for (size_t i = 0; i < ns; i++) {
		char rel[1024];
		snprintf(rel, sizeof rel, "wandb/%s", states[i]->string);
		size_t n = 0;
		char *data = tu_read_file(tu_path(rel), &n);
		assert_non_null(data);
		assert_true(n >= written);
		append_bytes(path, data + written, n - written);
		written = n;
		free(data);
		assert_int_equal(tb_loader_scan(&l), 0);
		assert_int_equal(tb_loader_read(&l), 0);
		tb_run *r = tb_store_find_run(&s, "run-20220324_110319-1vkvvguj");
		assert_non_null(r);
		tb_run_rdlock(r);
		const tb_wandb_info *w = tb_wandb_info_of(r);
		assert_int_equal(w->records, cJSON_GetObjectItem(states[i], "records")->valueint);
		const cJSON *k;
		cJSON_ArrayForEach(k, cJSON_GetObjectItem(states[i], "history_keys")) {
			tb_series *se = tb_run_find(r, k->string, strlen(k->string));
			assert_non_null(se);
			assert_int_equal(se->n, cJSON_GetObjectItem(k, "points")->valueint);
		}
		tb_run_unlock(r);
	}
	(void)run;
	tb_loader_release(&l);
	tb_store_release(&s);
	rm_tmp();
	cJSON_Delete(sum);
}

/* ---- 3. damage and bounds --------------------------------------------------------- */

/* A log of `rows` rows of one key "loss" (value = step). */
static void rows_log(tb_buf *out, int64_t from, int64_t rows)
{
	for (int64_t i = from; i < from + rows; i++) {
		char v[32];
		snprintf(v, sizeof v, "%lld.5", (long long)i);
		const char *k[] = { "loss" }, *j[] = { v };
		ww_history(out, i, 1.7e9 + (double)i, k, j, 1);
	}
}

static const tb_wandb_info *load_mem(tb_store *s, tb_run **r, const tb_buf *log)
{
	tu_store_init(s, TB_PURGE_STEP);
	*r = tb_store_add_run(s, "m");
	assert_int_equal(tb_wandb_read_mem(s, *r, "/nonexistent", log->data, log->len), 0);
	return tb_wandb_info_of(*r);
}

static size_t points(tb_run *r, const char *tag)
{
	tb_series *se = tb_run_find(r, tag, strlen(tag));
	return se ? se->n : 0;
}

/* Lines of stderr written while fn runs. */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/tbserve-wandb-log-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	char *text = tu_read_file(path, NULL);
	unlink(path);
	return text;
}

struct mem_load {
	tb_buf *log;
	tb_store s;
	tb_run *r;
	const tb_wandb_info *w;
};

static void do_load(void *arg)
{
	struct mem_load *m = arg;
	m->w = load_mem(&m->s, &m->r, m->log);
}

static void test_crc_mismatch(void **state)
{
	tb_buf log = TB_BUF_INIT;
	ww_file_header(&log);
	rows_log(&log, 0, 3000); /* about 4 blocks */
	assert_true(log.len > 3 * 32768);
	log.data[40000] ^= 0x55; /* inside block 1 */
	log.data[70000] ^= 0x55; /* inside block 2 */
	struct mem_load m;
	memset(&m, 0, sizeof m);
	m.log = &log;
	char *text = capture_stderr(do_load, &m);
	/* logged once per file, counted every time */
	assert_int_equal(count_lines(text, "damaged chunk"), 1);
	assert_int_equal(count_lines(text, "\n"), 1);
	free(text);
	assert_int_equal(m.w->damaged, 2);
	size_t n = points(m.r, "loss");
	/* every row outside the two damaged blocks is kept */
	assert_true(n < 3000 && n >= 3000 - 2 * 32768 / 40);
	tb_series *se = tb_run_find(m.r, "loss", 4);
	assert_int_equal(tb_series_step(se, se->n - 1), 2999);
	assert_int_equal(tb_series_step(se, 0), 0);
	tb_store_release(&m.s);
	tb_buf_release(&log);
}

/* Damage in the block being written, then the file grows: the reader
 * skips to the next block and carries on with what is appended. */
static void test_damage_then_growth(void **state)
{
	make_tmp();
	char dir[512], path[600];
	snprintf(dir, sizeof dir, "%s/run-20990101_000000-dmg", tmpdir);
	mkdir(dir, 0755);
	snprintf(path, sizeof path, "%s/run-dmg.wandb", dir);
	tb_buf log = TB_BUF_INIT;
	ww_file_header(&log);
	rows_log(&log, 0, 100);
	log.data[3000] ^= 0x55; /* damage inside block 0 */
	append_bytes(path, log.data, log.len);
	tb_store s;
	tu_store_init(&s, TB_PURGE_STEP);
	tb_loader l;
	assert_int_equal(tb_loader_init(&l, &s, tmpdir, NULL), 0);
	assert_int_equal(tb_loader_scan(&l), 0);
	assert_int_equal(tb_loader_read(&l), 0);
	tb_run *r = tb_store_find_run(&s, "run-20990101_000000-dmg");
	assert_non_null(r);
	size_t before = points(r, "loss");
	assert_true(before > 0 && before < 100);
	/* the writer goes on: rows 100..1099 run through later blocks */
	size_t old = log.len;
	rows_log(&log, 100, 1000);
	append_bytes(path, log.data + old, log.len - old);
	assert_int_equal(tb_loader_read(&l), 0);
	tb_series *se = tb_run_find(r, "loss", 4);
	assert_int_equal(tb_series_step(se, se->n - 1), 1099);
	assert_true(se->n > 1000 - 32768 / 40);
	assert_int_equal(tb_wandb_info_of(r)->damaged, 1);
	tb_loader_release(&l);
	tb_store_release(&s);
	tb_buf_release(&log);
	rm_tmp();
}

static void test_huge_chunk_length(void **state)
{
	tb_buf log = TB_BUF_INIT;
	ww_file_header(&log);
	rows_log(&log, 0, 10);
	/* a chunk header claiming 65535 bytes: longer than its block */
	tb_buf_append(&log, "\x01\x02\x03\x04\xff\xff\x01", 7);
	size_t pad = 32768 - log.len % 32768;
	char *zeros = calloc(1, pad);
	tb_buf_append(&log, zeros, pad);
	free(zeros);
	rows_log(&log, 10, 10);
	tb_store s;
	tb_run *r;
	const tb_wandb_info *w = load_mem(&s, &r, &log);
	assert_int_equal(w->damaged, 1);
	assert_int_equal(points(r, "loss"), 20);
	tb_store_release(&s);
	tb_buf_release(&log);
}

/* FIRST then MIDDLE chunks past TB_WANDB_MAX_RECORD: dropped, and the
 * record after it read. */
static void test_endless_chain(void **state)
{
	tb_buf log = TB_BUF_INIT;
	ww_file_header(&log);
	rows_log(&log, 0, 5);
	size_t payload = 32768 - 7;
	char *junk = calloc(1, payload);
	while (log.len % 32768)
		tb_buf_putc(&log, 0);
	ww_chunk(&log, 2, junk, payload);
	for (size_t total = payload; total <= TB_WANDB_MAX_RECORD + payload; total += payload)
		ww_chunk(&log, 3, junk, payload);
	free(junk);
	rows_log(&log, 5, 5);
	tb_store s;
	tb_run *r;
	const tb_wandb_info *w = load_mem(&s, &r, &log);
	assert_int_equal(w->damaged, 1);
	assert_int_equal(points(r, "loss"), 10);
	tb_store_release(&s);
	tb_buf_release(&log);
}

static void test_deep_json_and_wide_row(void **state)
{
	tb_buf log = TB_BUF_INIT, deep = TB_BUF_INIT;
	ww_file_header(&log);
	for (int i = 0; i < 10000; i++)
		tb_buf_putc(&deep, '[');
	for (int i = 0; i < 10000; i++)
		tb_buf_putc(&deep, ']');
	const char *k[] = { "deep", "ok" }, *j[] = { deep.data, "1.5" };
	ww_history(&log, 0, 1.7e9, k, j, 2);
	/* a row with 100,000 keys */
	size_t wide = 100000;
	char **keys = calloc(wide, sizeof *keys);
	const char **vals = calloc(wide, sizeof *vals);
	for (size_t i = 0; i < wide; i++) {
		keys[i] = malloc(16);
		snprintf(keys[i], 16, "k%zu", i);
		vals[i] = "2";
	}
	ww_history(&log, 1, 1.7e9 + 1, (const char *const *)keys, vals, wide);
	rows_log(&log, 2, 3);
	tb_store s;
	tb_run *r;
	const tb_wandb_info *w = load_mem(&s, &r, &log);
	assert_int_equal(points(r, "ok"), 1);
	assert_int_equal(points(r, "deep"), 1); /* listed as text, not decoded */
	assert_int_equal(tb_run_find(r, "deep", 4)->kind, TB_KIND_TEXT);
	assert_int_equal(points(r, "k0"), 1);
	assert_int_equal(points(r, "k9999"), 1);
	assert_int_equal(points(r, "k10000"), 0);
	assert_int_equal(points(r, "k99999"), 0);
	assert_int_equal(points(r, "loss"), 3);
	assert_true(w->skipped_values >= wide - TB_WANDB_MAX_ROW_ITEMS);
	for (size_t i = 0; i < wide; i++)
		free(keys[i]);
	free(keys);
	free(vals);
	tb_store_release(&s);
	tb_buf_release(&log);
	tb_buf_release(&deep);
}

static void test_not_a_wandb_file(void **state)
{
	tb_buf log = TB_BUF_INIT;
	tb_buf_puts(&log, "this is not a W&B log at all");
	tb_store s;
	tb_run *r;
	const tb_wandb_info *w = load_mem(&s, &r, &log);
	assert_int_equal(w->records, 0);
	assert_int_equal(r->n_series, 0);
	tb_store_release(&s);
	tb_buf_release(&log);
}

/* NaN and Infinity, nested keys, strings, histograms, booleans. */
static void test_values(void **state)
{
	tb_buf log = TB_BUF_INIT;
	ww_file_header(&log);
	const char *k[] = { "nan", "inf", "ninf", "nested", "s", "h", "b", "img", "sep" };
	const char *j[] = { "NaN", "Infinity", "-Infinity", "{\"a\": {\"b\": 3}, \"c\": 0.25}",
			    "\"hello\"", "{\"_type\": \"histogram\", \"values\": [1, 2], \"bins\": [0, 1, 2]}",
			    "true", "{\"_type\": \"image-file\", \"path\": \"media/images/x.png\", "
			    "\"width\": 4, \"height\": 3}",
			    "{\"_type\": \"images/separated\", \"count\": 2, "
			    "\"filenames\": [\"media/images/a.png\", \"media/images/b.png\"]}" };
	ww_history(&log, 0, 1.7e9, k, j, 9);
	tb_store s;
	tb_run *r;
	load_mem(&s, &r, &log);
	assert_true(isnan(tb_series_scalar(tb_run_find(r, "nan", 3), 0).f));
	assert_true(isinf(tb_series_scalar(tb_run_find(r, "inf", 3), 0).f));
	assert_true(tb_series_scalar(tb_run_find(r, "ninf", 4), 0).f < 0);
	assert_int_equal(tb_series_scalar(tb_run_find(r, "nested/a/b", 10), 0).i, 3);
	assert_true(tb_series_scalar(tb_run_find(r, "nested/c", 8), 0).f == 0.25);
	assert_int_equal(tb_run_find(r, "s", 1)->kind, TB_KIND_TEXT);
	assert_int_equal(tb_run_find(r, "h", 1)->kind, TB_KIND_HISTOGRAM);
	assert_int_equal(tb_series_hist(tb_run_find(r, "h", 1), 0)->n, 2);
	assert_int_equal(tb_series_scalar(tb_run_find(r, "b", 1), 0).type, TB_NUM_BOOL);
	const tb_text *t = tb_series_text(tb_run_find(r, "img", 3), 0);
	assert_string_equal(t->strs[0], "image-file: media/images/x.png (4x3) [file missing]");
	/* several separated images: listed, not dropped (a step is one blob) */
	t = tb_series_text(tb_run_find(r, "sep", 3), 0);
	assert_string_equal(t->strs[0], "images/separated: 2 files");
	tb_store_release(&s);
	tb_buf_release(&log);
}

/* A real table-file from files/media/table becomes a text table. */
static void test_table_file(void **state)
{
	struct fixture *fx = fixture_new(tu_path("wandb/AHelbo_autoGAN"), NULL);
	tb_run *r = run_of(&fx->app, "run-20240503_104448-z3pktf9j");
	assert_non_null(r);
	tb_run_rdlock(r);
	int tables = 0, images = 0;
	for (size_t i = 0; i < r->n_series; i++) {
		tb_series *se = r->series[i];
		images += se->kind == TB_KIND_IMAGE;
		if (se->kind != TB_KIND_TEXT || !strcmp(se->tag, TB_WANDB_CONSOLE_TAG))
			continue;
		const tb_text *t = tb_series_text(se, 0);
		if (t->rank == 2 && t->dims[0] > 1)
			tables++;
		/* an image whose file is there is an image, not a line */
		assert_null(strstr(t->strs[0], "image-file: media/images/") &&
			    !strstr(t->strs[0], "[file missing]") ? t->strs[0] : NULL);
	}
	tb_run_unlock(r);
	assert_true(tables >= 1);
	assert_true(images >= 1);
	fixture_free(fx);
}

/* GET path?name=value through the route table (one parameter). */
static void get1(tb_app *app, tb_response *resp, const char *path, const char *name,
		 const char *value)
{
	tb_param q[1] = { { (char *)name, (char *)value, strlen(value) } };
	tb_request req;
	memset(&req, 0, sizeof req);
	req.app = app;
	req.method = "GET";
	req.path = path;
	req.query = q;
	req.n_query = 1;
	tb_response_init(resp);
	tb_api_handle(&req, resp);
}

static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	*n = (size_t)ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *p = malloc(*n + 1);
	assert_int_equal(fread(p, 1, *n, fp), *n);
	fclose(fp);
	return p;
}

/* Every image of a run's image series, as the images plugin serves it: the
 * bytes of its file under files/media. Returns the images checked; with
 * clobber, each file is first overwritten with other bytes of the same size
 * and the answer must be a 404 instead. */
static int check_run_images(tb_app *app, const char *name, bool clobber)
{
	tb_run *r = run_of(app, name);
	assert_non_null(r);
	int checked = 0;
	for (size_t i = 0; i < r->n_series; i++) {
		tb_series *se = r->series[i];
		if (se->kind != TB_KIND_IMAGE)
			continue;
		tb_response resp;
		get(app, &resp, "/data/plugin/images/images", name, se->tag);
		assert_int_equal(resp.status, 200);
		cJSON *list = cJSON_Parse(resp.body.data);
		tb_response_release(&resp);
		assert_int_equal(cJSON_GetArraySize(list), (int)se->n);
		const cJSON *e;
		size_t k = 0;
		cJSON_ArrayForEach(e, list) {
			const char *query = cJSON_GetObjectItem(e, "query")->valuestring;
			assert_int_equal(strncmp(query, "blob_key=", 9), 0);
			const tb_blob *b = tb_series_blob(se, k++);
			assert_int_equal(b->elem, TB_BLOB_ELEM_FILE);
			const char *path = r->blob_files[b->file].path;
			size_t n;
			char *want = slurp(path, &n);
			if (clobber) {
				for (size_t j = 0; j < n; j++)
					want[j] ^= 0x5a;
				FILE *fp = fopen(path, "wb");
				assert_int_equal(fwrite(want, 1, n, fp), n);
				fclose(fp);
			}
			get1(app, &resp, "/data/plugin/images/individualImage", "blob_key", query + 9);
			if (clobber) {
				assert_int_equal(resp.status, 404);
			} else {
				assert_int_equal(resp.status, 200);
				assert_int_equal(resp.src, TB_BODY_BUF);
				assert_int_equal(resp.body.len, n);
				assert_memory_equal(resp.body.data, want, n);
			}
			tb_response_release(&resp);
			free(want);
			checked++;
		}
		cJSON_Delete(list);
	}
	return checked;
}

/* A logdir of W&B runs only lists the HParams dashboard (every W&B run is
 * a session) and, with media images, the Images one. */
static void test_plugins_listing(void **state)
{
	(void)state;
	struct fixture *fx = fixture_new(tu_path("wandb/anish-sk_CS6910_Assignment1"), NULL);
	tb_response resp;
	get(&fx->app, &resp, "/data/plugins_listing", NULL, NULL);
	assert_int_equal(resp.status, 200);
	cJSON *j = cJSON_Parse(resp.body.data);
	tb_response_release(&resp);
	static const char *const on[] = { "scalars", "hparams", "images" };
	for (size_t i = 0; i < sizeof on / sizeof *on; i++) {
		const cJSON *p = cJSON_GetObjectItem(j, on[i]);
		assert_non_null(p);
		assert_true(cJSON_IsTrue(cJSON_GetObjectItem(p, "enabled")));
	}
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "pr_curves"), "enabled")));
	cJSON_Delete(j);
	fixture_free(fx);
}

/* W&B image-file values (files/media/images) are images of the images
 * plugin: every one read back as its file's exact bytes; a file changed
 * after the load answers 404, never other bytes. */
static void test_media_images(void **state)
{
	(void)state;
	static const char *const runs[][2] = {
		{ "AHelbo_autoGAN", "run-20240503_104448-z3pktf9j" },
		{ "anish-sk_CS6910_Assignment1", "run-20210312_161650-nt1k6dl7" },
	};
	for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
		char dir[512];
		snprintf(dir, sizeof dir, "wandb/%s", runs[i][0]);
		struct fixture *fx = fixture_new(tu_path(dir), NULL);
		assert_true(check_run_images(&fx->app, runs[i][1], false) >= 1);
		fixture_free(fx);
	}
	/* a copy whose image files are overwritten after the load */
	make_tmp();
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "cp -r '%s' '%s/'", tu_path("wandb/anish-sk_CS6910_Assignment1"), tmpdir);
	assert_int_equal(system(cmd), 0);
	struct fixture *fx = fixture_new(tmpdir, NULL);
	char name[512];
	snprintf(name, sizeof name, "anish-sk_CS6910_Assignment1/%s", runs[1][1]);
	assert_true(check_run_images(&fx->app, name, true) >= 1);
	fixture_free(fx);
	rm_tmp();
}

/* W&B "images/separated" values naming one file (Keras/W&B callbacks log
 * figures so) are images too: served as the file's exact bytes. */
static void test_separated_images(void **state)
{
	(void)state;
	const char *run = "run-20230521_172530-jr9trksu";
	struct fixture *fx = fixture_new(tu_path("wandb/Abdullah-Mohammed0_cs6910_assignment3"), NULL);
	tb_run *r = run_of(&fx->app, run);
	assert_non_null(r);
	tb_series *se = tb_run_find(r, "Attention Heatmaps", 18);
	assert_non_null(se);
	assert_int_equal(se->kind, TB_KIND_IMAGE);
	assert_true(se->n >= 1);
	assert_true(check_run_images(&fx->app, run, false) >= 1);
	fixture_free(fx);
}

/* ---- 4. the console ----------------------------------------------------------------- */

static void test_console_terminal(void **state)
{
	tb_wandb_console c;
	tb_wandb_console_init(&c);
	const char *in = "plain\n"
			 "\x1b[31mred\x1b[0m text\n"
			 " 10%|#    |\r 50%|##   |\r100%|#####|\n"
			 "long line\rshort\n"
			 "erase me\r\x1b[Kgone\n"
			 "\x1b]0;title\x07osc\n"
			 "part";
	assert_int_equal(tb_wandb_console_feed(&c, in, strlen(in)), 0);
	assert_int_equal(tb_wandb_console_feed(&c, "ial\r\n", 5), 0);
	const char *text;
	size_t len;
	int64_t first;
	assert_int_equal(tb_wandb_console_take(&c, &text, &len, &first), 7);
	assert_int_equal(first, 0);
	assert_string_equal(text, "    plain\n    red text\n    100%|#####|\n    shortline\n"
			    "    gone\n    osc\n    partial\n");
	tb_wandb_console_taken(&c);
	assert_int_equal(tb_wandb_console_feed(&c, "x\n", 2), 0);
	assert_int_equal(tb_wandb_console_take(&c, &text, &len, &first), 1);
	assert_int_equal(first, 7);
	tb_wandb_console_release(&c);
}

int main(void)
{
	tb_log_level = TB_LOG_WARN;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_files),
		cmocka_unit_test(test_resumed_run),
		cmocka_unit_test(test_resumed_merged),
		cmocka_unit_test(test_flag_off),
		cmocka_unit_test(test_inspect_export),
		cmocka_unit_test(test_growth_python_writer),
		cmocka_unit_test(test_growth_core_writer),
		cmocka_unit_test(test_snapshots),
		cmocka_unit_test(test_crc_mismatch),
		cmocka_unit_test(test_damage_then_growth),
		cmocka_unit_test(test_huge_chunk_length),
		cmocka_unit_test(test_endless_chain),
		cmocka_unit_test(test_deep_json_and_wide_row),
		cmocka_unit_test(test_not_a_wandb_file),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_table_file),
		cmocka_unit_test(test_media_images),
		cmocka_unit_test(test_separated_images),
		cmocka_unit_test(test_plugins_listing),
		cmocka_unit_test(test_console_terminal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
