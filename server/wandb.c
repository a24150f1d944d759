/*
 * wandb.c - W&B records -> run facts and series (see wandb.h), and the
 * reading loop over a .wandb file.
 *
 * Records are protobuf; only the fields listed in FORMAT.md §4 are read,
 * with a bounds-checked wire cursor (wandb_pb.h). Values go to
 * wandb_value.c, run facts to wandb_info.c. Records are applied in batches
 * under the run's write lock, as loader.c does for event files.
 */
#include "wandb.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "tblimits.h"
#include "wandb_internal.h"
#include "wandb_pb.h"

#define BATCH_RECORDS 4096

/* Record fields (FORMAT.md §4). */
enum {
	R_HISTORY = 2, R_SUMMARY = 3, R_OUTPUT = 4, R_CONFIG = 5, R_STATS = 7,
	R_TELEMETRY = 11, R_OUTPUT_RAW = 13, R_RUN = 17, R_EXIT = 18, R_HEADER = 21,
};

/* ---- records ------------------------------------------------------------ */

/* Name of an item: key, or nested_key parts joined with sep. Appended to
 * f->keys; returns its offset, length in *len. */
static int item_name(tb_wandb_file *f, tb_pb msg, char sep, size_t *off, size_t *len,
		     const char **json, size_t *json_len)
{
	*off = f->keys.len;
	*json = "";
	*json_len = 0;
	bool have_key = false, first_part = true;
	tb_pb_field fd;
	int rc;
	tb_pb c = msg;
	while ((rc = tb_pb_next(&c, &fd)) > 0) {
		if (fd.num == 1 && fd.wire == TB_PB_LEN && fd.len) {
			f->keys.len = *off;
			tb_buf_append(&f->keys, fd.data, fd.len);
			have_key = true;
		} else if (fd.num == 2 && fd.wire == TB_PB_LEN && !have_key) {
			if (!first_part)
				tb_buf_putc(&f->keys, sep);
			tb_buf_append(&f->keys, fd.data, fd.len);
			first_part = false;
		} else if (fd.num == 16 && fd.wire == TB_PB_LEN) {
			*json = (const char *)fd.data;
			*json_len = fd.len;
		}
	}
	tb_buf_putc(&f->keys, '\0');
	*len = f->keys.len - 1 - *off;
	return rc < 0 ? -EBADMSG : f->keys.oom ? -ENOMEM : 0;
}

static void note_start(tb_wandb_file *f, double wall)
{
	if (!f->run->has_start && wall > 0) {
		f->run->has_start = true;
		f->run->start_time = wall;
	}
}

/* A history item's fields without copying: the key (field 1) or, when it
 * is empty (wandb-core), the nested_key parts joined with '/' into f->keys
 * (then it->key is NULL and it->key_off says where). */
static int history_item(tb_wandb_file *f, tb_pb msg, item *it)
{
	tb_pb_field fd;
	tb_pb c = msg;
	int rc, parts = 0;
	it->key = NULL;
	it->key_len = 0;
	it->json = "";
	it->json_len = 0;
	while ((rc = tb_pb_next(&c, &fd)) > 0) {
		if (fd.num == 1 && fd.wire == TB_PB_LEN && fd.len) {
			it->key = (const char *)fd.data;
			it->key_len = fd.len;
		} else if (fd.num == 2 && fd.wire == TB_PB_LEN) {
			parts++;
		} else if (fd.num == 16 && fd.wire == TB_PB_LEN) {
			it->json = (const char *)fd.data;
			it->json_len = fd.len;
		}
	}
	if (rc < 0)
		return -EBADMSG;
	if (it->key || !parts)
		return 0;
	const char *json;
	size_t json_len;
	return item_name(f, msg, '/', &it->key_off, &it->key_len, &json, &json_len);
}

/* _step and _timestamp of a row; also looked for among items past the
 * row limit (the SDK writes them last). */
static void row_time(const tb_wandb_file *f, const item *it, int64_t *step, bool *has_step,
		     double *wall)
{
	const char *k = it->key ? it->key : f->keys.data + it->key_off;
	tb_scalar v;
	if (it->key_len < 5 || k[0] != '_')
		return;
	if (it->key_len == 5 && !memcmp(k, "_step", 5) &&
	    tb__wandb_json_scalar(it->json, it->json_len, &v)) {
		*step = v.type == TB_NUM_I64 ? v.i : (int64_t)v.f;
		*has_step = true;
	} else if (it->key_len == 10 && !memcmp(k, "_timestamp", 10) &&
		   tb__wandb_json_scalar(it->json, it->json_len, &v)) {
		*wall = v.type == TB_NUM_I64 ? (double)v.i : v.f;
	}
}

