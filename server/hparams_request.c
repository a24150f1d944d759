/*
 * hparams_request.c - the hparams requests (GetExperimentRequest,
 * ListSessionGroupsRequest, ListMetricEvalsRequest) from protobuf-JSON.
 * Untrusted input: cJSON bounds the nesting, every field is type-checked,
 * unknown fields are refused as TensorBoard's json_format.Parse does, and
 * sizes have limits in tblimits.h. Strings are copied into the request's
 * arena: nothing points into the JSON text afterwards.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hparams_internal.h"
#include "tblimits.h"

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
