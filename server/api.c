/*
 * api.c - routing, request/response helpers and the core endpoints.
 *
 * The route table maps an exact path (after --path_prefix, /experiment/<id>
 * and one trailing '/' are stripped) to a handler. Methods are not checked
 * unless a handler says so, as in TensorBoard.
 */
#include "api.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "export.h"
#include "json.h"
#include "live.h"
#include "markdown.h"
#include "static_files.h"

/* ---- request / response helpers ----------------------------------------- */

void tb_response_init(tb_response *r)
{
	memset(r, 0, sizeof *r);
	tb_buf_init(&r->body);
	r->status = 200;
	r->content_type = "application/json";
}

void tb_response_release(tb_response *r)
{
	tb_buf_release(&r->body);
	tb_body_unref(r->shared);
	r->shared = NULL;
	if (r->stream && r->stream_free)
		r->stream_free(r->stream);
	r->stream = NULL;
}

static const tb_param *find_param(const tb_param *p, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(p[i].key, key))
			return &p[i];
	return NULL;
}

const tb_param *tb_req_arg_param(const tb_request *req, const char *key)
{
	return find_param(req->query, req->n_query, key);
}

const char *tb_req_arg(const tb_request *req, const char *key)
{
	const tb_param *p = find_param(req->query, req->n_query, key);
	return p ? p->value : NULL;
}

const char *tb_req_form(const tb_request *req, const char *key)
{
	const tb_param *p = find_param(req->form, req->n_form, key);
	return p ? p->value : NULL;
}

void tb_resp_json(tb_response *r)
{
	r->status = 200;
	r->content_type = "application/json";
	tb_buf_reset(&r->body);
}