static int grow_items(tb_wandb_file *f)
{
	size_t cap = f->cap_items ? f->cap_items * 2 : 64;
	item *p = realloc(f->items, cap * sizeof *p);
	if (p)
		f->items = p;
	tb_series **h = p ? realloc(f->hints, cap * sizeof *h) : NULL;
	if (!h)
		return -ENOMEM;
	memset(h + f->cap_items, 0, (cap - f->cap_items) * sizeof *h);
	f->hints = h;
	f->cap_items = cap;
	return 0;
}

static int history(tb_wandb_file *f, tb_pb msg)
{
	tb_pb_field fd;
	tb_pb c = msg;
	int64_t step = 0;
	bool has_step = false;
	double wall = 0;
	size_t total = 0;
	f->n_items = 0;
	tb_buf_reset(&f->keys);
	int rc;
	while ((rc = tb_pb_next(&c, &fd)) > 0) {
		if (fd.num == 2 && fd.wire == TB_PB_LEN) { /* HistoryStep */
			uint64_t num;
			if (tb_pb_find_varint(tb_pb_sub(&fd), 1, &num) > 0 && !has_step)
				step = (int64_t)num;
			continue;
		}
		if (fd.num != 1 || fd.wire != TB_PB_LEN)
			continue;
		item over, *it = &over;
		if (++total <= TB_WANDB_MAX_ROW_ITEMS) {
			if (f->n_items == f->cap_items && (rc = grow_items(f)))
				return rc;
			it = &f->items[f->n_items++];
		}
		if ((rc = history_item(f, tb_pb_sub(&fd), it)))
			return rc;
		row_time(f, it, &step, &has_step, &wall);
	}
	if (rc < 0)
		return -EBADMSG;
	if (total > TB_WANDB_MAX_ROW_ITEMS) {
		if (!f->said_row)
			tb_log(TB_LOG_WARN, "%s: a history row (step %lld) has %zu keys; kept the "
			       "first %d (said once per file)", f->path, (long long)step, total,
			       TB_WANDB_MAX_ROW_ITEMS);
		f->said_row = true;
		f->info->skipped_values += total - TB_WANDB_MAX_ROW_ITEMS;
	}
	f->info->history_rows++;
	note_start(f, wall);
	for (size_t i = 0; i < f->n_items && !rc; i++) {
		item *it = &f->items[i];
		const char *key = it->key ? it->key : f->keys.data + it->key_off;
		rc = tb__wandb_add_value(f, key, it->key_len, wall, step, it->json, it->json_len,
					 &f->hints[i]);
	}
	return rc;
}

const char *tb_wandb_system_key(const char *key)
{
	if (!strcmp(key, "memory"))
		return "memory_percent";
	if (!strcmp(key, "disk"))
		return "disk./.usagePercent";
	return key;
}

static double timestamp_of(tb_pb_field *fd)
{
	tb_pb t = tb_pb_sub(fd);
	uint64_t sec = 0, nanos = 0;
	tb_pb_find_varint(t, 1, &sec);
	tb_pb_find_varint(t, 2, &nanos);
	return (double)(int64_t)sec + (double)(int32_t)nanos * 1e-9;
}

/* A stats value: a number, or an object of numbers (0.10's "network"),
 * flattened with '.'. */
static int stats_value(tb_wandb_file *f, tb_buf *tag, double wall, const char *json, size_t n)
{
	tb_scalar v;
	if (tb__wandb_json_scalar(json, n, &v))
		return tb__wandb_add_scalar(f, tag->data, tag->len, wall, f->stats_seq, &v);
	cJSON *j = tb__wandb_json_parse(f, json, n), *e;
	cJSON *obj = cJSON_IsObject(j) ? j : NULL;
	int rc = 0;
	size_t at = tag->len;
	cJSON_ArrayForEach(e, obj) {
		if (!cJSON_IsNumber(e) || !e->string)
			continue;
		tag->len = at;
		tb_buf_putc(tag, '.');
		tb_buf_puts(tag, e->string);
		tb_scalar x = { TB_NUM_F64, e->valuedouble, 0 };
		if (tag->oom || (rc = tb__wandb_add_scalar(f, tag->data, tag->len, wall, f->stats_seq, &x)))
			break;
	}
	if (!cJSON_IsObject(j))
		f->info->skipped_values++;
	cJSON_Delete(j);
	return tag->oom ? -ENOMEM : rc;
}

