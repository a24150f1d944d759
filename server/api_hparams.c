/*
 * api_hparams.c - the hparams plugin (reference §2.8, §4.9).
 *
 *   experiment      GetExperimentRequest      -> Experiment
 *   session_groups  ListSessionGroupsRequest  -> ListSessionGroupsResponse
 *   metric_evals    ListMetricEvalsRequest    -> [[wall, step, value], ...]
 *   download_data?format=csv|json|latex&columnsVisibility=[...]&request=...
 *
 * The request is protobuf-JSON: the POST body, or the `request` query
 * parameter of a GET. Answers are what Python's MessageToJson(indent=2,
 * including_default_value_fields) prints: fields set to a non-default
 * value first in field-number order, then the default-valued ones in
 * declaration order (unset oneofs and messages omitted), floats as repr,
 * NaN and infinities as strings, enums by name. The hparams map is printed
 * in the start info's order (TensorBoard's is Python's hash order).
 *
 * A malformed request is a 400 text/plain `Invalid argument: ...`
 * (TensorBoard answers werkzeug's 400 HTML page).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "hparams.h"
#include "json.h"
#include "log.h"
#include "query.h"
#include "writer.h"

/* ---- MessageToJson ------------------------------------------------------- */

static void indent(tb_buf *b, int depth)
{
	tb_buf_putc(b, '\n');
	for (int i = 0; i < depth; i++)
		tb_buf_puts(b, "  ");
}

/* A double field or Value.number_value. */
static void pj_double(tb_buf *b, double v)
{
	if (isnan(v))
		tb_buf_puts(b, "\"NaN\"");
	else if (isinf(v))
		tb_buf_puts(b, v < 0 ? "\"-Infinity\"" : "\"Infinity\"");
	else
		tb_json_double(b, v);
}

static void pj_value(tb_buf *b, const tb_hp_value *v)
{
	switch (v->t) {
	case TB_HP_NUM:
		pj_double(b, v->num);
		break;
	case TB_HP_STR:
		tb_json_cstr(b, v->str);
		break;
	case TB_HP_BOOL:
		tb_json_bool(b, v->b);
		break;
	default:
		tb_json_null(b);
	}
}

/* Emits field f (an index in number order) of msg at depth. */
typedef void (*pj_emit)(tb_buf *b, const void *msg, int f, int depth, const void *ctx);

enum { PJ_OMIT = -1, PJ_DEFAULT = 0, PJ_SET = 1 };

/* keys/state in field-number order; decl lists those indices in
 * declaration order (NULL: the same order). */
static void pj_msg(tb_buf *b, const void *msg, const char *const *keys, const int *state,
		   int n, const int *decl, pj_emit emit, int depth, const void *ctx)
{
	bool first = true;
	tb_buf_putc(b, '{');
	for (int pass = 0; pass < 2; pass++)
		for (int k = 0; k < n; k++) {
			int f = pass && decl ? decl[k] : k;
			if (state[f] != (pass ? PJ_DEFAULT : PJ_SET))
				continue;
			if (!first)
				tb_buf_putc(b, ',');
			first = false;
			indent(b, depth + 1);
			tb_buf_putc(b, '"');
			tb_buf_puts(b, keys[f]);
			tb_buf_puts(b, "\": ");
			emit(b, msg, f, depth + 1, ctx);
		}
	if (!first)
		indent(b, depth);
	tb_buf_putc(b, '}');
}

/* A repeated field: items emitted by item(b, i, depth). */
static void pj_list(tb_buf *b, size_t n, int depth,
		    void (*item)(tb_buf *b, size_t i, int depth, const void *ctx), const void *ctx)
{
	tb_buf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			tb_buf_putc(b, ',');
		indent(b, depth + 1);
		item(b, i, depth + 1, ctx);
	}
	if (n)
		indent(b, depth);
	tb_buf_putc(b, ']');
}

