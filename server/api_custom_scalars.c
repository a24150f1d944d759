/*
 * api_custom_scalars.c - the custom_scalars plugin (TensorBoard's
 * custom_scalars_plugin.py).
 *
 *   layout                 the Layout merged from every run's
 *                          "custom_scalars__config__" summary, as protobuf's
 *                          MessageToJson prints it (indent 2, defaults
 *                          included); {} when no run has one
 *   scalars?run=R&tag=RE   {"regex_valid": b, "tag_to_events":
 *                          {tag: [[wall, step, value], ...]}}: the scalar
 *                          tags of R that Python's re.match(RE, tag)
 *                          accepts (pyre.h), every point of each
 *
 * Merging follows TensorBoard exactly, runs in name order, each run's
 * newest layout: the first layout is the base; a later category whose
 * title is already there adds the charts it does not hold yet; a new title
 * is appended. One quirk is kept on purpose: a category first seen in a
 * later run is copied, and TensorBoard keeps merging into the original, so
 * charts that later runs add to it are lost. A layout that does not parse
 * is skipped (TensorBoard answers 500 for the whole dashboard).
 *
 * Margin charts need nothing more: the page asks scalars for each of the
 * value, lower and upper tags. A regex this engine cannot run (lookaround,
 * backreferences) is a 400 naming why; Python would run it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "arena.h"
#include "event.h"
#include "json.h"
#include "log.h"
#include "plugin_data.pb-c.h"
#include "pyre.h"
#include "query.h"
#include "writer.h"

#define CONFIG_TAG "custom_scalars__config__"

typedef Tensorboard__Layout pb_layout;
typedef Tensorboard__Category pb_category;
typedef Tensorboard__Chart pb_chart;

/* ---- layout: collecting each run's newest layout ------------------------ */

typedef struct layout_src {
	char *run;
	unsigned char *data;   /* serialized TensorProto */
	size_t len;
} layout_src;

typedef struct sources {
	layout_src *v;
	size_t n, cap;
} sources;

static int collect(void *arg, const tb_view *v)
{
	sources *s = arg;
	if (v->end == v->first)
		return 0;
	tb_blob_type type;
	layout_src src = { 0 };
	int rc = tb_view_blob(v, v->end - 1, &type, &src.data, &src.len);
	if (rc == -ENOMEM)
		return rc;
	if (rc || type != TB_BLOB_TENSOR) {
		if (!rc)
			free(src.data);
		tb_log(TB_LOG_WARN, "custom scalars: layout of run '%s' unreadable; skipped",
		       v->run->name);
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		layout_src *nv = realloc(s->v, cap * sizeof *nv);
		if (!nv) {
			free(src.data);
			return -ENOMEM;
		}
		s->v = nv;
		s->cap = cap;
	}
	src.run = strdup(v->run->name);
	if (!src.run) {
		free(src.data);
		return -ENOMEM;
	}
	s->v[s->n++] = src;
	return 0;
}

static int by_run(const void *a, const void *b)
{
	return strcmp(((const layout_src *)a)->run, ((const layout_src *)b)->run);
}

static void sources_release(sources *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].run);
		free(s->v[i].data);
	}
	free(s->v);
}

/* ---- layout: merging ---------------------------------------------------- */

typedef struct merged_cat {
	const pb_category *src;       /* title and closed */
	const pb_chart **charts;
	size_t n, cap;
} merged_cat;

typedef struct merged {
	int32_t version;
	merged_cat *cats;
	size_t n, cap;
	/* title -> index into cats, or -1: TensorBoard merges into a copy
	 * nobody prints */
	const char **titles;
	long *target;
	size_t n_titles, cap_titles;
} merged;

static bool str_eq(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* Protobuf equality of two charts. */
static bool chart_eq(const pb_chart *a, const pb_chart *b)
{
	if (!str_eq(a->title, b->title) || a->content_case != b->content_case)
		return false;
	if (a->content_case == TENSORBOARD__CHART__CONTENT_MULTILINE) {
		const Tensorboard__MultilineChartContent *x = a->multiline, *y = b->multiline;
		if (x->n_tag != y->n_tag)
			return false;
		for (size_t i = 0; i < x->n_tag; i++)
			if (!str_eq(x->tag[i], y->tag[i]))
				return false;
	} else if (a->content_case == TENSORBOARD__CHART__CONTENT_MARGIN) {
		const Tensorboard__MarginChartContent *x = a->margin, *y = b->margin;
		if (x->n_series != y->n_series)
			return false;
		for (size_t i = 0; i < x->n_series; i++)
			if (!str_eq(x->series[i]->value, y->series[i]->value) ||
			    !str_eq(x->series[i]->lower, y->series[i]->lower) ||
			    !str_eq(x->series[i]->upper, y->series[i]->upper))
				return false;
	}
	return true;
}

static int push_chart(merged_cat *c, const pb_chart *ch)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 8;
		const pb_chart **v = realloc(c->charts, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		c->charts = v;
		c->cap = cap;
	}
	c->charts[c->n++] = ch;
	return 0;
}

