/*
 * hparams.c - sessions, experiment and session groups (see hparams.h).
 */
#include "hparams.h"

#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "plugin_data.pb-c.h"
#include "query.h"
#include "tblimits.h"
#include "wandb.h"

static const char TAG_EXPERIMENT[] = "_hparams_/experiment";
static const char TAG_START[] = "_hparams_/session_start_info";
static const char TAG_END[] = "_hparams_/session_end_info";

static char *adup(tb_arena *a, const char *s)
{
	size_t n = strlen(s ? s : "");
	char *p = tb_arena_alloc(a, n + 1);
	if (p) {
		memcpy(p, s ? s : "", n);
		p[n] = 0;
	}
	return p;
}

static void *azalloc(tb_arena *a, size_t n)
{
	void *p = tb_arena_alloc(a, n ? n : 1);
	if (p)
		memset(p, 0, n ? n : 1);
	return p;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- requests ------------------------------------------------------------ */

/* protobuf-JSON accepts the lowerCamelCase name and the proto field name. */
static bool is_field(const char *key, const char *camel, const char *snake)
{
	return !strcmp(key, camel) || !strcmp(key, snake);
}

static int parse_str(tb_arena *a, const cJSON *v, const char **out, const char *name,
		     char *err, size_t errlen)
{
	if (cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v)) {
		seterr(err, errlen, "field %s: expected a string", name);
		return -EINVAL;
	}
	*out = adup(a, v->valuestring);
	return *out ? 0 : -ENOMEM;
}

static int parse_bool(const cJSON *v, bool *out, const char *name, char *err, size_t errlen)
{
	if (cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v)) {
		seterr(err, errlen, "field %s: expected true or false", name);
		return -EINVAL;
	}
	*out = cJSON_IsTrue(v);
	return 0;
}

/* int32/int64: a JSON integer or a string holding one. */
static int parse_int(const cJSON *v, int64_t *out, int64_t lo, int64_t hi, const char *name,
		     char *err, size_t errlen)
{
	if (cJSON_IsNull(v))
		return 0;
	double d;
	if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
	} else if (cJSON_IsString(v)) {
		char *end;
		d = strtod(v->valuestring, &end);
		if (end == v->valuestring || *end)
			d = NAN;
	} else {
		d = NAN;
	}
	if (!(d >= (double)lo && d <= (double)hi) || d != floor(d)) {
		seterr(err, errlen, "field %s: expected an integer", name);
		return -EINVAL;
	}
	*out = (int64_t)d;
	return 0;
}

/* double: a number, or "NaN", "Infinity", "-Infinity" (proto3 JSON). */
static int parse_double(const cJSON *v, double *out, const char *name, char *err, size_t errlen)
{
	if (cJSON_IsNull(v))
		return 0;
	if (cJSON_IsNumber(v)) {
		*out = v->valuedouble;
		return 0;
	}
	if (cJSON_IsString(v)) {
		const char *s = v->valuestring;
		if (!strcmp(s, "NaN")) {
			*out = NAN;
			return 0;
		}
		if (!strcmp(s, "Infinity") || !strcmp(s, "-Infinity")) {
			*out = s[0] == '-' ? -INFINITY : INFINITY;
			return 0;
		}
		char *end;
		double d = strtod(s, &end);
		if (end != s && !*end) {
			*out = d;
			return 0;
		}
	}
	seterr(err, errlen, "field %s: expected a number", name);
	return -EINVAL;
}

/* An enum by name or number; names[i] is value i. */
static int parse_enum(const cJSON *v, int *out, const char *const *names, int n,
		      const char *name, char *err, size_t errlen)
{
	if (cJSON_IsNull(v))
		return 0;
	if (cJSON_IsString(v)) {
		for (int i = 0; i < n; i++)
			if (!strcmp(v->valuestring, names[i])) {
				*out = i;
				return 0;
			}
	} else if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < n &&
		   v->valuedouble == floor(v->valuedouble)) {
		*out = (int)v->valuedouble;
		return 0;
	}
	seterr(err, errlen, "field %s: unknown enum value", name);
	return -EINVAL;
}

