/*
 * main.c - tbserve's entry point: parse flags, then inspect, export or serve.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
			rc = tb_inspect(&app.store, &app.loaders[0], f.tag, stdout) ? 1 : 0;
		break;
	case TB_CMD_EXPORT:
		tb_log_level = TB_LOG_WARN;
		rc = load_or_complain(&app, &f);
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
