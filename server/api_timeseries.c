/*
 * api_timeseries.c - the Time Series ("metrics") plugin the default
 * dashboard tab uses (reference §4.8).
 *
 *   tags        {"scalars":    {"runTagInfo": {run: [tag, ...]}, "tagDescriptions": {tag: html}},
 *                "histograms": {same},
 *                "images": {"tagDescriptions", "tagRunSampledInfo": {tag: {run: {"maxSamplesPerStep"}}}}}
 *   timeSeries  form field (POST) or query parameter (GET) "requests": a
 *               JSON array of {"plugin", "tag", "run"?, "sample"?}; the
 *               answer is one object per item, in order, each either with
 *               "runToSeries" or, for an invalid item, an "error" string
 *               (HTTP 200 all the same, as in TensorBoard).
 *
 * Images (api_images.c owns their blob keys): tags has "images" with
 * tagRunSampledInfo, an images item answers {"step", "wallTime", "imageId"}
 * for the steps having more than `sample` images (the first event of a
 * step only, as TensorBoard's Python loader). Points are all sent, or the
 * newest N when --samples_per_plugin caps the plugin.
 *
 * Untrusted input: the requests JSON is parsed by cJSON (nesting bounded by
 * CJSON_NESTING_LIMIT), must be an array of objects, and holds at most
 * TB_HTTP_MAX_SERIES_REQUESTS items; anything else is refused before any data
 * is read.
 */
#include <errno.h>
#include <stdatomic.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "json.h"
#include "markdown.h"
#include "query.h"
#include "tblimits.h"
#include "writer.h"
#include "vec.h"

/* ---- tags ---------------------------------------------------------------------- */

/* One visible series with a non-empty description, copied out of the run. */
struct desc_entry {
	char *run;
	char *tag;
	size_t tag_len;
	char *desc;
};

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);
	return c ? c : (na > nb) - (na < nb);
}

static int cmp_series_tag(const void *pa, const void *pb)
{
	const tb_series *a = *(const tb_series *const *)pa, *b = *(const tb_series *const *)pb;
	return cmp_bytes(a->tag, a->tag_len, b->tag, b->tag_len);
}

/* By tag, then description: groups a tag's descriptions, sorted. */
static int cmp_desc_entry(const void *pa, const void *pb)
{
	const struct desc_entry *a = pa, *b = pb;
	int c = cmp_bytes(a->tag, a->tag_len, b->tag, b->tag_len);
	return c ? c : strcmp(a->desc, b->desc);
}

static void free_entries(struct desc_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].run);
		free(e[i].tag);
		free(e[i].desc);
	}
	free(e);
}

struct desc_list {
	struct desc_entry *e;
	size_t n, cap;
};

static void desc_list_release(struct desc_list *l)
{
	free_entries(l->e, l->n);
	memset(l, 0, sizeof *l);
}

/* Copies the run, tag and description of se. Returns 0 or -ENOMEM. */
static int desc_list_add(struct desc_list *l, const char *run, const tb_series *se)
{
	if (tb_array_grow(l->e, l->cap, l->n))
		return -ENOMEM;
	struct desc_entry *d = &l->e[l->n++];
	d->run = strdup(run);
	d->tag = malloc(se->tag_len + 1);
	d->desc = strdup(se->description);
	d->tag_len = se->tag_len;
	if (!d->run || !d->tag || !d->desc)
		return -ENOMEM;
	memcpy(d->tag, se->tag, se->tag_len);
	d->tag[se->tag_len] = '\0';
	return 0;
}

struct tag_info {
	tb_buf *b;
	struct desc_list *descs;
};

static int tag_info_run(void *arg, const tb_run *r, const tb_series **vis, size_t nv)
{
	struct tag_info *t = arg;
	tb_buf *b = t->b;
	int rc = 0;
	qsort(vis, nv, sizeof *vis, cmp_series_tag);
	tb_write_sep(b);
	tb_write_tag_list(b, r->name, vis, nv);
	for (size_t k = 0; k < nv && rc == 0; k++)
		if (vis[k]->description[0])
			rc = desc_list_add(t->descs, r->name, vis[k]);
	return rc ? rc : b->oom ? -ENOMEM : 0;
}

/* Writes {run: [sorted tags]} for kind (runs having none are left out)
 * and collects the non-empty descriptions. */