static int parse_metric_name(tb_arena *a, const cJSON *v, const char **group, const char **tag,
			     const char *name, char *err, size_t errlen)
{
	if (cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsObject(v)) {
		seterr(err, errlen, "field %s: expected an object", name);
		return -EINVAL;
	}
	*group = "";
	*tag = "";
	for (const cJSON *m = v->child; m; m = m->next) {
		int rc;
		if (!strcmp(m->string, "group"))
			rc = parse_str(a, m, group, "group", err, errlen);
		else if (!strcmp(m->string, "tag"))
			rc = parse_str(a, m, tag, "tag", err, errlen);
		else {
			seterr(err, errlen, "MetricName has no field named \"%s\"", m->string);
			rc = -EINVAL;
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_value(tb_arena *a, const cJSON *v, tb_hp_value *out)
{
	memset(out, 0, sizeof *out);
	if (cJSON_IsNumber(v)) {
		out->t = TB_HP_NUM;
		out->num = v->valuedouble;
	} else if (cJSON_IsString(v)) {
		out->t = TB_HP_STR;
		out->str = adup(a, v->valuestring);
		if (!out->str)
			return -ENOMEM;
	} else if (cJSON_IsBool(v)) {
		out->t = TB_HP_BOOL;
		out->b = cJSON_IsTrue(v);
	}
	return 0;
}

static const char *const ORDER_NAMES[] = { "ORDER_UNSPECIFIED", "ORDER_ASC", "ORDER_DESC" };
static const char *const STATUS_NAMES[] = { "STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE",
					    "STATUS_RUNNING" };
static const char *const AGG_NAMES[] = { "AGGREGATION_AVG", "AGGREGATION_MEDIAN",
					 "AGGREGATION_MIN", "AGGREGATION_MAX" };

static int parse_col(tb_arena *a, const cJSON *o, tb_hp_col *c, char *err, size_t errlen)
{
	if (!cJSON_IsObject(o)) {
		seterr(err, errlen, "field colParams: expected objects");
		return -EINVAL;
	}
	bool named = false;
	for (const cJSON *m = o->child; m; m = m->next) {
		const char *k = m->string;
		int rc = 0;
		if (!strcmp(k, "metric")) {
			rc = parse_metric_name(a, m, &c->group, &c->tag, k, err, errlen);
			c->is_metric = true;
			named = true;
		} else if (!strcmp(k, "hparam")) {
			rc = parse_str(a, m, &c->hparam, k, err, errlen);
			named = true;
		} else if (!strcmp(k, "order")) {
			rc = parse_enum(m, &c->order, ORDER_NAMES, 3, k, err, errlen);
		} else if (is_field(k, "missingValuesFirst", "missing_values_first")) {
			rc = parse_bool(m, &c->missing_first, k, err, errlen);
		} else if (is_field(k, "excludeMissingValues", "exclude_missing_values")) {
			rc = parse_bool(m, &c->exclude_missing, k, err, errlen);
		} else if (is_field(k, "includeInResult", "include_in_result")) {
			rc = parse_bool(m, &c->include, k, err, errlen);
		} else if (is_field(k, "filterRegexp", "filter_regexp")) {
			rc = parse_str(a, m, &c->regexp, k, err, errlen);
			if (!rc && c->regexp) {
				if (strlen(c->regexp) > TB_MAX_HPARAMS_REGEXP) {
					seterr(err, errlen, "filterRegexp is longer than %u bytes",
					       TB_MAX_HPARAMS_REGEXP);
					return -EINVAL;
				}
				c->filter = TB_HP_FILTER_REGEXP;
			}
		} else if (is_field(k, "filterInterval", "filter_interval")) {
			if (cJSON_IsNull(m))
				continue;
			if (!cJSON_IsObject(m)) {
				seterr(err, errlen, "field %s: expected an object", k);
				return -EINVAL;
			}
			c->filter = TB_HP_FILTER_INTERVAL;
			for (const cJSON *f = m->child; f && !rc; f = f->next) {
				if (is_field(f->string, "minValue", "min_value"))
					rc = parse_double(f, &c->min, f->string, err, errlen);
				else if (is_field(f->string, "maxValue", "max_value"))
					rc = parse_double(f, &c->max, f->string, err, errlen);
				else {
					seterr(err, errlen, "Interval has no field named \"%s\"",
					       f->string);
					rc = -EINVAL;
				}
			}
		} else if (is_field(k, "filterDiscrete", "filter_discrete")) {
			if (cJSON_IsNull(m))
				continue;
			if (!cJSON_IsArray(m)) {
				seterr(err, errlen, "field %s: expected a list", k);
				return -EINVAL;
			}
			int n = cJSON_GetArraySize(m);
			c->filter = TB_HP_FILTER_DISCRETE;
			c->discrete = azalloc(a, (size_t)n * sizeof *c->discrete);
			if (!c->discrete)
				return -ENOMEM;
			for (const cJSON *f = m->child; f && !rc; f = f->next)
				rc = parse_value(a, f, &c->discrete[c->n_discrete++]);
		} else {
			seterr(err, errlen, "ColParams has no field named \"%s\"", k);
			return -EINVAL;
		}
		if (rc)
			return rc;
	}
	if (!named) {
		seterr(err, errlen, "a ColParams has neither \"metric\" nor \"hparam\"");
		return -EINVAL;
	}
	if (c->is_metric && c->hparam) {
		seterr(err, errlen, "a ColParams has both \"metric\" and \"hparam\"");
		return -EINVAL;
	}
	return 0;
}

static int parse_member(tb_hp_request *rq, tb_hp_kind kind, const cJSON *m, char *err,
			size_t errlen)
{
	tb_arena *a = &rq->arena;
	const char *k = m->string;
	if (is_field(k, "experimentName", "experiment_name"))
		return parse_str(a, m, &rq->experiment_name, k, err, errlen);
	if (kind == TB_HP_REQ_EXPERIMENT || kind == TB_HP_REQ_SESSION_GROUPS) {
		if (is_field(k, "includeMetrics", "include_metrics"))
			return parse_bool(m, &rq->include_metrics, k, err, errlen);
	}
	if (kind == TB_HP_REQ_EXPERIMENT && is_field(k, "hparamsLimit", "hparams_limit"))
		return parse_int(m, &rq->hparams_limit, INT32_MIN, INT32_MAX, k, err, errlen);
	if (kind == TB_HP_REQ_SESSION_GROUPS) {
		if (is_field(k, "colParams", "col_params")) {
			if (cJSON_IsNull(m))
				return 0;
			if (!cJSON_IsArray(m)) {
				seterr(err, errlen, "field %s: expected a list", k);
				return -EINVAL;
			}
			int n = cJSON_GetArraySize(m);
			if (n > (int)TB_MAX_HPARAMS_COLUMNS) {
				seterr(err, errlen, "more than %u colParams", TB_MAX_HPARAMS_COLUMNS);
				return -EINVAL;
			}
			rq->cols = azalloc(a, (size_t)n * sizeof *rq->cols);
			if (!rq->cols)
				return -ENOMEM;
			for (const cJSON *c = m->child; c; c = c->next) {
				int rc = parse_col(a, c, &rq->cols[rq->n_cols++], err, errlen);
				if (rc)
					return rc;
			}
			return 0;
		}
		if (is_field(k, "allowedStatuses", "allowed_statuses")) {
			if (cJSON_IsNull(m))
				return 0;
			if (!cJSON_IsArray(m)) {
				seterr(err, errlen, "field %s: expected a list", k);
				return -EINVAL;
			}
			for (const cJSON *s = m->child; s; s = s->next) {
				int st = 0;
				int rc = parse_enum(s, &st, STATUS_NAMES, 4, k, err, errlen);
				if (rc)
					return rc;
				rq->allowed_statuses |= 1u << st;
			}
			return 0;
		}
		if (is_field(k, "aggregationType", "aggregation_type"))
			return parse_enum(m, &rq->aggregation, AGG_NAMES, 4, k, err, errlen);
		if (is_field(k, "aggregationMetric", "aggregation_metric"))
			return parse_metric_name(a, m, &rq->agg_group, &rq->agg_tag, k, err, errlen);
		if (is_field(k, "startIndex", "start_index"))
			return parse_int(m, &rq->start_index, INT32_MIN, INT32_MAX, k, err, errlen);
		if (is_field(k, "sliceSize", "slice_size"))
			return parse_int(m, &rq->slice_size, INT32_MIN, INT32_MAX, k, err, errlen);
	}
	if (kind == TB_HP_REQ_METRIC_EVALS) {
		if (is_field(k, "sessionName", "session_name"))
			return parse_str(a, m, &rq->session_name, k, err, errlen);
		if (is_field(k, "metricName", "metric_name"))
			return parse_metric_name(a, m, &rq->metric_group, &rq->metric_tag, k, err,
						 errlen);
	}
	seterr(err, errlen, "the request has no field named \"%s\"", k);
	return -EINVAL;
}

int tb_hp_request_parse(tb_hp_request *rq, tb_hp_kind kind, const char *json, size_t len,
			char *err, size_t errlen)
{
	memset(rq, 0, sizeof *rq);
	tb_arena_init(&rq->arena);
	rq->include_metrics = true;
	rq->experiment_name = "";
	rq->session_name = "";
	rq->metric_group = rq->metric_tag = "";
	rq->agg_group = rq->agg_tag = "";
	if (!json) {
		seterr(err, errlen, "expected a JSON-formatted request, got none");
		return -EINVAL;
	}
	cJSON *root = cJSON_ParseWithLength(json, len);
	if (!root) {
		seterr(err, errlen, "expected a JSON-formatted request, got malformed JSON");
		return cJSON_GetErrorPtr() ? -EINVAL : -ENOMEM;
	}
	int rc = 0;
	if (!cJSON_IsObject(root)) {
		seterr(err, errlen, "expected a JSON object as the request");
		rc = -EINVAL;
	}
	for (const cJSON *m = root->child; m && !rc && cJSON_IsObject(root); m = m->next)
		rc = parse_member(rq, kind, m, err, errlen);
	cJSON_Delete(root);
	return rc;
}

void tb_hp_request_release(tb_hp_request *rq)
{
	tb_arena_release(&rq->arena);
}

/* ---- collecting ---------------------------------------------------------- */

static int copy_value(tb_arena *a, const Tensorboard__HParamsValue *v, tb_hp_value *out)
{
	memset(out, 0, sizeof *out);
	if (!v)
		return 0;
	switch (v->kind_case) {
	case TENSORBOARD__HPARAMS_VALUE__KIND_NUMBER_VALUE:
		out->t = TB_HP_NUM;
		out->num = v->number_value;
		break;
	case TENSORBOARD__HPARAMS_VALUE__KIND_STRING_VALUE:
		out->t = TB_HP_STR;
		out->str = adup(a, v->string_value);
		if (!out->str)
			return -ENOMEM;
		break;
	case TENSORBOARD__HPARAMS_VALUE__KIND_BOOL_VALUE:
		out->t = TB_HP_BOOL;
		out->b = v->bool_value;
		break;
	default:
		break;
	}
	return 0;
}

static int copy_experiment(tb_arena *a, const Tensorboard__HParamsExperiment *x,
			   tb_hp_experiment *e)
{
	e->name = adup(a, x->name);
	e->description = adup(a, x->description);
	e->user = adup(a, x->user);
	e->time_created = x->time_created_secs;
	e->hparams = azalloc(a, x->n_hparam_infos * sizeof *e->hparams);
	e->metrics = azalloc(a, x->n_metric_infos * sizeof *e->metrics);
	if (!e->name || !e->description || !e->user || !e->hparams || !e->metrics)
		return -ENOMEM;
	for (size_t i = 0; i < x->n_hparam_infos; i++) {
		const Tensorboard__HParamsHParamInfo *h = x->hparam_infos[i];
		tb_hp_hparam_info *o = &e->hparams[e->n_hparams++];
		o->name = adup(a, h->name);
		o->display_name = adup(a, h->display_name);
		o->description = adup(a, h->description);
		if (!o->name || !o->display_name || !o->description)
			return -ENOMEM;
		o->type = h->type;
		o->differs = h->differs;
		if (h->domain_case == TENSORBOARD__HPARAMS_HPARAM_INFO__DOMAIN_DOMAIN_DISCRETE &&
		    h->domain_discrete) {
			o->domain = TB_HP_DOMAIN_DISCRETE;
			o->discrete = azalloc(a, h->domain_discrete->n_values * sizeof *o->discrete);
			if (!o->discrete)
				return -ENOMEM;
			for (size_t j = 0; j < h->domain_discrete->n_values; j++)
				if (copy_value(a, h->domain_discrete->values[j], &o->discrete[o->n_discrete++]))
					return -ENOMEM;
		} else if (h->domain_case == TENSORBOARD__HPARAMS_HPARAM_INFO__DOMAIN_DOMAIN_INTERVAL &&
			   h->domain_interval) {
			o->domain = TB_HP_DOMAIN_INTERVAL;
			o->min = h->domain_interval->min_value;
			o->max = h->domain_interval->max_value;
		}
	}
	for (size_t i = 0; i < x->n_metric_infos; i++) {
		const Tensorboard__HParamsMetricInfo *m = x->metric_infos[i];
		tb_hp_metric_info *o = &e->metrics[e->n_metrics++];
		o->group = adup(a, m->name ? m->name->group : "");
		o->tag = adup(a, m->name ? m->name->tag : "");
		o->display_name = adup(a, m->display_name);
		o->description = adup(a, m->description);
		if (!o->group || !o->tag || !o->display_name || !o->description)
			return -ENOMEM;
		o->dataset_type = m->dataset_type;
	}
	return 0;
}

static Tensorboard__HParamsPluginData *unpack(const tb_run *r, const char *tag)
{
	tb_series *se = tb_run_find((tb_run *)r, tag, strlen(tag));
	if (!se || !tb_series_visible(se, TB_KIND_HPARAMS) || !se->content_len)
		return NULL;
	return tensorboard__hparams_plugin_data__unpack(NULL, se->content_len, se->content);
}

/* A JSON value text of W&B's config or summary as an hparam value:
 * numbers, strings and bools as themselves, anything else as its text. */
static int wandb_value(tb_arena *a, const char *json, tb_hp_value *out)
{
	memset(out, 0, sizeof *out);
	cJSON *v = cJSON_Parse(json);
	if (v && cJSON_IsNumber(v)) {
		out->t = TB_HP_NUM;
		out->num = v->valuedouble;
	} else if (v && cJSON_IsBool(v)) {
		out->t = TB_HP_BOOL;
		out->b = cJSON_IsTrue(v);
	} else if (v && cJSON_IsString(v)) {
		out->t = TB_HP_STR;
		out->str = adup(a, v->valuestring);
	} else if (v && (!strcmp(json, "\"NaN\"") || !strcmp(json, "NaN"))) {
		out->t = TB_HP_NUM;
		out->num = NAN;
	} else if (!cJSON_IsNull(v)) {
		out->t = TB_HP_STR;
		out->str = adup(a, json);
	}
	cJSON_Delete(v);
	return out->t == TB_HP_STR && !out->str ? -ENOMEM : 0;
}

struct wb_kvs {
	tb_arena *a;
	tb_hp_kv *v;
	size_t n, cap;
	tb_hp_session *s;
	bool summary;
	const char **media;  /* summary: prefixes of media values ("key/") */
	size_t n_media, cap_media;
};

static int wandb_kv(void *ctx, const char *key, const char *json)
{
	struct wb_kvs *k = ctx;
	tb_hp_value val;
	if (wandb_value(k->a, json, &val))
		return -ENOMEM;
	size_t kl = strlen(key);
	if (k->summary && kl > 6 && !strcmp(key + kl - 6, "/_type")) {
		/* a media value ({"_type": "images/separated", "count": ...}):
		 * none of its numbers is a metric */
		if (k->n_media == k->cap_media) {
			size_t cap = k->cap_media ? 2 * k->cap_media : 8;
			const char **n = tb_arena_alloc(k->a, cap * sizeof *n);
			if (!n)
				return -ENOMEM;
			if (k->n_media)
				memcpy(n, k->media, k->n_media * sizeof *n);
			k->media = n;
			k->cap_media = cap;
		}
		char *prefix = adup(k->a, key);
		if (!prefix)
			return -ENOMEM;
		prefix[kl - 5] = 0;  /* keeps the '/' */
		k->media[k->n_media++] = prefix;
		return 0;
	}
	if (k->summary) {
		if (!strcmp(key, "_step") && val.t == TB_HP_NUM)
			k->s->summary_step = (int64_t)val.num;
		if (!strcmp(key, "_timestamp") && val.t == TB_HP_NUM)
			k->s->summary_wall = val.num;
		if (key[0] == '_' || val.t != TB_HP_NUM)
			return 0;
	}  /* a null config value stays, as a missing value */
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 16;
		tb_hp_kv *n = tb_arena_alloc(k->a, cap * sizeof *n);
		if (!n)
			return -ENOMEM;
		if (k->n)
			memcpy(n, k->v, k->n * sizeof *n);
		k->v = n;
		k->cap = cap;
	}
	k->v[k->n].name = adup(k->a, key);
	k->v[k->n].v = val;
	return k->v[k->n++].name ? 0 : -ENOMEM;
}

/* A W&B run as a session (its lock held). */
static int wandb_session(tb_arena *a, const tb_run *r, const tb_wandb_info *w, tb_hp_session *s)
{
	memset(s, 0, sizeof *s);
	s->wandb = true;
	s->name = adup(a, r->name);
	s->group_name = s->model_uri = s->monitor_url = "";
	s->start_time = w->start_time;
	if (w->has_exit) {
		s->status = w->exit_code ? TB_HP_STATUS_FAILURE : TB_HP_STATUS_SUCCESS;
		s->end_time = w->start_time + (double)w->exit_runtime;
	} else {
		s->status = TB_HP_STATUS_RUNNING;
	}
	struct wb_kvs k = { .a = a, .s = s };
	int rc = s->name ? tb_wandb_info_config(w, wandb_kv, &k) : -ENOMEM;
	s->hparams = k.v;
	s->n_hparams = k.n;
	struct wb_kvs m = { .a = a, .s = s, .summary = true };
	rc = rc ? rc : tb_wandb_info_summary(w, wandb_kv, &m);
	size_t kept = 0;
	for (size_t i = 0; i < m.n; i++) {
		bool media = false;
		for (size_t j = 0; j < m.n_media && !media; j++)
			media = !strncmp(m.v[i].name, m.media[j], strlen(m.media[j]));
		if (!media)
			m.v[kept++] = m.v[i];
	}
	s->summary = m.v;
	s->n_summary = kept;
	return rc;
}

struct collect {
	tb_hp_data *d;
	bool have_exp;
	size_t cap;
	int rc;
};

static int collect_run(void *arg, tb_run *r)
{
	struct collect *c = arg;
	tb_arena *a = &c->d->arena;
	{
		/* the last experiment summary in run order wins (TensorBoard
		 * takes the first its os.walk found: no stable order) */
		Tensorboard__HParamsPluginData *p = unpack(r, TAG_EXPERIMENT);
		if (p && p->data_case == TENSORBOARD__HPARAMS_PLUGIN_DATA__DATA_EXPERIMENT &&
		    p->experiment) {
			c->have_exp = true;
			memset(&c->d->exp, 0, sizeof c->d->exp);
			int rc = copy_experiment(a, p->experiment, &c->d->exp);
			if (rc) {
				tensorboard__hparams_plugin_data__free_unpacked(p, NULL);
				return rc;
			}
		}
		if (p)
			tensorboard__hparams_plugin_data__free_unpacked(p, NULL);
	}
	const tb_wandb_info *w = tb_wandb_info_of(r);
	Tensorboard__HParamsPluginData *p = w ? NULL : unpack(r, TAG_START);
	if (!p && !w)
		return 0;
	if (p && (p->data_case != TENSORBOARD__HPARAMS_PLUGIN_DATA__DATA_SESSION_START_INFO ||
		  !p->session_start_info)) {
		tensorboard__hparams_plugin_data__free_unpacked(p, NULL);
		return 0;
	}
	int rc = 0;
	tb_hp_data *d = c->d;
	if (d->n_sessions == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		tb_hp_session *n = tb_arena_alloc(a, cap * sizeof *n);
		if (!n) {
			rc = -ENOMEM;
			goto out;
		}
		if (d->n_sessions)
			memcpy(n, d->sessions, d->n_sessions * sizeof *n);
		d->sessions = n;
		c->cap = cap;
	}
	if (w) {
		rc = wandb_session(a, r, w, &d->sessions[d->n_sessions]);
		if (!rc)
			d->n_sessions++;
		return rc;
	}
	const Tensorboard__HParamsSessionStartInfo *si = p->session_start_info;
	tb_hp_session *s = &d->sessions[d->n_sessions];
	memset(s, 0, sizeof *s);
	s->name = adup(a, r->name);
	s->group_name = adup(a, si->group_name);
	s->model_uri = adup(a, si->model_uri);
	s->monitor_url = adup(a, si->monitor_url);
	s->start_time = si->start_time_secs;
	s->hparams = azalloc(a, si->n_hparams * sizeof *s->hparams);
	if (!s->name || !s->group_name || !s->model_uri || !s->monitor_url || !s->hparams) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < si->n_hparams; i++) {
		tb_hp_kv *kv = &s->hparams[s->n_hparams++];
		kv->name = adup(a, si->hparams[i]->key);
		if (!kv->name || copy_value(a, si->hparams[i]->value, &kv->v)) {
			rc = -ENOMEM;
			goto out;
		}
	}
	Tensorboard__HParamsPluginData *e = unpack(r, TAG_END);
	if (e && e->data_case == TENSORBOARD__HPARAMS_PLUGIN_DATA__DATA_SESSION_END_INFO &&
	    e->session_end_info) {
		s->status = e->session_end_info->status;
		s->end_time = e->session_end_info->end_time_secs;
	}
	if (e)
		tensorboard__hparams_plugin_data__free_unpacked(e, NULL);
	d->n_sessions++;
out:
	if (p)
		tensorboard__hparams_plugin_data__free_unpacked(p, NULL);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Python: _protobuf_value_to_string (MessageToJson of the Value). */
static const char *value_string(tb_arena *a, const tb_hp_value *v)
{
	if (v->t == TB_HP_STR)
		return v->str;
	if (v->t == TB_HP_BOOL)
		return v->b ? "true" : "false";
	char tmp[64];
	if (isnan(v->num))
		return "\"NaN\"";
	if (isinf(v->num))
		return v->num < 0 ? "\"-Infinity\"" : "\"Infinity\"";
	tb_fmt_double(tmp, v->num);
	return adup(a, tmp);
}

/* backend_context._compute_hparam_infos, with sorted discrete domains,
 * into out (of every session, or of the W&B ones only). */
static int infer_hparams(tb_hp_data *d, tb_hp_experiment *out, bool wandb_only)
{
	tb_arena *a = &d->arena;
	size_t total = 0;
	for (size_t i = 0; i < d->n_sessions; i++)
		total += d->sessions[i].n_hparams;
	/* distinct names in first-seen order */
	const char **names = azalloc(a, total * sizeof *names);
	if (!names)
		return -ENOMEM;
	size_t n_names = 0;
	for (size_t i = 0; i < d->n_sessions; i++)
		for (size_t j = 0; j < d->sessions[i].n_hparams; j++) {
			if (wandb_only && !d->sessions[i].wandb)
				continue;
			const char *nm = d->sessions[i].hparams[j].name;
			size_t k = 0;
			while (k < n_names && strcmp(names[k], nm))
				k++;
			if (k == n_names)
				names[n_names++] = nm;
		}
	out->hparams = azalloc(a, n_names * sizeof *out->hparams);
	const char **strs = azalloc(a, d->n_sessions * sizeof *strs);
	double *nums = azalloc(a, d->n_sessions * sizeof *nums);
	if (!out->hparams || !strs || !nums)
		return -ENOMEM;
	for (size_t k = 0; k < n_names; k++) {
		int type = TB_HP_TYPE_UNSET;
		size_t nv = 0;
		bool has_false = false, has_true = false;
		for (size_t i = 0; i < d->n_sessions; i++)
			for (size_t j = 0; j < d->sessions[i].n_hparams; j++) {
				if (wandb_only && !d->sessions[i].wandb)
					continue;
				const tb_hp_kv *kv = &d->sessions[i].hparams[j];
				if (strcmp(kv->name, names[k]) || kv->v.t == TB_HP_NONE)
					continue;
				int t = kv->v.t == TB_HP_NUM ? TB_HP_TYPE_FLOAT64 :
					kv->v.t == TB_HP_STR ? TB_HP_TYPE_STRING : TB_HP_TYPE_BOOL;
				if (type == TB_HP_TYPE_UNSET)
					type = t;
				else if (type != t)
					type = TB_HP_TYPE_STRING;
				strs[nv] = value_string(a, &kv->v);
				if (!strs[nv])
					return -ENOMEM;
				nums[nv++] = kv->v.num;
				if (kv->v.t == TB_HP_BOOL && kv->v.b)
					has_true = true;
				else if (kv->v.t == TB_HP_BOOL)
					has_false = true;
			}
		if (type == TB_HP_TYPE_UNSET)
			continue;
		tb_hp_hparam_info *h = &out->hparams[out->n_hparams++];
		h->name = names[k];
		h->display_name = h->description = "";
		h->type = type;
		if (type == TB_HP_TYPE_STRING) {
			qsort(strs, nv, sizeof *strs, cmp_str);
			h->domain = TB_HP_DOMAIN_DISCRETE;
			h->discrete = azalloc(a, nv * sizeof *h->discrete);
			if (!h->discrete)
				return -ENOMEM;
			for (size_t i = 0; i < nv; i++)
				if (!i || strcmp(strs[i], strs[i - 1]))
					h->discrete[h->n_discrete++] =
						(tb_hp_value){ .t = TB_HP_STR, .str = strs[i] };
			h->differs = h->n_discrete > 1;
		} else if (type == TB_HP_TYPE_BOOL) {
			h->domain = TB_HP_DOMAIN_DISCRETE;
			h->discrete = azalloc(a, 2 * sizeof *h->discrete);
			if (!h->discrete)
				return -ENOMEM;
			if (has_false)
				h->discrete[h->n_discrete++] = (tb_hp_value){ .t = TB_HP_BOOL, .b = false };
			if (has_true)
				h->discrete[h->n_discrete++] = (tb_hp_value){ .t = TB_HP_BOOL, .b = true };
			h->differs = h->n_discrete > 1;
		} else {
			qsort(nums, nv, sizeof *nums, cmp_double);
			h->domain = TB_HP_DOMAIN_INTERVAL;
			h->min = nums[0];
			h->max = nums[nv - 1];
			for (size_t i = 1; i < nv; i++)
				if (nums[i] != nums[0])
					h->differs = true;
		}
	}
	return 0;
}

struct metric_names {
	tb_hp_data *d;
	const char **sessions;   /* sorted */
	struct mn { const char *tag, *group; } *v;
	size_t n, cap;
};

static bool is_session(const struct metric_names *m, const char *name)
{
	return bsearch(&name, m->sessions, m->d->n_sessions, sizeof *m->sessions, cmp_str) != NULL;
}

static int metric_names_run(void *arg, const tb_run *r, const tb_series **tags, size_t n)
{
	struct metric_names *m = arg;
	tb_arena *a = &m->d->arena;
	if (tb_wandb_info_of(r))
		return 0;  /* a W&B run's metrics are its summary */
	/* _find_longest_parent_path: the run itself, then its dirnames */
	size_t len = strlen(r->name);
	char *path = malloc(len + 1);
	if (!path)
		return -ENOMEM;
	memcpy(path, r->name, len + 1);
	for (;;) {
		if (is_session(m, path))
			break;
		if (!*path) {
			free(path);
			return 0;
		}
		char *slash = strrchr(path, '/');
		/* os.path.dirname: up to the last '/', trailing ones dropped */
		while (slash && slash > path && slash[-1] == '/')
			slash--;
		if (slash)
			*(slash == path ? slash + 1 : slash) = 0;
		else
			*path = 0;
		if (slash == path && !path[1] && !is_session(m, path)) {
			free(path);
			return 0;
		}
	}
	size_t plen = strlen(path);
	const char *group = r->name + plen;
	while (*group == '/')
		group++;
	if (!*path)
		group = r->name;
	free(path);
	for (size_t i = 0; i < n; i++) {
		if (m->n == m->cap) {
			size_t cap = m->cap ? 2 * m->cap : 64;
			struct mn *v = realloc(m->v, cap * sizeof *v);
			if (!v)
				return -ENOMEM;
			m->v = v;
			m->cap = cap;
		}
		m->v[m->n].tag = adup(a, tags[i]->tag);
		m->v[m->n].group = adup(a, group);
		if (!m->v[m->n].tag || !m->v[m->n].group)
			return -ENOMEM;
		m->n++;
	}
	return 0;
}

static int cmp_mn(const void *a, const void *b)
{
	const struct mn *x = a, *y = b;
	int c = strcmp(x->tag, y->tag);
	return c ? c : strcmp(x->group, y->group);
}

/* backend_context._compute_metric_infos_from_runs, plus the W&B runs'
 * summary keys (only those when wandb_only), into d->exp. */
static int infer_metrics(tb_store *s, tb_hp_data *d, bool wandb_only)
{
	struct metric_names m = { .d = d };
	m.sessions = azalloc(&d->arena, d->n_sessions * sizeof *m.sessions);
	if (!m.sessions)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_sessions; i++)
		m.sessions[i] = d->sessions[i].name;
	qsort(m.sessions, d->n_sessions, sizeof *m.sessions, cmp_str);
	int rc = d->n_sessions && !wandb_only ?
		 tb_query_tags(s, TB_KIND_SCALAR, metric_names_run, &m) : 0;
	for (size_t i = 0; i < d->n_sessions && !rc; i++)
		for (size_t j = 0; j < d->sessions[i].n_summary && !rc; j++) {
			if (m.n == m.cap) {
				size_t cap = m.cap ? 2 * m.cap : 64;
				struct mn *v = realloc(m.v, cap * sizeof *v);
				if (!v) {
					rc = -ENOMEM;
					break;
				}
				m.v = v;
				m.cap = cap;
			}
			m.v[m.n++] = (struct mn){ d->sessions[i].summary[j].name, "" };
		}
	if (!rc) {
		qsort(m.v, m.n, sizeof *m.v, cmp_mn);
		d->exp.metrics = azalloc(&d->arena, m.n * sizeof *d->exp.metrics);
		if (!d->exp.metrics)
			rc = -ENOMEM;
		for (size_t i = 0; i < m.n && !rc; i++) {
			if (i && !cmp_mn(&m.v[i], &m.v[i - 1]))
				continue;
			tb_hp_metric_info *o = &d->exp.metrics[d->exp.n_metrics++];
			o->tag = m.v[i].tag;
			o->group = m.v[i].group;
			o->display_name = o->description = "";
		}
	}
	free(m.v);
	return rc;
}

char *tb_hp_metric_run(const char *session, const char *group)
{
	/* normpath(join(session, group)): an absolute group replaces the
	 * session; "." and empty components go, ".." eats one. */
	size_t ls = strlen(session), lg = strlen(group);
	char *joined = malloc(ls + lg + 2);
	if (!joined)
		return NULL;
	if (group[0] == '/')
		memcpy(joined, group, lg + 1);
	else
		snprintf(joined, ls + lg + 2, "%s%s%s", session,
			 ls && session[ls - 1] != '/' ? "/" : "", group);
	char *out = malloc(strlen(joined) + 2);
	if (!out) {
		free(joined);
		return NULL;
	}
	bool abs = joined[0] == '/';
	size_t o = 0, depth = 0;  /* depth: components kept that ".." may eat */
	char *save = NULL;
	for (char *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			if (depth) {
				while (o > 0 && out[o - 1] != '/')
					o--;
				if (o > 0)
					o--;
				depth--;
				continue;
			}
			if (abs)
				continue;
		} else {
			depth++;
		}
		if (o || abs)
			out[o++] = '/';
		memcpy(out + o, c, strlen(c));
		o += strlen(c);
	}
	if (abs && !o)
		out[o++] = '/';
	if (!o)
		out[o++] = '.';
	out[o] = 0;
	if (abs && out[0] != '/') {
		memmove(out + 1, out, o + 1);
		out[0] = '/';
	}
	free(joined);
	return out;
}

