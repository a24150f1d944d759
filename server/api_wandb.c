/*
 * api_wandb.c - /data/runs_info: what a person reads about each run.
 *
 *   runs_info   {"runs": [{"name", "source": "tensorboard"|"wandb",
 *                 "start_time", "plugins": [...], "wandb": {...}}, ...]}
 *
 * "plugins" names the dashboards that have data of the run (the plugin of
 * each kind of its visible series, in tb_kind order), so the run list can
 * say what a run without scalars holds.
 *
 * TensorBoard's /data/runs stays a plain list of names; W&B runs' display
 * name, project, group, tags, config, summary and reading state are here
 * (docs/api.md). Runs in /data/runs order. Config keys are flattened with
 * '.', summary keys with '/' (the accessors of wandb.h, which the hparams
 * dashboard will use as hparams and metrics). Resumed W&B runs (several
 * folders, one run id) are listed separately; "resume" names the group and
 * this folder's place in it.
 *
 *   runs_info/merged_scalars?run_id=ID&tag=T
 *               {"segments": [names], "points": [[wall, step, value], ...],
 *                "overwritten": N}: one scalar series of a resumed W&B run,
 *               its folders merged by the rule of docs/user-guide.md (in
 *               folder-name order, a later segment overwrites the steps it
 *               covers: a segment keeps only its points below the first
 *               step of every later segment that has the tag).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "json.h"
#include "query.h"
#include "writer.h"
#include "wandb.h"

/* A value_json as JSON: as written when it parses, else as a string
 * (Python's NaN and Infinity are not JSON). */
static void put_value(tb_buf *b, const char *json)
{
	cJSON *j = cJSON_Parse(json);
	if (j)
		tb_buf_puts(b, json);
	else
		tb_json_cstr(b, json);
	cJSON_Delete(j);
}

struct obj {
	tb_buf *b;
	bool first;
};

static int put_member(void *ctx, const char *key, const char *json)
{
	struct obj *o = ctx;
	if (!o->first)
		tb_buf_puts(o->b, ", ");
	o->first = false;
	tb_json_cstr(o->b, key);
	tb_buf_puts(o->b, ": ");
	put_value(o->b, json);
	return o->b->oom ? -1 : 0;
}

static void put_field(tb_buf *b, const char *key, const char *val)
{
	tb_buf_puts(b, ", ");
	tb_json_cstr(b, key);
	tb_buf_puts(b, ": ");
	tb_json_cstr(b, val);
}

static void put_count(tb_buf *b, const char *key, uint64_t v)
{
	tb_buf_printf(b, ", \"%s\": %llu", key, (unsigned long long)v);
}

/* Folders of the same W&B run id: this run's place among them by name
 * (folder names start with the date, so name order is time order). ids[i]
 * is run i's W&B id or NULL. */
static void put_resume(tb_buf *b, tb_run *const *runs, char *const *ids, size_t n, size_t me)
{
	size_t count = 0, index = 0;
	for (size_t i = 0; i < n; i++) {
		if (!ids[i] || strcmp(ids[i], ids[me]))
			continue;
		if (strcmp(runs[i]->name, runs[me]->name) < 0)
			index++;
		count++;
	}
	tb_buf_puts(b, ", \"resume\": {\"run_id\": ");
	tb_json_cstr(b, ids[me]);
	tb_buf_printf(b, ", \"segment\": %zu, \"segments\": %zu}", index, count);
}

/* Each run's W&B id, copied under its lock (a later run record may
 * replace it while we write). */
static char **run_ids(tb_run *const *runs, size_t n)
{
	char **ids = calloc(n ? n : 1, sizeof *ids);
	for (size_t i = 0; ids && i < n; i++) {
		tb_run_rdlock(runs[i]);
		const tb_wandb_info *w = tb_wandb_info_of(runs[i]);
		if (w && w->run_id[0])
			ids[i] = strdup(w->run_id);
		tb_run_unlock(runs[i]);
	}
	return ids;
}

