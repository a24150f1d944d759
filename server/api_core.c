/*
 * api_core.c - TensorBoard's core endpoints (reference §4.2, §4.3) and
 * tbserve's two additions, /data/export and /data/live.
 *
 *   runs, logdir, environment, window_properties, experiments,
 *   experiment_runs, notifications, plugins_listing, plugin_entry.html
 *   export?format=csv|jsonl[&run][&tag]   every visible point, streamed
 *   live                                  server-sent events (live.h)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "export.h"
#include "json.h"
#include "live.h"
#include "query.h"
#include "wandb.h"
#include "source.h"
#include "writer.h"

static int run_name(void *arg, tb_run *r)
{
	tb_write_sep(arg);
	tb_json_cstr(arg, r->name);
	return 0;
}

void tb_api_runs(const tb_request *req, tb_response *resp)
{
	tb_resp_json(resp);
	tb_buf_putc(&resp->body, '[');
	if (tb_query_sorted_runs(&req->app->store, run_name, &resp->body))
		tb_resp_oom(resp);
	tb_buf_putc(&resp->body, ']');
}

static const char *logdir_text(const tb_flags *f)
{
	return f->logdir_spec[0] ? f->logdir_spec : f->logdir;
}

void tb_api_logdir(const tb_request *req, tb_response *resp)
{
	tb_resp_json(resp);
	tb_buf_puts(&resp->body, "{\"logdir\": ");
	tb_json_cstr(&resp->body, logdir_text(req->app->flags));
	tb_buf_putc(&resp->body, '}');
}

void tb_api_window_properties(const tb_request *req, tb_response *resp)
{
	tb_resp_json(resp);
	tb_buf_puts(&resp->body, "{\"window_title\": ");
	tb_json_cstr(&resp->body, req->app->flags->window_title);
	tb_buf_putc(&resp->body, '}');
}

void tb_api_environment(const tb_request *req, tb_response *resp)
{
	const tb_flags *f = req->app->flags;
	tb_buf *b = &resp->body;
	tb_resp_json(resp);
	tb_buf_puts(b, "{\"version\": ");
	tb_json_cstr(b, "tbserve " TB_VERSION);
	tb_buf_puts(b, ", \"data_location\": ");
	tb_json_cstr(b, logdir_text(f));
	tb_buf_puts(b, ", \"window_title\": ");
	tb_json_cstr(b, f->window_title);
	tb_buf_puts(b, ", \"experiment_name\": \"\", \"experiment_description\": \"\", "
		       "\"creation_time\": 0, \"debug\": {\"data_provider\": \"tbserve\", \"flags\": {\"logdir\": ");
	tb_json_cstr(b, f->logdir);
	tb_buf_puts(b, ", \"logdir_spec\": ");
	tb_json_cstr(b, f->logdir_spec);
	tb_buf_puts(b, ", \"load_fast\": ");
	tb_json_cstr(b, f->load_fast < 0 ? "auto" : f->load_fast ? "true" : "false");
	tb_buf_puts(b, ", \"purge_orphaned_data\": ");
	tb_json_bool(b, f->purge_orphaned_data);
	tb_buf_puts(b, ", \"path_prefix\": ");
	tb_json_cstr(b, f->path_prefix);
	tb_buf_puts(b, ", \"reload_interval\": ");
	tb_json_double(b, f->reload_interval);
	tb_buf_puts(b, ", \"samples_per_plugin\": ");
	tb_json_cstr(b, f->samples_per_plugin);
	tb_buf_puts(b, "}}, \"sources\": [");
	/* each logdir's health: an object store that cannot be read says
	 * why here (and the page shows it as a banner) */
	const tb_app *app = req->app;
	for (size_t i = 0; i < app->n_loaders; i++) {
		const tb_loader *l = &app->loaders[i];
		char msg[512];
		int rc = tb_source_status(l->src, msg, sizeof msg);
		tb_buf_puts(b, i ? ", {\"location\": " : "{\"location\": ");
		tb_json_cstr(b, tb_source_location(l->src));
		tb_buf_puts(b, ", \"name\": ");
		if (l->prefix)
			tb_json_cstr(b, l->prefix);
		else
			tb_buf_puts(b, "null");
		tb_buf_puts(b, ", \"remote\": ");
		tb_json_bool(b, tb_source_remote(l->src));
		tb_buf_puts(b, ", \"requests\": ");
		tb_json_int(b, (int64_t)tb_source_requests(l->src));
		tb_buf_puts(b, ", \"retries\": ");
		tb_json_int(b, (int64_t)tb_source_retries(l->src));
		tb_buf_puts(b, ", \"error\": ");
		if (rc)
			tb_json_cstr(b, msg);
		else
			tb_buf_puts(b, "null");
		tb_buf_puts(b, "}");
	}
	tb_buf_puts(b, "]}");
}