static int metric_values(tb_store *s, tb_hp_data *d)
{
	for (size_t i = 0; i < d->n_sessions; i++) {
		tb_hp_session *se = &d->sessions[i];
		se->metrics = azalloc(&d->arena, d->exp.n_metrics * sizeof *se->metrics);
		if (!se->metrics)
			return -ENOMEM;
		for (size_t m = 0; m < d->exp.n_metrics && se->wandb; m++)
			for (size_t k = 0; k < se->n_summary; k++)
				if (!*d->exp.metrics[m].group &&
				    !strcmp(se->summary[k].name, d->exp.metrics[m].tag))
					se->metrics[m] = (tb_hp_mv){ true, se->summary[k].v.num,
								     se->summary_step, se->summary_wall };
		for (size_t m = 0; m < d->exp.n_metrics && !se->wandb; m++) {
			char *run = tb_hp_metric_run(se->name, d->exp.metrics[m].group);
			if (!run)
				return -ENOMEM;
			tb_view v;
			int rc = tb_view_open(&v, s, run, d->exp.metrics[m].tag, TB_KIND_SCALAR);
			free(run);
			if (rc == -ENOMEM)
				return rc;
			if (rc)
				continue;
			if (v.end > v.first) {
				size_t k = v.end - 1;
				tb_scalar sc = tb_series_scalar(v.se, k);
				se->metrics[m].has = true;
				se->metrics[m].value = sc.type == TB_NUM_F32 || sc.type == TB_NUM_F64 ?
						       sc.f : (double)sc.i;
				se->metrics[m].step = tb_series_step(v.se, k);
				se->metrics[m].wall = tb_series_wall(v.se, k);
			}
			tb_view_release(&v);
		}
	}
	return 0;
}

