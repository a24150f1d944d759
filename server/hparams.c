/*
 * hparams.c - sessions and the experiment, read from the store (see
 * hparams.h): TensorBoard's session start/end infos and experiment
 * summary, W&B runs' config and summary, the inferred experiment, and
 * each session's metric values. Reads through the query layer only; all
 * it keeps is copied into the data's arena.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hparams_internal.h"
#include "json.h"
#include "plugin_data.pb-c.h"
#include "query.h"
#include "wandb.h"

static const char TAG_EXPERIMENT[] = "_hparams_/experiment";
static const char TAG_START[] = "_hparams_/session_start_info";
static const char TAG_END[] = "_hparams_/session_end_info";

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

/* Metric values: one walk over the runs' scalar series (a lookup per
 * session and metric would cost a run-list scan each). A run R holds the
 * metrics of group g of each session S among R and its ancestors, with
 * R = S/g (TensorBoard: run normpath(join(S, g)), then the last point). */
struct mv_walk {
	tb_hp_data *d;
	const tb_hp_session **by_name;  /* TensorBoard sessions, sorted by name */
	size_t n;
};

static const tb_hp_session *find_session(const struct mv_walk *w, const char *name)
{
	tb_hp_session key = { .name = name };
	const tb_hp_session *kp = &key;
	const tb_hp_session **f = bsearch(&kp, w->by_name, w->n, sizeof *w->by_name,
					  cmp_session_ptr);
	return f ? *f : NULL;
}

static int mv_run(void *arg, const tb_run *r, const tb_series **tags, size_t n)
{
	struct mv_walk *w = arg;
	const tb_hp_experiment *e = &w->d->exp;
	size_t len = strlen(r->name);
	char *path = malloc(len + 1);
	if (!path)
		return -ENOMEM;
	memcpy(path, r->name, len + 1);
	for (;;) {
		tb_hp_session *s = (tb_hp_session *)find_session(w, path);
		size_t pl = strlen(path);
		const char *group = r->name + pl + (r->name[pl] == '/');
		for (size_t m = 0; s && m < e->n_metrics; m++) {
			if (strcmp(e->metrics[m].group, group))
				continue;
			for (size_t t = 0; t < n; t++) {
				const tb_series *se = tags[t];
				if (strcmp(se->tag, e->metrics[m].tag) || !se->n)
					continue;
				size_t k = se->n - 1;
				tb_scalar sc = tb_series_scalar(se, k);
				s->metrics[m] = (tb_hp_mv){ true,
					sc.type == TB_NUM_F32 || sc.type == TB_NUM_F64 ? sc.f : (double)sc.i,
					tb_series_step(se, k), tb_series_wall(se, k) };
				break;
			}
		}
		char *slash = strrchr(path, '/');
		if (!slash)
			break;
		*slash = 0;
	}
	free(path);
	return 0;
}

static int metric_values(tb_store *s, tb_hp_data *d)
{
	struct mv_walk w = { .d = d };
	w.by_name = azalloc(&d->arena, d->n_sessions * sizeof *w.by_name);
	if (!w.by_name)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_sessions; i++) {
		tb_hp_session *se = &d->sessions[i];
		se->metrics = azalloc(&d->arena, d->exp.n_metrics * sizeof *se->metrics);
		if (!se->metrics)
			return -ENOMEM;
		if (!se->wandb)
			w.by_name[w.n++] = se;
		for (size_t m = 0; m < d->exp.n_metrics && se->wandb; m++)
			for (size_t k = 0; k < se->n_summary; k++)
				if (!*d->exp.metrics[m].group &&
				    !strcmp(se->summary[k].name, d->exp.metrics[m].tag))
					se->metrics[m] = (tb_hp_mv){ true, se->summary[k].v.num,
								     se->summary_step, se->summary_wall };
	}
	if (!w.n || !d->exp.n_metrics)
		return 0;
	qsort(w.by_name, w.n, sizeof *w.by_name, cmp_session_ptr);
	return tb_query_tags(s, TB_KIND_SCALAR, mv_run, &w);
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
	/* hparam names are unique within an experiment (TensorBoard's writers
	 * make them map keys), so qsort's unstable order cannot show */
	qsort(e->hparams, e->n_hparams, sizeof *e->hparams, cmp_hparam_info);
	if (limit > 0 && (uint64_t)limit < e->n_hparams)
		e->n_hparams = (size_t)limit;
}
