/*
 * test_hparams.c - the hparams model (server/hparams.c) and its handlers
 * (server/api_hparams.c): request parsing and malformed bodies, filters,
 * sort, paging, aggregation, the inferred experiment, metric values, and
 * the answers on the real logdir-small.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "api.h"
#include "app.h"
#include "flags.h"
#include "hparams.h"
#include "plugin_data.pb-c.h"
#include "tblimits.h"
#include "testutil.h"

/* ---- requests ------------------------------------------------------------ */

static int parse(tb_hp_request *rq, tb_hp_kind kind, const char *json, char *err, size_t n)
{
	return tb_hp_request_parse(rq, kind, json, json ? strlen(json) : 0, err, n);
}

static void test_parse(void **state)
{
	(void)state;
	tb_hp_request rq;
	char err[256];
	const char *ok =
		"{\"experimentName\": \"x\", \"allowed_statuses\": [\"STATUS_SUCCESS\", 3],"
		" \"colParams\": [{\"hparam\": \"lr\", \"order\": \"ORDER_DESC\","
		" \"missingValuesFirst\": true, \"filterInterval\": {\"minValue\": 0,"
		" \"maxValue\": \"Infinity\"}, \"includeInResult\": true},"
		" {\"metric\": {\"tag\": \"loss\", \"group\": \"eval\"}, \"filter_discrete\": [1, \"a\", true],"
		" \"excludeMissingValues\": true}, {\"hparam\": \"opt\", \"filterRegexp\": \"^ad\"}],"
		" \"aggregationType\": \"AGGREGATION_MEDIAN\", \"aggregationMetric\": {\"tag\": \"loss\"},"
		" \"startIndex\": \"2\", \"sliceSize\": 10, \"includeMetrics\": false}";
	assert_int_equal(parse(&rq, TB_HP_REQ_SESSION_GROUPS, ok, err, sizeof err), 0);
	assert_string_equal(rq.experiment_name, "x");
	assert_int_equal(rq.allowed_statuses, (1u << TB_HP_STATUS_SUCCESS) | (1u << TB_HP_STATUS_RUNNING));
	assert_int_equal(rq.n_cols, 3);
	assert_string_equal(rq.cols[0].hparam, "lr");
	assert_int_equal(rq.cols[0].order, TB_HP_ORDER_DESC);
	assert_true(rq.cols[0].missing_first);
	assert_true(rq.cols[0].include);
	assert_int_equal(rq.cols[0].filter, TB_HP_FILTER_INTERVAL);
	assert_true(isinf(rq.cols[0].max));
	assert_true(rq.cols[1].is_metric);
	assert_string_equal(rq.cols[1].group, "eval");
	assert_string_equal(rq.cols[1].tag, "loss");
	assert_int_equal(rq.cols[1].filter, TB_HP_FILTER_DISCRETE);
	assert_int_equal(rq.cols[1].n_discrete, 3);
	assert_int_equal(rq.cols[1].discrete[2].t, TB_HP_BOOL);
	assert_true(rq.cols[1].exclude_missing);
	assert_int_equal(rq.cols[2].filter, TB_HP_FILTER_REGEXP);
	assert_int_equal(rq.aggregation, TB_HP_AGG_MEDIAN);
	assert_string_equal(rq.agg_tag, "loss");
	assert_string_equal(rq.agg_group, "");
	assert_int_equal(rq.start_index, 2);
	assert_int_equal(rq.slice_size, 10);
	assert_false(rq.include_metrics);
	tb_hp_request_release(&rq);

	/* defaults */
	assert_int_equal(parse(&rq, TB_HP_REQ_EXPERIMENT, "{}", err, sizeof err), 0);
	assert_true(rq.include_metrics);
	assert_int_equal(rq.hparams_limit, 0);
	tb_hp_request_release(&rq);

	/* malformed: each is -EINVAL with a message naming the problem */
	static const struct {
		tb_hp_kind kind;
		const char *json, *msg;
	} bad[] = {
		{ TB_HP_REQ_EXPERIMENT, NULL, "got none" },
		{ TB_HP_REQ_EXPERIMENT, "not json", "malformed JSON" },
		{ TB_HP_REQ_EXPERIMENT, "[1]", "JSON object" },
		{ TB_HP_REQ_EXPERIMENT, "{\"experimentName\": 3}", "expected a string" },
		{ TB_HP_REQ_EXPERIMENT, "{\"bogus\": 1}", "no field named \"bogus\"" },
		{ TB_HP_REQ_EXPERIMENT, "{\"sliceSize\": 1}", "no field named \"sliceSize\"" },
		{ TB_HP_REQ_EXPERIMENT, "{\"hparamsLimit\": 1.5}", "expected an integer" },
		{ TB_HP_REQ_EXPERIMENT, "{\"includeMetrics\": 1}", "true or false" },
		{ TB_HP_REQ_SESSION_GROUPS, "{\"colParams\": {}}", "expected a list" },
		{ TB_HP_REQ_SESSION_GROUPS, "{\"colParams\": [{}]}", "neither" },
		{ TB_HP_REQ_SESSION_GROUPS, "{\"colParams\": [{\"hparam\": \"a\", \"metric\": {}}]}", "both" },
		{ TB_HP_REQ_SESSION_GROUPS, "{\"colParams\": [{\"hparam\": \"a\", \"order\": \"UP\"}]}",
		  "unknown enum" },
		{ TB_HP_REQ_SESSION_GROUPS, "{\"allowedStatuses\": [\"STATUS_DONE\"]}", "unknown enum" },
		{ TB_HP_REQ_SESSION_GROUPS, "{\"aggregationType\": 9}", "unknown enum" },
		{ TB_HP_REQ_SESSION_GROUPS, "{\"startIndex\": 99999999999}", "integer" },
		{ TB_HP_REQ_SESSION_GROUPS,
		  "{\"colParams\": [{\"hparam\": \"a\", \"filterInterval\": {\"minValue\": \"x\"}}]}",
		  "expected a number" },
		{ TB_HP_REQ_SESSION_GROUPS,
		  "{\"colParams\": [{\"hparam\": \"a\", \"filterInterval\": {\"lo\": 1}}]}",
		  "Interval has no field" },
		{ TB_HP_REQ_METRIC_EVALS, "{\"metricName\": \"loss\"}", "expected an object" },
		{ TB_HP_REQ_METRIC_EVALS, "{\"metricName\": {\"name\": \"x\"}}", "MetricName has no field" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		err[0] = 0;
		int rc = parse(&rq, bad[i].kind, bad[i].json, err, sizeof err);
		if (rc != -EINVAL || !strstr(err, bad[i].msg))
			fail_msg("%s: rc %d, err '%s'", bad[i].json ? bad[i].json : "NULL", rc, err);
		tb_hp_request_release(&rq);
	}
	/* a regexp over the limit */
	size_t n = TB_MAX_HPARAMS_REGEXP + 64;
	char *big = malloc(n + 64);
	int k = snprintf(big, n + 64, "{\"colParams\": [{\"hparam\": \"a\", \"filterRegexp\": \"");
	memset(big + k, 'a', TB_MAX_HPARAMS_REGEXP + 1);
	strcpy(big + k + TB_MAX_HPARAMS_REGEXP + 1, "\"}]}");
	assert_int_equal(parse(&rq, TB_HP_REQ_SESSION_GROUPS, big, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "longer than"));
	tb_hp_request_release(&rq);
	free(big);
}

/* ---- groups (built by hand) ---------------------------------------------- */

static tb_hp_metric_info metric_infos[] = {
	{ "", "acc", "", "", 0 },
	{ "eval", "loss", "", "", 0 },
};

#define NS 6
static tb_hp_kv kvs[NS][2];
static tb_hp_mv mvs[NS][2];
static tb_hp_session sessions[NS];

/* s0..s5: lr 0.1, 0.01, 0.01, 0.001, (missing), 0.5; opt adam, sgd, adam, rmsprop,
 * adam, sgd; s1 and s2 form group "g" (group_name), the others their own;
 * acc 0.5 .. ; s3 has no metrics; s5 failed. */
static void make_data(tb_hp_data *d)
{
	static const double lr[NS] = { 0.1, 0.01, 0.01, 0.001, NAN, 0.5 };
	static const char *const opt[NS] = { "adam", "sgd", "adam", "rmsprop", "adam", "sgd" };
	static const char *const names[NS] = { "s0", "s1", "s2", "s3", "s4", "s5" };
	static const double acc[NS] = { 0.5, 0.7, 0.9, 0, 0.6, 0.8 };
	memset(d, 0, sizeof *d);
	tb_arena_init(&d->arena);
	d->exp.name = d->exp.description = d->exp.user = "";
	d->exp.metrics = metric_infos;
	d->exp.n_metrics = 2;
	for (int i = 0; i < NS; i++) {
		tb_hp_session *s = &sessions[i];
		memset(s, 0, sizeof *s);
		s->name = names[i];
		s->group_name = (i == 1 || i == 2) ? "g" : "";
		s->model_uri = s->monitor_url = "";
		s->status = i == 5 ? TB_HP_STATUS_FAILURE : TB_HP_STATUS_SUCCESS;
		s->hparams = kvs[i];
		kvs[i][s->n_hparams++] = (tb_hp_kv){ "opt", { .t = TB_HP_STR, .str = opt[i] } };
		if (!isnan(lr[i]))
			kvs[i][s->n_hparams++] = (tb_hp_kv){ "lr", { .t = TB_HP_NUM, .num = lr[i] } };
		s->metrics = mvs[i];
		memset(mvs[i], 0, sizeof mvs[i]);
		if (i != 3) {
			mvs[i][0] = (tb_hp_mv){ true, acc[i], 10 * i + 1, 100.0 + i };
			mvs[i][1] = (tb_hp_mv){ true, 1 - acc[i], 10 * i, 200.0 + i };
		}
	}
	d->sessions = sessions;
	d->n_sessions = NS;
}

/* Group names of rq's answer, joined with ','. */
static int run_groups(const char *json, char *out, size_t n, tb_hp_groups *keep)
{
	tb_hp_data d;
	tb_hp_request rq;
	tb_hp_groups gs;
	char err[256] = "";
	make_data(&d);
	assert_int_equal(parse(&rq, TB_HP_REQ_SESSION_GROUPS, json, err, sizeof err), 0);
	int rc = tb_hp_groups_make(&d, &rq, &gs, err, sizeof err);
	out[0] = 0;
	if (!rc) {
		size_t first, end;
		tb_hp_slice(&rq, gs.n, &first, &end);
		for (size_t i = first; i < end; i++) {
			strncat(out, gs.g[i]->name, n - strlen(out) - 1);
			if (i + 1 < end)
				strncat(out, ",", n - strlen(out) - 1);
		}
	}
	if (keep && !rc)
		*keep = gs;
	else
		tb_hp_groups_release(&gs);
	tb_hp_request_release(&rq);
	tb_hp_data_release(&d);
	return rc;
}

#define ALL "\"allowedStatuses\": [\"STATUS_UNKNOWN\", \"STATUS_SUCCESS\", \"STATUS_FAILURE\", \"STATUS_RUNNING\"], \"sliceSize\": 100"

static void expect_groups(const char *json, const char *want)
{
	char got[256];
	assert_int_equal(run_groups(json, got, sizeof got, NULL), 0);
	if (strcmp(got, want))
		fail_msg("%s: got '%s', want '%s'", json, got, want);
}

static void test_filter(void **state)
{
	(void)state;
	/* no filter: by name, s1+s2 grouped as "g" */
	expect_groups("{" ALL "}", "g,s0,s3,s4,s5");
	/* statuses: failed s5 left out; none allowed -> nothing */
	expect_groups("{\"allowedStatuses\": [\"STATUS_SUCCESS\"], \"sliceSize\": 100}", "g,s0,s3,s4");
	expect_groups("{\"sliceSize\": 100}", "");
	/* discrete on a string hparam */
	expect_groups("{" ALL ", \"colParams\": [{\"hparam\": \"opt\", \"filterDiscrete\": [\"sgd\", \"rmsprop\"]}]}",
		      "g,s3,s5");
	/* interval on a numeric hparam; s4 has no lr: kept unless excluded */
	expect_groups("{" ALL ", \"colParams\": [{\"hparam\": \"lr\", \"filterInterval\": {\"minValue\": 0.005, \"maxValue\": 0.2}}]}",
		      "g,s0,s4");
	expect_groups("{" ALL ", \"colParams\": [{\"hparam\": \"lr\", \"excludeMissingValues\": true,"
		      " \"filterInterval\": {\"minValue\": 0.005, \"maxValue\": 0.2}}]}", "g,s0");
	/* exclude missing without a filter */
	expect_groups("{" ALL ", \"colParams\": [{\"metric\": {\"tag\": \"acc\"}, \"excludeMissingValues\": true}]}",
		      "g,s0,s4,s5");
	/* interval on a metric (the group's average: g = (0.7+0.9)/2) */
	expect_groups("{" ALL ", \"colParams\": [{\"metric\": {\"tag\": \"acc\"}, \"filterInterval\": {\"minValue\": 0.75, \"maxValue\": 1}}]}",
		      "g,s3,s5");
	/* regexp: a partial match */
	expect_groups("{" ALL ", \"colParams\": [{\"hparam\": \"opt\", \"filterRegexp\": \"s\"}]}", "g,s3,s5");
	/* g's hparams are its first session's (s1: sgd) */
	expect_groups("{" ALL ", \"colParams\": [{\"hparam\": \"opt\", \"filterRegexp\": \"^a.a\"}]}", "s0,s4");
	/* a regexp on numbers, an interval on strings, a bad regexp: 400s */
	char got[256];
	assert_int_equal(run_groups("{" ALL ", \"colParams\": [{\"hparam\": \"lr\", \"filterRegexp\": \"1\"}]}",
				    got, sizeof got, NULL), -EINVAL);
	assert_int_equal(run_groups("{" ALL ", \"colParams\": [{\"hparam\": \"opt\", \"filterInterval\": {}}]}",
				    got, sizeof got, NULL), -EINVAL);
	assert_int_equal(run_groups("{" ALL ", \"colParams\": [{\"hparam\": \"opt\", \"filterRegexp\": \"(\"}]}",
				    got, sizeof got, NULL), -EINVAL);
}

static void test_sort_and_page(void **state)
{
	(void)state;
	/* lr ascending, missing last (s4); g's lr is its first session's (s1: 0.01) */
	expect_groups("{" ALL ", \"colParams\": [{\"hparam\": \"lr\", \"order\": \"ORDER_ASC\"}]}",
		      "s3,g,s0,s5,s4");
	expect_groups("{" ALL ", \"colParams\": [{\"hparam\": \"lr\", \"order\": \"ORDER_ASC\", \"missingValuesFirst\": true}]}",
		      "s4,s3,g,s0,s5");
	/* descending, missing last unless first */
	expect_groups("{" ALL ", \"colParams\": [{\"hparam\": \"lr\", \"order\": \"ORDER_DESC\"}]}",
		      "s5,s0,g,s3,s4");
	expect_groups("{" ALL ", \"colParams\": [{\"hparam\": \"lr\", \"order\": \"ORDER_DESC\", \"missingValuesFirst\": true}]}",
		      "s4,s5,s0,g,s3");
	/* two keys: opt ascending first, then acc descending; ties keep name order */
	expect_groups("{" ALL ", \"colParams\": [{\"hparam\": \"opt\", \"order\": \"ORDER_ASC\"},"
		      " {\"metric\": {\"tag\": \"acc\"}, \"order\": \"ORDER_DESC\"}]}",
		      "s4,s0,s3,g,s5");
	/* a string key sorts by bytes; equal keys keep the name order (stable) */
	expect_groups("{" ALL ", \"colParams\": [{\"hparam\": \"opt\", \"order\": \"ORDER_DESC\"}]}",
		      "g,s5,s3,s0,s4");
	/* paging is Python's slice [start:start+size] */
	expect_groups("{" ALL ", \"startIndex\": 1, \"sliceSize\": 2}", "s0,s3");
	expect_groups("{" ALL ", \"startIndex\": 4, \"sliceSize\": 10}", "s5");
	expect_groups("{" ALL ", \"startIndex\": 9, \"sliceSize\": 10}", "");
	expect_groups("{" ALL ", \"startIndex\": -2, \"sliceSize\": 1}", "s4");
	expect_groups("{" ALL ", \"sliceSize\": 0}", "");
}

static void test_aggregate(void **state)
{
	(void)state;
	char got[256];
	tb_hp_groups gs;
	/* average: g = s1 (acc 0.7, step 11, wall 101) and s2 (0.9, 21, 102) */
	assert_int_equal(run_groups("{" ALL "}", got, sizeof got, &gs), 0);
	const tb_hp_group *g = gs.g[0];
	assert_string_equal(g->name, "g");
	assert_int_equal(g->n_sessions, 2);
	assert_string_equal(g->sessions[0]->name, "s1");
	assert_true(g->metrics[0].has);
	assert_true(fabs(g->metrics[0].value - 0.8) < 1e-12);
	assert_int_equal(g->metrics[0].step, 16);
	assert_true(g->metrics[0].wall == 101.5);
	/* s3 has no metric values */
	assert_false(gs.g[2]->metrics[0].has);
	tb_hp_groups_release(&gs);
	/* min / max / median of acc pick a session and copy all its values */
	static const struct { const char *agg; double acc, loss; } cases[] = {
		{ "AGGREGATION_MIN", 0.7, 1 - 0.7 },
		{ "AGGREGATION_MAX", 0.9, 1 - 0.9 },
		{ "AGGREGATION_MEDIAN", 0.7, 1 - 0.7 },  /* lower middle of two */
	};
	for (size_t i = 0; i < 3; i++) {
		char json[512];
		snprintf(json, sizeof json, "{" ALL ", \"aggregationType\": \"%s\","
			 " \"aggregationMetric\": {\"tag\": \"acc\"}}", cases[i].agg);
		assert_int_equal(run_groups(json, got, sizeof got, &gs), 0);
		g = gs.g[0];
		if (g->metrics[0].value != cases[i].acc || g->metrics[1].value != cases[i].loss)
			fail_msg("%s: %g %g", cases[i].agg, g->metrics[0].value, g->metrics[1].value);
		tb_hp_groups_release(&gs);
	}
	/* aggregating by a metric nobody has: no values (TensorBoard: a 500) */
	assert_int_equal(run_groups("{" ALL ", \"aggregationType\": \"AGGREGATION_MAX\","
				    " \"aggregationMetric\": {\"tag\": \"nope\"}}", got, sizeof got, &gs), 0);
	assert_false(gs.g[0]->metrics[0].has);
	tb_hp_groups_release(&gs);
}

static void test_metric_run(void **state)
{
	(void)state;
	static const char *const cases[][3] = {
		{ "a/b", "", "a/b" },
		{ "a/b", "eval", "a/b/eval" },
		{ "a/b", "/eval", "/eval" },
		{ "a/b", "../c", "a/c" },
		{ "a", "..", "." },
		{ "a", "../..", ".." },
		{ "a//b/", "./x/", "a/b/x" },
		{ ".", "", "." },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *r = tb_hp_metric_run(cases[i][0], cases[i][1]);
		if (strcmp(r, cases[i][2]))
			fail_msg("normpath(join(%s, %s)) = %s, want %s", cases[i][0], cases[i][1], r,
				 cases[i][2]);
		free(r);
	}
}

/* ---- the store ----------------------------------------------------------- */

static void add_hparams(tb_store *s, const char *run, const char *tag,
			const Tensorboard__HParamsPluginData *pd)
{
	size_t n = tensorboard__hparams_plugin_data__get_packed_size(pd);
	unsigned char *buf = malloc(n + 1);
	tensorboard__hparams_plugin_data__pack(pd, buf);
	tb_run *r = tb_store_add_run(s, run);
	tb_run_wrlock(r);
	tb_series_meta m = { "hparams", TB_CLASS_TENSOR, "", "", buf, n };
	assert_non_null(tb_run_create(s, r, tag, strlen(tag), TB_KIND_HPARAMS, &m));
	tb_run_unlock(r);
	free(buf);
}

static void add_start(tb_store *s, const char *run, const char *lr_str, double lr, bool bn)
{
	Tensorboard__HParamsValue v[3];
	Tensorboard__HParamsSessionStartInfo__HparamsEntry e[3], *ep[3];
	const char *keys[3] = { "opt", "lr", "bn" };
	for (int i = 0; i < 3; i++) {
		tensorboard__hparams_value__init(&v[i]);
		tensorboard__hparams_session_start_info__hparams_entry__init(&e[i]);
		e[i].key = (char *)keys[i];
		e[i].value = &v[i];
		ep[i] = &e[i];
	}
	v[0].kind_case = TENSORBOARD__HPARAMS_VALUE__KIND_STRING_VALUE;
	v[0].string_value = (char *)lr_str;
	v[1].kind_case = TENSORBOARD__HPARAMS_VALUE__KIND_NUMBER_VALUE;
	v[1].number_value = lr;
	v[2].kind_case = TENSORBOARD__HPARAMS_VALUE__KIND_BOOL_VALUE;
	v[2].bool_value = bn;
	Tensorboard__HParamsSessionStartInfo si = TENSORBOARD__HPARAMS_SESSION_START_INFO__INIT;
	si.n_hparams = 3;
	si.hparams = ep;
	Tensorboard__HParamsPluginData pd = TENSORBOARD__HPARAMS_PLUGIN_DATA__INIT;
	pd.data_case = TENSORBOARD__HPARAMS_PLUGIN_DATA__DATA_SESSION_START_INFO;
	pd.session_start_info = &si;
	add_hparams(s, run, "_hparams_/session_start_info", &pd);
}

static void add_scalar(tb_store *s, const char *run, const char *tag, int64_t step, double v)
{
	tb_run *r = tb_store_add_run(s, run);
	tb_run_wrlock(r);
	tb_series *se = tb_run_find(r, tag, strlen(tag));
	if (!se) {
		tb_series_meta m = { "scalars", TB_CLASS_SCALAR, "", "", NULL, 0 };
		se = tb_run_create(s, r, tag, strlen(tag), TB_KIND_SCALAR, &m);
	}
	tb_scalar sc = { TB_NUM_F64, v, 0 };
	assert_int_equal(tb_series_append_scalar(s, se, 1000.0 + (double)step, step, &sc), 0);
	tb_run_unlock(r);
}

static void test_inferred(void **state)
{
	(void)state;
	tb_store s;
	tu_store_init(&s, TB_PURGE_NONE);
	/* three sessions with only start infos; metrics in the session run and
	 * an eval sub-run; a run outside any session is not a metric */
	add_start(&s, "exp/t1", "sgd", 0.1, true);
	add_start(&s, "exp/t2", "adam", 0.01, true);
	add_start(&s, "exp/t3", "adam", 0.1, true);
	add_scalar(&s, "exp/t1", "loss", 0, 1.0);
	add_scalar(&s, "exp/t1", "loss", 5, 0.5);
	add_scalar(&s, "exp/t1/eval", "acc", 7, 0.25);
	add_scalar(&s, "exp/t2", "loss", 3, 0.75);
	add_scalar(&s, "other", "zzz", 0, 1);
	tb_hp_data d;
	assert_int_equal(tb_hp_collect(&s, true, &d), 0);
	tb_hp_sort_hparams(&d.exp, 0);
	assert_int_equal(d.n_sessions, 3);
	assert_int_equal(d.exp.n_hparams, 3);
	/* differing first, then by name: lr (0.01..0.1), opt {adam, sgd} sorted, then bn */
	assert_string_equal(d.exp.hparams[0].name, "lr");
	assert_int_equal(d.exp.hparams[0].type, TB_HP_TYPE_FLOAT64);
	assert_int_equal(d.exp.hparams[0].domain, TB_HP_DOMAIN_INTERVAL);
	assert_true(d.exp.hparams[0].min == 0.01 && d.exp.hparams[0].max == 0.1);
	assert_true(d.exp.hparams[0].differs);
	assert_string_equal(d.exp.hparams[1].name, "opt");
	assert_int_equal(d.exp.hparams[1].n_discrete, 2);
	assert_string_equal(d.exp.hparams[1].discrete[0].str, "adam");
	assert_string_equal(d.exp.hparams[1].discrete[1].str, "sgd");
	assert_string_equal(d.exp.hparams[2].name, "bn");
	assert_int_equal(d.exp.hparams[2].type, TB_HP_TYPE_BOOL);
	assert_int_equal(d.exp.hparams[2].n_discrete, 1);
	assert_false(d.exp.hparams[2].differs);
	/* metrics sorted by (tag, group) */
	assert_int_equal(d.exp.n_metrics, 2);
	assert_string_equal(d.exp.metrics[0].tag, "acc");
	assert_string_equal(d.exp.metrics[0].group, "eval");
	assert_string_equal(d.exp.metrics[1].tag, "loss");
	assert_string_equal(d.exp.metrics[1].group, "");
	/* values: the last point */
	const tb_hp_session *t1 = NULL;
	for (size_t i = 0; i < d.n_sessions; i++)
		if (!strcmp(d.sessions[i].name, "exp/t1"))
			t1 = &d.sessions[i];
	assert_non_null(t1);
	assert_true(t1->metrics[0].has && t1->metrics[0].value == 0.25 && t1->metrics[0].step == 7);
	assert_true(t1->metrics[1].has && t1->metrics[1].value == 0.5 && t1->metrics[1].step == 5);
	assert_true(t1->metrics[1].wall == 1005.0);
	tb_hp_data_release(&d);
	/* without metrics: none inferred */
	assert_int_equal(tb_hp_collect(&s, false, &d), 0);
	assert_int_equal(d.exp.n_metrics, 0);
	tb_hp_data_release(&d);
	tb_store_release(&s);
}


/* ---- W&B runs as sessions (issue 14) ------------------------------------- */

static bool has_prefix_key(const tb_hp_kv *kv, size_t n, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i < n; i++)
		if (!strncmp(kv[i].name, key, kl) && (!kv[i].name[kl] || kv[i].name[kl] == '.'))
			return true;
	return false;
}