/* An experiment summary and W&B runs: the W&B runs' hparams and metrics
 * the summary does not name are appended to it. */
static int add_wandb_infos(tb_store *s, tb_hp_data *d, bool include_metrics)
{
	bool any = false;
	for (size_t i = 0; i < d->n_sessions; i++)
		any |= d->sessions[i].wandb;
	if (!any)
		return 0;
	tb_hp_experiment x = { 0 };
	tb_hp_data w = *d;
	w.exp = x;
	int rc = infer_hparams(&w, &w.exp, true);
	if (!rc && include_metrics)
		rc = infer_metrics(s, &w, true);
	d->arena = w.arena;  /* infer_* allocated from w's copy of the arena */
	if (rc)
		return rc;
	tb_hp_experiment *e = &d->exp;
	tb_hp_hparam_info *h = tb_arena_alloc(&d->arena,
					      (e->n_hparams + w.exp.n_hparams + 1) * sizeof *h);
	tb_hp_metric_info *m = tb_arena_alloc(&d->arena,
					      (e->n_metrics + w.exp.n_metrics + 1) * sizeof *m);
	if (!h || !m)
		return -ENOMEM;
	memcpy(h, e->hparams, e->n_hparams * sizeof *h);
	memcpy(m, e->metrics, e->n_metrics * sizeof *m);
	size_t nh = e->n_hparams, nm = e->n_metrics;
	for (size_t i = 0; i < w.exp.n_hparams; i++) {
		size_t k = 0;
		while (k < e->n_hparams && strcmp(e->hparams[k].name, w.exp.hparams[i].name))
			k++;
		if (k == e->n_hparams)
			h[nh++] = w.exp.hparams[i];
	}
	for (size_t i = 0; i < w.exp.n_metrics; i++) {
		size_t k = 0;
		while (k < e->n_metrics && (strcmp(e->metrics[k].tag, w.exp.metrics[i].tag) ||
					    *e->metrics[k].group))
			k++;
		if (k == e->n_metrics)
			m[nm++] = w.exp.metrics[i];
	}
	e->hparams = h;
	e->n_hparams = nh;
	e->metrics = m;
	e->n_metrics = nm;
	return 0;
}