void tb_resp_error(tb_response *r, int status, const char *fmt, ...)
{
	r->status = status;
	r->content_type = "text/plain; charset=utf-8";
	tb_buf_reset(&r->body);
	tb_buf_puts(&r->body, status == 400 ? "Invalid argument: " :
			      status == 404 ? "Not found: " :
			      status == 405 ? "Method not allowed: " : "Error: ");
	char tmp[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	tb_buf_puts(&r->body, tmp);
}

void tb_resp_not_found(tb_response *r)
{
	r->status = 404;
	r->content_type = "text/plain; charset=utf-8";
	tb_buf_reset(&r->body);
	tb_buf_puts(&r->body, "Not found");
}

/* ---- helpers shared by plugin handlers ----------------------------------- */

/* The plugin-data "version" field (field 1, varint) of a metadata content;
 * TensorBoard hides tags whose version is newer than it understands. */
static long content_version(const tb_series *se)
{
	const unsigned char *p = se->content, *end = p + se->content_len;
	while (p < end) {
		unsigned char key = *p++;
		uint64_t v = 0;
		int shift = 0;
		if ((key & 7) == 0) {
			while (p < end && shift < 64) {
				v |= (uint64_t)(*p & 0x7f) << shift;
				shift += 7;
				if (!(*p++ & 0x80))
					break;
			}
			if (key >> 3 == 1)
				return (long)(int32_t)v;
			continue;
		}
		return 0; /* not a plain varint field first: assume version 0 */
	}
	return 0;
}

bool tb_series_visible(const tb_series *se, tb_kind kind)
{
	return se->kind == kind && content_version(se) <= 0;
}

void tb_json_description(tb_buf *b, const tb_series *se)
{
	if (!se->description[0]) {
		tb_buf_puts(b, "\"\"");
		return;
	}
	tb_buf html = TB_BUF_INIT;
	if (tb_markdown_to_safe_html(se->description, strlen(se->description), &html) == 0)
		tb_json_str(b, html.data ? html.data : "", html.len);
	else
		tb_buf_puts(b, "\"\"");
	tb_buf_release(&html);
}

void tb_json_scalar(tb_buf *b, tb_scalar v)
{
	if (v.type == TB_NUM_I64)
		tb_json_int(b, v.i);
	else if (v.type == TB_NUM_BOOL)
		tb_json_bool(b, v.i != 0);
	else
		tb_json_double(b, v.f);
}

void tb_serve_range(const tb_request *req, const tb_series *se, const char *plugin,
		    size_t *first, size_t *end)
{
	const tb_store_opts *o = &req->app->store.opts;
	*first = 0;
	*end = se->n;
	for (size_t i = 0; i < o->n_samples; i++)
		if (!strcmp(o->samples[i].plugin, plugin) && o->samples[i].keep &&
		    o->samples[i].keep < se->n)
			*first = se->n - (size_t)o->samples[i].keep;
}

/* ---- core endpoints --------------------------------------------------------- */

static void h_runs(const tb_request *req, tb_response *resp)
{
	tb_store *s = &req->app->store;
	tb_resp_json(resp);
	tb_store_rdlock(s);
	tb_run **sorted = malloc((s->n_runs ? s->n_runs : 1) * sizeof *sorted);
	if (!sorted) {
		tb_store_unlock(s);
		tb_resp_error(resp, 503, "out of memory");
		return;
	}
	tb_store_sorted_runs(s, sorted);
	tb_buf_putc(&resp->body, '[');
	for (size_t i = 0; i < s->n_runs; i++) {
		if (i)
			tb_buf_puts(&resp->body, ", ");
		tb_json_cstr(&resp->body, sorted[i]->name);
	}
	tb_buf_putc(&resp->body, ']');
	tb_store_unlock(s);
	free(sorted);
}

static const char *logdir_text(const tb_flags *f)
{
	return f->logdir_spec[0] ? f->logdir_spec : f->logdir;
}

static void h_logdir(const tb_request *req, tb_response *resp)
{
	tb_resp_json(resp);
	tb_buf_puts(&resp->body, "{\"logdir\": ");
	tb_json_cstr(&resp->body, logdir_text(req->app->flags));
	tb_buf_putc(&resp->body, '}');
}

static void h_window_properties(const tb_request *req, tb_response *resp)
{
	tb_resp_json(resp);
	tb_buf_puts(&resp->body, "{\"window_title\": ");
	tb_json_cstr(&resp->body, req->app->flags->window_title);
	tb_buf_putc(&resp->body, '}');
}

static void h_environment(const tb_request *req, tb_response *resp)
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
	tb_buf_puts(b, "}}}");
}

static void h_empty_list(const tb_request *req, tb_response *resp)
{
	(void)req;
	tb_resp_json(resp);
	tb_buf_puts(&resp->body, "[]");
}

static void h_notifications(const tb_request *req, tb_response *resp)
{
	(void)req;
	resp->status = 302;
	resp->content_type = "text/html; charset=utf-8";
	snprintf(resp->location, sizeof resp->location, "../notifications_note.json");
	tb_buf_puts(&resp->body, "<!doctype html>\n<title>Redirecting...</title>\n"
				 "<a href=\"../notifications_note.json\">../notifications_note.json</a>");
}

/* The plugins tbserve serves, in TensorBoard's load order, with the kinds
 * whose presence enables each one. */
static const struct plugin_entry {
	const char *name;
	const char *tab;
	const char *element;   /* NULL = NG_COMPONENT */
	tb_kind kind1, kind2;
} plugin_list[] = {
	{ "timeseries", "Time Series", NULL, TB_KIND_SCALAR, TB_KIND_HISTOGRAM },
	{ "scalars", "scalars", "tf-scalar-dashboard", TB_KIND_SCALAR, TB_KIND_SCALAR },
	{ "distributions", "distributions", "tf-distribution-dashboard", TB_KIND_HISTOGRAM, TB_KIND_HISTOGRAM },
	{ "histograms", "histograms", "tf-histogram-dashboard", TB_KIND_HISTOGRAM, TB_KIND_HISTOGRAM },
	{ "text", "text", "tf-text-dashboard", TB_KIND_TEXT, TB_KIND_TEXT },
};

