/*
 * hparams_groups.c - session groups as list_session_groups.py makes them:
 * grouping by group_name, metric aggregation, filters, the stable sort by
 * name then by each ordered column, and Python's slice for paging. Pure:
 * works on a tb_hp_data and a parsed request, never on the store.
 */
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "hparams_internal.h"

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

static const char *group_key(const tb_hp_session *s)
{
	return *s->group_name ? s->group_name : s->name;
}

static int cmp_group_key(const void *a, const void *b, const void *ctx)
{
	(void)ctx;
	return strcmp(group_key(a), group_key(b));
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
	/* sessions of the allowed statuses, clustered by group name (the
	 * group_name, else the session's own name) with a stable sort, so the
	 * first one met leads its group */
	size_t n = 0;
	for (size_t i = 0; i < ns; i++) {
		const tb_hp_session *s = &d->sessions[i];
		if (s->status >= 0 && s->status < 32 && (rq->allowed_statuses >> s->status) & 1)
			order[n++] = (void *)s;
	}
	msort(order, tmp, n, cmp_group_key, NULL);
	for (size_t i = 0; i < n;) {
		const tb_hp_session *first = order[i];
		const char *gname = group_key(first);
		tb_hp_group *g = azalloc(a, sizeof *g);
		if (!g)
			return -ENOMEM;
		g->name = gname;
		g->hparams = first->hparams;
		g->n_hparams = first->n_hparams;
		g->monitor_url = first->monitor_url;
		size_t k = i + 1;
		while (k < n && !strcmp(group_key(order[k]), gname))
			k++;
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