static int add_category(merged *m, const pb_category *src)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 8;
		merged_cat *v = realloc(m->cats, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		m->cats = v;
		m->cap = cap;
	}
	merged_cat *c = &m->cats[m->n++];
	*c = (merged_cat){ .src = src };
	for (size_t i = 0; i < src->n_chart; i++)
		if (push_chart(c, src->chart[i]))
			return -ENOMEM;
	return 0;
}

static long *find_title(merged *m, const char *title)
{
	for (size_t i = 0; i < m->n_titles; i++)
		if (str_eq(m->titles[i], title))
			return &m->target[i];
	return NULL;
}

static int set_title(merged *m, const char *title, long target)
{
	long *t = find_title(m, title);
	if (t) {
		*t = target;
		return 0;
	}
	if (m->n_titles == m->cap_titles) {
		size_t cap = m->cap_titles ? 2 * m->cap_titles : 8;
		const char **nt = realloc(m->titles, cap * sizeof *nt);
		if (!nt)
			return -ENOMEM;
		m->titles = nt;
		long *ng = realloc(m->target, cap * sizeof *ng);
		if (!ng)
			return -ENOMEM;
		m->target = ng;
		m->cap_titles = cap;
	}
	m->titles[m->n_titles] = title;
	m->target[m->n_titles++] = target;
	return 0;
}

static int merge_first(merged *m, const pb_layout *l)
{
	m->version = l->version;
	for (size_t i = 0; i < l->n_category; i++)
		if (add_category(m, l->category[i]) ||
		    set_title(m, l->category[i]->title, (long)m->n - 1))
			return -ENOMEM;
	return 0;
}

static int merge_more(merged *m, const pb_layout *l)
{
	for (size_t i = 0; i < l->n_category; i++) {
		const pb_category *c = l->category[i];
		long *t = find_title(m, c->title);
		if (!t) {
			if (add_category(m, c) || set_title(m, c->title, -1))
				return -ENOMEM;
			continue;
		}
		if (*t < 0)
			continue;
		/* the charts it lacks, judged before any is added */
		merged_cat *dst = &m->cats[*t];
		size_t before = dst->n;
		for (size_t k = 0; k < c->n_chart; k++) {
			bool have = false;
			for (size_t j = 0; j < before && !have; j++)
				have = chart_eq(dst->charts[j], c->chart[k]);
			if (!have && push_chart(dst, c->chart[k]))
				return -ENOMEM;
		}
	}
	return 0;
}

static void merged_release(merged *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->cats[i].charts);
	free(m->cats);
	free(m->titles);
	free(m->target);
}

/* ---- layout: printing as MessageToJson(indent=2, defaults included) ----- */

/* Python's json.dumps(indent=2): members on their own lines. */
static void newline(tb_buf *b, int depth)
{
	tb_buf_putc(b, '\n');
	for (int i = 0; i < depth; i++)
		tb_buf_puts(b, "  ");
}

typedef enum { F_INT, F_BOOL, F_STR, F_CATS, F_CHARTS, F_MULTI, F_MARGIN, F_TAGS, F_SERIES } ftype;

typedef struct field {
	const char *name;
	ftype type;
	bool set;      /* not the default: printed first, in field order */
	bool oneof;    /* a oneof member: printed only when set */
	const void *p;
	size_t n;
	long i;
} field;

static void put_object(tb_buf *b, int depth, const field *f, size_t n);

static void put_array_open(tb_buf *b, size_t n)
{
	tb_buf_puts(b, n ? "[" : "[]");
}

static void put_array_close(tb_buf *b, int depth, size_t n)
{
	if (n) {
		newline(b, depth);
		tb_buf_putc(b, ']');
	}
}

static void put_chart(tb_buf *b, int depth, const pb_chart *c)
{
	bool multi = c->content_case == TENSORBOARD__CHART__CONTENT_MULTILINE;
	bool margin = c->content_case == TENSORBOARD__CHART__CONTENT_MARGIN;
	field f[] = {
		{ "title", F_STR, c->title && *c->title, false, c->title, 0, 0 },
		{ "multiline", F_MULTI, multi, true, multi ? c->multiline : NULL, 0, 0 },
		{ "margin", F_MARGIN, margin, true, margin ? c->margin : NULL, 0, 0 },
	};
	put_object(b, depth, f, 3);
}

