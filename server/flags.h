/*
 * flags.h - tbserve's command line: TensorBoard's flags, same meanings
 * (reference §5), plus tbserve's own.
 *
 *   tbserve [serve] --logdir DIR [--port N] [...]     serve the dashboard
 *   tbserve --logdir DIR --inspect [--tag T]          print what is there
 *   tbserve --event_file F --inspect                  one file
 *   tbserve export --logdir DIR [--format jsonl|csv] [--run R] [--tag T]
 *
 * Flags take "--flag value" or "--flag=value"; an unambiguous prefix of a
 * flag name is accepted, as TensorBoard's argparse does. Boolean flags take
 * true/false; switches take nothing.
 *
 * Ownership: tb_flags owns its strings; tb_flags_release() frees them.
 */
#ifndef TB_FLAGS_H
#define TB_FLAGS_H

#include <stdbool.h>
#include <stdio.h>

#include "store.h"

typedef enum tb_cmd {
	TB_CMD_SERVE,
	TB_CMD_INSPECT,
	TB_CMD_EXPORT,
	TB_CMD_VERSION,
	TB_CMD_HELP,
} tb_cmd;

typedef struct tb_flags {
	tb_cmd cmd;
	char *logdir;           /* as given (reported by /data/logdir) */
	char *logdir_path;      /* with ~ expanded: what is walked */
	char *logdir_spec;
	char *host;
	bool bind_all;
	int port;               /* 6006 unless given */
	bool port_given;
	char *path_prefix;      /* "" or "/p" without trailing '/' */
	char *window_title;
	char *samples_per_plugin;
	int load_fast;          /* -1 auto, 0 false, 1 true */
	bool purge_orphaned_data;
	bool wandb;             /* read W&B run folders (--wandb, default true) */
	double reload_interval;
	char *watch;            /* "auto", "inotify", "poll" */
	char *static_dir;
	char *event_file;
	char *tag;
	char *run;
	char *format;           /* export: jsonl or csv */
	int threads;            /* loader threads; 0 = one per CPU */
	char *allowed_hosts;    /* extra Host names, "a,b" ("*" = any) */
	char *auth;             /* "auto", "none", "token" */
	char *token;            /* --token (else TBSERVE_TOKEN, --token_file) */
	char *token_file;
	char *tls_cert;         /* PEM files: HTTPS when both are given */
	char *tls_key;
	tb_store_opts store;    /* derived: purge rule and samples */
} tb_flags;

/* Parse argv. Returns 0, -EINVAL for a usage error (a bad argument),
 * -ENOTSUP for an inconsistent combination of flags, or -ENOMEM; err then
 * holds the message. */
int tb_flags_parse(tb_flags *f, int argc, char **argv, char *err, size_t errlen);
/* The process exit code for tb_flags_parse's result: 2 for a usage error,
 * as argparse exits, 1 for any other error. */
int tb_flags_exit_code(int rc);
void tb_flags_release(tb_flags *f);
void tb_flags_usage(FILE *out);

/* "images=10,scalars=0" -> opts->samples. Returns 0 or -EINVAL. */
int tb_flags_parse_samples(const char *s, tb_store_opts *opts);

#endif
