/*
 * hparams_export.c - the sessions' hparams as export columns (see the
 * export part of hparams.h); export.c calls these at its one point loop.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hparams_internal.h"
#include "json.h"
#include "tblimits.h"
#include "writer.h"

/* ---- export -------------------------------------------------------------- */

struct tb_hp_export {
	tb_hp_data d;
	const tb_hp_session **by_name;  /* sorted by name */
};

int tb_hp_export_open(tb_hp_export **out, tb_store *s)
{
	*out = NULL;
	tb_hp_export *x = calloc(1, sizeof *x);
	if (!x)
		return -ENOMEM;
	int rc = tb_hp_collect(s, false, &x->d);
	if (!rc && x->d.n_sessions && x->d.exp.n_hparams) {
		tb_hp_sort_hparams(&x->d.exp, 0);
		x->by_name = azalloc(&x->d.arena, x->d.n_sessions * sizeof *x->by_name);
		if (!x->by_name) {
			rc = -ENOMEM;
		} else {
			for (size_t i = 0; i < x->d.n_sessions; i++)
				x->by_name[i] = &x->d.sessions[i];
			qsort(x->by_name, x->d.n_sessions, sizeof *x->by_name, cmp_session_ptr);
			*out = x;
			return 0;
		}
	}
	tb_hp_export_close(x);
	return rc;
}

void tb_hp_export_close(tb_hp_export *x)
{
	if (!x)
		return;
	tb_hp_data_release(&x->d);
	free(x);
}

void tb_hp_export_csv_header(const tb_hp_export *x, tb_buf *b)
{
	for (size_t i = 0; x && i < x->d.exp.n_hparams; i++) {
		char name[TB_MAX_NAME_LEN + 16];
		int n = snprintf(name, sizeof name, "hparams/%s", x->d.exp.hparams[i].name);
		tb_buf_putc(b, ',');
		tb_write_csv_field(b, name, (size_t)n < sizeof name ? (size_t)n : sizeof name - 1);
	}
}

/* The session of run: itself or its longest parent path. */
static const tb_hp_session *session_of(const tb_hp_export *x, const char *run)
{
	char path[TB_MAX_NAME_LEN + 1];
	snprintf(path, sizeof path, "%s", run);
	for (;;) {
		tb_hp_session key = { .name = path };
		const tb_hp_session *kp = &key;
		const tb_hp_session **f = bsearch(&kp, x->by_name, x->d.n_sessions,
						  sizeof *x->by_name, cmp_session_ptr);
		if (f)
			return *f;
		char *slash = strrchr(path, '/');
		if (!slash)
			return NULL;
		*slash = 0;
	}
}

static const tb_hp_value *hparam_of(const tb_hp_session *s, const char *name)
{
	for (size_t i = 0; s && i < s->n_hparams; i++)
		if (!strcmp(s->hparams[i].name, name))
			return &s->hparams[i].v;
	return NULL;
}

static void csv_columns(const tb_hp_export *x, const tb_hp_session *s, tb_buf *b)
{
	char tmp[TB_FMT_DOUBLE_MAX + 1];
	for (size_t i = 0; i < x->d.exp.n_hparams; i++) {
		const tb_hp_value *v = hparam_of(s, x->d.exp.hparams[i].name);
		tb_buf_putc(b, ',');
		if (!v)
			continue;
		if (v->t == TB_HP_NUM) {
			tb_fmt_double(tmp, v->num);
			tb_buf_puts(b, tmp);
		} else if (v->t == TB_HP_BOOL) {
			tb_buf_puts(b, v->b ? "true" : "false");
		} else if (v->t == TB_HP_STR) {
			tb_write_csv_field(b, v->str, strlen(v->str));
		}
	}
}

static void json_object(const tb_hp_export *x, const tb_hp_session *s, tb_buf *b)
{
	bool first = true;
	tb_buf_puts(b, ", \"hparams\": {");
	for (size_t i = 0; i < x->d.exp.n_hparams; i++) {
		const tb_hp_value *v = hparam_of(s, x->d.exp.hparams[i].name);
		if (!v || v->t == TB_HP_NONE)
			continue;
		if (!first)
			tb_buf_puts(b, ", ");
		first = false;
		tb_json_cstr(b, x->d.exp.hparams[i].name);
		tb_buf_puts(b, ": ");
		if (v->t == TB_HP_NUM && !isfinite(v->num))
			tb_json_cstr(b, isnan(v->num) ? "NaN" : v->num < 0 ? "-Infinity" : "Infinity");
		else if (v->t == TB_HP_NUM)
			tb_json_double(b, v->num);
		else if (v->t == TB_HP_BOOL)
			tb_json_bool(b, v->b);
		else
			tb_json_cstr(b, v->str);
	}
	tb_buf_putc(b, '}');
}

int tb_hp_export_rows(const tb_hp_export *x, tb_buf *b, size_t mark, const char *run, bool csv)
{
	if (!x || b->oom || mark >= b->len)
		return b->oom ? -ENOMEM : 0;
	const tb_hp_session *s = session_of(x, run);
	size_t n = b->len - mark;
	char *region = malloc(n);
	if (!region)
		return -ENOMEM;
	memcpy(region, b->data + mark, n);
	b->len = mark;
	/* rows end with "\r\n" (csv) or objects with "}\n" (jsonl); a CSV
	 * line break inside quotes is part of a field */
	bool quoted = false;
	size_t from = 0;
	for (size_t i = 0; i < n; i++) {
		if (csv && region[i] == '"')
			quoted = !quoted;
		bool end = csv ? !quoted && region[i] == '\r' && i + 1 < n && region[i + 1] == '\n' :
				 region[i] == '}' && i + 1 < n && region[i + 1] == '\n';
		if (!end)
			continue;
		tb_buf_append(b, region + from, i - from);
		if (csv)
			csv_columns(x, s, b);
		else if (s)
			json_object(x, s, b);
		from = i;
		i++;
	}
	tb_buf_append(b, region + from, n - from);
	free(region);
	return b->oom ? -ENOMEM : 0;
}
