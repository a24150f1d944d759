/*
 * wandb.c - W&B records -> run facts and series (see wandb.h).
 *
 * Records are protobuf; only the fields listed in FORMAT.md §4 are read,
 * with a bounds-checked wire cursor (every length is checked against what
 * is left of its message before use). JSON values are numbers nearly always:
 * those are parsed here without allocation; objects and arrays go through
 * cJSON after a depth pre-scan (TB_WANDB_MAX_JSON_DEPTH).
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

#include <cjson/cJSON.h>

#include "buf.h"
#include "log.h"
#include "tblimits.h"
#include "wandb_console.h"
#include "wandb_log.h"
#include "wandb_pb.h"

#define BATCH_RECORDS 4096

/* Record fields (FORMAT.md §4). */
enum {
	R_HISTORY = 2, R_SUMMARY = 3, R_OUTPUT = 4, R_CONFIG = 5, R_STATS = 7,
	R_TELEMETRY = 11, R_OUTPUT_RAW = 13, R_RUN = 17, R_EXIT = 18, R_HEADER = 21,
};

typedef struct item {
	size_t key_off, key_len;        /* in the file's key scratch */
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
};

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

static void info_free(void *p)
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

static tb_wandb_info *info_new(void)
{
	tb_wandb_info *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	char **strs[] = { &w->run_id, &w->entity, &w->project, &w->display_name, &w->group,
			  &w->job_type, &w->notes, &w->host, &w->sweep_id, &w->sdk_version,
			  &w->producer };
	for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
		if (!(*strs[i] = strdup(""))) {
			info_free(w);
			return NULL;
		}
	return w;
}

const tb_wandb_info *tb_wandb_info_of(const tb_run *r)
{
	return r->ext_free == info_free ? r->ext : NULL;
}

/* Replace *dst with a non-empty string (a later run record only adds). */
static int set_str(char **dst, const char *p, size_t n)
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

static int kvs_set(tb_wandb_kvs *k, const char *key, const char *json, size_t json_len)
{
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->v[i].key, key))
			return set_str(&k->v[i].json, json, json_len) ? -ENOMEM : 0;
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

static void kvs_remove(tb_wandb_kvs *k, const char *key)
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

/* ---- JSON values -------------------------------------------------------- */

