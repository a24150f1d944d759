/*
 * api.c - the route table and the router; nothing else.
 *
 * The table maps an exact path (after --path_prefix, /experiment/<id> and
 * one trailing '/' are stripped) to the methods it takes and a handler.
 * TensorBoard's routes take GET, POST and HEAD alike (reference §4.1);
 * tbserve's own say what they take. Any other method is a 405 with Allow.
 * HEAD runs the GET handler; the transport sends the headers only.
 */
#include "api.h"

#include <stdio.h>
#include <string.h>

#include "static_files.h"

enum {
	M_GET = 1,        /* GET and HEAD */
	M_POST = 2,
	M_TB = M_GET | M_POST,   /* TensorBoard's routes check no method */
};

static void h_not_found(const tb_request *req, tb_response *resp)
{
	(void)req;
	tb_resp_not_found(resp);
}

static void h_redirect_root(const tb_request *req, tb_response *resp)
{
	(void)req;
	tb_resp_redirect(resp, 302, "/");
}

/* Columns: exact path after prefix stripping; methods taken; handler. */
static const struct route {
	const char *path;
	int methods;
	tb_handler handler;
} routes[] = {
	{ "/data/runs", M_TB, tb_api_runs },
	{ "/data/runs_info", M_GET, tb_api_runs_info },
	{ "/data/runs_info/merged_scalars", M_GET, tb_api_wandb_merged },
	{ "/data/logdir", M_TB, tb_api_logdir },
	{ "/data/environment", M_TB, tb_api_environment },
	{ "/data/window_properties", M_TB, tb_api_window_properties },
	{ "/data/experiments", M_TB, tb_api_empty_list },
	{ "/data/experiment_runs", M_TB, tb_api_empty_list },
	{ "/data/notifications", M_TB, tb_api_notifications },
	{ "/data/plugins_listing", M_TB, tb_api_plugins_listing },
	{ "/data/plugin_entry.html", M_TB, tb_api_plugin_entry },
	{ "/data/plugin/scalars/tags", M_TB, tb_api_scalars_tags },
	{ "/data/plugin/scalars/scalars", M_TB, tb_api_scalars },
	{ "/data/plugin/scalars/scalars_multirun", M_POST, tb_api_scalars_multirun },
	{ "/data/plugin/histograms/tags", M_TB, tb_api_histograms_tags },
	{ "/data/plugin/histograms/histograms", M_TB, tb_api_histograms },
	{ "/data/plugin/distributions/tags", M_TB, tb_api_distributions_tags },
	{ "/data/plugin/distributions/distributions", M_TB, tb_api_distributions },
	{ "/data/plugin/text/tags", M_TB, tb_api_text_tags },
	{ "/data/plugin/text/text", M_TB, tb_api_text },
	/* PR curves and custom scalars */
	{ "/data/plugin/pr_curves/tags", M_TB, tb_api_pr_curves_tags },
	{ "/data/plugin/pr_curves/pr_curves", M_TB, tb_api_pr_curves },
	{ "/data/plugin/custom_scalars/layout", M_TB, tb_api_custom_scalars_layout },
	{ "/data/plugin/custom_scalars/scalars", M_TB, tb_api_custom_scalars_scalars },
	{ "/data/plugin/timeseries/tags", M_TB, tb_api_timeseries_tags },
	{ "/data/plugin/timeseries/timeSeries", M_TB, tb_api_timeseries },
	/* hparams */
	{ "/data/plugin/hparams/experiment", M_TB, tb_api_hparams_experiment },
	{ "/data/plugin/hparams/session_groups", M_TB, tb_api_hparams_session_groups },
	{ "/data/plugin/hparams/metric_evals", M_TB, tb_api_hparams_metric_evals },
	{ "/data/plugin/hparams/download_data", M_TB, tb_api_hparams_download_data },
	/* images and audio (api_images.c) */
	{ "/data/plugin/images/tags", M_TB, tb_api_images_tags },
	{ "/data/plugin/images/images", M_TB, tb_api_images_images },
	{ "/data/plugin/images/individualImage", M_TB, tb_api_images_individual },
	{ "/data/plugin/timeseries/imageData", M_TB, tb_api_timeseries_image_data },
	{ "/data/plugin/audio/tags", M_TB, tb_api_audio_tags },
	{ "/data/plugin/audio/audio", M_TB, tb_api_audio_audio },
	{ "/data/plugin/audio/individualAudio", M_TB, tb_api_audio_individual },
	/* graphs plugin */
	{ "/data/plugin/graphs/info", M_TB, tb_api_graphs_info },
	{ "/data/plugin/graphs/graph", M_TB, tb_api_graphs_graph },
	{ "/data/plugin/graphs/run_metadata", M_TB, tb_api_graphs_run_metadata },
	{ "/data/export", M_GET, tb_api_export },
	{ "/data/live", M_GET, tb_api_live },
	{ "/favicon.ico", M_TB, h_not_found },
	{ "/___rPc_sWiTcH___", M_TB, h_not_found },
	{ "/audio", M_TB, h_redirect_root },
	{ "/events", M_TB, h_redirect_root },
	{ "/graphs", M_TB, h_redirect_root },
	{ "/histograms", M_TB, h_redirect_root },
	{ "/images", M_TB, h_redirect_root },
};

static int method_bit(const char *method)
{
	if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
		return M_GET;
	if (!strcmp(method, "POST"))
		return M_POST;
	return 0;
}

/* Werkzeug's 405 page, which TensorBoard answers. */
static void method_not_allowed(tb_response *resp, int methods)
{
	resp->status = 405;
	resp->allow = methods == M_POST ? "POST" : methods == M_GET ? "GET, HEAD" : "GET, HEAD, POST";
	resp->content_type = "text/html; charset=utf-8";
	resp->html = true;
	tb_buf_reset(&resp->body);
	tb_buf_puts(&resp->body, "<!doctype html>\n<title>405 Method Not Allowed</title>\n"
				 "<h1>Method Not Allowed</h1>\n"
				 "<p>The method is not allowed for the requested URL.</p>\n");
}

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
		if (strcmp(routes[i].path, trimmed))
			continue;
		if (method_bit(req->method) & routes[i].methods)
			routes[i].handler(&r, resp);
		else
			method_not_allowed(resp, routes[i].methods);
		return;
	}
	/* not a data route: the web page and its assets */
	r.route = path;
	if (method_bit(req->method) & M_TB)
		tb_static_serve(&r, resp);
	else
		method_not_allowed(resp, M_TB);
}