static void test_wandb(void **state)
{
	(void)state;
	char logdir[4096], err[512];
	snprintf(logdir, sizeof logdir, "%s", tu_path("wandb"));
	char a0[] = "tbserve", a1[] = "--logdir";
	char *argv[] = { a0, a1, logdir, NULL };
	tb_flags f;
	tb_app w;
	tb_log_level = TB_LOG_ERROR;
	assert_int_equal(tb_flags_parse(&f, 3, argv, err, sizeof err), 0);
	assert_int_equal(tb_app_init(&w, &f, err, sizeof err), 0);
	assert_int_equal(tb_app_load(&w), 0);
	tb_hp_data d;
	assert_int_equal(tb_hp_collect(&w.store, true, &d), 0);
	char *text = tu_read_file(tu_path("wandb/SUMMARY.json"), NULL);
	cJSON *root = cJSON_Parse(text);
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
	size_t checked = 0;
	for (const cJSON *e = files ? files->child : NULL; e; e = e->next) {
		/* the session is the run folder: the file's directory */
		char run[1024];
		if (strstr(e->string, "/_snapshots/"))
			continue;  /* growth states of another run, not runs */
		snprintf(run, sizeof run, "%s", e->string);
		*strrchr(run, '/') = 0;
		const tb_hp_session *s = NULL;
		for (size_t i = 0; i < d.n_sessions; i++)
			if (!strcmp(d.sessions[i].name, run))
				s = &d.sessions[i];
		if (!s)
			fail_msg("W&B run %s is not a session", run);
		assert_true(s->wandb);
		/* status from the exit record */
		const cJSON *has_exit = cJSON_GetObjectItemCaseSensitive(e, "has_exit");
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "exit_code");
		int want = !cJSON_IsTrue(has_exit) ? TB_HP_STATUS_RUNNING :
			   (cJSON_IsNumber(code) && code->valuedouble != 0) ? TB_HP_STATUS_FAILURE :
									   TB_HP_STATUS_SUCCESS;
		if (s->status != want)
			fail_msg("%s: status %d, want %d", run, s->status, want);
		/* every config key but _wandb is an hparam (nested ones flattened) */
		const cJSON *ck = cJSON_GetObjectItemCaseSensitive(e, "config_keys");
		for (const cJSON *k = ck ? ck->child : NULL; k; k = k->next) {
			if (!strcmp(k->valuestring, "_wandb"))
				continue;
			if (!has_prefix_key(s->hparams, s->n_hparams, k->valuestring))
				fail_msg("%s: config key %s is not an hparam", run, k->valuestring);
		}
		/* every metric comes from a summary key, with a value in the
		 * experiment's metric list */
		const cJSON *sk = cJSON_GetObjectItemCaseSensitive(e, "summary_keys");
		for (size_t i = 0; i < s->n_summary; i++) {
			bool found = false;
			for (const cJSON *k = sk ? sk->child : NULL; k && !found; k = k->next)
				found = !strncmp(s->summary[i].name, k->valuestring,
						 strlen(k->valuestring));
			if (!found)
				fail_msg("%s: metric %s is no summary key", run, s->summary[i].name);
			size_t m = 0;
			while (m < d.exp.n_metrics && strcmp(d.exp.metrics[m].tag, s->summary[i].name))
				m++;
			assert_true(m < d.exp.n_metrics);
			assert_true(s->metrics[m].has);
			assert_true(s->metrics[m].value == s->summary[i].v.num ||
				    (isnan(s->metrics[m].value) && isnan(s->summary[i].v.num)));
		}
		checked++;
	}
	assert_true(checked >= 30);
	cJSON_Delete(root);
	free(text);
	tb_hp_data_release(&d);
	tb_app_release(&w);
	tb_flags_release(&f);
}