static void put_wandb(tb_buf *b, const tb_wandb_info *w)
{
	tb_buf_puts(b, "\"run_id\": ");
	tb_json_cstr(b, w->run_id);
	put_field(b, "display_name", w->display_name);
	put_field(b, "project", w->project);
	put_field(b, "entity", w->entity);
	put_field(b, "group", w->group);
	put_field(b, "job_type", w->job_type);
	put_field(b, "notes", w->notes);
	put_field(b, "host", w->host);
	put_field(b, "sweep_id", w->sweep_id);
	put_field(b, "sdk_version", w->sdk_version);
	put_field(b, "producer", w->producer);
	tb_buf_puts(b, ", \"tags\": [");
	for (size_t i = 0; i < w->n_tags; i++) {
		if (i)
			tb_buf_puts(b, ", ");
		tb_json_cstr(b, w->tags[i]);
	}
	tb_buf_puts(b, "], \"start_time\": ");
	tb_json_double(b, w->start_time);
	tb_buf_puts(b, ", \"exit_code\": ");
	if (w->has_exit)
		tb_json_int(b, w->exit_code);
	else
		tb_json_null(b);
	put_count(b, "exit_runtime", (uint64_t)w->exit_runtime);
	tb_buf_puts(b, ", \"config\": {");
	struct obj o = { b, true };
	tb_wandb_info_config(w, put_member, &o);
	tb_buf_puts(b, "}, \"summary\": {");
	o.first = true;
	tb_wandb_info_summary(w, put_member, &o);
	tb_buf_printf(b, "}, \"console_records\": {\"output\": {\"stdout\": %llu, \"stderr\": %llu}, "
		      "\"output_raw\": {\"stdout\": %llu, \"stderr\": %llu}}",
		      (unsigned long long)w->console[0][TB_WANDB_STDOUT],
		      (unsigned long long)w->console[0][TB_WANDB_STDERR],
		      (unsigned long long)w->console[1][TB_WANDB_STDOUT],
		      (unsigned long long)w->console[1][TB_WANDB_STDERR]);
	put_count(b, "records", w->records);
	put_count(b, "history_rows", w->history_rows);
	put_count(b, "stats_records", w->stats_records);
	put_count(b, "media_values", w->media_values);
	put_count(b, "skipped_values", w->skipped_values);
	put_count(b, "damaged", w->damaged);
	put_count(b, "pending_bytes", w->pending);
	put_count(b, "bytes", w->bytes);
	put_field(b, "wall_time_prefix", TB_WANDB_SYSTEM_PREFIX);
	put_field(b, "console_tag", TB_WANDB_CONSOLE_TAG);
}

/* "plugins": the dashboards having a visible series of r (run lock held). */
static void put_plugins(tb_buf *b, const tb_run *r)
{
	bool has[TB_KIND_MAX + 1] = { false };
	for (size_t i = 0; i < r->n_series; i++) {
		const tb_series *se = r->series[i];
		if (se->kind <= TB_KIND_MAX && tb_series_visible(se, se->kind))
			has[se->kind] = true;
	}
	tb_buf_puts(b, ", \"plugins\": [");
	bool first = true;
	for (int k = TB_KIND_SCALAR; k <= TB_KIND_MAX; k++) {
		const char *name = tb_kind_plugin((tb_kind)k);
		if (!has[k] || !*name)
			continue;
		if (!first)
			tb_buf_puts(b, ", ");
		tb_json_cstr(b, name);
		first = false;
	}
	tb_buf_putc(b, ']');
}

void tb_api_runs_info(const tb_request *req, tb_response *resp)
{
	tb_store *s = &req->app->store;
	tb_store_rdlock(s);
	tb_run **runs = malloc((s->n_runs ? s->n_runs : 1) * sizeof *runs);
	if (!runs) {
		tb_store_unlock(s);
		tb_resp_oom(resp);
		return;
	}
	tb_resp_json(resp);
	tb_store_sorted_runs(s, runs);
	char **ids = run_ids(runs, s->n_runs);
	tb_buf *b = &resp->body;
	tb_buf_puts(b, "{\"runs\": [");
	for (size_t i = 0; i < s->n_runs; i++) {
		tb_run *r = runs[i];
		tb_run_rdlock(r);
		const tb_wandb_info *w = tb_wandb_info_of(r);
		tb_buf_puts(b, i ? ", {\"name\": " : "{\"name\": ");
		tb_json_cstr(b, r->name);
		put_field(b, "source", w ? "wandb" : "tensorboard");
		tb_buf_puts(b, ", \"start_time\": ");
		if (r->has_start)
			tb_json_double(b, r->start_time);
		else
			tb_json_null(b);
		put_plugins(b, r);
		if (w) {
			tb_buf_puts(b, ", \"wandb\": {");
			put_wandb(b, w);
			if (ids && ids[i])
				put_resume(b, runs, ids, s->n_runs, i);
			tb_buf_putc(b, '}');
		}
		tb_run_unlock(r);
		tb_buf_putc(b, '}');
	}
	tb_buf_puts(b, "]}");
	for (size_t i = 0; ids && i < s->n_runs; i++)
		free(ids[i]);
	tb_store_unlock(s);
	free(ids);
	free(runs);
	if (b->oom)
		tb_resp_oom(resp);
}

