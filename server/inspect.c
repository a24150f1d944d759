/*
 * inspect.c - the --inspect digest (see inspect.h).
 */
#include "inspect.h"

#include <inttypes.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wandb.h"

const char *tb_kind_name(tb_kind k)
{
	switch (k) {
	case TB_KIND_SCALAR: return "scalar";
	case TB_KIND_HISTOGRAM: return "histogram";
	case TB_KIND_TEXT: return "text";
	default: return "blob";
	}
}

static void fmt_time(char *out, size_t n, double wall)
{
	time_t t = (time_t)wall;
	struct tm tm;
	if (wall != wall || !gmtime_r(&t, &tm)) {
		snprintf(out, n, "-");
		return;
	}
	strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static const tb_loader_run *loader_run(const tb_loader *l, const char *name)
{
	for (size_t i = 0; l && i < l->n_runs; i++)
		if (!strcmp(l->runs[i]->name, name))
			return l->runs[i];
	return NULL;
}

static void print_series(const tb_series *se, FILE *out)
{
	char first[32] = "-", last[32] = "-";
	int64_t lo = 0, hi = 0;
	for (size_t i = 0; i < se->n; i++) {
		int64_t st = tb_series_step(se, i);
		if (i == 0 || st < lo)
			lo = st;
		if (i == 0 || st > hi)
			hi = st;
	}
	if (se->n) {
		fmt_time(first, sizeof first, tb_series_wall(se, 0));
		fmt_time(last, sizeof last, tb_series_wall(se, se->n - 1));
	}
	fprintf(out, "    %-40s %-26s %-9s %8zu", se->tag, se->plugin[0] ? se->plugin : "(none)",
		tb_kind_name(se->kind), se->n);
	if (se->n)
		fprintf(out, "  steps %" PRId64 "..%" PRId64 "  %s .. %s", lo, hi, first, last);
	if (se->dropped)
		fprintf(out, "  (%" PRIu64 " values not convertible, skipped)", se->dropped);
	fputc('\n', out);
}

/* A string from a log, control characters shown as '?'. */
static void put_clean(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

/* What a W&B run says about itself (wandb.h). */
static void print_wandb(const tb_wandb_info *w, FILE *out)
{
	const char *labels[] = { "  W&B run ", ", name ", ", project ", ", group ", ", SDK " };
	const char *vals[] = { w->run_id, w->display_name, w->project, w->group, w->sdk_version };
	for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
		if (!vals[i][0] && i)
			continue;
		fputs(labels[i], out);
		put_clean(out, vals[i][0] ? vals[i] : "-");
	}
	for (size_t i = 0; i < w->n_tags; i++) {
		fputs(i ? ", " : ", tags ", out);
		put_clean(out, w->tags[i]);
	}
	fprintf(out, "\n  %zu config keys, %zu summary keys, %" PRIu64 " history rows, %" PRIu64
		" system samples, %" PRIu64 " console records", w->config.n, w->summary.n,
		w->history_rows, w->stats_records,
		w->console[0][0] + w->console[0][1] + w->console[1][0] + w->console[1][1]);
	if (w->has_exit)
		fprintf(out, ", exit code %d", w->exit_code);
	else
		fputs(", no exit record (running, crashed or killed)", out);
	if (w->damaged)
		fprintf(out, ", %" PRIu64 " damaged places skipped", w->damaged);
	if (w->pending)
		fprintf(out, ", %" PRIu64 " bytes of an incomplete record at the end", w->pending);
	fputc('\n', out);
}

int tb_inspect(tb_store *s, const tb_loader *l, const char *tag, FILE *out)
{
	tb_store_rdlock(s);
	tb_run **sorted = malloc((s->n_runs ? s->n_runs : 1) * sizeof *sorted);
	if (!sorted || tb_store_sorted_runs(s, sorted)) {
		tb_store_unlock(s);
		free(sorted);
		return -ENOMEM;
	}
	uint64_t points = 0, series = 0;
	for (size_t i = 0; i < s->n_runs; i++) {
		tb_run *r = sorted[i];
		tb_run_rdlock(r);
		char start[32] = "-";
		if (r->has_start)
			fmt_time(start, sizeof start, r->start_time);
		fprintf(out, "run %s\n  %" PRIu64 " events, started %s UTC, %" PRIu64
			" session logs, %" PRIu64 " graphs\n", r->name, r->events, start,
			r->session_logs, r->graphs);
		const tb_wandb_info *w = tb_wandb_info_of(r);
		if (w)
			print_wandb(w, out);
		const tb_loader_run *lr = loader_run(l, r->name);
		for (size_t k = 0; lr && k < lr->n_files; k++) {
			const tb_file *f = lr->files[k];
			fprintf(out, "  file %s: %" PRIu64 " records, %" PRIu64 " bytes read%s%s\n",
				f->name, f->records, f->offset, f->error ? ", stopped: " : "",
				f->error ? strerror(-f->error) : "");
		}
		for (size_t k = 0; k < r->n_series; k++) {
			const tb_series *se = r->series[k];
			if (tag && strcmp(tag, se->tag))
				continue;
			print_series(se, out);
			points += se->n;
			series++;
		}
		tb_run_unlock(r);
	}
	fprintf(out, "%zu runs, %" PRIu64 " series, %" PRIu64 " points\n", s->n_runs, series, points);
	tb_store_unlock(s);
	free(sorted);
	return 0;
}