/* ---- the handlers on logdir-small ---------------------------------------- */

static tb_flags flags;
static tb_app app;

static int setup_app(void **state)
{
	(void)state;
	char logdir[4096], err[512];
	snprintf(logdir, sizeof logdir, "%s", tu_path("golden/logdir-small"));
	char a0[] = "tbserve", a1[] = "--logdir", a3[] = "--load_fast=false";
	char *argv[] = { a0, a1, logdir, a3, NULL };
	tb_log_level = TB_LOG_ERROR;
	if (tb_flags_parse(&flags, 4, argv, err, sizeof err) ||
	    tb_app_init(&app, &flags, err, sizeof err) || tb_app_load(&app))
		return -1;
	return 0;
}

static int teardown_app(void **state)
{
	(void)state;
	tb_app_release(&app);
	tb_flags_release(&flags);
	return 0;
}

static void call(tb_handler h, const char *method, const char *body, const tb_param *q, size_t nq,
		 tb_response *resp)
{
	tb_request req;
	memset(&req, 0, sizeof req);
	req.app = &app;
	req.method = method;
	req.path = req.route = "/data/plugin/hparams/x";
	req.query = q;
	req.n_query = nq;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	tb_response_init(resp);
	h(&req, resp);
	tb_buf_putc(&resp->body, 0);
}