static int set_str(const char *s)
{
	return s && *s ? PJ_SET : PJ_DEFAULT;
}

static int set_num(double v)
{
	return v != 0 || signbit(v) ? PJ_SET : PJ_DEFAULT;
}

/* MetricName {group = 1, tag = 2} */
struct metric_name {
	const char *group, *tag;
};

static void emit_metric_name(tb_buf *b, const void *msg, int f, int depth, const void *ctx)
{
	(void)depth, (void)ctx;
	const struct metric_name *m = msg;
	tb_json_cstr(b, f == 0 ? m->group : m->tag);
}

static void pj_metric_name(tb_buf *b, const char *group, const char *tag, int depth)
{
	static const char *const keys[] = { "group", "tag" };
	struct metric_name m = { group, tag };
	int st[] = { set_str(group), set_str(tag) };
	pj_msg(b, &m, keys, st, 2, NULL, emit_metric_name, depth, NULL);
}

/* ---- experiment ---------------------------------------------------------- */

static const char *const DATA_TYPES[] = { "DATA_TYPE_UNSET", "DATA_TYPE_STRING", "DATA_TYPE_BOOL",
					  "DATA_TYPE_FLOAT64" };
static const char *const DATASET_TYPES[] = { "DATASET_UNKNOWN", "DATASET_TRAINING",
					     "DATASET_VALIDATION" };
static const char *const STATUSES[] = { "STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE",
					"STATUS_RUNNING" };

/* An enum value by name, or its number when the name is unknown (as
 * MessageToJson prints unknown values). */
static void pj_enum(tb_buf *b, int v, const char *const *names, int n)
{
	if (v >= 0 && v < n)
		tb_json_cstr(b, names[v]);
	else
		tb_json_int(b, v);
}

static void discrete_item(tb_buf *b, size_t i, int depth, const void *ctx)
{
	(void)depth;
	pj_value(b, &((const tb_hp_hparam_info *)ctx)->discrete[i]);
}

static void emit_interval(tb_buf *b, const void *msg, int f, int depth, const void *ctx)
{
	(void)depth, (void)ctx;
	const tb_hp_hparam_info *h = msg;
	pj_double(b, f == 0 ? h->min : h->max);
}

static void emit_hparam_info(tb_buf *b, const void *msg, int f, int depth, const void *ctx)
{
	(void)ctx;
	const tb_hp_hparam_info *h = msg;
	switch (f) {
	case 0: tb_json_cstr(b, h->name); break;
	case 1: tb_json_cstr(b, h->display_name); break;
	case 2: tb_json_cstr(b, h->description); break;
	case 3: pj_enum(b, h->type, DATA_TYPES, 4); break;
	case 4: pj_list(b, h->n_discrete, depth, discrete_item, h); break;
	case 5: {
		static const char *const keys[] = { "minValue", "maxValue" };
		int st[] = { set_num(h->min), set_num(h->max) };
		pj_msg(b, h, keys, st, 2, NULL, emit_interval, depth, NULL);
		break;
	}
	default: tb_json_bool(b, h->differs); break;
	}
}

static void hparam_info_item(tb_buf *b, size_t i, int depth, const void *ctx)
{
	static const char *const keys[] = { "name", "displayName", "description", "type",
					    "domainDiscrete", "domainInterval", "differs" };
	const tb_hp_hparam_info *h = &((const tb_hp_experiment *)ctx)->hparams[i];
	int st[] = { set_str(h->name), set_str(h->display_name), set_str(h->description),
		     h->type ? PJ_SET : PJ_DEFAULT,
		     h->domain == TB_HP_DOMAIN_DISCRETE ? PJ_SET : PJ_OMIT,
		     h->domain == TB_HP_DOMAIN_INTERVAL ? PJ_SET : PJ_OMIT,
		     h->differs ? PJ_SET : PJ_DEFAULT };
	pj_msg(b, h, keys, st, 7, NULL, emit_hparam_info, depth, NULL);
}