int tb_hp_collect(tb_store *s, bool include_metrics, tb_hp_data *d)
{
	memset(d, 0, sizeof *d);
	tb_arena_init(&d->arena);
	d->exp.name = d->exp.description = d->exp.user = "";
	struct collect c = { .d = d };
	int rc = tb_query_sorted_runs(s, collect_run, &c);
	if (rc)
		return rc;
	if (!c.have_exp) {
		rc = infer_hparams(d, &d->exp, false);
		if (!rc && include_metrics && d->exp.n_hparams)
			rc = infer_metrics(s, d, false);
	} else {
		if (!include_metrics)
			d->exp.n_metrics = 0;
		rc = add_wandb_infos(s, d, include_metrics);
	}
	if (!rc)
		rc = metric_values(s, d);
	return rc;
}

void tb_hp_data_release(tb_hp_data *d)
{
	tb_arena_release(&d->arena);
}

static int cmp_hparam_info(const void *a, const void *b)
{
	const tb_hp_hparam_info *x = a, *y = b;
	if (x->differs != y->differs)
		return x->differs ? -1 : 1;
	return strcmp(x->name, y->name);
}

void tb_hp_sort_hparams(tb_hp_experiment *e, int64_t limit)
{
	/* names are unique in practice; equal keys would make qsort's order
	 * unspecified, so break ties by position */
	qsort(e->hparams, e->n_hparams, sizeof *e->hparams, cmp_hparam_info);
	if (limit > 0 && (uint64_t)limit < e->n_hparams)
		e->n_hparams = (size_t)limit;
}