static const double pow10_exact[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A JSON number, true/false, or Python's NaN/Infinity/-Infinity. 1 when it
 * is one (filled into *v), 0 otherwise. Integers that fit are I64; other
 * numbers are doubles, correctly rounded: exactly when the digits fit in
 * 2^53 and the power of ten is exact (Clinger's fast path), else strtod. */
static int json_scalar(const char *p, size_t n, tb_scalar *v)
{
	while (n && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\n' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		n--;
	if (!n || n > 64)
		return 0;
	if (!is_digit(p[0]) && !(p[0] == '-' && n > 1 && is_digit(p[1]))) {
		if ((n == 4 && !memcmp(p, "true", 4)) || (n == 5 && !memcmp(p, "false", 5))) {
			*v = (tb_scalar){ TB_NUM_BOOL, 0, p[0] == 't' };
			return 1;
		}
		double d = n == 3 && !memcmp(p, "NaN", 3) ? NAN :
			   n == 8 && !memcmp(p, "Infinity", 8) ? INFINITY :
			   n == 9 && !memcmp(p, "-Infinity", 9) ? -INFINITY : 0;
		if (d == 0)
			return 0;
		*v = (tb_scalar){ TB_NUM_F64, d, 0 };
		return 1;
	}
	/* strict JSON number grammar, collecting up to 19 significant digits */
	size_t i = p[0] == '-';
	uint64_t m = 0;
	int digits = 0, exp10 = 0;
	bool integral = true, exact = true;
	if (p[i] == '0' && i + 1 < n && is_digit(p[i + 1]))
		return 0; /* leading zero */
	for (; i < n && is_digit(p[i]); i++) {
		if (digits < 19) {
			m = m * 10 + (uint64_t)(p[i] - '0');
			digits += m != 0;
		} else {
			exp10++;
			exact = false;
		}
	}
	if (i < n && p[i] == '.') {
		integral = false;
		if (++i >= n || !is_digit(p[i]))
			return 0;
		for (; i < n && is_digit(p[i]); i++) {
			if (digits < 19) {
				m = m * 10 + (uint64_t)(p[i] - '0');
				digits += m != 0;
				exp10--;
			} else if (p[i] != '0') {
				exact = false;
			}
		}
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		integral = false;
		int sign = 1, e = 0;
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			sign = p[i++] == '-' ? -1 : 1;
		if (i >= n || !is_digit(p[i]))
			return 0;
		for (; i < n && is_digit(p[i]); i++)
			if (e < 100000)
				e = e * 10 + (p[i] - '0');
		exp10 += sign * e;
	}
	if (i != n)
		return 0;
	bool neg = p[0] == '-';
	if (integral && exact && exp10 == 0 && m <= (uint64_t)INT64_MAX) {
		*v = (tb_scalar){ TB_NUM_I64, 0, neg ? -(int64_t)m : (int64_t)m };
		return 1;
	}
	double d;
	if (exact && m <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
		d = exp10 < 0 ? (double)m / pow10_exact[-exp10] : (double)m * pow10_exact[exp10];
		d = neg ? -d : d;
	} else {
		char tmp[65];
		memcpy(tmp, p, n);
		tmp[n] = '\0';
		d = strtod(tmp, NULL);
	}
	*v = (tb_scalar){ TB_NUM_F64, d, 0 };
	return 1;
}

/* Nesting depth of a JSON text (outside strings), stopping past limit. */
static int json_depth(const char *p, size_t n, int limit)
{
	int d = 0, max = 0;
	bool str = false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				str = false;
		} else if (c == '"') {
			str = true;
		} else if (c == '[' || c == '{') {
			if (++d > max && (max = d) > limit)
				return max;
		} else if (c == ']' || c == '}') {
			d--;
		}
	}
	return max;
}

/* cJSON of a value, or NULL (too long, too deep, not JSON: logged once).
 * Python's bare NaN/Infinity inside arrays make cJSON fail: such values are
 * then shown as text. */
static cJSON *json_parse(tb_wandb_file *f, const char *p, size_t n)
{
	if (n > TB_WANDB_MAX_JSON || json_depth(p, n, TB_WANDB_MAX_JSON_DEPTH) > TB_WANDB_MAX_JSON_DEPTH) {
		if (!f->said_json)
			tb_log(TB_LOG_WARN, "%s: a JSON value of %zu bytes is longer than %u bytes "
			       "or nested deeper than %d; kept as text, not decoded (said once per file)",
			       f->path, n, TB_WANDB_MAX_JSON, TB_WANDB_MAX_JSON_DEPTH);
		f->said_json = true;
		return NULL;
	}
	return cJSON_ParseWithLength(p, n);
}

/* ---- series ------------------------------------------------------------- */

static tb_series *series_get(tb_wandb_file *f, const char *tag, size_t len, tb_kind kind)
{
	tb_run *r = f->run;
	if (!len || len > TB_MAX_NAME_LEN) {
		r->bad_values++;
		return NULL;
	}
	tb_series *se = tb_run_find(r, tag, len);
	if (!se) {
		if (r->n_series >= TB_WANDB_MAX_SERIES) {
			if (!f->said_series)
				tb_log(TB_LOG_WARN, "%s: more than %d series in one run; values of "
				       "new keys are skipped (said once per file)", f->path,
				       TB_WANDB_MAX_SERIES);
			f->said_series = true;
			f->info->skipped_values++;
			return NULL;
		}
		char name[TB_MAX_NAME_LEN + 1];
		memcpy(name, tag, len);
		name[len] = '\0';
		const char *plugin = kind == TB_KIND_SCALAR ? "scalars" :
				     kind == TB_KIND_HISTOGRAM ? "histograms" : "text";
		int cls = kind == TB_KIND_SCALAR ? TB_CLASS_SCALAR : TB_CLASS_TENSOR;
		tb_series_meta m = { plugin, cls, name, "", NULL, 0 };
		se = tb_run_create(f->store, r, tag, len, kind, &m);
		if (!se)
			return NULL;
	}
	if (se->kind != kind) {
		se->dropped++;
		r->bad_values++;
		f->info->skipped_values++;
		return NULL;
	}
	return se;
}

static int add_text(tb_wandb_file *f, const char *tag, size_t len, double wall, int64_t step,
		    const char *text, size_t n)
{
	tb_series *se = series_get(f, tag, len, TB_KIND_TEXT);
	if (!se)
		return 0;
	const char *strs[1] = { text };
	size_t lens[1] = { n };
	tb_text_view t = { 0, NULL, 1, strs, lens };
	return tb_series_append_text(f->store, se, wall, step, &t);
}

static int add_scalar(tb_wandb_file *f, const char *tag, size_t len, double wall, int64_t step,
		      const tb_scalar *v)
{
	tb_series *se = series_get(f, tag, len, TB_KIND_SCALAR);
	return se ? tb_series_append_scalar(f->store, se, wall, step, v) : 0;
}

/* ---- media and other JSON values ---------------------------------------- */

/* A path from a media value, relative to the run's files/: no absolute
 * paths, no "..", so a log cannot make us read outside its folder. */
static bool safe_rel_path(const char *p)
{
	if (!p[0] || p[0] == '/')
		return false;
	for (const char *s = p; *s;) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return false;
		s += n + (e != NULL);
	}
	return true;
}