static void put_value(tb_buf *b, int depth, const field *f)
{
	switch (f->type) {
	case F_INT:
		tb_json_int(b, f->i);
		break;
	case F_BOOL:
		tb_json_bool(b, f->i != 0);
		break;
	case F_STR:
		tb_json_cstr(b, f->p ? f->p : "");
		break;
	case F_CATS: {
		const merged_cat *c = f->p;
		put_array_open(b, f->n);
		for (size_t i = 0; i < f->n; i++) {
			tb_buf_puts(b, i ? "," : "");
			newline(b, depth + 1);
			const char *title = c[i].src->title;
			field cf[] = {
				{ "title", F_STR, title && *title, false, title, 0, 0 },
				{ "chart", F_CHARTS, c[i].n > 0, false, c[i].charts, c[i].n, 0 },
				{ "closed", F_BOOL, c[i].src->closed, false, NULL, 0, c[i].src->closed },
			};
			put_object(b, depth + 1, cf, 3);
		}
		put_array_close(b, depth, f->n);
		break;
	}
	case F_CHARTS: {
		const pb_chart *const *c = f->p;
		put_array_open(b, f->n);
		for (size_t i = 0; i < f->n; i++) {
			tb_buf_puts(b, i ? "," : "");
			newline(b, depth + 1);
			put_chart(b, depth + 1, c[i]);
		}
		put_array_close(b, depth, f->n);
		break;
	}
	case F_MULTI: {
		const Tensorboard__MultilineChartContent *m = f->p;
		field mf[] = { { "tag", F_TAGS, m->n_tag > 0, false, m->tag, m->n_tag, 0 } };
		put_object(b, depth, mf, 1);
		break;
	}
	case F_MARGIN: {
		const Tensorboard__MarginChartContent *m = f->p;
		field mf[] = { { "series", F_SERIES, m->n_series > 0, false, m->series, m->n_series, 0 } };
		put_object(b, depth, mf, 1);
		break;
	}
	case F_TAGS: {
		char *const *t = f->p;
		put_array_open(b, f->n);
		for (size_t i = 0; i < f->n; i++) {
			tb_buf_puts(b, i ? "," : "");
			newline(b, depth + 1);
			tb_json_cstr(b, t[i] ? t[i] : "");
		}
		put_array_close(b, depth, f->n);
		break;
	}
	case F_SERIES: {
		Tensorboard__MarginChartContent__Series *const *s = f->p;
		put_array_open(b, f->n);
		for (size_t i = 0; i < f->n; i++) {
			tb_buf_puts(b, i ? "," : "");
			newline(b, depth + 1);
			const char *v = s[i]->value, *lo = s[i]->lower, *up = s[i]->upper;
			field sf[] = {
				{ "value", F_STR, v && *v, false, v, 0, 0 },
				{ "lower", F_STR, lo && *lo, false, lo, 0, 0 },
				{ "upper", F_STR, up && *up, false, up, 0, 0 },
			};
			put_object(b, depth + 1, sf, 3);
		}
		put_array_close(b, depth, f->n);
		break;
	}
	}
}

/* The set fields in field order, then the unset ones that are not oneof
 * members (MessageToJson's including_default_value_fields). */
static void put_object(tb_buf *b, int depth, const field *f, size_t n)
{
	size_t printed = 0;
	tb_buf_putc(b, '{');
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			if (pass == 0 ? !f[i].set : f[i].set || f[i].oneof)
				continue;
			tb_buf_puts(b, printed++ ? "," : "");
			newline(b, depth + 1);
			tb_json_cstr(b, f[i].name);
			tb_buf_puts(b, ": ");
			put_value(b, depth + 1, &f[i]);
		}
	if (printed)
		newline(b, depth);
	tb_buf_putc(b, '}');
}

/* Decodes and merges the sorted sources; prints into b. */
static int put_layout(tb_buf *b, const sources *s)
{
	tb_arena a;
	merged m = { 0 };
	size_t used = 0;
	int rc = 0;
	tb_arena_init(&a);   /* holds every decoded layout until printed */
	for (size_t i = 0; i < s->n && !rc; i++) {
		const unsigned char *bytes;
		size_t len;
		pb_layout *l = NULL;
		if (tb_tensor_decode_string(&a, s->v[i].data, s->v[i].len, &bytes, &len) == 0)
			l = tensorboard__layout__unpack(&a.pb, len, bytes);
		if (!l) {
			if (a.oom)
				rc = -ENOMEM;
			else
				tb_log(TB_LOG_WARN, "custom scalars: layout of run '%s' does not parse; "
				       "skipped", s->v[i].run);
			continue;
		}
		rc = used++ ? merge_more(&m, l) : merge_first(&m, l);
	}
	if (!rc && !used) {
		tb_buf_puts(b, "{}");
	} else if (!rc) {
		field lf[] = {
			{ "version", F_INT, m.version != 0, false, NULL, 0, m.version },
			{ "category", F_CATS, m.n > 0, false, m.cats, m.n, 0 },
		};
		put_object(b, 0, lf, 2);
	}
	merged_release(&m);
	tb_arena_release(&a);
	return rc ? rc : b->oom ? -ENOMEM : 0;
}

