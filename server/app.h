/*
 * app.h - one tbserve process: its flags, store and loaders.
 *
 * Turns the parsed flags into a store (purge rule, samples) and one loader
 * per logdir (--logdir, or each entry of --logdir_spec), and runs the
 * initial load. The CLI commands and the server all start here.
 *
 * Ownership: the app owns the store and the loaders; the flags are borrowed.
 */
#ifndef TB_APP_H
#define TB_APP_H

#include "flags.h"
#include "loader.h"
#include "store.h"

struct tb_live;

typedef struct tb_app {
	const tb_flags *flags;
	tb_store store;
	tb_loader *loaders;
	size_t n_loaders, cap_loaders;
	struct tb_live *live;   /* live tailing and push, when serving */
} tb_app;

/* Returns 0, -EINVAL with a message in err for a bad --logdir_spec entry,
 * or -ENOMEM (or tb_loader_init's error). */
int tb_app_init(tb_app *a, const tb_flags *f, char *err, size_t errlen);
void tb_app_release(tb_app *a);

/* Scan every logdir and read every file to its end; compacts the store.
 * A missing logdir is not an error (reported by the return value -ENOENT
 * when every logdir is missing, so the CLI can say so). */
int tb_app_load(tb_app *a);

#endif
