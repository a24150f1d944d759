/*
 * wandb_internal.h - what the W&B reader's files share: wandb.c (records,
 * reading), wandb_value.c (JSON values -> series), wandb_info.c (run facts,
 * config and summary). Not for any other module: use wandb.h.
 *
 * A tb_wandb_file is used by one loader thread at a time; its run, store
 * and info fields are set for the duration of a read, under the run's
 * write lock.
 */
#ifndef TB_WANDB_INTERNAL_H
#define TB_WANDB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "wandb.h"
#include "wandb_console.h"
#include "wandb_log.h"

typedef struct item {
	const char *key;                /* in the record, or NULL: in f->keys */
	size_t key_off, key_len;
	const char *json;
	size_t json_len;
} item;

struct tb_wandb_file {
	tb_wandb_log log;
	char *dir;                      /* the run folder (files/ lives there) */
	tb_wandb_console con;
	double con_wall;
	int64_t stats_seq;
	item *items;                    /* one history row */
	size_t n_items, cap_items;
	tb_series **hints;              /* series of each item position last row */
	tb_buf keys;                    /* item names of one row */
	bool said_damage, said_row, said_series, said_json, said_fatal;
	/* the run being written during a batch */
	tb_store *store;
	tb_run *run;
	tb_wandb_info *info;
	const char *path;
	struct tb_source *src;          /* where the log is read (media files too);
					 * NULL for a log in memory */
};

/* wandb_info.c */
tb_wandb_info *tb__wandb_info_new(void);
void tb__wandb_info_free(void *info);
/* Replace *dst with p[0..n) unless n is 0 (later run records only add). */
int tb__wandb_set_str(char **dst, const char *p, size_t n);
int tb__wandb_kvs_set(tb_wandb_kvs *k, const char *key, const char *json, size_t json_len);
void tb__wandb_kvs_remove(tb_wandb_kvs *k, const char *key);

/* wandb_value.c */
int tb__wandb_json_scalar(const char *p, size_t n, tb_scalar *v);
int tb__wandb_json_depth(const char *p, size_t n, int limit);
cJSON *tb__wandb_json_parse(tb_wandb_file *f, const char *p, size_t n);
int tb__wandb_add_scalar(tb_wandb_file *f, const char *tag, size_t len, double wall, int64_t step,
			 const tb_scalar *v);
int tb__wandb_add_text(tb_wandb_file *f, const char *tag, size_t len, double wall, int64_t step,
		       const char *text, size_t n);
int tb__wandb_add_value(tb_wandb_file *f, const char *key, size_t key_len, double wall,
			int64_t step, const char *json, size_t n, tb_series **hint);

#endif
