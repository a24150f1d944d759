/*
 * api.h - TensorBoard's HTTP data API as plain functions.
 *
 * Routing (reference §4.1): tb_api_handle() strips --path_prefix and one
 * /experiment/<id> prefix, removes one trailing '/', then looks the path up
 * in the route table (api.c), whose method column answers a method the
 * route does not take with 405 and an Allow header. Unknown paths go to
 * the web page's files (static_files.h), which answer 404 "Not found".
 *
 * Handlers are formatters over the query layer (query.h, writer.h): one
 * file per plugin (api_scalars.c, api_histograms.c, api_text.c,
 * api_timeseries.c) and api_core.c for TensorBoard's core endpoints,
 * export and live push. Request and response: request.h. Tests call
 * tb_api_handle() or a handler directly.
 */
#ifndef TB_API_H
#define TB_API_H

#include "request.h"
#include "store.h"

/* Route and run one request. */
void tb_api_handle(const tb_request *req, tb_response *resp);

typedef void (*tb_handler)(const tb_request *req, tb_response *resp);

/* api_core.c */
void tb_api_runs(const tb_request *req, tb_response *resp);
void tb_api_logdir(const tb_request *req, tb_response *resp);
void tb_api_environment(const tb_request *req, tb_response *resp);
void tb_api_window_properties(const tb_request *req, tb_response *resp);
void tb_api_empty_list(const tb_request *req, tb_response *resp);
void tb_api_notifications(const tb_request *req, tb_response *resp);
void tb_api_plugins_listing(const tb_request *req, tb_response *resp);
void tb_api_plugin_entry(const tb_request *req, tb_response *resp);
void tb_api_export(const tb_request *req, tb_response *resp);
void tb_api_runs_info(const tb_request *req, tb_response *resp);
void tb_api_wandb_merged(const tb_request *req, tb_response *resp);
void tb_api_live(const tb_request *req, tb_response *resp);

/* the plugins */
void tb_api_scalars_tags(const tb_request *req, tb_response *resp);
void tb_api_scalars(const tb_request *req, tb_response *resp);
void tb_api_scalars_multirun(const tb_request *req, tb_response *resp);
void tb_api_histograms_tags(const tb_request *req, tb_response *resp);
void tb_api_histograms(const tb_request *req, tb_response *resp);
void tb_api_distributions_tags(const tb_request *req, tb_response *resp);
void tb_api_distributions(const tb_request *req, tb_response *resp);
void tb_api_text_tags(const tb_request *req, tb_response *resp);
void tb_api_text(const tb_request *req, tb_response *resp);
/* PR curves and custom scalars */
void tb_api_pr_curves_tags(const tb_request *req, tb_response *resp);
void tb_api_pr_curves(const tb_request *req, tb_response *resp);
void tb_api_custom_scalars_layout(const tb_request *req, tb_response *resp);
void tb_api_custom_scalars_scalars(const tb_request *req, tb_response *resp);
void tb_api_timeseries_tags(const tb_request *req, tb_response *resp);
void tb_api_timeseries(const tb_request *req, tb_response *resp);
/* hparams: api_hparams.c */
void tb_api_hparams_experiment(const tb_request *req, tb_response *resp);
void tb_api_hparams_session_groups(const tb_request *req, tb_response *resp);
void tb_api_hparams_metric_evals(const tb_request *req, tb_response *resp);
void tb_api_hparams_download_data(const tb_request *req, tb_response *resp);
/* images and audio (api_images.c) */
void tb_api_images_tags(const tb_request *req, tb_response *resp);
void tb_api_images_images(const tb_request *req, tb_response *resp);
void tb_api_images_individual(const tb_request *req, tb_response *resp);
void tb_api_timeseries_image_data(const tb_request *req, tb_response *resp);
void tb_api_audio_tags(const tb_request *req, tb_response *resp);
void tb_api_audio_audio(const tb_request *req, tb_response *resp);
void tb_api_audio_individual(const tb_request *req, tb_response *resp);
/* graphs plugin (api_graphs.c) */
void tb_api_graphs_info(const tb_request *req, tb_response *resp);
void tb_api_graphs_graph(const tb_request *req, tb_response *resp);
void tb_api_graphs_run_metadata(const tb_request *req, tb_response *resp);

/* {run: {tag: {displayName, description}}} for the visible series of kind
 * (scalars, histograms and distributions tags). */
void tb_api_described_tags(tb_response *resp, tb_store *s, tb_kind kind);

#endif