static void emit_metric_info(tb_buf *b, const void *msg, int f, int depth, const void *ctx)
{
	(void)ctx;
	const tb_hp_metric_info *m = msg;
	switch (f) {
	case 0: pj_metric_name(b, m->group, m->tag, depth); break;
	case 1: tb_json_cstr(b, m->display_name); break;
	case 2: tb_json_cstr(b, m->description); break;
	default: pj_enum(b, m->dataset_type, DATASET_TYPES, 3); break;
	}
}

static void metric_info_item(tb_buf *b, size_t i, int depth, const void *ctx)
{
	static const char *const keys[] = { "name", "displayName", "description", "datasetType" };
	const tb_hp_metric_info *m = &((const tb_hp_experiment *)ctx)->metrics[i];
	int st[] = { PJ_SET, set_str(m->display_name), set_str(m->description),
		     m->dataset_type ? PJ_SET : PJ_DEFAULT };
	pj_msg(b, m, keys, st, 4, NULL, emit_metric_info, depth, NULL);
}

static void emit_experiment(tb_buf *b, const void *msg, int f, int depth, const void *ctx)
{
	(void)ctx;
	const tb_hp_experiment *e = msg;
	switch (f) {
	case 0: tb_json_cstr(b, e->description); break;
	case 1: tb_json_cstr(b, e->user); break;
	case 2: pj_double(b, e->time_created); break;
	case 3: pj_list(b, e->n_hparams, depth, hparam_info_item, e); break;
	case 4: pj_list(b, e->n_metrics, depth, metric_info_item, e); break;
	default: tb_json_cstr(b, e->name); break;
	}
}

static void write_experiment(tb_buf *b, const tb_hp_experiment *e)
{
	/* numbers: description 1, user 2, time_created_secs 3, hparam_infos 4,
	 * metric_infos 5, name 6; declared with name first */
	static const char *const keys[] = { "description", "user", "timeCreatedSecs",
					    "hparamInfos", "metricInfos", "name" };
	static const int decl[] = { 5, 0, 1, 2, 3, 4 };
	int st[] = { set_str(e->description), set_str(e->user), set_num(e->time_created),
		     e->n_hparams ? PJ_SET : PJ_DEFAULT, e->n_metrics ? PJ_SET : PJ_DEFAULT,
		     set_str(e->name) };
	pj_msg(b, e, keys, st, 6, decl, emit_experiment, 0, NULL);
}

/* ---- session groups ------------------------------------------------------ */

struct groups_ctx {
	const tb_hp_data *d;
	const tb_hp_request *rq;
	tb_hp_group *const *g;
};

/* A list of metric values: the present ones of mv, in experiment order. */
struct mv_list {
	const tb_hp_experiment *e;
	const tb_hp_mv *mv;
	size_t *idx;
	size_t n;
};

static void emit_metric_value(tb_buf *b, const void *msg, int f, int depth, const void *ctx)
{
	const tb_hp_metric_info *mi = ctx;
	const tb_hp_mv *v = msg;
	switch (f) {
	case 0: pj_metric_name(b, mi->group, mi->tag, depth); break;
	case 1: pj_double(b, v->value); break;
	case 2: tb_json_int(b, (int32_t)v->step); break;
	default: pj_double(b, v->wall); break;
	}
}

static void metric_value_item(tb_buf *b, size_t i, int depth, const void *ctx)
{
	static const char *const keys[] = { "name", "value", "trainingStep", "wallTimeSecs" };
	const struct mv_list *l = ctx;
	const tb_hp_mv *v = &l->mv[l->idx[i]];
	int st[] = { PJ_SET, set_num(v->value), (int32_t)v->step ? PJ_SET : PJ_DEFAULT,
		     set_num(v->wall) };
	pj_msg(b, v, keys, st, 4, NULL, emit_metric_value, depth, &l->e->metrics[l->idx[i]]);
}