/* files/<rel> of the run, or "" when rel is not a safe path. */
static void media_path(tb_wandb_file *f, const char *rel, char *out, size_t cap)
{
	if (!safe_rel_path(rel) || snprintf(out, cap, "%s/files/%s", f->dir, rel) >= (int)cap)
		out[0] = '\0';
}

/* Compact JSON of a value, cut at 4 KiB, as text. */
static int add_json_text(tb_wandb_file *f, tb_buf *tag, double wall, int64_t step,
			 const char *json, size_t n)
{
	const size_t cap = 4096;
	return add_text(f, tag->data, tag->len, wall, step, json, n < cap ? n : cap);
}

static const char *str_member(const cJSON *j, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* {"_type": "histogram", "values": [counts], "bins": [edges]} */
static int add_histogram(tb_wandb_file *f, tb_buf *tag, double wall, int64_t step, const cJSON *j)
{
	const cJSON *vals = cJSON_GetObjectItemCaseSensitive(j, "values");
	const cJSON *bins = cJSON_GetObjectItemCaseSensitive(j, "bins");
	int nv = cJSON_GetArraySize(vals), nb = cJSON_GetArraySize(bins);
	if (!cJSON_IsArray(vals) || !cJSON_IsArray(bins) || nv < 1 || nb != nv + 1 ||
	    (unsigned)nv > TB_MAX_HIST_BUCKETS)
		return 1;
	double *b = malloc((size_t)nv * 3 * sizeof *b);
	if (!b)
		return -ENOMEM;
	const cJSON *v = vals->child, *e = bins->child;
	for (int i = 0; i < nv; i++, v = v->next, e = e->next) {
		if (!cJSON_IsNumber(v) || !cJSON_IsNumber(e) || !cJSON_IsNumber(e->next)) {
			free(b);
			return 1;
		}
		b[3 * i] = e->valuedouble;
		b[3 * i + 1] = e->next->valuedouble;
		b[3 * i + 2] = v->valuedouble;
	}
	tb_series *se = series_get(f, tag->data, tag->len, TB_KIND_HISTOGRAM);
	int rc = se ? tb_series_append_hist(f->store, se, wall, step, b, (size_t)nv) : 0;
	free(b);
	return rc;
}

/* A cell of a table as text. */
static char *cell_text(const cJSON *c)
{
	if (cJSON_IsString(c))
		return strdup(c->valuestring);
	return cJSON_PrintUnformatted(c);
}

/* {"_type": "table-file", "path": ...}: the table file read from files/
 * ({"columns": [...], "data": [[...], ...]}) becomes a text table whose
 * first row is the column names. 1 when it cannot be shown that way. */
static int add_table(tb_wandb_file *f, tb_buf *tag, double wall, int64_t step, const cJSON *j)
{
	const char *rel = str_member(j, "path");
	char path[4096];
	media_path(f, rel ? rel : "", path, sizeof path);
	int fd = path[0] ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
	struct stat st;
	if (fd < 0)
		return 1;
	char *text = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= TB_WANDB_MAX_TABLE_FILE &&
	    (text = malloc((size_t)st.st_size + 1)) &&
	    read(fd, text, (size_t)st.st_size) != (ssize_t)st.st_size) {
		free(text);
		text = NULL;
	}
	close(fd);
	if (!text)
		return 1;
	cJSON *t = json_parse(f, text, (size_t)st.st_size);
	free(text);
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(t, "columns");
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(t, "data");
	size_t nc = (size_t)cJSON_GetArraySize(cols), nr = (size_t)cJSON_GetArraySize(data);
	if (!cJSON_IsArray(cols) || !cJSON_IsArray(data) || !nc ||
	    (nr + 1) * nc > TB_MAX_TENSOR_ELEMS) {
		cJSON_Delete(t);
		return 1;
	}
	size_t count = (nr + 1) * nc, k = 0;
	char **strs = calloc(count, sizeof *strs);
	size_t *lens = calloc(count, sizeof *lens);
	int rc = strs && lens ? 0 : -ENOMEM;
	const cJSON *c;
	const cJSON *names = rc ? NULL : cols;
	cJSON_ArrayForEach(c, names)
		strs[k++] = cell_text(c);
	const cJSON *row, *rows = rc ? NULL : data;
	cJSON_ArrayForEach(row, rows) {
		const cJSON *cell = cJSON_IsArray(row) ? row->child : NULL;
		for (size_t i = 0; i < nc; i++, cell = cell ? cell->next : NULL)
			strs[k++] = cell ? cell_text(cell) : strdup("");
	}
	for (size_t i = 0; !rc && i < count; i++)
		if (!strs[i])
			rc = -ENOMEM;
		else
			lens[i] = strlen(strs[i]);
	if (!rc) {
		int64_t dims[2] = { (int64_t)nr + 1, (int64_t)nc };
		tb_text_view v = { 2, dims, count, (const char *const *)strs, lens };
		tb_series *se = series_get(f, tag->data, tag->len, TB_KIND_TEXT);
		rc = se ? tb_series_append_text(f->store, se, wall, step, &v) : 0;
	}
	for (size_t i = 0; strs && i < count; i++)
		free(strs[i]);
	free(strs);
	free(lens);
	cJSON_Delete(t);
	return rc;
}