/* ---- groups -------------------------------------------------------------- */

/* A stable merge sort of pointers (Python's list.sort is stable). */
typedef int (*cmp_fn)(const void *a, const void *b, const void *ctx);

static void msort(void **v, void **tmp, size_t n, cmp_fn cmp, const void *ctx)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	msort(v, tmp, h, cmp, ctx);
	msort(v + h, tmp, n - h, cmp, ctx);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = cmp(v[j], v[i], ctx) < 0 ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof *v);
}

static int cmp_session_name(const void *a, const void *b, const void *ctx)
{
	(void)ctx;
	return strcmp(((const tb_hp_session *)a)->name, ((const tb_hp_session *)b)->name);
}

static int cmp_group_name(const void *a, const void *b, const void *ctx)
{
	(void)ctx;
	return strcmp(((const tb_hp_group *)a)->name, ((const tb_hp_group *)b)->name);
}

static int metric_index(const tb_hp_experiment *e, const char *group, const char *tag)
{
	for (size_t i = 0; i < e->n_metrics; i++)
		if (!strcmp(e->metrics[i].group, group) && !strcmp(e->metrics[i].tag, tag))
			return (int)i;
	return -1;
}

static int cmp_mv_value(const void *a, const void *b, const void *ctx)
{
	size_t m = *(const size_t *)ctx;
	double x = ((const tb_hp_session *)a)->metrics[m].value;
	double y = ((const tb_hp_session *)b)->metrics[m].value;
	return x < y ? -1 : x > y;
}