static void pj_metric_values(tb_buf *b, const tb_hp_experiment *e, const tb_hp_mv *mv,
			     size_t *idx, int depth)
{
	struct mv_list l = { e, mv, idx, 0 };
	for (size_t m = 0; m < e->n_metrics; m++)
		if (mv[m].has)
			idx[l.n++] = m;
	pj_list(b, l.n, depth, metric_value_item, &l);
}

static size_t count_mv(const tb_hp_experiment *e, const tb_hp_mv *mv)
{
	size_t n = 0;
	for (size_t m = 0; m < e->n_metrics; m++)
		n += mv[m].has;
	return n;
}

struct session_ctx {
	const tb_hp_experiment *e;
	size_t *idx;
};

static void emit_session(tb_buf *b, const void *msg, int f, int depth, const void *ctx)
{
	const struct session_ctx *c = ctx;
	const tb_hp_session *s = msg;
	switch (f) {
	case 0: tb_json_cstr(b, s->name); break;
	case 1: pj_double(b, s->start_time); break;
	case 2: pj_double(b, s->end_time); break;
	case 3: pj_enum(b, s->status, STATUSES, 4); break;
	case 4: tb_json_cstr(b, s->model_uri); break;
	case 5: pj_metric_values(b, c->e, s->metrics, c->idx, depth); break;
	default: tb_json_cstr(b, s->monitor_url); break;
	}
}

static void session_item(tb_buf *b, size_t i, int depth, const void *ctx)
{
	static const char *const keys[] = { "name", "startTimeSecs", "endTimeSecs", "status",
					    "modelUri", "metricValues", "monitorUrl" };
	const struct { const tb_hp_group *g; struct session_ctx c; } *x = ctx;
	const tb_hp_session *s = x->g->sessions[i];
	int st[] = { set_str(s->name), set_num(s->start_time), set_num(s->end_time),
		     s->status ? PJ_SET : PJ_DEFAULT, set_str(s->model_uri),
		     count_mv(x->c.e, s->metrics) ? PJ_SET : PJ_DEFAULT, set_str(s->monitor_url) };
	pj_msg(b, s, keys, st, 7, NULL, emit_session, depth, &x->c);
}

struct group_ctx {
	const tb_hp_experiment *e;
	const tb_hp_request *rq;
	size_t *idx;
};

static size_t included_hparams(const tb_hp_request *rq, const tb_hp_group *g)
{
	size_t n = 0;
	for (size_t i = 0; i < g->n_hparams; i++)
		n += g->hparams[i].v.t != TB_HP_NONE && tb_hp_included(rq, g->hparams[i].name);
	return n;
}

static void emit_group(tb_buf *b, const void *msg, int f, int depth, const void *ctx)
{
	const struct group_ctx *c = ctx;
	const tb_hp_group *g = msg;
	switch (f) {
	case 0: tb_json_cstr(b, g->name); break;
	case 1: {
		/* map<string, Value>: an object, printed like a message's fields */
		bool first = true;
		tb_buf_putc(b, '{');
		for (size_t i = 0; i < g->n_hparams; i++) {
			if (g->hparams[i].v.t == TB_HP_NONE ||
			    !tb_hp_included(c->rq, g->hparams[i].name))
				continue;
			if (!first)
				tb_buf_putc(b, ',');
			first = false;
			indent(b, depth + 1);
			tb_json_cstr(b, g->hparams[i].name);
			tb_buf_puts(b, ": ");
			pj_value(b, &g->hparams[i].v);
		}
		if (!first)
			indent(b, depth);
		tb_buf_putc(b, '}');
		break;
	}
	case 2: pj_metric_values(b, c->e, g->metrics, c->idx, depth); break;
	case 3: {
		struct { const tb_hp_group *g; struct session_ctx c; } x = { g, { c->e, c->idx } };
		pj_list(b, g->n_sessions, depth, session_item, &x);
		break;
	}
	default: tb_json_cstr(b, g->monitor_url); break;
	}
}