static int run_tag_info(tb_buf *b, tb_store *s, tb_kind kind, struct desc_list *descs)
{
	struct tag_info t = { b, descs };
	tb_buf_putc(b, '{');
	int rc = b->oom ? -ENOMEM : tb_query_tags(s, kind, tag_info_run, &t);
	tb_buf_putc(b, '}');
	return rc;
}

/* By description, then run: the runs of a description, sorted. */
static int cmp_desc_run(const void *pa, const void *pb)
{
	const struct desc_entry *a = *(struct desc_entry *const *)pa, *b = *(struct desc_entry *const *)pb;
	int c = strcmp(a->desc, b->desc);
	return c ? c : strcmp(a->run, b->run);
}

/* TensorBoard's combined text when runs disagree on a tag's description:
 * one "## For run(s): ..." section per distinct description, e[from..to)
 * being the tag's entries sorted by description. The runs of a section are
 * every run using that description on any tag (TensorBoard keys that map by
 * description alone): by_desc holds all n entries sorted by cmp_desc_run. */
static void combined_description(tb_buf *md, const struct desc_entry *e, size_t from, size_t to,
				 struct desc_entry *const *by_desc, size_t n)
{
	tb_buf_puts(md, "# Multiple descriptions\n");
	for (size_t k = from; k < to; k++) {
		if (k > from && !strcmp(e[k].desc, e[k - 1].desc))
			continue;
		size_t lo = 0, hi = n;     /* first entry with this description */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(by_desc[mid]->desc, e[k].desc) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		size_t end = lo, uniq = 0;
		for (; end < n && !strcmp(by_desc[end]->desc, e[k].desc); end++)
			if (end == lo || strcmp(by_desc[end]->run, by_desc[end - 1]->run))
				uniq++;
		if (k > from)
			tb_buf_putc(md, '\n');
		tb_buf_puts(md, uniq > 1 ? "## For runs: " : "## For run: ");
		for (size_t i = lo; i < end; i++) {
			if (i > lo && !strcmp(by_desc[i]->run, by_desc[i - 1]->run))
				continue;
			if (i > lo)
				tb_buf_puts(md, ", ");
			tb_buf_puts(md, by_desc[i]->run);
		}
		tb_buf_putc(md, '\n');
		tb_buf_puts(md, e[k].desc);
	}
}

/* {tag: html} for the tags with a description. */
static int tag_descriptions(tb_buf *b, struct desc_entry *e, size_t n)
{
	struct desc_entry **by_desc = malloc((n ? n : 1) * sizeof *by_desc);
	if (!by_desc)
		return -ENOMEM;
	if (n)
		qsort(e, n, sizeof *e, cmp_desc_entry);
	for (size_t i = 0; i < n; i++)
		by_desc[i] = &e[i];
	if (n)
		qsort(by_desc, n, sizeof *by_desc, cmp_desc_run);
	tb_buf md = TB_BUF_INIT, html = TB_BUF_INIT;
	int rc = 0;
	tb_buf_putc(b, '{');
	for (size_t from = 0, to; from < n && !rc; from = to) {
		bool several = false;
		for (to = from + 1; to < n && !cmp_bytes(e[to].tag, e[to].tag_len,
							 e[from].tag, e[from].tag_len); to++)
			several |= strcmp(e[to].desc, e[from].desc) != 0;
		tb_buf_reset(&md);
		tb_buf_reset(&html);
		if (several)
			combined_description(&md, e, from, to, by_desc, n);
		else
			tb_buf_puts(&md, e[from].desc);
		if (from)
			tb_buf_puts(b, ", ");
		tb_json_str(b, e[from].tag, e[from].tag_len);
		tb_buf_puts(b, ": ");
		int mrc = md.oom ? -ENOMEM :
			  tb_markdown_to_safe_html(md.data ? md.data : "", md.len, &html);
		if (mrc == -ENOMEM || html.oom)
			rc = -ENOMEM;
		else if (mrc == 0)
			tb_json_str(b, html.data ? html.data : "", html.len);
		else
			tb_buf_puts(b, "\"\"");   /* not UTF-8 */
	}
	tb_buf_putc(b, '}');
	tb_buf_release(&md);
	tb_buf_release(&html);
	free(by_desc);
	return rc;
}

