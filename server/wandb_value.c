/*
 * wandb_value.c - W&B JSON values -> series (see wandb.h): numbers without
 * allocation, objects flattened, strings as text, media by their _type
 * (histograms, tables read from files/, the rest listed as a line of text).
 * A value that is too long or too deep is kept as its text, never decoded.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "crc32c.h"
#include "log.h"
#include "source.h"
#include "tblimits.h"
#include "wandb_internal.h"

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
int tb__wandb_json_scalar(const char *p, size_t n, tb_scalar *v)
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
int tb__wandb_json_depth(const char *p, size_t n, int limit)
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
cJSON *tb__wandb_json_parse(tb_wandb_file *f, const char *p, size_t n)
{
	if (n > TB_WANDB_MAX_JSON || tb__wandb_json_depth(p, n, TB_WANDB_MAX_JSON_DEPTH) > TB_WANDB_MAX_JSON_DEPTH) {
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
				     kind == TB_KIND_HISTOGRAM ? "histograms" :
				     kind == TB_KIND_IMAGE ? "images" : "text";
		int cls = kind == TB_KIND_SCALAR ? TB_CLASS_SCALAR :
			  kind == TB_KIND_IMAGE ? TB_CLASS_BLOB_SEQUENCE : TB_CLASS_TENSOR;
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

int tb__wandb_add_text(tb_wandb_file *f, const char *tag, size_t len, double wall, int64_t step,
		    const char *text, size_t n)
{
	tb_series *se = series_get(f, tag, len, TB_KIND_TEXT);
	if (!se)
		return 0;
	const char *strs[1] = { text };
	size_t lens[1] = { n };
	tb_text_view t = { 0, NULL, 1, strs, lens, 1 };
	return tb_series_append_text(f->store, se, wall, step, &t);
}

int tb__wandb_add_scalar(tb_wandb_file *f, const char *tag, size_t len, double wall, int64_t step,
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
	return tb__wandb_add_text(f, tag->data, tag->len, wall, step, json, n < cap ? n : cap);
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

/* The whole file at path, read through the run's source (local or s3://),
 * as a malloc'd buffer of *size bytes (+1, NUL-terminated). 1 when it is
 * not there, not readable whole, or over max bytes (or the log is in
 * memory: no source); -ENOMEM. */