static void group_item(tb_buf *b, size_t i, int depth, const void *ctx)
{
	static const char *const keys[] = { "name", "hparams", "metricValues", "sessions",
					    "monitorUrl" };
	const struct { tb_hp_group *const *g; struct group_ctx c; } *x = ctx;
	const tb_hp_group *g = x->g[i];
	int st[] = { set_str(g->name), included_hparams(x->c.rq, g) ? PJ_SET : PJ_DEFAULT,
		     count_mv(x->c.e, g->metrics) ? PJ_SET : PJ_DEFAULT,
		     g->n_sessions ? PJ_SET : PJ_DEFAULT, set_str(g->monitor_url) };
	pj_msg(b, g, keys, st, 5, NULL, emit_group, depth, &x->c);
}

struct response {
	tb_hp_group *const *g;
	size_t n, total;
	struct group_ctx c;
};

static void emit_response(tb_buf *b, const void *msg, int f, int depth, const void *ctx)
{
	(void)ctx;
	const struct response *r = msg;
	if (f == 0) {
		struct { tb_hp_group *const *g; struct group_ctx c; } x = { r->g, r->c };
		pj_list(b, r->n, depth, group_item, &x);
	} else {
		tb_json_int(b, (int64_t)r->total);
	}
}

/* ---- requests ------------------------------------------------------------ */

/* The request JSON: the POST body, or ?request= on a GET. */
static void request_json(const tb_request *req, const char **json, size_t *len)
{
	if (!strcmp(req->method, "POST")) {
		*json = req->body ? req->body : "";
		*len = req->body ? req->body_len : 0;
	} else {
		*json = tb_req_arg(req, "request");
		*len = *json ? strlen(*json) : 0;
	}
}

/* Parse the request or answer 400/503; true when parsed. */
static bool parse(const tb_request *req, tb_response *resp, tb_hp_kind kind, tb_hp_request *rq)
{
	const char *json;
	size_t len;
	char err[512] = "";
	request_json(req, &json, &len);
	int rc = tb_hp_request_parse(rq, kind, json, len, err, sizeof err);
	if (rc == -ENOMEM) {
		tb_resp_oom(resp);
		return false;
	}
	if (rc) {
		tb_log(TB_LOG_DEBUG, "hparams: bad request to %s: %s", req->route, err);
		tb_resp_error(resp, 400, "%s", err);
		return false;
	}
	return true;
}

void tb_api_hparams_experiment(const tb_request *req, tb_response *resp)
{
	tb_hp_request rq;
	if (!parse(req, resp, TB_HP_REQ_EXPERIMENT, &rq)) {
		tb_hp_request_release(&rq);
		return;
	}
	tb_hp_data d;
	int rc = tb_hp_collect(&req->app->store, rq.include_metrics, &d);
	if (!rc) {
		tb_hp_sort_hparams(&d.exp, rq.hparams_limit);
		tb_resp_json(resp);
		write_experiment(&resp->body, &d.exp);
	} else {
		tb_resp_oom(resp);
	}
	tb_hp_data_release(&d);
	tb_hp_request_release(&rq);
}

/* Collect and group for rq; answers the error itself (false). */
static bool make_groups(const tb_request *req, tb_response *resp, const tb_hp_request *rq,
			tb_hp_data *d, tb_hp_groups *gs)
{
	char err[512] = "";
	memset(gs, 0, sizeof *gs);
	tb_arena_init(&gs->arena);
	int rc = tb_hp_collect(&req->app->store, rq->include_metrics, d);
	if (!rc) {
		tb_hp_sort_hparams(&d->exp, 0);
		tb_hp_groups_release(gs);
		rc = tb_hp_groups_make(d, rq, gs, err, sizeof err);
	}
	if (rc == -EINVAL)
		tb_resp_error(resp, 400, "%s", err);
	else if (rc)
		tb_resp_oom(resp);
	return rc == 0;
}

