/*
 * hparams.h - the hparams plugin's model (reference §2.8, §4.9): sessions,
 * the experiment, session groups with TensorBoard's filters, sort, paging
 * and metric aggregation, and the protobuf-JSON requests that ask for them.
 *
 * A session is a run holding `_hparams_/session_start_info` (its status and
 * end time from `_hparams_/session_end_info`). The experiment is the last
 * `_hparams_/experiment` in TensorBoard's run order (the newest; TensorBoard
 * takes whichever its directory walk met first), else it is
 * inferred from every session's hparams (discrete domains sorted, where
 * TensorBoard lists a Python set) and from the scalar tags of the sessions'
 * runs and sub-runs. A metric value is the last scalar point of tag `tag`
 * in run `session[/group]`. W&B runs (wandb.h) are sessions too: config
 * keys as hparams, summary numbers as metrics; their infos are added to
 * an experiment summary's when it lacks them.
 *
 * tb_hp_collect() reads the store through the query layer once per request
 * and keeps copies (nothing borrowed survives it); the rest is pure and
 * unit-tested (tests/unit/test_hparams.c). Errors: 0 or a negative errno;
 * -EINVAL from the parsers and tb_hp_groups comes with a message in err.
 */
#ifndef TB_HPARAMS_H
#define TB_HPARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "store.h"

/* google.protobuf.Value kinds an hparam may hold. */
typedef enum tb_hp_vtype {
	TB_HP_NONE = 0,   /* missing, or null/struct/list (no hparam type) */
	TB_HP_NUM,
	TB_HP_STR,
	TB_HP_BOOL,
} tb_hp_vtype;

typedef struct tb_hp_value {
	tb_hp_vtype t;
	double num;
	bool b;
	const char *str;
} tb_hp_value;

typedef struct tb_hp_kv {
	const char *name;
	tb_hp_value v;
} tb_hp_kv;

/* api.proto enums, by their numbers */
enum { TB_HP_TYPE_UNSET = 0, TB_HP_TYPE_STRING = 1, TB_HP_TYPE_BOOL = 2, TB_HP_TYPE_FLOAT64 = 3 };
enum { TB_HP_STATUS_UNKNOWN = 0, TB_HP_STATUS_SUCCESS, TB_HP_STATUS_FAILURE, TB_HP_STATUS_RUNNING };
enum { TB_HP_ORDER_UNSPECIFIED = 0, TB_HP_ORDER_ASC, TB_HP_ORDER_DESC };
enum { TB_HP_AGG_AVG = 0, TB_HP_AGG_MEDIAN, TB_HP_AGG_MIN, TB_HP_AGG_MAX };
enum { TB_HP_DOMAIN_NONE = 0, TB_HP_DOMAIN_DISCRETE, TB_HP_DOMAIN_INTERVAL };

typedef struct tb_hp_hparam_info {
	const char *name, *display_name, *description;
	int type;
	int domain;
	tb_hp_value *discrete;
	size_t n_discrete;
	double min, max;
	bool differs;
} tb_hp_hparam_info;

typedef struct tb_hp_metric_info {
	const char *group, *tag, *display_name, *description;
	int dataset_type;
} tb_hp_metric_info;

typedef struct tb_hp_experiment {
	const char *name, *description, *user;
	double time_created;
	tb_hp_hparam_info *hparams;
	size_t n_hparams;
	tb_hp_metric_info *metrics;
	size_t n_metrics;
} tb_hp_experiment;

/* One metric's value in a session or group (has: found). */
typedef struct tb_hp_mv {
	bool has;
	double value;
	int64_t step;
	double wall;
} tb_hp_mv;

typedef struct tb_hp_session {
	const char *name, *group_name, *model_uri, *monitor_url;
	double start_time, end_time;
	int status;
	tb_hp_kv *hparams;     /* in the start info's order */
	size_t n_hparams;
	tb_hp_mv *metrics;     /* one per experiment metric */
	/* a W&B run (issue 14): config keys are its hparams; its summary's
	 * numbers (keys not starting '_') its metrics, at the summary's
	 * _step and _timestamp */
	bool wandb;
	tb_hp_kv *summary;
	size_t n_summary;
	int64_t summary_step;
	double summary_wall;
} tb_hp_session;