static int basic_mapping(tb_buf *b, tb_store *s, tb_kind kind)
{
	struct desc_list descs = { NULL, 0, 0 };
	tb_buf_puts(b, "{\"runTagInfo\": ");
	int rc = run_tag_info(b, s, kind, &descs);
	tb_buf_puts(b, ", \"tagDescriptions\": ");
	if (rc == 0)
		rc = tag_descriptions(b, descs.e, descs.n);
	tb_buf_putc(b, '}');
	desc_list_release(&descs);
	return rc;
}

/* ---- images: {"tagDescriptions", "tagRunSampledInfo": {tag: {run:
 * {"maxSamplesPerStep": n}}}}, tags in the order a walk of the runs first
 * meets them, as TensorBoard builds its dict. */
struct img_entry {
	const char *run;      /* borrowed while the walk holds the store lock */
	char *tag;
	size_t tag_len, seq, group;
	int64_t max;
};

struct img_walk {
	TB_VEC(struct img_entry) e;
	struct desc_list *descs;
};

static int img_run(void *arg, const tb_run *r, const tb_series **vis, size_t nv)
{
	struct img_walk *w = arg;
	for (size_t k = 0; k < nv; k++) {
		const tb_series *se = vis[k];
		struct img_entry x = { NULL, malloc(se->tag_len + 1), se->tag_len, w->e.n, 0, 0 };
		x.run = strdup(r->name);
		if (!x.tag || !x.run || tb_vec_push(&w->e, x)) {
			free(x.tag);
			free((char *)x.run);
			return -ENOMEM;
		}
		memcpy(x.tag, se->tag, se->tag_len);
		x.tag[se->tag_len] = '\0';
		int64_t max = 0;
		for (size_t i = 0; i < se->n; i++) {
			int64_t n = tb_image_samples(tb_series_blob(se, i));
			if (n > max)
				max = n;
		}
		w->e.v[w->e.n - 1].max = max;
		if (se->description[0] && desc_list_add(w->descs, r->name, se))
			return -ENOMEM;
	}
	return 0;
}

