/*
 * wandb_info.c - the facts of a W&B run (tb_wandb_info, see wandb.h):
 * strings of the run record, config and summary folded in record order,
 * and their flattened form for the hparams dashboard.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tblimits.h"
#include "wandb_internal.h"

/* ---- run facts ---------------------------------------------------------- */

static void kvs_release(tb_wandb_kvs *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->v[i].key);
		free(k->v[i].json);
	}
	free(k->v);
	memset(k, 0, sizeof *k);
}

void tb__wandb_info_free(void *p)
{
	tb_wandb_info *w = p;
	if (!w)
		return;
	char **strs[] = { &w->run_id, &w->entity, &w->project, &w->display_name, &w->group,
			  &w->job_type, &w->notes, &w->host, &w->sweep_id, &w->sdk_version,
			  &w->producer };
	for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
		free(*strs[i]);
	for (size_t i = 0; i < w->n_tags; i++)
		free(w->tags[i]);
	free(w->tags);
	kvs_release(&w->config);
	kvs_release(&w->summary);
	free(w);
}

tb_wandb_info *tb__wandb_info_new(void)
{
	tb_wandb_info *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	char **strs[] = { &w->run_id, &w->entity, &w->project, &w->display_name, &w->group,
			  &w->job_type, &w->notes, &w->host, &w->sweep_id, &w->sdk_version,
			  &w->producer };
	for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
		if (!(*strs[i] = strdup(""))) {
			tb__wandb_info_free(w);
			return NULL;
		}
	return w;
}

const tb_wandb_info *tb_wandb_info_of(const tb_run *r)
{
	return r->ext_free == tb__wandb_info_free ? r->ext : NULL;
}

/* Replace *dst with a non-empty string (a later run record only adds). */
int tb__wandb_set_str(char **dst, const char *p, size_t n)
{
	if (!n)
		return 0;
	char *s = strndup(p, n);
	if (!s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

int tb__wandb_kvs_set(tb_wandb_kvs *k, const char *key, const char *json, size_t json_len)
{
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->v[i].key, key))
			return tb__wandb_set_str(&k->v[i].json, json, json_len) ? -ENOMEM : 0;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 16;
		tb_wandb_kv *v = realloc(k->v, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		k->v = v;
		k->cap = cap;
	}
	char *kk = strdup(key), *jj = strndup(json, json_len);
	if (!kk || !jj) {
		free(kk);
		free(jj);
		return -ENOMEM;
	}
	k->v[k->n++] = (tb_wandb_kv){ kk, jj };
	return 0;
}

void tb__wandb_kvs_remove(tb_wandb_kvs *k, const char *key)
{
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->v[i].key, key)) {
			free(k->v[i].key);
			free(k->v[i].json);
			memmove(&k->v[i], &k->v[i + 1], (k->n - i - 1) * sizeof *k->v);
			k->n--;
			return;
		}
}

/* ---- for the hparams dashboard ------------------------------------------ */

static int flatten(cJSON *j, tb_buf *key, char sep, tb_wandb_kv_fn fn, void *ctx)
{
	if (cJSON_IsObject(j) && j->child) {
		size_t at = key->len;
		cJSON *e;
		cJSON_ArrayForEach(e, j) {
			key->len = at;
			tb_buf_putc(key, sep);
			tb_buf_puts(key, e->string ? e->string : "");
			int rc = key->oom ? -ENOMEM : flatten(e, key, sep, fn, ctx);
			if (rc)
				return rc;
		}
		key->len = at;
		key->data[at] = '\0';
		return 0;
	}
	char *text = cJSON_PrintUnformatted(j);
	if (!text)
		return -ENOMEM;
	int rc = fn(ctx, key->data, text);
	cJSON_free(text);
	return rc;
}

static int each_flat(const tb_wandb_kvs *kv, char sep, tb_wandb_kv_fn fn, void *ctx)
{
	int rc = 0;
	for (size_t i = 0; i < kv->n && !rc; i++) {
		const tb_wandb_kv *e = &kv->v[i];
		if (!strncmp(e->key, "_wandb", 6))
			continue;
		size_t n = strlen(e->json);
		cJSON *j = n <= TB_WANDB_MAX_JSON &&
			   tb__wandb_json_depth(e->json, n, TB_WANDB_MAX_JSON_DEPTH) <= TB_WANDB_MAX_JSON_DEPTH ?
			   cJSON_ParseWithLength(e->json, n) : NULL;
		if (!j || !cJSON_IsObject(j)) {
			rc = fn(ctx, e->key, e->json); /* scalars, NaN, arrays: as written */
		} else {
			tb_buf key = TB_BUF_INIT;
			tb_buf_puts(&key, e->key);
			rc = key.oom ? -ENOMEM : flatten(j, &key, sep, fn, ctx);
			tb_buf_release(&key);
		}
		cJSON_Delete(j);
	}
	return rc;
}

int tb_wandb_info_config(const tb_wandb_info *w, tb_wandb_kv_fn fn, void *ctx)
{
	return each_flat(&w->config, '.', fn, ctx);
}

int tb_wandb_info_summary(const tb_wandb_info *w, tb_wandb_kv_fn fn, void *ctx)
{
	return each_flat(&w->summary, '/', fn, ctx);
}