void tb_api_empty_list(const tb_request *req, tb_response *resp)
{
	(void)req;
	tb_resp_json(resp);
	tb_buf_puts(&resp->body, "[]");
}

void tb_api_notifications(const tb_request *req, tb_response *resp)
{
	(void)req;
	tb_resp_redirect(resp, 302, "../notifications_note.json");
}

/* Every plugin TensorBoard lists, in its load order, with the kinds whose
 * presence enables each one; TB_KIND_NONE for those tbserve does not serve
 * (always listed, never enabled, as TensorBoard lists them without data). */
#define TB_KIND_NONE ((tb_kind)0)
static const struct plugin_entry {
	const char *name;
	const char *tab;
	const char *element;   /* NULL = NG_COMPONENT */
	tb_kind kind1, kind2;
	bool disable_reload;
} plugin_list[] = {
	{ "timeseries", "Time Series", NULL, TB_KIND_SCALAR, TB_KIND_HISTOGRAM, false },
	{ "scalars", "scalars", "tf-scalar-dashboard", TB_KIND_SCALAR, TB_KIND_SCALAR, false },
	{ "custom_scalars", "Custom Scalars", "tf-custom-scalar-dashboard", TB_KIND_CUSTOM_SCALARS, TB_KIND_CUSTOM_SCALARS, false },
	{ "images", "images", "tf-image-dashboard", TB_KIND_IMAGE, TB_KIND_IMAGE, false },
	{ "audio", "audio", "tf-audio-dashboard", TB_KIND_AUDIO, TB_KIND_AUDIO, false },
	{ "debugger-v2", "Debugger V2", NULL, TB_KIND_NONE, TB_KIND_NONE, false },
	{ "graphs", "graphs", "tf-graph-dashboard", TB_KIND_GRAPH, TB_KIND_GRAPH, true },
	{ "distributions", "distributions", "tf-distribution-dashboard", TB_KIND_HISTOGRAM, TB_KIND_HISTOGRAM, false },
	{ "histograms", "histograms", "tf-histogram-dashboard", TB_KIND_HISTOGRAM, TB_KIND_HISTOGRAM, false },
	{ "text", "text", "tf-text-dashboard", TB_KIND_TEXT, TB_KIND_TEXT, false },
	{ "pr_curves", "PR Curves", "tf-pr-curve-dashboard", TB_KIND_PR_CURVE, TB_KIND_PR_CURVE, false },
	{ "profile_redirect", "Profile", "tf-profile-redirect-dashboard", TB_KIND_NONE, TB_KIND_NONE, false },
	{ "hparams", "hparams", "tf-hparams-dashboard", TB_KIND_HPARAMS, TB_KIND_HPARAMS, false },
	{ "mesh", "mesh", "mesh-dashboard", TB_KIND_NONE, TB_KIND_NONE, false },
	{ "wit_redirect", "What-If Tool", "tf-wit-redirect-dashboard", TB_KIND_NONE, TB_KIND_NONE, false },
};

static int found_one(void *arg, const tb_run *r, const tb_series **tags, size_t n)
{
	(void)arg, (void)r, (void)tags, (void)n;
	return 1;
}

/* Every W&B run is an hparams session (config as hparams: hparams.c). */
static int wandb_run(void *arg, tb_run *r)
{
	(void)arg;
	return tb_wandb_info_of(r) != NULL;
}