void tb_api_hparams_session_groups(const tb_request *req, tb_response *resp)
{
	tb_hp_request rq;
	tb_hp_data d;
	tb_hp_groups gs;
	if (!parse(req, resp, TB_HP_REQ_SESSION_GROUPS, &rq)) {
		tb_hp_request_release(&rq);
		return;
	}
	if (make_groups(req, resp, &rq, &d, &gs)) {
		size_t first, end;
		tb_hp_slice(&rq, gs.n, &first, &end);
		size_t *idx = malloc((d.exp.n_metrics + 1) * sizeof *idx);
		if (!idx) {
			tb_resp_oom(resp);
		} else {
			static const char *const keys[] = { "sessionGroups", "", "totalSize" };
			struct response r = { gs.g + first, end - first, gs.n, { &d.exp, &rq, idx } };
			int st[] = { r.n ? PJ_SET : PJ_DEFAULT, PJ_OMIT, r.total ? PJ_SET : PJ_DEFAULT };
			tb_resp_json(resp);
			/* field 3 is the second index here: keys[1] is never printed */
			int st2[] = { st[0], st[2] };
			const char *const keys2[] = { keys[0], keys[2] };
			pj_msg(&resp->body, &r, keys2, st2, 2, NULL, emit_response, 0, NULL);
			free(idx);
		}
	}
	tb_hp_groups_release(&gs);
	tb_hp_data_release(&d);
	tb_hp_request_release(&rq);
}

void tb_api_hparams_metric_evals(const tb_request *req, tb_response *resp)
{
	tb_hp_request rq;
	if (!parse(req, resp, TB_HP_REQ_METRIC_EVALS, &rq)) {
		tb_hp_request_release(&rq);
		return;
	}
	char *run = tb_hp_metric_run(rq.session_name, rq.metric_group);
	tb_view v;
	if (!run) {
		tb_resp_oom(resp);
	} else if (tb_view_open(&v, &req->app->store, run, rq.metric_tag, TB_KIND_SCALAR)) {
		tb_resp_error(resp, 404, "No scalar data for run='%s', tag='%s'", run, rq.metric_tag);
	} else {
		tb_points it;
		tb_point_query q = { 0 };
		tb_resp_json(resp);
		int rc = tb_points_open(&it, &v, &q);
		rc = rc ? rc : tb_write_points_json(&resp->body, &it);
		tb_points_release(&it);
		tb_view_release(&v);
		if (rc)
			tb_resp_oom(resp);
	}
	free(run);
	tb_hp_request_release(&rq);
}

/* ---- download_data ------------------------------------------------------- */

typedef enum { CELL_NONE, CELL_NUM, CELL_STR, CELL_BOOL } cell_type;

typedef struct cell {
	cell_type t;
	double num;
	bool b;
	const char *str;
} cell;

static void latex_text(tb_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '_' || *s == '%')
			tb_buf_putc(b, '\\');
		tb_buf_putc(b, *s);
	}
}

static void latex_cell(tb_buf *b, const cell *c)
{
	char tmp[64];
	switch (c->t) {
	case CELL_NONE:
		tb_buf_putc(b, '-');
		break;
	case CELL_BOOL:
		tb_buf_puts(b, c->b ? "$1$" : "$0$");
		break;
	case CELL_STR:
		latex_text(b, c->str);
		break;
	case CELL_NUM:
		if (isnan(c->num)) {
			tb_buf_puts(b, "$\\mathrm{NaN}$");
		} else if (isinf(c->num)) {
			tb_buf_puts(b, c->num < 0 ? "$-\\infty$" : "$+\\infty$");
		} else {
			snprintf(tmp, sizeof tmp, "%.3g", c->num);
			char *e = strchr(tmp, 'e');
			if (e) {
				*e = 0;
				tb_buf_printf(b, "$%s\\cdot 10^{%d}$", tmp, atoi(e + 1));
			} else {
				tb_buf_printf(b, "$%s$", tmp);
			}
		}
		break;
	}
}

