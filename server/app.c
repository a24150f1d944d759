/*
 * app.c - process set-up shared by the CLI commands and the server.
 */
#include "app.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "live.h"
#include "log.h"
#include "source.h"
#include "tblimits.h"
#include "vec.h"

/* The store frees a series: the modules keeping side tables about it
 * (response bodies, live announcements) forget it. */
static void forget_series(void *arg, const tb_series *se)
{
	tb_app *a = arg;
	tb_cache_forget(se);
	if (a->live)
		tb_live_forget(a->live, se);
}

static int threads_for(const tb_flags *f)
{
	if (f->threads > 0)
		return f->threads;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > TB_MAX_LOAD_THREADS ? TB_MAX_LOAD_THREADS : (int)n;
}

/* Does e start with a URI scheme and "://" (TensorBoard's
 * [a-zA-Z][0-9a-zA-Z.]*:// pattern)? */
static bool is_uri(const char *e)
{
	if (!((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z')))
		return false;
	while ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') || (*e >= '0' && *e <= '9') || *e == '.')
		e++;
	return !strncmp(e, "://", 3);
}

/* "name:path" -> name, path; a bare path, one starting with '/', a
 * "scheme://" URI or a Windows drive letter has no name (reference §5);
 * "name:s3://bucket/prefix" is named. */
static int spec_entry(char *e, char **name, char **path)
{
	char *colon = strchr(e, ':');
	if (!colon || e[0] == '/' || is_uri(e) ||
	    (colon == e + 1 && ((e[0] >= 'A' && e[0] <= 'Z') || (e[0] >= 'a' && e[0] <= 'z')))) {
		*name = NULL;
		*path = e;
		return 0;
	}
	*colon = '\0';
	*name = e;
	*path = colon + 1;
	return *name[0] && *path[0] ? 0 : -EINVAL;
}

static int add_loader(tb_app *a, const char *path, const char *name)
{
	if (tb_array_grow(a->loaders, a->cap_loaders, a->n_loaders))
		return -ENOMEM;
	tb_loader *l = &a->loaders[a->n_loaders];
	int rc = tb_loader_init(l, &a->store, path, name);
	if (rc)
		return rc;
	l->threads = threads_for(a->flags);
	l->wandb = a->flags->wandb;
	/* an object store is read over the network: runs in parallel up to
	 * the requests it allows at once, however few cores there are */
	if (tb_source_remote(l->src) && a->flags->threads <= 0)
		l->threads = TB_S3_MAX_PARALLEL;
	a->n_loaders++;
	return 0;
}

int tb_app_init(tb_app *a, const tb_flags *f, char *err, size_t errlen)
{
	memset(a, 0, sizeof *a);
	a->flags = f;
	tb_store_init(&a->store, &f->store);
	a->store.opts.on_free = forget_series;
	a->store.opts.on_free_arg = a;
	if (!f->logdir_spec || !f->logdir_spec[0]) {
		int rc = add_loader(a, f->event_file ? "." : f->logdir_path, NULL);
		if (rc == -EINVAL)
			snprintf(err, errlen, "Error: cannot read --logdir %s (see above)", f->logdir_path);
		return rc;
	}
	char *spec = strdup(f->logdir_spec);
	if (!spec)
		return -ENOMEM;
	int rc = 0;
	char *save = NULL;
	for (char *e = strtok_r(spec, ",", &save); e && !rc; e = strtok_r(NULL, ",", &save)) {
		char *name, *path;
		rc = spec_entry(e, &name, &path);
		if (!rc)
			rc = add_loader(a, path, name);
		if (rc == -EINVAL)
			snprintf(err, errlen, "Error: bad --logdir_spec entry '%s'", e);
	}
	free(spec);
	return rc;
}

void tb_app_release(tb_app *a)
{
	for (size_t i = 0; i < a->n_loaders; i++)
		tb_loader_release(&a->loaders[i]);
	free(a->loaders);
	tb_store_release(&a->store);
	memset(a, 0, sizeof *a);
}

int tb_app_load(tb_app *a)
{
	size_t missing = 0;
	for (size_t i = 0; i < a->n_loaders; i++) {
		tb_loader *l = &a->loaders[i];
		int rc;
		if (a->flags->event_file) {
			const char *base = strrchr(a->flags->event_file, '/');
			rc = tb_loader_add_file(l, base ? base + 1 : a->flags->event_file,
						a->flags->event_file);
		} else {
			rc = tb_loader_scan(l);
		}
		/* a missing logdir, or an object store that could not be
		 * listed (said once by its source, retried by live polls) */
		if (rc == -ENOENT || rc == -ENOTDIR || (rc == -EIO && tb_source_remote(l->src))) {
			missing++;
			continue;
		}
		if (rc)
			return rc;
		if ((rc = tb_loader_read(l)))
			return rc;
	}
	tb_store_compact(&a->store);
	malloc_trim(0);
	return missing == a->n_loaders ? -ENOENT : 0;
}