/* Any other media value: "<_type>: <path> (WxH) [file missing]", so it is
 * listed, not dropped (the images plugin is not served yet). */
static int add_media_line(tb_wandb_file *f, tb_buf *tag, double wall, int64_t step,
			  const cJSON *j, const char *type)
{
	tb_buf line = TB_BUF_INIT;
	const char *rel = str_member(j, "path");
	tb_buf_printf(&line, "%s", type);
	if (rel) {
		char path[4096];
		struct stat st;
		media_path(f, rel, path, sizeof path);
		tb_buf_printf(&line, ": %s", rel);
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(j, "width");
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "height");
		if (cJSON_IsNumber(w) && cJSON_IsNumber(h))
			tb_buf_printf(&line, " (%dx%d)", w->valueint, h->valueint);
		if (!path[0] || stat(path, &st) != 0)
			tb_buf_puts(&line, " [file missing]");
	} else {
		const cJSON *names = cJSON_GetObjectItemCaseSensitive(j, "filenames");
		if (cJSON_IsArray(names))
			tb_buf_printf(&line, ": %d files", cJSON_GetArraySize(names));
	}
	int rc = line.oom ? -ENOMEM : add_text(f, tag->data, tag->len, wall, step, line.data, line.len);
	tb_buf_release(&line);
	return rc;
}

