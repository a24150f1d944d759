/*
 * main.c - tbserve's entry point: parse flags, then inspect, export or serve.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "app.h"
#include "export.h"
#include "flags.h"
#include "inspect.h"
#include "log.h"

#include "serve.h"

static int load_or_complain(tb_app *app, const tb_flags *f)
{
	int rc = tb_app_load(app);
	if (rc == -ENOENT && !f->event_file) {
		fprintf(stderr, "tbserve: error: logdir '%s' does not exist or is not a directory\n",
			f->logdir[0] ? f->logdir : f->logdir_spec);
		return 1;
	}
	if (rc) {
		fprintf(stderr, "tbserve: error: loading failed: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}

/* A path on the command line that cannot be what it should be: one clear
 * line, exit 1. A --logdir that does not exist is not one: like TensorBoard,
 * tbserve serves and waits for it (the log and the page name the path). */
static int check_paths(const tb_flags *f)
{
	struct stat st;
	if (f->event_file && f->event_file[0]) {
		if (stat(f->event_file, &st) != 0) {
			fprintf(stderr, "tbserve: error: cannot read event file '%s': %s\n", f->event_file,
				strerror(errno));
			return 1;
		}
		if (!S_ISREG(st.st_mode)) {
			fprintf(stderr, "tbserve: error: event file '%s' is not a regular file\n",
				f->event_file);
			return 1;
		}
	}
	if (f->logdir_path && f->logdir_path[0] && stat(f->logdir_path, &st) == 0 &&
	    !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "tbserve: error: logdir '%s' is a file, not a directory (give the directory "
				"that holds the runs, or inspect one file with --event_file FILE --inspect)\n",
			f->logdir);
		return 1;
	}
	return 0;
}

/* Does the store hold a run named run (NULL: any) with a series tagged tag
 * (NULL: any)? */
static bool store_has(tb_store *s, const char *run, const char *tag)
{
	bool found = false;
	tb_store_rdlock(s);
	for (size_t i = 0; !found && i < s->n_runs; i++) {
		tb_run *r = s->runs[i];
		if (run && strcmp(run, r->name))
			continue;
		tb_run_rdlock(r);
		found = !tag;
		for (size_t k = 0; !found && k < r->n_series; k++)
			found = !strcmp(r->series[k]->tag, tag);
		tb_run_unlock(r);
	}
	tb_store_unlock(s);
	return found;
}

/* export --run/--tag that name nothing: say so instead of exporting nothing. */
static int check_selection(tb_app *app, const tb_flags *f)
{
	const char *where = f->event_file ? f->event_file : f->logdir[0] ? f->logdir : f->logdir_spec;
	if (f->run && f->run[0] && !store_has(&app->store, f->run, NULL)) {
		fprintf(stderr, "tbserve: error: no run '%s' in %s (tbserve --logdir DIR --inspect lists them)\n",
			f->run, where);
		return 1;
	}
	if (f->tag && f->tag[0] && !store_has(&app->store, f->run && f->run[0] ? f->run : NULL, f->tag)) {
		fprintf(stderr, "tbserve: error: no series has the tag '%s' in %s\n", f->tag, where);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	tb_flags f;
	char err[512] = "";
	int rc = tb_flags_parse(&f, argc, argv, err, sizeof err);
	if (rc) {
		if (rc == -EINVAL)
			fprintf(stderr, "tbserve: error: %s (see tbserve --help)\n", err);
		else
			fprintf(stderr, "%s\n", err);
		tb_flags_release(&f);
		return tb_flags_exit_code(rc);
	}
	if (f.cmd == TB_CMD_HELP) {
		tb_flags_usage(stdout);
		tb_flags_release(&f);
		return 0;
	}
	if (f.cmd == TB_CMD_VERSION) {
		printf("tbserve %s\n", TB_VERSION);
		tb_flags_release(&f);
		return 0;
	}
	if (check_paths(&f)) {
		tb_flags_release(&f);
		return 1;
	}
	tb_app app;
	if (tb_app_init(&app, &f, err, sizeof err)) {
		fprintf(stderr, "%s\n", err[0] ? err : "tbserve: error: out of memory");
		tb_app_release(&app);
		tb_flags_release(&f);
		return 1;
	}
	switch (f.cmd) {
	case TB_CMD_INSPECT:
		tb_log_level = TB_LOG_WARN;
		rc = load_or_complain(&app, &f);
		if (!rc)
			rc = check_selection(&app, &f);
		if (!rc)
			rc = tb_inspect(&app.store, &app.loaders[0], f.tag, stdout) ? 1 : 0;
		break;
	case TB_CMD_EXPORT:
		tb_log_level = TB_LOG_WARN;
		rc = load_or_complain(&app, &f);
		if (!rc)
			rc = check_selection(&app, &f);
		if (!rc && tb_export(&app.store, f.format, f.run, f.tag, stdout)) {
			fprintf(stderr, "tbserve: error: writing the export failed\n");
			rc = 1;
		}
		break;
	default:
		rc = tb_serve(&app);
		break;
	}
	tb_app_release(&app);
	tb_flags_release(&f);
	return rc;
}