static int cmp_img_tag(const void *pa, const void *pb)
{
	const struct img_entry *a = pa, *b = pb;
	int c = cmp_bytes(a->tag, a->tag_len, b->tag, b->tag_len);
	return c ? c : a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int cmp_img_group(const void *pa, const void *pb)
{
	const struct img_entry *a = pa, *b = pb;
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int images_mapping(tb_buf *b, tb_store *s)
{
	struct desc_list descs = { NULL, 0, 0 };
	struct img_walk w = { .descs = &descs };
	int rc = tb_query_tags(s, TB_KIND_IMAGE, img_run, &w);
	struct img_entry *e = w.e.v;
	size_t n = w.e.n;
	if (rc == 0 && n) {
		/* group by tag; a group sorts where its tag was first met */
		qsort(e, n, sizeof *e, cmp_img_tag);
		for (size_t i = 0, g = 0; i < n; i = g) {
			for (g = i; g < n && !cmp_bytes(e[g].tag, e[g].tag_len, e[i].tag, e[i].tag_len); g++)
				;
			for (size_t k = i; k < g; k++)
				e[k].group = e[i].seq;
		}
		qsort(e, n, sizeof *e, cmp_img_group);
	}
	tb_buf_puts(b, "{\"tagDescriptions\": ");
	if (rc == 0)
		rc = tag_descriptions(b, descs.e, descs.n);
	tb_buf_puts(b, ", \"tagRunSampledInfo\": {");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		bool first = i == 0 || e[i].group != e[i - 1].group;
		if (first) {
			if (i)
				tb_buf_puts(b, "}, ");
			tb_json_str(b, e[i].tag, e[i].tag_len);
			tb_buf_puts(b, ": {");
		} else {
			tb_buf_puts(b, ", ");
		}
		tb_json_cstr(b, e[i].run);
		tb_buf_puts(b, ": {\"maxSamplesPerStep\": ");
		tb_json_int(b, e[i].max);
		tb_buf_putc(b, '}');
	}
	tb_buf_puts(b, n ? "}}}" : "}}");
	for (size_t i = 0; i < n; i++) {
		free(e[i].tag);
		free((char *)e[i].run);
	}
	tb_vec_release(&w.e);
	desc_list_release(&descs);
	return rc ? rc : b->oom ? -ENOMEM : 0;
}

void tb_api_timeseries_tags(const tb_request *req, tb_response *resp)
{
	tb_store *s = &req->app->store;
	tb_buf *b = &resp->body;
	tb_resp_json(resp);
	tb_buf_puts(b, "{\"scalars\": ");
	int rc = basic_mapping(b, s, TB_KIND_SCALAR);
	tb_buf_puts(b, ", \"histograms\": ");
	if (rc == 0)
		rc = basic_mapping(b, s, TB_KIND_HISTOGRAM);
	tb_buf_puts(b, ", \"images\": ");
	if (rc == 0)
		rc = images_mapping(b, s);
	tb_buf_putc(b, '}');
	if (rc)
		tb_resp_oom(resp);
}

/* ---- timeSeries ------------------------------------------------------------------ */

/* The value of the last member named key (Python's json keeps the last of
 * duplicate keys; cJSON's lookup would find the first). */
static const cJSON *member(const cJSON *obj, const char *key)
{
	const cJSON *found = NULL, *c;
	cJSON_ArrayForEach(c, obj)
		if (c->string && !strcmp(c->string, key))
			found = c;
	return found;
}

/* Python's isinstance(v, int) for a parsed JSON value: integers and (as
 * Python's bool is an int) true/false. cJSON keeps no number text, so an
 * integral "1.0" counts as an int here. */
static bool is_int(const cJSON *v)
{
	if (cJSON_IsBool(v))
		return true;
	return cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
	       v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 9.2e18;
}

/* A parsed JSON value written back as json.dumps writes what json.loads
 * made of it. NULL (a missing key) is None. */
static void echo_json(tb_buf *b, const cJSON *v)
{
	const cJSON *c;
	bool first = true;
	if (!v || cJSON_IsNull(v)) {
		tb_json_null(b);
	} else if (cJSON_IsBool(v)) {
		tb_json_bool(b, cJSON_IsTrue(v));
	} else if (cJSON_IsNumber(v)) {
		if (is_int(v))
			tb_json_int(b, (int64_t)v->valuedouble);
		else
			tb_json_double(b, v->valuedouble);
	} else if (cJSON_IsString(v)) {
		tb_json_cstr(b, v->valuestring);
	} else if (cJSON_IsArray(v)) {
		tb_buf_putc(b, '[');
		cJSON_ArrayForEach(c, v) {
			if (!first)
				tb_buf_puts(b, ", ");
			first = false;
			echo_json(b, c);
		}
		tb_buf_putc(b, ']');
	} else {
		tb_buf_putc(b, '{');
		cJSON_ArrayForEach(c, v) {
			if (!first)
				tb_buf_puts(b, ", ");
			first = false;
			tb_json_cstr(b, c->string ? c->string : "");
			tb_buf_puts(b, ": ");
			echo_json(b, c);
		}
		tb_buf_putc(b, '}');
	}
}

/* Python truthiness of a JSON value (NULL = missing = None). */
static bool truthy(const cJSON *v)
{
	if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
		return false;
	if (cJSON_IsNumber(v))
		return v->valuedouble != 0.0;
	if (cJSON_IsString(v))
		return v->valuestring[0] != '\0';
	if (cJSON_IsArray(v) || cJSON_IsObject(v))
		return v->child != NULL;
	return true;
}

static bool is_str(const cJSON *v, const char *s)
{
	return cJSON_IsString(v) && !strcmp(v->valuestring, s);
}

/* TensorBoard's _get_invalid_request_error, in its order. */
static const char *item_error(const cJSON *plugin, const cJSON *tag, const cJSON *run,
			      const cJSON *sample)
{
	if (!cJSON_IsString(tag))
		return "Missing tag";
	bool scalars = is_str(plugin, "scalars"), hist = is_str(plugin, "histograms"),
	     images = is_str(plugin, "images");
	if (!scalars && !hist && !images)
		return "Invalid plugin";
	if ((hist || images) && !cJSON_IsString(run))
		return "Missing run";
	if (images && !is_int(sample))
		return "Missing sample";
	return NULL;
}

/* One point: {"wallTime": w, "step": s, "value": v} or "bins". */
static void write_point(tb_buf *b, const tb_series *se, size_t i)
{
	tb_buf_puts(b, "{\"wallTime\": ");
	tb_json_double(b, tb_series_wall(se, i));
	tb_buf_puts(b, ", \"step\": ");
	tb_json_int(b, tb_series_step(se, i));
	if (se->kind == TB_KIND_SCALAR) {
		tb_buf_puts(b, ", \"value\": ");
		tb_write_scalar_json(b, tb_series_scalar(se, i));
	} else {
		tb_buf_puts(b, ", \"bins\": ");
		tb_write_buckets_json(b, tb_series_hist(se, i), true);
	}
	tb_buf_putc(b, '}');
}

/* An image: {"step": s, "wallTime": w, "imageId": blob key}. */
static void write_image_point(tb_buf *b, const tb_view *v, size_t i, int64_t sample)
{
	int64_t step = tb_series_step(v->se, i);
	tb_buf_puts(b, "{\"step\": ");
	tb_json_int(b, step);
	tb_buf_puts(b, ", \"wallTime\": ");
	tb_json_double(b, tb_series_wall(v->se, i));
	tb_buf_puts(b, ", \"imageId\": \"");
	tb_write_blob_key(b, "images", v->run->name, v->se->tag, v->se->tag_len, step,
			  sample + 2);
	tb_buf_puts(b, "\"}");
}

/* One distinct item of a request, resolved when the request is parsed. */
struct ts_item {
	char *head;           /* '{' and the echoed fields, then the error and
			       * '}', or ', "runToSeries": {' */
	tb_kind kind;         /* 0: the head is the whole answer */
	int64_t sample;       /* images: the sample asked for */
	char *tag;
	char *only;           /* run filter, or NULL for every run */
};

/* The reply, written a piece at a time: items in order; within an item the
 * runs holding its tag (listed when the item starts), within a run its
 * points, each series looked up again on every call as export.c does (runs
 * may come and go while a long reply streams). */
struct ts_cursor {
	tb_store *store;
	TB_VEC(struct ts_item) items;
	size_t item;
	bool opened, item_started, run_open;
	TB_VEC(char *) runs;  /* of the current item */
	size_t run, point;
	size_t runs_written, points_written; /* separators: out may be a fresh
					      * chunk, so they cannot be read
					      * from what precedes */
	tb_buf pending;       /* the buffered prefix, sent first when streaming */
	size_t reserved;      /* bytes counted in ts_in_flight */
};

/* Bytes held by streamed timeSeries replies, all requests together
 * (TB_TIMESERIES_MAX_IN_FLIGHT): the one piece of state this handler keeps
 * across requests. */
static _Atomic size_t ts_in_flight;

static void free_runs(struct ts_cursor *c)
{
	for (size_t i = 0; i < c->runs.n; i++)
		free(c->runs.v[i]);
	c->runs.n = 0;
}

static void ts_free(void *state)
{
	struct ts_cursor *c = state;
	for (size_t i = 0; i < c->items.n; i++) {
		free(c->items.v[i].head);
		free(c->items.v[i].tag);
		free(c->items.v[i].only);
	}
	tb_vec_release(&c->items);
	free_runs(c);
	tb_vec_release(&c->runs);
	tb_buf_release(&c->pending);
	atomic_fetch_sub(&ts_in_flight, c->reserved);
	free(c);
}

static int collect_run(void *arg, const tb_view *v)
{
	struct ts_cursor *c = arg;
	char *name = strdup(v->run->name);
	if (!name || tb_vec_push(&c->runs, name)) {
		free(name);
		return -ENOMEM;
	}
	return 0;
}

/* The points of the current run from c->point on, until out holds want
 * bytes; false when the run is finished. */
static bool run_points(struct ts_cursor *c, const struct ts_item *it, tb_buf *out, size_t want)
{
	tb_view v;
	if (tb_view_open(&v, c->store, c->runs.v[c->run], it->tag, it->kind))
		return false;
	if (!c->run_open) {
		if (c->runs_written++)
			tb_buf_puts(out, ", ");
		tb_json_cstr(out, c->runs.v[c->run]);
		tb_buf_puts(out, ": [");
		c->run_open = true;
		c->point = v.first;
		c->points_written = 0;
	}
	if (c->point < v.first)
		c->point = v.first;
	for (; c->point < v.end && out->len < want && !out->oom; c->point++) {
		if (it->kind == TB_KIND_IMAGE &&
		    (tb_image_samples(tb_series_blob(v.se, c->point)) <= it->sample ||
		     !tb_blob_first_at_step(v.se, v.first, c->point)))
			continue;
		if (c->points_written++)
			tb_buf_puts(out, ", ");
		if (it->kind == TB_KIND_IMAGE)
			write_image_point(out, &v, c->point, it->sample);
		else
			write_point(out, v.se, c->point);
	}
	bool more = c->point < v.end;
	tb_view_release(&v);
	return more;
}

/* Continue the current item; true when it is finished. */
static bool item_step(struct ts_cursor *c, tb_buf *out, size_t want)
{
	const struct ts_item *it = &c->items.v[c->item];
	if (!c->item_started) {
		c->item_started = true;
		if (c->item)
			tb_buf_puts(out, ", ");
		tb_buf_puts(out, it->head);
		if (!it->kind)
			return true;
		c->run = c->point = c->runs_written = 0;
		c->run_open = false;
		const char *only = it->only;
		if (tb_query_runs(c->store, only ? &only : NULL, 1, it->tag, it->kind, collect_run, c))
			out->oom = true;
	}
	while (c->run < c->runs.n && out->len < want && !out->oom) {
		if (run_points(c, it, out, want))
			continue;
		if (c->run_open)
			tb_buf_putc(out, ']');
		c->run_open = false;
		c->run++;
	}
	if (c->run < c->runs.n)
		return false;
	tb_buf_puts(out, "}}");
	free_runs(c);
	return true;
}

static int ts_next(void *state, tb_buf *out, size_t want, bool *done)
{
	struct ts_cursor *c = state;
	if (c->pending.len) {
		tb_buf_append(out, c->pending.data, c->pending.len);
		tb_buf_release(&c->pending);
	}
	if (!c->opened) {
		c->opened = true;
		tb_buf_putc(out, '[');
	}
	while (c->item < c->items.n && out->len < want && !out->oom) {
		if (item_step(c, out, want)) {
			c->item++;
			c->item_started = false;
		}
	}
	if (out->oom)
		return -ENOMEM;
	*done = c->item >= c->items.n;
	if (*done)
		tb_buf_putc(out, ']');
	return out->oom ? -ENOMEM : 0;
}

/* The item's head: the echoed fields, then its error or where its series
 * go. Resolves what to stream into it. */
static int item_resolve(struct ts_item *it, const cJSON *item)
{
	const cJSON *plugin = member(item, "plugin"), *tag = member(item, "tag"),
		    *run = member(item, "run"), *sample = member(item, "sample");
	tb_buf b = TB_BUF_INIT;
	tb_buf_puts(&b, "{\"plugin\": ");
	echo_json(&b, plugin);
	tb_buf_puts(&b, ", \"tag\": ");
	echo_json(&b, tag);
	if (cJSON_IsString(run)) {
		tb_buf_puts(&b, ", \"run\": ");
		tb_json_cstr(&b, run->valuestring);
	}
	if (is_int(sample)) {
		tb_buf_puts(&b, ", \"sample\": ");
		echo_json(&b, sample);
	}
	const char *err = item_error(plugin, tag, run, sample);
	/* TensorBoard filters by run only when run is truthy; a truthy
	 * non-string matches no run name. */
	bool filter = truthy(run);
	const char *only = filter && cJSON_IsString(run) ? run->valuestring : NULL;
	if (err) {
		tb_buf_puts(&b, ", \"error\": ");
		tb_json_cstr(&b, err);
		tb_buf_putc(&b, '}');
	} else if (filter && !only) {
		tb_buf_puts(&b, ", \"runToSeries\": {}}");
	} else {
		tb_buf_puts(&b, ", \"runToSeries\": {");
		it->kind = is_str(plugin, "scalars") ? TB_KIND_SCALAR :
			   is_str(plugin, "images") ? TB_KIND_IMAGE : TB_KIND_HISTOGRAM;
		if (it->kind == TB_KIND_IMAGE)
			it->sample = (int64_t)sample->valuedouble;
		it->tag = strdup(tag->valuestring);
		it->only = only ? strdup(only) : NULL;
		if (!it->tag || (only && !it->only))
			b.oom = true;
	}
	it->head = b.oom ? NULL : tb_buf_detach(&b, NULL);
	tb_buf_release(&b);
	return it->head ? 0 : -ENOMEM;
}

/* The distinct items, in order: a repeated item (the same echoed fields)
 * is answered once -- forty copies of one large series in a small query
 * string once made a gigabyte reply. */
static int items_resolve(struct ts_cursor *c, const cJSON *items)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, items) {
		struct ts_item x = { 0 };
		if (item_resolve(&x, it) || tb_vec_push(&c->items, x)) {
			free(x.head);
			free(x.tag);
			free(x.only);
			return -ENOMEM;
		}
		for (size_t k = 0; k + 1 < c->items.n; k++) {
			if (!strcmp(c->items.v[k].head, x.head)) {
				free(x.head);
				free(x.tag);
				free(x.only);
				c->items.n--;
				break;
			}
		}
	}
	return 0;
}