/* ---- a resumed run, merged ----------------------------------------------- */

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the runs whose W&B id is id, in name (= time) order. */
static char **segments_of(tb_store *s, const char *id, size_t *n)
{
	tb_store_rdlock(s);
	char **names = calloc(s->n_runs ? s->n_runs : 1, sizeof *names);
	*n = 0;
	for (size_t i = 0; names && i < s->n_runs; i++) {
		tb_run *r = s->runs[i];
		tb_run_rdlock(r);
		const tb_wandb_info *w = tb_wandb_info_of(r);
		if (w && !strcmp(w->run_id, id) && (names[*n] = strdup(r->name)))
			(*n)++;
		tb_run_unlock(r);
	}
	tb_store_unlock(s);
	if (names)
		qsort(names, *n, sizeof *names, cmp_name);
	return names;
}

struct merge {
	char **names;
	size_t n;
	int64_t *first;       /* first step of each segment's series */
	bool *has;
	tb_buf *b;
	bool any;
	uint64_t overwritten;
};

static size_t segment_index(const struct merge *m, const char *name)
{
	for (size_t k = 0; k < m->n; k++)
		if (!strcmp(m->names[k], name))
			return k;
	return m->n;
}

static int note_first(void *arg, const tb_view *v)
{
	struct merge *m = arg;
	size_t k = segment_index(m, v->run->name);
	if (k < m->n && v->first < v->end) {
		m->first[k] = tb_series_step(v->se, v->first);
		m->has[k] = true;
	}
	return 0;
}

static int write_kept(void *arg, const tb_view *v)
{
	struct merge *m = arg;
	size_t k = segment_index(m, v->run->name);
	int64_t cut = INT64_MAX;
	for (size_t j = k + 1; j < m->n; j++)
		if (m->has[j] && m->first[j] < cut)
			cut = m->first[j];
	for (size_t i = v->first; k < m->n && i < v->end; i++) {
		if (tb_series_step(v->se, i) >= cut) {
			m->overwritten++;
			continue;
		}
		if (m->any)
			tb_buf_puts(m->b, ", ");
		m->any = true;
		tb_write_point_json(m->b, v->se, i);
	}
	return m->b->oom ? -ENOMEM : 0;
}

void tb_api_wandb_merged(const tb_request *req, tb_response *resp)
{
	const char *id = tb_req_arg(req, "run_id"), *tag = tb_req_arg(req, "tag");
	if (!id || !tag || !id[0]) {
		tb_resp_error(resp, 400, "run_id and tag are required");
		return;
	}
	tb_store *s = &req->app->store;
	struct merge m = { 0 };
	m.names = segments_of(s, id, &m.n);
	m.first = calloc(m.n + 1, sizeof *m.first);
	m.has = calloc(m.n + 1, sizeof *m.has);
	m.b = &resp->body;
	int rc = m.names && m.first && m.has ? 0 : -ENOMEM;
	if (!rc && !m.n) {
		tb_resp_error(resp, 404, "no W&B run with id '%.100s'", id);
		rc = 1;
	}
	if (!rc) {
		tb_resp_json(resp);
		rc = tb_query_runs(s, (const char *const *)m.names, m.n, tag, TB_KIND_SCALAR,
				   note_first, &m);
	}
	if (!rc) {
		tb_buf_puts(m.b, "{\"segments\": [");
		for (size_t k = 0; k < m.n; k++) {
			if (k)
				tb_buf_puts(m.b, ", ");
			tb_json_cstr(m.b, m.names[k]);
		}
		tb_buf_puts(m.b, "], \"points\": [");
		rc = tb_query_runs(s, (const char *const *)m.names, m.n, tag, TB_KIND_SCALAR,
				   write_kept, &m);
		tb_buf_printf(m.b, "], \"overwritten\": %llu}", (unsigned long long)m.overwritten);
	}
	if (rc == -ENOMEM || m.b->oom)
		tb_resp_oom(resp);
	for (size_t k = 0; m.names && k < m.n; k++)
		free(m.names[k]);
	free(m.names);
	free(m.first);
	free(m.has);
}