void tb_api_plugins_listing(const tb_request *req, tb_response *resp)
{
	tb_store *s = &req->app->store;
	tb_buf *b = &resp->body;
	bool has[TB_KIND_MAX + 1] = { false };
	for (int k = TB_KIND_SCALAR; k <= TB_KIND_MAX; k++) {
		int rc = tb_query_tags(s, (tb_kind)k, found_one, NULL);
		if (rc < 0) {
			tb_resp_oom(resp);
			return;
		}
		has[k] = rc == 1;
	}
	if (!has[TB_KIND_HPARAMS]) {
		int rc = tb_query_sorted_runs(s, wandb_run, NULL);
		if (rc < 0) {
			tb_resp_oom(resp);
			return;
		}
		has[TB_KIND_HPARAMS] = rc == 1;
	}
	tb_resp_json(resp);
	tb_buf_putc(b, '{');
	for (size_t i = 0; i < sizeof plugin_list / sizeof *plugin_list; i++) {
		const struct plugin_entry *p = &plugin_list[i];
		if (i)
			tb_buf_puts(b, ", ");
		tb_json_cstr(b, p->name);
		tb_buf_puts(b, ": {\"disable_reload\": ");
		tb_json_bool(b, p->disable_reload);
		tb_buf_puts(b, ", \"enabled\": ");
		tb_json_bool(b, has[p->kind1] || has[p->kind2]);
		tb_buf_puts(b, ", \"remove_dom\": false, \"tab_name\": ");
		tb_json_cstr(b, p->tab);
		if (p->element) {
			tb_buf_puts(b, ", \"loading_mechanism\": {\"type\": \"CUSTOM_ELEMENT\", \"element_name\": ");
			tb_json_cstr(b, p->element);
			tb_buf_puts(b, "}}");
		} else {
			tb_buf_puts(b, ", \"loading_mechanism\": {\"type\": \"NG_COMPONENT\"}}");
		}
	}
	tb_buf_putc(b, '}');
}

void tb_api_plugin_entry(const tb_request *req, tb_response *resp)
{
	const char *name = tb_req_arg(req, "name");
	for (size_t i = 0; name && i < sizeof plugin_list / sizeof *plugin_list; i++) {
		if (!strcmp(plugin_list[i].name, name)) {
			resp->status = 400;
			resp->content_type = "text/plain; charset=utf-8";
			tb_buf_puts(&resp->body, "Plugin is not module loadable");
			return;
		}
	}
	tb_resp_not_found(resp);
}

static int export_next(void *e, tb_buf *out, size_t want, bool *done)
{
	return tb_export_next(e, out, want, done);
}

static void export_free(void *e)
{
	tb_export_close(e);
}

void tb_api_export(const tb_request *req, tb_response *resp)
{
	const char *format = tb_req_arg(req, "format");
	if (!format)
		format = "jsonl";
	if (strcmp(format, "csv") && strcmp(format, "jsonl")) {
		tb_resp_error(resp, 400, "format must be csv or jsonl, not '%.100s'", format);
		return;
	}
	tb_export_cursor *e;
	if (tb_export_open(&e, &req->app->store, format, tb_req_arg(req, "run"),
			   tb_req_arg(req, "tag"))) {
		tb_resp_oom(resp);
		return;
	}
	bool csv = !strcmp(format, "csv");
	resp->status = 200;
	resp->content_type = csv ? "text/csv; charset=utf-8" : "application/x-ndjson";
	resp->disposition = csv ? "attachment; filename=\"tbserve-export.csv\"" :
				  "attachment; filename=\"tbserve-export.jsonl\"";
	tb_resp_stream(resp, &(tb_stream){ e, export_next, export_free, NULL });
}

static int live_next(void *sub, tb_buf *out, size_t want, bool *done)
{
	(void)want;
	*done = false;   /* a live stream ends only by aborting */
	return tb_live_sub_next(sub, out);
}

static void live_free(void *sub)
{
	tb_live_sub_free(sub);
}

static void live_waker(void *sub, void (*suspend)(void *), void (*resume)(void *), void *arg)
{
	tb_live_sub_set_waker(sub, suspend, resume, arg);
}

void tb_api_live(const tb_request *req, tb_response *resp)
{
	if (!req->app->live) {
		tb_resp_error(resp, 404, "live updates are not running");
		return;
	}
	tb_live_sub *sub = tb_live_subscribe(req->app->live, req->peer);
	if (!sub) {
		resp->status = 503;
		resp->content_type = "text/plain; charset=utf-8";
		tb_buf_puts(&resp->body, "Service unavailable: too many live streams");
		return;
	}
	resp->status = 200;
	resp->content_type = "text/event-stream";
	resp->no_gzip = true;
	tb_resp_stream(resp, &(tb_stream){ sub, live_next, live_free, live_waker });
}
