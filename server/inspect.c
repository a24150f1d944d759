/*
 * inspect.c - the --inspect digest (see inspect.h).
 */
#include "inspect.h"

#include "log.h"
#include "tblimits.h"

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
	case TB_KIND_IMAGE: return "image";
	case TB_KIND_AUDIO: return "audio";
	case TB_KIND_HPARAMS: return "hparams";
	case TB_KIND_PR_CURVE: return "pr_curve";
	case TB_KIND_CUSTOM_SCALARS: return "custom_scalars";
	case TB_KIND_GRAPH: return "graph";
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
	char tag[4 * TB_MAX_NAME_LEN + 1], plugin[256];
	tb_escape_controls(tag, sizeof tag, se->tag, se->tag_len);
	tb_escape_controls(plugin, sizeof plugin, se->plugin, strlen(se->plugin));
	fprintf(out, "    %-40s %-26s %-9s %8zu", tag, se->plugin[0] ? plugin : "(none)",
		tb_kind_name(se->kind), se->n);
	if (se->n)
		fprintf(out, "  steps %" PRId64 "..%" PRId64 "  %s .. %s", lo, hi, first, last);
	if (se->dropped)
		fprintf(out, "  (%" PRIu64 " values not convertible, skipped)", se->dropped);
	fputc('\n', out);
}

/* "1 run", "2 runs" */
static void count(FILE *out, uint64_t n, const char *word)
{
	fprintf(out, "%" PRIu64 " %s%s", n, word, n == 1 ? "" : "s");
}

static bool has_tag(const tb_run *r, const char *tag)
{
	for (size_t k = 0; k < r->n_series; k++)
		if (!strcmp(tag, r->series[k]->tag))
			return true;
	return false;
}

/* A string from a log, control characters as \xNN (tb_escape_controls). */
static void put_clean(FILE *out, const char *s)
{
	char buf[4 * TB_MAX_NAME_LEN + 1];
	tb_escape_controls(buf, sizeof buf, s, strlen(s));
	fputs(buf, out);
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
	fputs("\n  ", out);
	count(out, w->config.n, "config key");
	fputs(", ", out);
	count(out, w->summary.n, "summary key");
	fputs(", ", out);
	count(out, w->history_rows, "history row");
	fputs(", ", out);
	count(out, w->stats_records, "system sample");
	fputs(", ", out);
	count(out, w->console[0][0] + w->console[0][1] + w->console[1][0] + w->console[1][1],
	      "console record");
	if (w->has_exit)
		fprintf(out, ", exit code %d", w->exit_code);
	else
		fputs(", no exit record (running, crashed or killed)", out);
	if (w->damaged) {
		fputs(", ", out);
		count(out, w->damaged, "damaged place");
		fputs(" skipped", out);
	}
	if (w->pending) {
		fputs(", ", out);
		count(out, w->pending, "byte");
		fputs(" of an incomplete record at the end", out);
	}
	fputc('\n', out);
}

int tb_inspect(tb_store *s, const tb_loader *l, const char *tag, FILE *out)
{
	if (tag && !tag[0])
		tag = NULL;
	tb_store_rdlock(s);
	tb_run **sorted = malloc((s->n_runs ? s->n_runs : 1) * sizeof *sorted);
	if (!sorted || tb_store_sorted_runs(s, sorted)) {
		tb_store_unlock(s);
		free(sorted);
		return -ENOMEM;
	}
	uint64_t points = 0, series = 0, runs = 0;
	for (size_t i = 0; i < s->n_runs; i++) {
		tb_run *r = sorted[i];
		tb_run_rdlock(r);
		if (tag && !has_tag(r, tag)) { /* --tag: only the runs that have it */
			tb_run_unlock(r);
			continue;
		}
		runs++;
		char start[32] = "-";
		if (r->has_start)
			fmt_time(start, sizeof start, r->start_time);
		char name[4 * TB_MAX_NAME_LEN + 1];
		tb_escape_controls(name, sizeof name, r->name, strlen(r->name));
		fprintf(out, "run %s\n  ", name);
		count(out, r->events, "event");
		fprintf(out, ", started %s UTC, ", start);
		count(out, r->session_logs, "session log");
		fputs(", ", out);
		count(out, r->graphs, "graph");
		fputc('\n', out);
		const tb_wandb_info *w = tb_wandb_info_of(r);
		if (w)
			print_wandb(w, out);
		const tb_loader_run *lr = loader_run(l, r->name);
		for (size_t k = 0; lr && k < lr->n_files; k++) {
			const tb_file *f = lr->files[k];
			tb_escape_controls(name, sizeof name, f->name, strlen(f->name));
			fprintf(out, "  file %s: ", name);
			count(out, f->records, "record");
			fputs(", ", out);
			count(out, f->offset, "byte");
			fprintf(out, " read%s%s\n", f->error ? ", stopped: " : "",
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
	count(out, runs, "run");
	fprintf(out, ", %" PRIu64 " series, ", series);
	count(out, points, "point");
	fputc('\n', out);
	tb_store_unlock(s);
	free(sorted);
	return 0;
}