static void test_handlers(void **state)
{
	(void)state;
	tb_response r;
	/* malformed bodies: 400 text, the server keeps going */
	call(tb_api_hparams_experiment, "POST", "not json", NULL, 0, &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.content_type, "text/plain; charset=utf-8");
	assert_non_null(strstr(r.body.data, "Invalid argument: "));
	tb_response_release(&r);
	call(tb_api_hparams_experiment, "GET", NULL, NULL, 0, &r);
	assert_int_equal(r.status, 400);
	tb_response_release(&r);
	call(tb_api_hparams_session_groups, "POST",
	     "{\"colParams\": [{\"hparam\": \"lr\", \"filterRegexp\": \"x\"}], \"allowedStatuses\":"
	     " [\"STATUS_SUCCESS\"], \"sliceSize\": 5}", NULL, 0, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body.data, "regexp filter"));
	tb_response_release(&r);
	/* GET ?request= works like the POST body */
	tb_param q[] = { { (char *)"request", (char *)"{\"experimentName\": \"\"}", 22 } };
	call(tb_api_hparams_experiment, "GET", NULL, q, 1, &r);
	assert_int_equal(r.status, 200);
	char *want = tu_read_file(tu_path("golden/responses/115_get_hparams_experiment.json"), NULL);
	assert_non_null(want);
	assert_string_equal(r.body.data, want);
	free(want);
	tb_response_release(&r);
	/* metric_evals: the session's scalars; an unknown one is a 404 */
	call(tb_api_hparams_metric_evals, "POST",
	     "{\"sessionName\": \"hp_search/trial_0\", \"metricName\": {\"tag\": \"hparam/accuracy\"}}",
	     NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.data, "[[1795322827.421384, 0, 0.800000011920929]]");
	tb_response_release(&r);
	call(tb_api_hparams_metric_evals, "POST",
	     "{\"sessionName\": \"hp_search/nope\", \"metricName\": {\"tag\": \"hparam/accuracy\"}}",
	     NULL, 0, &r);
	assert_int_equal(r.status, 404);
	tb_response_release(&r);
	/* download_data: bad format and bad visibility are 400s */
	tb_param q2[] = { { (char *)"format", (char *)"xml", 3 } };
	call(tb_api_hparams_download_data, "GET", NULL, q2, 1, &r);
	assert_int_equal(r.status, 400);
	tb_response_release(&r);
	tb_param q3[] = { { (char *)"format", (char *)"csv", 3 },
			  { (char *)"columnsVisibility", (char *)"nope", 4 } };
	call(tb_api_hparams_download_data, "GET", NULL, q3, 2, &r);
	assert_int_equal(r.status, 400);
	tb_response_release(&r);
	/* a visible subset of columns, in CSV */
	tb_param q4[] = { { (char *)"format", (char *)"csv", 3 },
			  { (char *)"columnsVisibility", (char *)"[false, true, true]", 19 },
			  { (char *)"request", (char *)"{\"allowedStatuses\": [\"STATUS_SUCCESS\"],"
			    " \"colParams\": [{\"hparam\": \"lr\", \"includeInResult\": true, \"order\": \"ORDER_ASC\"},"
			    " {\"hparam\": \"optimizer\", \"includeInResult\": true}], \"sliceSize\": 2}", 0 } };
	q4[2].value_len = strlen(q4[2].value);
	call(tb_api_hparams_download_data, "GET", NULL, q4, 3, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.data, "lr,optimizer\r\n0.001,adam\r\n0.001,rmsprop\r\n");
	tb_response_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_sort_and_page),
		cmocka_unit_test(test_aggregate),
		cmocka_unit_test(test_metric_run),
		cmocka_unit_test(test_inferred),
		cmocka_unit_test(test_wandb),
		cmocka_unit_test_setup_teardown(test_handlers, setup_app, teardown_app),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