static int read_media(tb_wandb_file *f, const char *path, uint64_t max, char **out,
		      size_t *size)
{
	if (!path[0] || !f->src)
		return 1;
	tb_source_info st;
	if (tb_source_stat(f->src, path, &st) || st.is_dir)
		return 1;
	tb_source_file *sf;
	int rc = tb_source_open(f->src, path, &sf);
	if (rc)
		return rc == -ENOMEM ? rc : 1;
	uint64_t n = tb_source_file_size(sf);
	char *buf = n <= max ? malloc((size_t)n + 1) : NULL;
	size_t got = 0;
	while (buf && got < n) {
		ssize_t k = tb_source_read(sf, buf + got, (size_t)n - got, got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	tb_source_close(sf);
	if (!buf || got != n) {
		free(buf);
		return n <= max && !buf ? -ENOMEM : 1;
	}
	buf[got] = '\0';
	*out = buf;
	*size = got;
	return 0;
}

/* {"_type": "table-file", "path": ...}: the table file read from files/
 * ({"columns": [...], "data": [[...], ...]}) becomes a text table whose
 * first row is the column names. 1 when it cannot be shown that way. */
static int add_table(tb_wandb_file *f, tb_buf *tag, double wall, int64_t step, const cJSON *j)
{
	const char *rel = str_member(j, "path");
	char path[4096];
	media_path(f, rel ? rel : "", path, sizeof path);
	char *text;
	size_t size;
	int rc = read_media(f, path, TB_WANDB_MAX_TABLE_FILE, &text, &size);
	if (rc)
		return rc;
	cJSON *t = tb__wandb_json_parse(f, text, size);
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
	rc = strs && lens ? 0 : -ENOMEM;
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
		tb_text_view v = { 2, dims, count, (const char *const *)strs, lens, count };
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

/* {"_type": "image-file", "path": "media/images/....png", ...}: an image
 * series of the tag, its point the file's place (read back, CRC-checked, by
 * the images plugin: blob.h). 1 when the file is not there (or too large,
 * or the log is in memory): then it is listed as a media line. */
static int add_image(tb_wandb_file *f, tb_buf *tag, double wall, int64_t step, const char *rel)
{
	char path[4096];
	media_path(f, rel ? rel : "", path, sizeof path);
	char *buf;
	size_t got;
	int rc = read_media(f, path, TB_WANDB_MAX_IMAGE_FILE, &buf, &got);
	if (rc)
		return rc;
	uint64_t size = got;
	uint32_t crc = tb_crc32c_mask(tb_crc32c(0, buf, got));
	free(buf);
	uint32_t id;
	if ((rc = tb_run_blob_file(f->run, f->src, path, &id)))
		return rc;
	tb_series *se = series_get(f, tag->data, tag->len, TB_KIND_IMAGE);
	if (!se)
		return 0;
	tb_blob_ref ref = { .file = id, .elem = TB_BLOB_ELEM_FILE, .rec_crc = crc,
			    .rec_len = (uint32_t)size, .count = 1, .offset = 0 };
	return tb_series_append_blob_ref(f->store, se, wall, step, TB_BLOB_IMAGE,
					 tb_blob_file_image_len(size), &ref);
}

/* {"_type": "images/separated", "filenames": [one path], ...}: a list of
 * one image is that image (as image-file). A step holds one blob, and a
 * file blob is one file, so a list of several stays a media line ("N
 * files") rather than copying their bytes into memory. */
static int add_separated(tb_wandb_file *f, tb_buf *tag, double wall, int64_t step, const cJSON *j)
{
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(j, "filenames");
	if (!cJSON_IsArray(names) || cJSON_GetArraySize(names) != 1 ||
	    !cJSON_IsString(names->child))
		return 1;
	return add_image(f, tag, wall, step, names->child->valuestring);
}

/* Any other media value: "<_type>: <path> (WxH) [file missing]", so it is
 * listed, not dropped. */
static int add_media_line(tb_wandb_file *f, tb_buf *tag, double wall, int64_t step,
			  const cJSON *j, const char *type)
{
	tb_buf line = TB_BUF_INIT;
	const char *rel = str_member(j, "path");
	tb_buf_printf(&line, "%s", type);
	if (rel) {
		char path[4096];
		tb_source_info st;
		media_path(f, rel, path, sizeof path);
		tb_buf_printf(&line, ": %s", rel);
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(j, "width");
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "height");
		if (cJSON_IsNumber(w) && cJSON_IsNumber(h))
			tb_buf_printf(&line, " (%dx%d)", w->valueint, h->valueint);
		if (!path[0] || !f->src || tb_source_stat(f->src, path, &st) != 0 || st.is_dir)
			tb_buf_puts(&line, " [file missing]");
	} else {
		const cJSON *names = cJSON_GetObjectItemCaseSensitive(j, "filenames");
		if (cJSON_IsArray(names))
			tb_buf_printf(&line, ": %d files", cJSON_GetArraySize(names));
	}
	int rc = line.oom ? -ENOMEM : tb__wandb_add_text(f, tag->data, tag->len, wall, step, line.data, line.len);
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
		return tb__wandb_add_scalar(f, tag->data, tag->len, wall, step, &v);
	}
	if (cJSON_IsBool(j)) {
		tb_scalar v = { TB_NUM_BOOL, 0, cJSON_IsTrue(j) };
		return tb__wandb_add_scalar(f, tag->data, tag->len, wall, step, &v);
	}
	if (cJSON_IsString(j))
		return tb__wandb_add_text(f, tag->data, tag->len, wall, step, j->valuestring,
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
		else if (!strcmp(type, "image-file"))
			rc = add_image(f, tag, wall, step, str_member(j, "path"));
		else if (!strcmp(type, "images/separated"))
			rc = add_separated(f, tag, wall, step, j);
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
int tb__wandb_add_value(tb_wandb_file *f, const char *key, size_t key_len, double wall,
			int64_t step, const char *json, size_t n, tb_series **hint)
{
	tb_scalar v;
	if (tb__wandb_json_scalar(json, n, &v)) {
		tb_series *se = *hint;
		if (!se || se->tag_len != key_len || memcmp(se->tag, key, key_len) ||
		    se->kind != TB_KIND_SCALAR)
			se = *hint = series_get(f, key, key_len, TB_KIND_SCALAR);
		return se ? tb_series_append_scalar(f->store, se, wall, step, &v) : 0;
	}
	tb_buf tag = TB_BUF_INIT;
	tb_buf_append(&tag, key, key_len);
	cJSON *j = tag.oom ? NULL : tb__wandb_json_parse(f, json, n);
	int rc = tag.oom ? -ENOMEM : add_json(f, &tag, wall, step, j, json, n);
	cJSON_Delete(j);
	tb_buf_release(&tag);
	return rc;
}
