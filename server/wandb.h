/*
 * wandb.h - Weights & Biases runs read from their local .wandb files.
 *
 * A W&B run folder (wandb/run-<date>-<id>/ or offline-run-...) holds
 * run-<id>.wandb; logdir.c makes the folder a run named by its path like a
 * TensorBoard run, loader.c hands the file to tb_wandb_read(). This module
 * decodes the records (tests/data/wandb/FORMAT.md §3-§6, a hand-written
 * protobuf wire reader for the few fields a viewer needs; unknown fields are
 * skipped) and applies them to the run through the store's public API:
 *
 *   history   every numeric key -> scalar series (step = _step, wall =
 *             _timestamp); key, or nested_key joined with '/'; NaN and
 *             Infinity kept; booleans as bools. Objects without _type are
 *             flattened with '/'. Strings -> text series. Media objects
 *             (_type): histogram -> histogram series; table-file -> a text
 *             table read from files/<path>; anything else (image-file,
 *             video-file, ...) -> a text line "<_type>: <path> (...)", so
 *             nothing is silently dropped.
 *   stats     system metrics -> scalar series "system/<key>" (step = sample
 *             number, wall = record time), every SDK generation's key
 *             mapped to one naming (tb_wandb_system_key()).
 *   output, output_raw
 *             console -> text series "console": terminal-collapsed lines
 *             (wandb_console.h) in blocks, step = first line number.
 *   run, config, summary, telemetry, header, exit
 *             run facts kept in a tb_wandb_info hung on the run (below).
 *
 * Damage (wandb_log.h) keeps every complete record and is logged once per
 * file; bounds are TB_WANDB_* in tblimits.h, each logged once per file.
 *
 * Concurrency and ownership: tb_wandb_read() takes the run's write lock per
 * batch of records. The tb_wandb_info of a run belongs to the run (freed
 * with it by the store); read it under the run's read lock.
 */
#ifndef TB_WANDB_H
#define TB_WANDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"
#include "store.h"

/* One key of a folded config or summary: value_json as written. */
typedef struct tb_wandb_kv {
	char *key;
	char *json;
} tb_wandb_kv;

typedef struct tb_wandb_kvs {
	tb_wandb_kv *v;
	size_t n, cap;
} tb_wandb_kvs;

enum { TB_WANDB_STDERR = 0, TB_WANDB_STDOUT = 1 };

/* What a person reads about a W&B run. Strings are "" when unknown, never
 * NULL once the info exists. */
typedef struct tb_wandb_info {
	char *run_id, *entity, *project, *display_name, *group, *job_type, *notes;
	char *host, *sweep_id;
	char **tags;
	size_t n_tags;
	char *sdk_version;      /* telemetry cli_version, or _wandb.cli_version */
	char *producer;         /* wandb-core's header record; "" = Python writer */
	double start_time;      /* seconds since the epoch; 0 = unknown */
	bool has_exit;
	int exit_code;
	int64_t exit_runtime;
	tb_wandb_kvs config;    /* keys: key, or nested_key joined with '.' */
	tb_wandb_kvs summary;   /* keys: key, or nested_key joined with '/' */
	uint64_t console[2][2]; /* [0 output / 1 output_raw][stream] records */
	uint64_t records, history_rows, stats_records, media_values, skipped_values;
	uint64_t damaged;       /* damaged places skipped (CRC, chunk, length) */
	uint64_t pending;       /* bytes after the last complete record */
	uint64_t bytes;         /* file size at the last read */
} tb_wandb_info;

/* The W&B facts of a run, or NULL for a TensorBoard run (run lock held). */
const tb_wandb_info *tb_wandb_info_of(const tb_run *r);

/* For the hparams dashboard (issue #9): config flattened with '.' (nested
 * JSON objects too; the SDK's "_wandb" key left out) and summary values
 * flattened with '/' (keys starting "_wandb" left out), each as (key, JSON
 * value text). Run lock held. Returns 0 or -ENOMEM. */
typedef int (*tb_wandb_kv_fn)(void *ctx, const char *key, const char *json);
int tb_wandb_info_config(const tb_wandb_info *w, tb_wandb_kv_fn fn, void *ctx);
int tb_wandb_info_summary(const tb_wandb_info *w, tb_wandb_kv_fn fn, void *ctx);

/* Series whose x-axis is wall time by default (system metrics). */
#define TB_WANDB_SYSTEM_PREFIX "system/"
#define TB_WANDB_CONSOLE_TAG "console"

/* The one name of a stats key, without the "system/" prefix: "memory" ->
 * "memory_percent", "disk" -> "disk./.usagePercent" (0.10-0.12 names);
 * everything else as written. Returns a static string or key. */
const char *tb_wandb_system_key(const char *key);

/* Reading state of one .wandb file (opaque). */
typedef struct tb_wandb_file tb_wandb_file;

void tb_wandb_file_free(tb_wandb_file *wf);

typedef struct tb_wandb_progress {
	uint64_t records;       /* records applied by this call */
	uint64_t bytes;         /* bytes consumed by this call */
	uint64_t offset;        /* just past the last complete record */
	bool opened;            /* the file was opened: file says what was read */
	tb_source_info file;    /* size and identity of what was opened */
} tb_wandb_progress;

/* Read path from where *wf stopped (creating *wf, and resetting the run's
 * W&B facts, on the first call) to its current end, applying records to
 * run r. The file is opened through src (the logdir's source: a local file
 * or an S3 object) and closed by the call: an idle file holds nothing. Returns 0 (damage is
 * logged and skipped), -EPROTO when the file is not a .wandb log (logged
 * once; later calls return 0 and read nothing), or -ENOMEM. */
int tb_wandb_read(tb_wandb_file **wf, tb_store *s, tb_run *r, tb_source *src, const char *path,
		  tb_wandb_progress *out);

/* Apply a whole .wandb image held in memory (tests, fuzzing). */
int tb_wandb_read_mem(tb_store *s, tb_run *r, const char *dir, const void *data, size_t n);

#endif