static int stats(tb_wandb_file *f, tb_pb msg)
{
	tb_pb_field fd;
	tb_pb c = msg;
	double wall = 0;
	int rc;
	while ((rc = tb_pb_next(&c, &fd)) > 0)
		if (fd.num == 2 && fd.wire == TB_PB_LEN)
			wall = timestamp_of(&fd);
	if (rc < 0)
		return -EBADMSG;
	tb_buf tag = TB_BUF_INIT;
	c = msg;
	while (!rc && tb_pb_next(&c, &fd) > 0) {
		if (fd.num != 3 || fd.wire != TB_PB_LEN)
			continue;
		size_t off, len, jn;
		const char *json;
		tb_buf_reset(&f->keys);
		if ((rc = item_name(f, tb_pb_sub(&fd), '.', &off, &len, &json, &jn)))
			break;
		tb_buf_reset(&tag);
		tb_buf_puts(&tag, TB_WANDB_SYSTEM_PREFIX);
		tb_buf_puts(&tag, tb_wandb_system_key(f->keys.data + off));
		rc = tag.oom ? -ENOMEM : stats_value(f, &tag, wall, json, jn);
	}
	tb_buf_release(&tag);
	f->stats_seq++;
	f->info->stats_records++;
	return rc;
}

/* config and summary records: {1 update, 2 remove} of items. */
static int fold(tb_wandb_file *f, tb_pb msg, tb_wandb_kvs *kv, char sep)
{
	tb_pb_field fd;
	tb_pb c = msg;
	int rc;
	while ((rc = tb_pb_next(&c, &fd)) > 0) {
		if ((fd.num != 1 && fd.num != 2) || fd.wire != TB_PB_LEN)
			continue;
		size_t off, len, jn;
		const char *json;
		tb_buf_reset(&f->keys);
		int e = item_name(f, tb_pb_sub(&fd), sep, &off, &len, &json, &jn);
		if (e)
			return e;
		const char *key = f->keys.data + off;
		if (fd.num == 2) {
			tb__wandb_kvs_remove(kv, key);
			continue;
		}
		if ((e = tb__wandb_kvs_set(kv, key, json, jn)))
			return e;
		if (kv == &f->info->config && !strcmp(key, "_wandb") && !f->info->sdk_version[0]) {
			cJSON *j = tb__wandb_json_parse(f, json, jn);
			cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "cli_version");
			if (cJSON_IsString(v) && (e = tb__wandb_set_str(&f->info->sdk_version, v->valuestring,
							       strlen(v->valuestring)))) {
				cJSON_Delete(j);
				return e;
			}
			cJSON_Delete(j);
		}
	}
	return rc < 0 ? -EBADMSG : 0;
}

/* The finished console lines become one text point, step = first line. */
static int console_flush(tb_wandb_file *f)
{
	const char *text;
	size_t len;
	int64_t first;
	if (!tb_wandb_console_take(&f->con, &text, &len, &first))
		return 0;
	int rc = tb__wandb_add_text(f, TB_WANDB_CONSOLE_TAG, strlen(TB_WANDB_CONSOLE_TAG), f->con_wall,
			  first, text, len);
	tb_wandb_console_taken(&f->con);
	return rc;
}

static int console(tb_wandb_file *f, tb_pb msg, int raw)
{
	tb_pb_field fd;
	tb_pb c = msg;
	uint64_t stream = TB_WANDB_STDERR;
	int rc;
	while ((rc = tb_pb_next(&c, &fd)) > 0) {
		if (fd.num == 1 && fd.wire == TB_PB_VARINT)
			stream = fd.v == 1 ? TB_WANDB_STDOUT : TB_WANDB_STDERR;
		else if (fd.num == 2 && fd.wire == TB_PB_LEN)
			f->con_wall = timestamp_of(&fd);
		else if (fd.num == 3 && fd.wire == TB_PB_LEN &&
			 (rc = tb_wandb_console_feed(&f->con, (const char *)fd.data, fd.len)))
			return rc;
	}
	f->info->console[raw][stream]++;
	if (rc < 0)
		return -EBADMSG;
	return f->con.block_lines >= TB_WANDB_CONSOLE_LINES ? console_flush(f) : 0;
}

static int telemetry(tb_wandb_file *f, tb_pb msg)
{
	const unsigned char *p;
	size_t n;
	if (tb_pb_find_bytes(msg, 5, &p, &n) > 0)
		return tb__wandb_set_str(&f->info->sdk_version, (const char *)p, n);
	return 0;
}