void tb_api_custom_scalars_layout(const tb_request *req, tb_response *resp)
{
	sources s = { 0 };
	int rc = tb_query_runs(&req->app->store, NULL, 0, CONFIG_TAG, TB_KIND_CUSTOM_SCALARS,
			       collect, &s);
	if (!rc) {
		if (s.n)
			qsort(s.v, s.n, sizeof *s.v, by_run);
		tb_resp_json(resp);
		rc = put_layout(&resp->body, &s);
	}
	sources_release(&s);
	if (rc)
		tb_resp_oom(resp);
}

/* ---- scalars ------------------------------------------------------------ */

typedef struct matching {
	const char *run;
	const tb_pyre *re;
	char **tags;
	size_t n, cap;
	int err;
} matching;

static int match_tags(void *arg, const tb_run *r, const tb_series **tags, size_t n)
{
	matching *m = arg;
	if (strcmp(r->name, m->run) && !tb_json_shown_as(r->name, m->run))
		return 0;
	for (size_t i = 0; i < n; i++) {
		const tb_series *se = tags[i];
		if (memchr(se->tag, '\0', se->tag_len) || !tb_pyre_match(m->re, se->tag, se->tag_len))
			continue;
		if (m->n == m->cap) {
			size_t cap = m->cap ? 2 * m->cap : 16;
			char **v = realloc(m->tags, cap * sizeof *v);
			if (!v)
				return -ENOMEM;
			m->tags = v;
			m->cap = cap;
		}
		if (!(m->tags[m->n] = strdup(se->tag)))
			return -ENOMEM;
		m->n++;
	}
	return 1;   /* the run is found: stop */
}

static void put_invalid(tb_response *resp)
{
	tb_resp_json(resp);
	tb_buf_puts(&resp->body, "{\"regex_valid\": false, \"tag_to_events\": {}}");
}

void tb_api_custom_scalars_scalars(const tb_request *req, tb_response *resp)
{
	const char *run = tb_req_arg(req, "run"), *pattern = tb_req_arg(req, "tag");
	if (!pattern || !*pattern) {
		put_invalid(resp);
		return;
	}
	tb_pyre *re;
	int rc = tb_pyre_compile(pattern, strlen(pattern), &re);
	if (rc == -EINVAL) {
		put_invalid(resp);
		return;
	} else if (rc == -ENOTSUP) {
		tb_resp_error(resp, 400, "tag regex '%s' uses lookaround, a backreference, a "
			      "conditional, an atomic group or \\N{...}, which tbserve does not run",
			      pattern);
		return;
	} else if (rc == -E2BIG) {
		tb_resp_error(resp, 400, "tag regex '%s' is too large (counted repeats or nesting)",
			      pattern);
		return;
	} else if (rc) {
		tb_resp_oom(resp);
		return;
	}
	matching m = { .run = run ? run : "", .re = re };
	rc = run ? tb_query_tags(&req->app->store, TB_KIND_SCALAR, match_tags, &m) : 0;
	tb_buf *b = &resp->body;
	tb_resp_json(resp);
	tb_buf_puts(b, "{\"regex_valid\": true, \"tag_to_events\": {");
	size_t members = 0;
	for (size_t i = 0; i < m.n && rc >= 0; i++) {
		tb_view v;
		if (tb_view_open(&v, &req->app->store, run, m.tags[i], TB_KIND_SCALAR))
			continue;   /* gone since it was listed */
		if (members++)
			tb_buf_puts(b, ", ");
		tb_json_cstr(b, m.tags[i]);
		tb_buf_puts(b, ": ");
		tb_points it;
		rc = tb_points_open(&it, &v, NULL);
		if (rc == 0) {
			rc = tb_write_points_json(b, &it);
			tb_points_release(&it);
		}
		tb_view_release(&v);
	}
	tb_buf_puts(b, "}}");
	for (size_t i = 0; i < m.n; i++)
		free(m.tags[i]);
	free(m.tags);
	tb_pyre_free(re);
	if (rc < 0 || b->oom)
		tb_resp_oom(resp);
}