static bool store_has_kind(tb_store *s, tb_kind kind)
{
	bool found = false;
	for (size_t i = 0; i < s->n_runs && !found; i++) {
		tb_run *r = s->runs[i];
		tb_run_rdlock(r);
		for (size_t k = 0; k < r->n_series && !found; k++)
			found = tb_series_visible(r->series[k], kind);
		tb_run_unlock(r);
	}
	return found;
}

static void h_plugins_listing(const tb_request *req, tb_response *resp)
{
	tb_store *s = &req->app->store;
	tb_buf *b = &resp->body;
	tb_resp_json(resp);
	tb_store_rdlock(s);
	bool has[TB_KIND_BLOB + 1] = { false };
	for (int k = TB_KIND_SCALAR; k <= TB_KIND_TEXT; k++)
		has[k] = store_has_kind(s, (tb_kind)k);
	tb_store_unlock(s);
	tb_buf_putc(b, '{');
	for (size_t i = 0; i < sizeof plugin_list / sizeof *plugin_list; i++) {
		const struct plugin_entry *p = &plugin_list[i];
		if (i)
			tb_buf_puts(b, ", ");
		tb_json_cstr(b, p->name);
		tb_buf_puts(b, ": {\"disable_reload\": false, \"enabled\": ");
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

static void h_plugin_entry(const tb_request *req, tb_response *resp)
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

static void h_redirect_root(const tb_request *req, tb_response *resp)
{
	(void)req;
	resp->status = 302;
	resp->content_type = "text/html; charset=utf-8";
	snprintf(resp->location, sizeof resp->location, "/");
	tb_buf_puts(&resp->body, "<!doctype html>\n<title>Redirecting...</title>\n<a href=\"/\">/</a>");
}

static int export_next(void *e, tb_buf *out, size_t want)
{
	return tb_export_next(e, out, want);
}

static void export_free(void *e)
{
	tb_export_close(e);
}

/* /data/export?format=csv|jsonl[&run=R][&tag=T]: every point, streamed. */
void tb_api_export(const tb_request *req, tb_response *resp)
{
	const char *format = tb_req_arg(req, "format");
	if (!format)
		format = "jsonl";
	if (strcmp(format, "csv") && strcmp(format, "jsonl")) {
		tb_resp_error(resp, 400, "format must be csv or jsonl, not '%.100s'", format);
		return;
	}
	tb_export_cursor *e = tb_export_open(&req->app->store, format, tb_req_arg(req, "run"),
				      tb_req_arg(req, "tag"));
	if (!e) {
		tb_resp_error(resp, 503, "out of memory");
		return;
	}
	bool csv = !strcmp(format, "csv");
	resp->status = 200;
	resp->content_type = csv ? "text/csv; charset=utf-8" : "application/x-ndjson";
	resp->disposition = csv ? "attachment; filename=\"tbserve-export.csv\"" :
				  "attachment; filename=\"tbserve-export.jsonl\"";
	resp->stream = e;
	resp->stream_next = export_next;
	resp->stream_free = export_free;
}

static int live_next(void *sub, tb_buf *out, size_t want)
{
	(void)want;
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

/* /data/live: server-sent events announcing changed series (live.h). */
static void h_live(const tb_request *req, tb_response *resp)
{
	if (!req->app->live) {
		tb_resp_error(resp, 404, "live updates are not running");
		return;
	}
	tb_live_sub *sub = tb_live_subscribe(req->app->live);
	if (!sub) {
		resp->status = 503;
		resp->content_type = "text/plain; charset=utf-8";
		tb_buf_puts(&resp->body, "Service unavailable: too many live streams");
		return;
	}
	resp->status = 200;
	resp->content_type = "text/event-stream";
	resp->no_gzip = true;
	resp->stream = sub;
	resp->stream_next = live_next;
	resp->stream_free = live_free;
	resp->stream_waker = live_waker;
}

static void h_not_found(const tb_request *req, tb_response *resp)
{
	(void)req;
	tb_resp_not_found(resp);
}

/* ---- routing ---------------------------------------------------------------- */

/* Columns: exact path after prefix stripping; handler. */
static const struct route {
	const char *path;
	tb_handler handler;
} routes[] = {
	{ "/data/runs", h_runs },
	{ "/data/runs_info", tb_api_runs_info },
	{ "/data/logdir", h_logdir },
	{ "/data/environment", h_environment },
	{ "/data/window_properties", h_window_properties },
	{ "/data/experiments", h_empty_list },
	{ "/data/experiment_runs", h_empty_list },
	{ "/data/notifications", h_notifications },
	{ "/data/plugins_listing", h_plugins_listing },
	{ "/data/plugin_entry.html", h_plugin_entry },
	{ "/data/plugin/scalars/tags", tb_api_scalars_tags },
	{ "/data/plugin/scalars/scalars", tb_api_scalars },
	{ "/data/plugin/scalars/scalars_multirun", tb_api_scalars_multirun },
	{ "/data/plugin/histograms/tags", tb_api_histograms_tags },
	{ "/data/plugin/histograms/histograms", tb_api_histograms },
	{ "/data/plugin/distributions/tags", tb_api_distributions_tags },
	{ "/data/plugin/distributions/distributions", tb_api_distributions },
	{ "/data/plugin/text/tags", tb_api_text_tags },
	{ "/data/plugin/text/text", tb_api_text },
	{ "/data/plugin/timeseries/tags", tb_api_timeseries_tags },
	{ "/data/plugin/timeseries/timeSeries", tb_api_timeseries },
	{ "/data/export", tb_api_export },
	{ "/data/live", h_live },
	{ "/favicon.ico", h_not_found },
	{ "/___rPc_sWiTcH___", h_not_found },
	{ "/audio", h_redirect_root },
	{ "/events", h_redirect_root },
	{ "/graphs", h_redirect_root },
	{ "/histograms", h_redirect_root },
	{ "/images", h_redirect_root },
};

/* Strip --path_prefix and /experiment/<id>; NULL when the path is outside
 * the prefix. Sets *redirect when the path is exactly the prefix. */
static const char *route_path(const tb_request *req, const char *path, bool *redirect)
{
	const char *prefix = req->app->flags->path_prefix;
	size_t plen = strlen(prefix);
	*redirect = false;
	if (plen) {
		if (strncmp(path, prefix, plen))
			return NULL;
		if (path[plen] == '\0') {
			*redirect = true;
			return NULL;
		}
		if (path[plen] != '/')
			return NULL;
		path += plen;
	}
	if (!strncmp(path, "/experiment/", 12)) {
		const char *slash = strchr(path + 12, '/');
		path = slash ? slash : "/";
	}
	return path;
}

void tb_api_handle(const tb_request *req, tb_response *resp)
{
	bool redirect;
	const char *path = route_path(req, req->path, &redirect);
	if (redirect) {
		resp->status = 301;
		resp->content_type = "text/html; charset=utf-8";
		snprintf(resp->location, sizeof resp->location, "%s/", req->app->flags->path_prefix);
		return;
	}
	if (!path) {
		tb_resp_not_found(resp);
		return;
	}
	char trimmed[1024];
	size_t n = strlen(path);
	if (n >= sizeof trimmed) {
		tb_resp_not_found(resp);
		return;
	}
	memcpy(trimmed, path, n + 1);
	if (n > 1 && trimmed[n - 1] == '/')
		trimmed[n - 1] = '\0';
	tb_request r = *req;
	r.route = trimmed;
	for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
		if (!strcmp(routes[i].path, trimmed)) {
			routes[i].handler(&r, resp);
			return;
		}
	}
	/* not a data route: the web page and its assets */
	r.route = path;
	tb_static_serve(&r, resp);
}
