/*
 * logdir.c - recursive logdir walk (see logdir.h).
 */
#include "logdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tblimits.h"
#include "log.h"
#include "vec.h"

struct walk {
	tb_logdir_fn fn;
	tb_logdir_dir_fn dir_fn;
	void *ctx;
	unsigned kinds;
	dev_t dev[TB_MAX_WALK_DEPTH + 1];
	ino_t ino[TB_MAX_WALK_DEPTH + 1];
	int depth;
};

int tb_logdir_is_event_file(const char *name)
{
	return strstr(name, "tfevents") != NULL;
}

int tb_logdir_is_wandb_file(const char *name)
{
	size_t n = strlen(name);
	return n > 10 && !strncmp(name, "run-", 4) && !strcmp(name + n - 6, ".wandb");
}

static int is_run_file(const struct walk *w, const char *name)
{
	return ((w->kinds & TB_LOGDIR_TFEVENTS) && tb_logdir_is_event_file(name)) ||
	       ((w->kinds & TB_LOGDIR_WANDB) && tb_logdir_is_wandb_file(name));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = malloc(la + lb + 2);
	if (!p)
		return NULL;
	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int push(char ***v, size_t *n, size_t *cap, char *s)
{
	if (!s)
		return -ENOMEM;
	if (tb_array_grow(*v, *cap, *n)) {
		free(s);
		return -ENOMEM;
	}
	(*v)[(*n)++] = s;
	return 0;
}

static int walk_dir(struct walk *w, const char *dir, const char *run)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (w->depth > 0)
			tb_log(TB_LOG_WARN, "cannot read directory %s: %s", dir, strerror(errno));
		return 0;
	}
	if (w->dir_fn)
		w->dir_fn(w->ctx, dir);
	char **files = NULL, **subdirs = NULL;
	size_t nf = 0, cf = 0, nd = 0, cd = 0;
	int rc = 0;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *path = join(dir, e->d_name);
		struct stat st;
		if (!path) {
			rc = -ENOMEM;
			break;
		}
		if (stat(path, &st) != 0) { /* dangling link, raced delete */
			free(path);
			continue;
		}
		free(path);
		if (S_ISREG(st.st_mode) && is_run_file(w, e->d_name))
			rc = push(&files, &nf, &cf, strdup(e->d_name));
		else if (S_ISDIR(st.st_mode))
			rc = push(&subdirs, &nd, &cd, strdup(e->d_name));
	}
	closedir(d);
	if (!rc && nf) {
		qsort(files, nf, sizeof *files, cmp_str);
		rc = w->fn(w->ctx, run, dir, files, nf);
	}
	if (nd)
		qsort(subdirs, nd, sizeof *subdirs, cmp_str);
	for (size_t i = 0; !rc && i < nd; i++) {
		char *path = join(dir, subdirs[i]);
		char *sub = strcmp(run, ".") ? join(run, subdirs[i]) : strdup(subdirs[i]);
		struct stat st;
		if (!path || !sub) {
			free(path);
			free(sub);
			rc = -ENOMEM;
			break;
		}
		if (stat(path, &st) == 0) {
			int loop = 0;
			for (int k = 0; k <= w->depth; k++)
				if (w->dev[k] == st.st_dev && w->ino[k] == st.st_ino)
					loop = 1;
			if (loop) {
				tb_log(TB_LOG_INFO, "not following %s: it loops back to a parent", path);
			} else if (w->depth + 1 > TB_MAX_WALK_DEPTH) {
				tb_log(TB_LOG_WARN, "not walking %s: deeper than %d levels", path,
				       TB_MAX_WALK_DEPTH);
			} else {
				w->depth++;
				w->dev[w->depth] = st.st_dev;
				w->ino[w->depth] = st.st_ino;
				rc = walk_dir(w, path, sub);
				w->depth--;
			}
		}
		free(path);
		free(sub);
	}
	free_list(files, nf);
	free_list(subdirs, nd);
	return rc;
}

int tb_logdir_walk(const char *root, tb_logdir_fn fn, void *ctx)
{
	return tb_logdir_walk_all(root, fn, NULL, ctx);
}

int tb_logdir_walk_all(const char *root, tb_logdir_fn fn, tb_logdir_dir_fn dir_fn, void *ctx)
{
	return tb_logdir_walk_kinds(root, fn, dir_fn, ctx, TB_LOGDIR_TFEVENTS | TB_LOGDIR_WANDB);
}

int tb_logdir_walk_kinds(const char *root, tb_logdir_fn fn, tb_logdir_dir_fn dir_fn, void *ctx,
			 unsigned kinds)
{
	struct stat st;
	if (stat(root, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	struct walk w = { .fn = fn, .dir_fn = dir_fn, .ctx = ctx, .kinds = kinds, .depth = 0 };
	w.dev[0] = st.st_dev;
	w.ino[0] = st.st_ino;
	return walk_dir(&w, root, ".");
}