typedef struct tb_hp_data {
	tb_arena arena;        /* owns everything below */
	tb_hp_experiment exp;
	tb_hp_session *sessions;  /* TensorBoard's run order */
	size_t n_sessions;
} tb_hp_data;

/* A ListSessionGroupsRequest column. */
typedef struct tb_hp_col {
	bool is_metric;
	const char *hparam;
	const char *group, *tag;
	int order;
	bool missing_first;
	bool include;          /* includeInResult */
	bool exclude_missing;
	enum { TB_HP_FILTER_NONE, TB_HP_FILTER_REGEXP, TB_HP_FILTER_INTERVAL,
	       TB_HP_FILTER_DISCRETE } filter;
	const char *regexp;
	double min, max;
	tb_hp_value *discrete;
	size_t n_discrete;
} tb_hp_col;

/* Any of the four requests, parsed (fields a request does not have stay
 * at their defaults). */
typedef struct tb_hp_request {
	tb_arena arena;
	const char *experiment_name;
	bool include_metrics;  /* default true */
	int64_t hparams_limit;
	tb_hp_col *cols;
	size_t n_cols;
	unsigned allowed_statuses;  /* bit per status */
	int aggregation;
	const char *agg_group, *agg_tag;
	int64_t start_index, slice_size;
	const char *session_name;
	const char *metric_group, *metric_tag;
} tb_hp_request;

typedef enum tb_hp_kind {
	TB_HP_REQ_EXPERIMENT,     /* GetExperimentRequest */
	TB_HP_REQ_SESSION_GROUPS, /* ListSessionGroupsRequest */
	TB_HP_REQ_METRIC_EVALS,   /* ListMetricEvalsRequest */
} tb_hp_kind;

/* Parse protobuf-JSON (camelCase or proto field names, enums by name or
 * number, unknown fields refused as TensorBoard's parser does). 0,
 * -EINVAL with err set, or -ENOMEM. Release with tb_hp_request_release
 * (also after a failure). */
int tb_hp_request_parse(tb_hp_request *rq, tb_hp_kind kind, const char *json, size_t len,
			char *err, size_t errlen);
void tb_hp_request_release(tb_hp_request *rq);

/* Read sessions and the experiment (metric infos and values only when
 * include_metrics). 0 or -ENOMEM; release with tb_hp_data_release. */
int tb_hp_collect(tb_store *s, bool include_metrics, tb_hp_data *d);
void tb_hp_data_release(tb_hp_data *d);

/* The experiment's hparam infos sorted as TensorBoard does (differing
 * first, then by name) and cut to limit (0: all). */
void tb_hp_sort_hparams(tb_hp_experiment *e, int64_t limit);

typedef struct tb_hp_group {
	const char *name;
	const tb_hp_session **sessions;   /* sorted by name */
	size_t n_sessions;
	const tb_hp_kv *hparams;          /* the first session's */
	size_t n_hparams;
	const char *monitor_url;
	tb_hp_mv *metrics;                /* aggregated, one per experiment metric */
} tb_hp_group;

typedef struct tb_hp_groups {
	tb_arena arena;
	tb_hp_group **g;       /* filtered and sorted */
	size_t n;
} tb_hp_groups;

/* Group, aggregate, filter and sort d's sessions for rq. 0, -EINVAL (err:
 * a bad regexp, a filter that does not fit the column's values) or
 * -ENOMEM; release with tb_hp_groups_release. */
int tb_hp_groups_make(const tb_hp_data *d, const tb_hp_request *rq, tb_hp_groups *out,
		      char *err, size_t errlen);
void tb_hp_groups_release(tb_hp_groups *gs);

/* The slice [start_index, start_index + slice_size) of n, as Python slices. */
void tb_hp_slice(const tb_hp_request *rq, size_t n, size_t *first, size_t *end);

/* Is hparam name asked for in the result (a column with includeInResult;
 * every hparam when the request names none)? */
bool tb_hp_included(const tb_hp_request *rq, const char *name);

/* Python's os.path.normpath(os.path.join(session, group)) into a new
 * string (malloc; NULL on OOM). */
char *tb_hp_metric_run(const char *session, const char *group);

#endif