/* list_session_groups._aggregate_metrics */
static int aggregate(tb_arena *a, const tb_hp_experiment *e, const tb_hp_request *rq,
		     tb_hp_group *g)
{
	size_t nm = e->n_metrics;
	g->metrics = azalloc(a, nm * sizeof *g->metrics);
	if (!g->metrics)
		return -ENOMEM;
	if (rq->aggregation == TB_HP_AGG_AVG) {
		for (size_t m = 0; m < nm; m++) {
			double total = 0, wall = 0;
			int64_t steps = 0, count = 0;
			for (size_t i = 0; i < g->n_sessions; i++) {
				const tb_hp_mv *v = &g->sessions[i]->metrics[m];
				if (!v->has)
					continue;
				total += v->value;
				steps += v->step;
				wall += v->wall;
				count++;
			}
			if (!count)
				continue;
			int64_t q = steps / count;
			if ((steps % count) && ((steps < 0) != (count < 0)))
				q--;  /* Python's // floors */
			g->metrics[m] = (tb_hp_mv){ true, total / (double)count, q,
						    wall / (double)count };
		}
		return 0;
	}
	int mi = metric_index(e, rq->agg_group, rq->agg_tag);
	if (mi < 0)
		return 0;  /* TensorBoard fails with a 500 here */
	size_t m = (size_t)mi;
	const tb_hp_session **meas = azalloc(a, g->n_sessions * sizeof *meas);
	void **tmp = azalloc(a, g->n_sessions * sizeof *tmp);
	if (!meas || !tmp)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < g->n_sessions; i++)
		if (g->sessions[i]->metrics[m].has)
			meas[n++] = g->sessions[i];
	if (!n)
		return 0;  /* TensorBoard fails with a 500 here too */
	const tb_hp_session *pick = meas[0];
	if (rq->aggregation == TB_HP_AGG_MEDIAN) {
		msort((void **)meas, tmp, n, cmp_mv_value, &m);
		pick = meas[(n - 1) / 2];
	} else {
		for (size_t i = 1; i < n; i++) {
			double v = meas[i]->metrics[m].value, best = pick->metrics[m].value;
			if (rq->aggregation == TB_HP_AGG_MIN ? v < best : v > best)
				pick = meas[i];
		}
	}
	memcpy(g->metrics, pick->metrics, nm * sizeof *g->metrics);
	return 0;
}

/* The column value of a group; t NONE when missing. */
static tb_hp_value extract(const tb_hp_experiment *e, const tb_hp_col *c, const tb_hp_group *g)
{
	tb_hp_value v = { 0 };
	if (c->is_metric) {
		int m = metric_index(e, c->group ? c->group : "", c->tag ? c->tag : "");
		if (m >= 0 && g->metrics[m].has) {
			v.t = TB_HP_NUM;
			v.num = g->metrics[m].value;
		}
		return v;
	}
	for (size_t i = 0; i < g->n_hparams; i++)
		if (!strcmp(g->hparams[i].name, c->hparam ? c->hparam : ""))
			return g->hparams[i].v;
	return v;
}

static bool is_number(const tb_hp_value *v)
{
	return v->t == TB_HP_NUM || v->t == TB_HP_BOOL;
}

static double number(const tb_hp_value *v)
{
	return v->t == TB_HP_BOOL ? (double)v->b : v->num;
}

/* Python ==: numbers and bools by value, strings by content. */
static bool values_equal(const tb_hp_value *a, const tb_hp_value *b)
{
	if (is_number(a) && is_number(b))
		return number(a) == number(b);
	return a->t == TB_HP_STR && b->t == TB_HP_STR && !strcmp(a->str, b->str);
}

static const char *type_name(const tb_hp_value *v)
{
	return v->t == TB_HP_STR ? "str" : v->t == TB_HP_BOOL ? "bool" : "float";
}

/* 1 passes, 0 fails, -EINVAL (err set). */
static int passes(const tb_hp_experiment *e, const tb_hp_col *c, const regex_t *re,
		  const tb_hp_group *g, char *err, size_t errlen)
{
	tb_hp_value v = extract(e, c, g);
	if (v.t == TB_HP_NONE)
		return !c->exclude_missing;
	switch (c->filter) {
	case TB_HP_FILTER_REGEXP:
		if (v.t != TB_HP_STR) {
			seterr(err, errlen, "Cannot use a regexp filter for a value of type %s",
			       type_name(&v));
			return -EINVAL;
		}
		return regexec(re, v.str, 0, NULL, 0) == 0;
	case TB_HP_FILTER_INTERVAL:
		if (!is_number(&v)) {
			seterr(err, errlen, "Cannot use an interval filter for a value of type %s",
			       type_name(&v));
			return -EINVAL;
		}
		return c->min <= number(&v) && number(&v) <= c->max;
	case TB_HP_FILTER_DISCRETE:
		for (size_t i = 0; i < c->n_discrete; i++)
			if (values_equal(&v, &c->discrete[i]))
				return 1;
		return 0;
	default:
		return 1;
	}
}