static int add_cjson(tb_wandb_file *f, tb_buf *tag, double wall, int64_t step, const cJSON *j);

/* An object without _type: each member under tag/member. */
static int add_members(tb_wandb_file *f, tb_buf *tag, double wall, int64_t step, const cJSON *j)
{
	size_t at = tag->len;
	const cJSON *e;
	int rc = 0;
	cJSON_ArrayForEach(e, j) {
		tag->len = at;
		tb_buf_putc(tag, '/');
		tb_buf_puts(tag, e->string ? e->string : "");
		if (tag->oom || (rc = add_cjson(f, tag, wall, step, e)))
			break;
	}
	tag->len = at;
	if (tag->data)
		tag->data[at] = '\0';
	return tag->oom ? -ENOMEM : rc;
}

static int add_cjson(tb_wandb_file *f, tb_buf *tag, double wall, int64_t step, const cJSON *j)
{
	if (cJSON_IsNumber(j)) {
		double d = j->valuedouble;
		tb_scalar v = { TB_NUM_F64, d, 0 };
		if (d == floor(d) && fabs(d) < 9007199254740992.0)
			v = (tb_scalar){ TB_NUM_I64, 0, (int64_t)d };
		return add_scalar(f, tag->data, tag->len, wall, step, &v);
	}
	if (cJSON_IsBool(j)) {
		tb_scalar v = { TB_NUM_BOOL, 0, cJSON_IsTrue(j) };
		return add_scalar(f, tag->data, tag->len, wall, step, &v);
	}
	if (cJSON_IsString(j))
		return add_text(f, tag->data, tag->len, wall, step, j->valuestring,
				strlen(j->valuestring));
	const char *type = cJSON_IsObject(j) ? str_member(j, "_type") : NULL;
	if (cJSON_IsObject(j) && !type)
		return add_members(f, tag, wall, step, j);
	int rc = 1;
	if (type) {
		f->info->media_values++;
		if (!strcmp(type, "histogram"))
			rc = add_histogram(f, tag, wall, step, j);
		else if (!strcmp(type, "table-file"))
			rc = add_table(f, tag, wall, step, j);
		if (rc == 1)
			rc = add_media_line(f, tag, wall, step, j, type);
		return rc;
	}
	char *text = cJSON_PrintUnformatted(j); /* arrays, null */
	if (!text)
		return -ENOMEM;
	rc = add_json_text(f, tag, wall, step, text, strlen(text));
	cJSON_free(text);
	return rc;
}

/* A value cJSON could not or would not parse is listed as its text. */
static int add_json(tb_wandb_file *f, tb_buf *tag, double wall, int64_t step, const cJSON *j,
		    const char *raw, size_t n)
{
	if (!j) {
		f->info->skipped_values++;
		return add_json_text(f, tag, wall, step, raw, n);
	}
	return add_cjson(f, tag, wall, step, j);
}

/* One history value under tag. Writers repeat their keys in the same order
 * every row, so *hint (the series this item position had last row) nearly
 * always saves the hash lookup. */