static void csv_cell(tb_buf *b, const cell *c)
{
	char tmp[TB_FMT_DOUBLE_MAX + 1];
	switch (c->t) {
	case CELL_NONE:
		break;
	case CELL_BOOL:
		tb_buf_puts(b, c->b ? "True" : "False");
		break;
	case CELL_STR:
		tb_write_csv_field(b, c->str, strlen(c->str));
		break;
	case CELL_NUM:
		tb_fmt_double(tmp, c->num);
		tb_buf_puts(b, tmp);
		break;
	}
}

static void json_cell(tb_buf *b, const cell *c)
{
	switch (c->t) {
	case CELL_NONE: tb_json_null(b); break;
	case CELL_BOOL: tb_json_bool(b, c->b); break;
	case CELL_STR: tb_json_cstr(b, c->str); break;
	case CELL_NUM: pj_double(b, c->num); break;
	}
}

/* The table: header cells, then rows of the same width (columns hidden by
 * columnsVisibility dropped, as Python's zip drops the ones past its end). */
static void write_table(tb_buf *b, const char *format, cell *cells, size_t rows, size_t cols)
{
	bool latex = !strcmp(format, "latex"), csv = !strcmp(format, "csv");
	if (latex) {
		tb_buf_puts(b, "\\begin{table}[tbp]\n\\begin{tabular}{");
		for (size_t c = 0; c < cols; c++)
			tb_buf_putc(b, 'l');
		tb_buf_puts(b, "}\n");
	} else if (!csv) {
		tb_buf_puts(b, "{\"header\": [");
	}
	for (size_t r = 0; r <= rows; r++) {
		if (!latex && !csv && r == 1)
			tb_buf_puts(b, "], \"rows\": [");
		if (!latex && !csv && r > 1)
			tb_buf_puts(b, ", ");
		if (!latex && !csv && r > 0)
			tb_buf_putc(b, '[');
		for (size_t c = 0; c < cols; c++) {
			const cell *x = &cells[r * cols + c];
			if (c)
				tb_buf_puts(b, latex ? " & " : csv ? "," : ", ");
			if (latex)
				latex_cell(b, x);
			else if (csv)
				csv_cell(b, x);
			else
				json_cell(b, x);
		}
		if (latex)
			tb_buf_puts(b, r == 0 ? " \\\\ \\hline\n" : " \\\\\n");
		else if (csv)
			tb_buf_puts(b, "\r\n");
		else if (r > 0)
			tb_buf_putc(b, ']');
	}
	if (latex)
		tb_buf_puts(b, "\\hline\n\\end{tabular}\n\\end{table}\n");
	else if (!csv)
		tb_buf_puts(b, rows ? "]}" : "], \"rows\": []}");
}

/* columnsVisibility: a JSON list of booleans (Python truthiness). */
static int parse_visibility(const char *s, bool **vis, size_t *n)
{
	cJSON *root = s ? cJSON_Parse(s) : NULL;
	if (!root || !cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return -EINVAL;
	}
	size_t cnt = (size_t)cJSON_GetArraySize(root);
	*vis = calloc(cnt + 1, sizeof **vis);
	if (!*vis) {
		cJSON_Delete(root);
		return -ENOMEM;
	}
	*n = 0;
	for (const cJSON *v = root->child; v; v = v->next)
		(*vis)[(*n)++] = cJSON_IsTrue(v) || (cJSON_IsNumber(v) && v->valuedouble != 0) ||
				 (cJSON_IsString(v) && *v->valuestring) ||
				 ((cJSON_IsArray(v) || cJSON_IsObject(v)) && v->child);
	cJSON_Delete(root);
	return 0;
}

