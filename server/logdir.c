/*
 * logdir.c - recursive logdir walk (see logdir.h).
 */
#include "logdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tblimits.h"
#include "log.h"
#include "vec.h"

/* A directory's identity: symlinks can reach one directory under many
 * names (14 levels of two links to the same child are 16,384 paths), so
 * the walk visits each (device, inode) once, which also stops loops. */
struct dir_id {
	dev_t dev;
	ino_t ino;
};

struct walk {
	tb_logdir_fn fn;
	tb_logdir_dir_fn dir_fn;
	void *ctx;
	unsigned kinds;
	int depth;
	struct dir_id *seen;       /* open-addressing set; dev 0 and ino 0 = empty */
	size_t n_seen, cap_seen;   /* cap is a power of two */
	struct link {              /* symlinked directories, walked last */
		char *path, *run;
		int depth;
	} *links;
	size_t n_links, cap_links;
};

static size_t id_hash(struct dir_id id, size_t mask)
{
	uint64_t h = ((uint64_t)id.dev * 0x9E3779B97F4A7C15u) ^ ((uint64_t)id.ino * 0xC2B2AE3D27D4EB4Fu);
	return (size_t)(h ^ (h >> 29)) & mask;
}

static bool id_empty(struct dir_id id)
{
	return id.dev == 0 && id.ino == 0;
}

/* Insert id; 1 when it was new, 0 when already seen, -ENOMEM. */
static int seen_add(struct walk *w, struct dir_id id)
{
	if ((w->n_seen + 1) * 2 > w->cap_seen) {
		size_t cap = w->cap_seen ? w->cap_seen * 2 : 64;
		struct dir_id *t = calloc(cap, sizeof *t);
		if (!t)
			return -ENOMEM;
		for (size_t i = 0; i < w->cap_seen; i++) {
			if (id_empty(w->seen[i]))
				continue;
			size_t k = id_hash(w->seen[i], cap - 1);
			while (!id_empty(t[k]))
				k = (k + 1) & (cap - 1);
			t[k] = w->seen[i];
		}
		free(w->seen);
		w->seen = t;
		w->cap_seen = cap;
	}
	size_t k = id_hash(id, w->cap_seen - 1);
	for (; !id_empty(w->seen[k]); k = (k + 1) & (w->cap_seen - 1))
		if (w->seen[k].dev == id.dev && w->seen[k].ino == id.ino)
			return 0;
	if (id_empty(id)) /* cannot be stored; never seen on a real filesystem */
		return 1;
	w->seen[k] = id;
	w->n_seen++;
	return 1;
}

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

static int walk_dir(struct walk *w, const char *dir, const char *run);

/* Walk the directory at path (run name sub, nesting depth) unless its
 * (device, inode) was walked already. */
static int visit(struct walk *w, const char *path, const char *sub, int depth)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0; /* raced delete, dangling link */
	int fresh = seen_add(w, (struct dir_id){ st.st_dev, st.st_ino });
	if (fresh <= 0) {
		if (!fresh)
			tb_log(TB_LOG_DEBUG, "not walking %s: walked already under another name", path);
		return fresh;
	}
	if (depth > TB_MAX_WALK_DEPTH) {
		tb_log(TB_LOG_WARN, "not walking %s: deeper than %d levels", path, TB_MAX_WALK_DEPTH);
		return 0;
	}
	int saved = w->depth;
	w->depth = depth;
	int rc = walk_dir(w, path, sub);
	w->depth = saved;
	return rc;
}

/* Symlinked directories are walked after every real one, so that a
 * directory reached both ways keeps its real name. Takes path and sub. */
static int defer_link(struct walk *w, char *path, char *sub)
{
	if (w->n_links == w->cap_links) {
		size_t cap = w->cap_links ? w->cap_links * 2 : 16;
		struct link *p = realloc(w->links, cap * sizeof *p);
		if (!p) {
			free(path);
			free(sub);
			return -ENOMEM;
		}
		w->links = p;
		w->cap_links = cap;
	}
	w->links[w->n_links++] = (struct link){ path, sub, w->depth + 1 };
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
		struct stat lst;
		if (!path || !sub) {
			free(path);
			free(sub);
			rc = -ENOMEM;
			break;
		}
		if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
			rc = defer_link(w, path, sub); /* takes both */
			continue;
		}
		rc = visit(w, path, sub, w->depth + 1);
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
	int rc = seen_add(&w, (struct dir_id){ st.st_dev, st.st_ino });
	if (rc >= 0)
		rc = walk_dir(&w, root, ".");
	/* links found while walking links are appended: a queue */
	for (size_t i = 0; i < w.n_links; i++) {
		if (!rc)
			rc = visit(&w, w.links[i].path, w.links[i].run, w.links[i].depth);
		free(w.links[i].path);
		free(w.links[i].run);
	}
	free(w.links);
	free(w.seen);
	return rc;
}