static int run_record(tb_wandb_file *f, tb_pb msg)
{
	tb_wandb_info *w = f->info;
	char **strs[] = { [1] = &w->run_id, [2] = &w->entity, [3] = &w->project, [6] = &w->group,
			  [7] = &w->job_type, [8] = &w->display_name, [9] = &w->notes,
			  [12] = &w->sweep_id, [13] = &w->host };
	tb_pb_field fd;
	tb_pb c = msg;
	bool tags_reset = false;
	int rc, e = 0;
	while (!e && (rc = tb_pb_next(&c, &fd)) > 0) {
		if (fd.wire != TB_PB_LEN)
			continue;
		if (fd.num < sizeof strs / sizeof *strs && strs[fd.num])
			e = tb__wandb_set_str(strs[fd.num], (const char *)fd.data, fd.len);
		else if (fd.num == 4)
			e = fold(f, tb_pb_sub(&fd), &w->config, '.');
		else if (fd.num == 5)
			e = fold(f, tb_pb_sub(&fd), &w->summary, '/');
		else if (fd.num == 17)
			w->start_time = timestamp_of(&fd);
		else if (fd.num == 19)
			e = telemetry(f, tb_pb_sub(&fd));
		else if (fd.num == 10) {
			if (!tags_reset) { /* a later run record lists all tags again */
				for (size_t i = 0; i < w->n_tags; i++)
					free(w->tags[i]);
				w->n_tags = 0;
				tags_reset = true;
			}
			char **t = realloc(w->tags, (w->n_tags + 1) * sizeof *t);
			if (!t)
				return -ENOMEM;
			w->tags = t;
			if (!(t[w->n_tags] = strndup((const char *)fd.data, fd.len)))
				return -ENOMEM;
			w->n_tags++;
		}
	}
	if (w->start_time > 0 && !f->run->has_start)
		note_start(f, w->start_time);
	return e ? e : rc < 0 ? -EBADMSG : 0;
}

static int exit_record(tb_wandb_file *f, tb_pb msg)
{
	uint64_t v = 0;
	f->info->has_exit = true;
	f->info->exit_code = tb_pb_find_varint(msg, 1, &v) > 0 ? (int)(int32_t)v : 0;
	v = 0;
	tb_pb_find_varint(msg, 2, &v);
	f->info->exit_runtime = (int64_t)v;
	int rc = tb_wandb_console_finish_line(&f->con);
	return rc ? rc : console_flush(f);
}

static int header_record(tb_wandb_file *f, tb_pb msg)
{
	tb_pb_field fd;
	tb_pb c = msg;
	const unsigned char *p;
	size_t n;
	while (tb_pb_next(&c, &fd) > 0)
		if (fd.num == 1 && fd.wire == TB_PB_LEN && tb_pb_find_bytes(tb_pb_sub(&fd), 1, &p, &n) > 0)
			return tb__wandb_set_str(&f->info->producer, (const char *)p, n);
	return 0;
}

/* One record. -EBADMSG: not a Record (counted, skipped). */
static int apply(tb_wandb_file *f, const unsigned char *p, size_t n)
{
	tb_pb c = { p, p + n };
	tb_pb_field fd;
	int rc;
	f->info->records++;
	while ((rc = tb_pb_next(&c, &fd)) > 0) {
		if (fd.wire != TB_PB_LEN)
			continue;
		tb_pb m = tb_pb_sub(&fd);
		switch (fd.num) {
		case R_HISTORY: return history(f, m);
		case R_SUMMARY: return fold(f, m, &f->info->summary, '/');
		case R_OUTPUT: return console(f, m, 0);
		case R_OUTPUT_RAW: return console(f, m, 1);
		case R_CONFIG: return fold(f, m, &f->info->config, '.');
		case R_STATS: return stats(f, m);
		case R_TELEMETRY: return telemetry(f, m);
		case R_RUN: return run_record(f, m);
		case R_EXIT: return exit_record(f, m);
		case R_HEADER: return header_record(f, m);
		default: break; /* other kinds: nothing to show */
		}
	}
	return rc < 0 ? -EBADMSG : 0;
}

/* ---- reading ------------------------------------------------------------ */

void tb_wandb_file_free(tb_wandb_file *f)
{
	if (!f)
		return;
	tb_wandb_log_release(&f->log);
	tb_wandb_console_release(&f->con);
	tb_buf_release(&f->keys);
	free(f->items);
	free(f->hints);
	free(f->dir);
	free(f);
}

static tb_wandb_file *file_new(const char *path)
{
	tb_wandb_file *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	tb_wandb_log_init(&f->log);
	tb_wandb_console_init(&f->con);
	const char *slash = strrchr(path, '/');
	f->dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
	if (!f->dir) {
		free(f);
		return NULL;
	}
	return f;
}

/* The run's facts start over with a new reader (first read, or the file
 * was replaced). Run write lock held. */