void tb_api_hparams_download_data(const tb_request *req, tb_response *resp)
{
	const char *format = tb_req_arg(req, "format");
	if (!format || (strcmp(format, "csv") && strcmp(format, "json") && strcmp(format, "latex"))) {
		tb_resp_error(resp, 400, "Invalid reponses format: %s", format ? format : "None");
		return;
	}
	bool *vis = NULL;
	size_t n_vis = 0;
	int rc = parse_visibility(tb_req_arg(req, "columnsVisibility"), &vis, &n_vis);
	if (rc) {
		if (rc == -ENOMEM)
			tb_resp_oom(resp);
		else
			tb_resp_error(resp, 400, "columnsVisibility must be a JSON list of booleans");
		return;
	}
	tb_hp_request rq;
	tb_hp_data d;
	tb_hp_groups gs;
	if (!parse(req, resp, TB_HP_REQ_SESSION_GROUPS, &rq)) {
		tb_hp_request_release(&rq);
		free(vis);
		return;
	}
	/* the experiment of the download always has its metrics */
	rq.include_metrics = true;
	if (make_groups(req, resp, &rq, &d, &gs)) {
		size_t first, end;
		tb_hp_slice(&rq, gs.n, &first, &end);
		size_t all = d.exp.n_hparams + d.exp.n_metrics, cols = 0;
		for (size_t c = 0; c < all && c < n_vis; c++)
			cols += vis[c];
		size_t rows = end - first;
		cell *cells = calloc((rows + 1) * cols + 1, sizeof *cells);
		if (!cells) {
			tb_resp_oom(resp);
		} else {
			for (size_t r = 0; r <= rows; r++) {
				const tb_hp_group *g = r ? gs.g[first + r - 1] : NULL;
				size_t k = 0;
				for (size_t c = 0; c < all && c < n_vis; c++) {
					if (!vis[c])
						continue;
					cell *x = &cells[r * cols + k++];
					if (c < d.exp.n_hparams) {
						const tb_hp_hparam_info *h = &d.exp.hparams[c];
						if (!g) {
							*x = (cell){ CELL_STR, 0, 0,
								     *h->display_name ? h->display_name : h->name };
							continue;
						}
						*x = (cell){ CELL_STR, 0, 0, "" };
						for (size_t i = 0; i < g->n_hparams; i++) {
							const tb_hp_kv *kv = &g->hparams[i];
							if (strcmp(kv->name, h->name) ||
							    !tb_hp_included(&rq, kv->name))
								continue;
							if (kv->v.t == TB_HP_NUM)
								*x = (cell){ CELL_NUM, kv->v.num, 0, NULL };
							else if (kv->v.t == TB_HP_BOOL)
								*x = (cell){ CELL_BOOL, 0, kv->v.b, NULL };
							else if (kv->v.t == TB_HP_STR)
								*x = (cell){ CELL_STR, 0, 0, kv->v.str };
						}
					} else {
						const tb_hp_metric_info *m = &d.exp.metrics[c - d.exp.n_hparams];
						const tb_hp_mv *v = g ? &g->metrics[c - d.exp.n_hparams] : NULL;
						if (!g)
							*x = (cell){ CELL_STR, 0, 0,
								     *m->display_name ? m->display_name : m->tag };
						else if (v->has)
							*x = (cell){ CELL_NUM, v->value, 0, NULL };
					}
				}
			}
			resp->status = 200;
			resp->content_type = !strcmp(format, "csv") ? "text/csv; charset=utf-8" :
					     !strcmp(format, "latex") ? "application/x-latex" :
					     "application/json";
			write_table(&resp->body, format, cells, rows, cols);
			free(cells);
		}
	}
	tb_hp_groups_release(&gs);
	tb_hp_data_release(&d);
	tb_hp_request_release(&rq);
	free(vis);
}