/* The "requests" text and its length: POST reads the form, anything else
 * the query string, as TensorBoard does. */
static const char *requests_text(const tb_request *req, size_t *len)
{
	const tb_param *p = NULL;
	if (!strcmp(req->method, "POST")) {
		for (size_t i = 0; i < req->n_form && !p; i++)
			if (!strcmp(req->form[i].key, "requests"))
				p = &req->form[i];
	} else {
		p = tb_req_arg_param(req, "requests");
	}
	if (!p)
		return NULL;
	*len = p->value_len;
	return p->value;
}

void tb_api_timeseries(const tb_request *req, tb_response *resp)
{
	size_t len = 0;
	const char *text = requests_text(req, &len);
	if (!text || !len) {
		tb_resp_error(resp, 400, "Missing 'requests' field");
		return;
	}
	/* a NUL byte is never valid JSON; cJSON would stop there instead */
	cJSON *items = memchr(text, '\0', len) ? NULL : cJSON_ParseWithLengthOpts(text, len + 1, NULL, true);
	if (!items) {
		tb_resp_error(resp, 400, "Unable to parse 'requests' as JSON");
		return;
	}
	const cJSON *it, *array = cJSON_IsArray(items) ? items : NULL;
	int n = 0;
	bool objects = array != NULL;
	cJSON_ArrayForEach(it, array) {
		objects &= cJSON_IsObject(it);
		n++;
	}
	if (!objects || n > TB_HTTP_MAX_SERIES_REQUESTS) {
		cJSON_Delete(items);
		tb_resp_error(resp, 400, "'requests' must be a JSON array of at most %d objects",
			      TB_HTTP_MAX_SERIES_REQUESTS);
		return;
	}
	struct ts_cursor *c = calloc(1, sizeof *c);
	if (!c || (c->store = &req->app->store, items_resolve(c, items))) {
		cJSON_Delete(items);
		if (c)
			ts_free(c);
		tb_resp_oom(resp);
		return;
	}
	cJSON_Delete(items);
	/* A reply that fits in TB_TIMESERIES_BUFFERED is sent whole (and
	 * gzipped); a larger one streams, holding at most that much at a time,
	 * and only while the streams of all requests together stay under
	 * TB_TIMESERIES_MAX_IN_FLIGHT. */
	tb_resp_json(resp);
	bool done = false;
	if (ts_next(c, &resp->body, TB_TIMESERIES_BUFFERED, &done)) {
		ts_free(c);
		tb_resp_oom(resp);
		return;
	}
	if (done) {
		ts_free(c);
		return;
	}
	size_t held = atomic_fetch_add(&ts_in_flight, TB_TIMESERIES_BUFFERED);
	c->reserved = TB_TIMESERIES_BUFFERED;
	if (held + TB_TIMESERIES_BUFFERED > TB_TIMESERIES_MAX_IN_FLIGHT) {
		ts_free(c);
		tb_resp_error(resp, 503, "Service unavailable: too many large timeSeries replies "
			      "in progress; try again");
		return;
	}
	c->pending = resp->body;
	resp->body = (tb_buf)TB_BUF_INIT;
	tb_resp_stream(resp, &(tb_stream){ .state = c, .next = ts_next, .free = ts_free });
}