static int bind_run(tb_wandb_file *f, tb_store *s, tb_run *r, bool fresh)
{
	f->store = s;
	f->run = r;
	if (r->ext_free != tb__wandb_info_free || fresh) {
		tb_wandb_info *w = tb__wandb_info_new();
		if (!w)
			return -ENOMEM;
		if (r->ext_free)
			r->ext_free(r->ext);
		r->ext = w;
		r->ext_free = tb__wandb_info_free;
	}
	f->info = r->ext;
	return 0;
}

static void log_damage(tb_wandb_file *f, int rc)
{
	f->info->damaged++;
	if (f->said_damage)
		return;
	f->said_damage = true;
	tb_log(TB_LOG_WARN, "%s: %s at byte %llu; skipped to the next 32 KiB block, every "
	       "complete record is kept (later damage in this file is counted, not logged)",
	       f->path, rc == -EFBIG ? "a record longer than the limit" :
	       "a damaged chunk (checksum or header)", (unsigned long long)f->log.damage_at);
}

/* Records until the log waits, in batches under the run's write lock. */
static int pump(tb_wandb_file *f, tb_wandb_progress *out)
{
	uint64_t start = f->log.done;
	int rc = 0;
	bool more = true;
	while (more && !rc) {
		tb_run_wrlock(f->run);
		for (int k = 0; k < BATCH_RECORDS; k++) {
			const unsigned char *p;
			size_t n;
			int got = tb_wandb_log_next(&f->log, &p, &n);
			if (got == 0 || (got < 0 && tb_wandb_log_fatal(got))) {
				if (got < 0)
					rc = got;
				more = false;
				break;
			}
			if (got < 0) {
				log_damage(f, got);
				continue;
			}
			int e = apply(f, p, n);
			if (e == -ENOMEM) {
				rc = e;
				more = false;
				break;
			}
			f->info->skipped_values += e != 0;
			out->records++;
		}
		if (!rc)
			rc = console_flush(f);
		f->info->pending = f->log.len + f->log.base > f->log.done && !f->log.mem ?
				   f->log.base + f->log.len - f->log.done : 0;
		f->run->version++;
		tb_run_unlock(f->run);
	}
	out->bytes += f->log.done - start;
	out->offset = f->log.done;
	return rc;
}

static int fatal(tb_wandb_file *f, int rc)
{
	if (rc == -EPROTO && !f->said_fatal)
		tb_log(TB_LOG_ERROR, "%s: not a W&B log (no :W&B file header); not read", f->path);
	else if (rc != -EPROTO && rc != -ENOMEM && !f->said_fatal)
		tb_log(TB_LOG_ERROR, "%s: %s; kept what was read", f->path, strerror(-rc));
	f->said_fatal = true;
	return rc == -ENOMEM ? rc : 0;
}

int tb_wandb_read(tb_wandb_file **wf, tb_store *s, tb_run *r, tb_source *src, const char *path,
		  tb_wandb_progress *out)
{
	memset(out, 0, sizeof *out);
	bool fresh = !*wf;
	if (fresh && !(*wf = file_new(path)))
		return -ENOMEM;
	tb_wandb_file *f = *wf;
	out->offset = f->log.done;
	if (f->log.error)
		return 0;
	f->path = path;
	f->src = src;
	tb_run_wrlock(r);
	int rc = bind_run(f, s, r, fresh);
	tb_run_unlock(r);
	if (rc)
		return rc;
	tb_source_file *sf;
	if ((rc = tb_source_open(src, path, &sf)))
		return rc == -ENOMEM ? rc : 0; /* gone or unreadable: keep what was read */
	if (tb_source_file_info(sf, &out->file) == 0) {
		out->opened = true;
		f->info->bytes = out->file.size;
	}
	tb_wandb_log_attach(&f->log, sf);
	rc = pump(f, out);
	tb_wandb_log_detach(&f->log);
	tb_source_close(sf);
	return rc ? fatal(f, rc) : 0;
}

int tb_wandb_read_mem(tb_store *s, tb_run *r, const char *dir, const void *data, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/run-mem.wandb", dir);
	tb_wandb_file *f = file_new(path);
	if (!f)
		return -ENOMEM;
	f->path = "(memory)";
	tb_wandb_progress out = { 0 };
	tb_run_wrlock(r);
	int rc = bind_run(f, s, r, true);
	tb_run_unlock(r);
	if (!rc && !(rc = tb_wandb_log_open_mem(&f->log, data, n)))
		rc = pump(f, &out);
	if (!rc)
		f->info->bytes = n;
	rc = rc ? fatal(f, rc) : 0;
	tb_wandb_file_free(f);
	return rc;
}