struct sort_ctx {
	const tb_hp_experiment *e;
	const tb_hp_col *c;
	bool none_largest;
	bool desc;
};

/* Python's comparison of (missing?, value) keys; numbers before strings
 * where Python would raise TypeError. */
static int cmp_key(const void *a, const void *b, const void *ctx)
{
	const struct sort_ctx *s = ctx;
	tb_hp_value x = extract(s->e, s->c, a), y = extract(s->e, s->c, b);
	bool nx = x.t == TB_HP_NONE, ny = y.t == TB_HP_NONE;
	int r;
	if (nx || ny) {
		r = nx == ny ? 0 : (nx ? 1 : -1) * (s->none_largest ? 1 : -1);
	} else if (is_number(&x) && is_number(&y)) {
		double p = number(&x), q = number(&y);
		r = p < q ? -1 : p > q;
	} else if (x.t == TB_HP_STR && y.t == TB_HP_STR) {
		r = strcmp(x.str, y.str);
		r = (r > 0) - (r < 0);
	} else {
		r = x.t == TB_HP_STR ? 1 : -1;
	}
	return s->desc ? -r : r;
}

int tb_hp_groups_make(const tb_hp_data *d, const tb_hp_request *rq, tb_hp_groups *out,
		      char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	tb_arena_init(&out->arena);
	tb_arena *a = &out->arena;
	size_t ns = d->n_sessions;
	void **tmp = azalloc(a, (ns + 1) * sizeof *tmp);
	void **order = azalloc(a, (ns + 1) * sizeof *order);
	out->g = azalloc(a, (ns + 1) * sizeof *out->g);
	if (!tmp || !order || !out->g)
		return -ENOMEM;
	/* sessions of the allowed statuses, clustered by group name with the
	 * first one met first (stable sort) */
	size_t n = 0;
	for (size_t i = 0; i < ns; i++) {
		const tb_hp_session *s = &d->sessions[i];
		if (s->status >= 0 && s->status < 32 && (rq->allowed_statuses >> s->status) & 1)
			order[n++] = (void *)s;
	}
	for (size_t i = 0; i < n;) {
		const tb_hp_session *first = order[i];
		const char *gname = *first->group_name ? first->group_name : first->name;
		tb_hp_group *g = azalloc(a, sizeof *g);
		if (!g)
			return -ENOMEM;
		g->name = gname;
		g->hparams = first->hparams;
		g->n_hparams = first->n_hparams;
		g->monitor_url = first->monitor_url;
		/* gather the group's sessions: those after i with the same name */
		size_t k = i + 1;
		if (*first->group_name) {
			for (size_t j = i + 1; j < n; j++) {
				const tb_hp_session *s = order[j];
				const char *sn = *s->group_name ? s->group_name : s->name;
				if (!strcmp(sn, gname)) {
					void *t = order[j];
					memmove(order + k + 1, order + k, (j - k) * sizeof *order);
					order[k++] = t;
				}
			}
		}
		g->n_sessions = k - i;
		g->sessions = azalloc(a, g->n_sessions * sizeof *g->sessions);
		if (!g->sessions)
			return -ENOMEM;
		memcpy(g->sessions, order + i, g->n_sessions * sizeof *g->sessions);
		msort((void **)g->sessions, tmp, g->n_sessions, cmp_session_name, NULL);
		int rc = aggregate(a, &d->exp, rq, g);
		if (rc)
			return rc;
		out->g[out->n++] = g;
		i = k;
	}
	/* filters */
	regex_t *res = azalloc(a, (rq->n_cols + 1) * sizeof *res);
	if (!res)
		return -ENOMEM;
	int rc = 0;
	size_t compiled = 0;
	for (; compiled < rq->n_cols; compiled++) {
		const tb_hp_col *c = &rq->cols[compiled];
		if (c->filter != TB_HP_FILTER_REGEXP)
			continue;
		int e = regcomp(&res[compiled], c->regexp, REG_EXTENDED | REG_NOSUB);
		if (e) {
			char msg[128];
			regerror(e, &res[compiled], msg, sizeof msg);
			seterr(err, errlen, "Error parsing regexp: %s. Error: %s", c->regexp, msg);
			rc = -EINVAL;
			break;
		}
	}
	size_t kept = 0;
	for (size_t i = 0; i < out->n && !rc; i++) {
		bool ok = true;
		for (size_t c = 0; c < rq->n_cols && ok && !rc; c++) {
			if (rq->cols[c].filter == TB_HP_FILTER_NONE && !rq->cols[c].exclude_missing)
				continue;
			int p = passes(&d->exp, &rq->cols[c], &res[c], out->g[i], err, errlen);
			if (p < 0)
				rc = p;
			ok = p > 0;
		}
		if (ok && !rc)
			out->g[kept++] = out->g[i];
	}
	for (size_t c = 0; c < compiled; c++)
		if (rq->cols[c].filter == TB_HP_FILTER_REGEXP)
			regfree(&res[c]);
	if (rc)
		return rc;
	out->n = kept;
	/* sort: by name, then by each ordered column, least significant first */
	msort((void **)out->g, tmp, out->n, cmp_group_name, NULL);
	for (size_t c = rq->n_cols; c-- > 0;) {
		const tb_hp_col *col = &rq->cols[c];
		if (col->order == TB_HP_ORDER_UNSPECIFIED)
			continue;
		struct sort_ctx s = { &d->exp, col,
				      col->order == TB_HP_ORDER_ASC ? !col->missing_first :
								      col->missing_first,
				      col->order == TB_HP_ORDER_DESC };
		msort((void **)out->g, tmp, out->n, cmp_key, &s);
	}
	return 0;
}

void tb_hp_groups_release(tb_hp_groups *gs)
{
	tb_arena_release(&gs->arena);
}

void tb_hp_slice(const tb_hp_request *rq, size_t n, size_t *first, size_t *end)
{
	int64_t len = (int64_t)n, a = rq->start_index, b = rq->start_index + rq->slice_size;
	a = a < 0 ? (a + len < 0 ? 0 : a + len) : (a > len ? len : a);
	b = b < 0 ? (b + len < 0 ? 0 : b + len) : (b > len ? len : b);
	*first = (size_t)a;
	*end = b < a ? (size_t)a : (size_t)b;
}

bool tb_hp_included(const tb_hp_request *rq, const char *name)
{
	bool any = false;
	for (size_t i = 0; i < rq->n_cols; i++) {
		const tb_hp_col *c = &rq->cols[i];
		if (c->is_metric || !c->hparam)
			continue;
		any = true;
		if (c->include && !strcmp(c->hparam, name))
			return true;
	}
	return !any;
}