static int add_value(tb_wandb_file *f, tb_buf *tag, double wall, int64_t step,
		     const char *json, size_t n, tb_series **hint)
{
	tb_scalar v;
	if (json_scalar(json, n, &v)) {
		tb_series *se = *hint;
		if (!se || se->tag_len != tag->len || memcmp(se->tag, tag->data, tag->len) ||
		    se->kind != TB_KIND_SCALAR)
			se = *hint = series_get(f, tag->data, tag->len, TB_KIND_SCALAR);
		return se ? tb_series_append_scalar(f->store, se, wall, step, &v) : 0;
	}
	cJSON *j = json_parse(f, json, n);
	int rc = add_json(f, tag, wall, step, j, json, n);
	cJSON_Delete(j);
	return rc;
}

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
			tb_pb s = tb_pb_sub(&fd);
			uint64_t num;
			if (tb_pb_find_varint(s, 1, &num) > 0 && !has_step)
				step = (int64_t)num;
			continue;
		}
		if (fd.num != 1 || fd.wire != TB_PB_LEN)
			continue;
		if (++total > TB_WANDB_MAX_ROW_ITEMS)
			continue;
		if (f->n_items == f->cap_items) {
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
		}
		item *it = &f->items[f->n_items];
		if ((rc = item_name(f, tb_pb_sub(&fd), '/', &it->key_off, &it->key_len, &it->json,
				    &it->json_len)))
			return rc;
		f->n_items++;
		const char *k = f->keys.data + it->key_off;
		tb_scalar v;
		if (k[0] != '_') {
			continue;
		} else if (!strcmp(k, "_step") && json_scalar(it->json, it->json_len, &v)) {
			step = v.type == TB_NUM_I64 ? v.i : (int64_t)v.f;
			has_step = true;
		} else if (!strcmp(k, "_timestamp") && json_scalar(it->json, it->json_len, &v)) {
			wall = v.type == TB_NUM_I64 ? (double)v.i : v.f;
		}
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
	tb_buf tag = TB_BUF_INIT;
	for (size_t i = 0; i < f->n_items && !rc; i++) {
		item *it = &f->items[i];
		tb_buf_reset(&tag);
		tb_buf_append(&tag, f->keys.data + it->key_off, it->key_len);
		rc = tag.oom ? -ENOMEM : add_value(f, &tag, wall, step, it->json, it->json_len,
							 &f->hints[i]);
	}
	tb_buf_release(&tag);
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
	if (json_scalar(json, n, &v))
		return add_scalar(f, tag->data, tag->len, wall, f->stats_seq, &v);
	cJSON *j = json_parse(f, json, n), *e;
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
		if (tag->oom || (rc = add_scalar(f, tag->data, tag->len, wall, f->stats_seq, &x)))
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
			kvs_remove(kv, key);
			continue;
		}
		if ((e = kvs_set(kv, key, json, jn)))
			return e;
		if (kv == &f->info->config && !strcmp(key, "_wandb") && !f->info->sdk_version[0]) {
			cJSON *j = json_parse(f, json, jn);
			cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "cli_version");
			if (cJSON_IsString(v) && (e = set_str(&f->info->sdk_version, v->valuestring,
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
	int rc = add_text(f, TB_WANDB_CONSOLE_TAG, strlen(TB_WANDB_CONSOLE_TAG), f->con_wall,
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
		return set_str(&f->info->sdk_version, (const char *)p, n);
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
			e = set_str(strs[fd.num], (const char *)fd.data, fd.len);
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
			return set_str(&f->info->producer, (const char *)p, n);
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
	if (r->ext_free != info_free || fresh) {
		tb_wandb_info *w = info_new();
		if (!w)
			return -ENOMEM;
		if (r->ext_free)
			r->ext_free(r->ext);
		r->ext = w;
		r->ext_free = info_free;
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

int tb_wandb_read(tb_wandb_file **wf, tb_store *s, tb_run *r, const char *path,
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
	tb_run_wrlock(r);
	int rc = bind_run(f, s, r, fresh);
	tb_run_unlock(r);
	if (rc)
		return rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* gone or unreadable: keep what was read */
	struct stat st;
	if (fstat(fd, &st) == 0)
		f->info->bytes = (uint64_t)st.st_size;
	tb_wandb_log_attach(&f->log, fd);
	rc = pump(f, out);
	tb_wandb_log_detach(&f->log);
	close(fd);
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
			   json_depth(e->json, n, TB_WANDB_MAX_JSON_DEPTH) <= TB_WANDB_MAX_JSON_DEPTH ?
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
