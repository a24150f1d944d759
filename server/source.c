/*
 * source.c - local and S3 file sources (see source.h).
 *
 * The S3 side keeps the last successful listing: the event objects under
 * the prefix (and the files/media/ objects of W&B runs, which history rows
 * name: images, tables), sorted by key, each with its size and ETag. stat and read
 * answer from it; a walk replaces it only when the whole listing arrived.
 */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "s3.h"
#include "tblimits.h"

typedef struct object {
	char *key;
	uint64_t size;
	char etag[TB_S3_MAX_ETAG];
	bool media;             /* a W&B run's files/media/ object, not a run file */
} object;

typedef struct listing {
	object *v;
	size_t n, cap;
} listing;

struct tb_source {
	char *location;         /* as given, trailing '/' removed (S3) */
	bool remote;
	/* S3 */
	tb_s3 *s3;
	char *bucket;
	char *prefix;           /* "" or "dir/sub/" */
	pthread_rwlock_t lock;  /* guards objects */
	listing objects;
	unsigned kinds;         /* of the walk in progress (TB_LOGDIR_*) */
	pthread_mutex_t status_lock;
	int status;             /* 0, or the last failure's code */
	char status_msg[512];
};

struct tb_source_file {
	tb_source *src;
	int fd;                 /* local */
	char *key;              /* S3 */
};

bool tb_source_is_url(const char *location)
{
	return !strncmp(location, "s3://", 5);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void listing_free(listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].key);
	free(l->v);
	memset(l, 0, sizeof *l);
}

tb_source *tb_source_new(const char *location, char *err, size_t errlen)
{
	tb_source *src = calloc(1, sizeof *src);
	if (!src || !(src->location = strdup(location))) {
		free(src);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_rwlock_init(&src->lock, NULL);
	pthread_mutex_init(&src->status_lock, NULL);
	if (!tb_source_is_url(location))
		return src;
	src->remote = true;
	size_t len = strlen(src->location);
	while (len > 5 && src->location[len - 1] == '/')
		src->location[--len] = '\0';
	const char *b = src->location + 5, *slash = strchr(b, '/');
	size_t bl = slash ? (size_t)(slash - b) : strlen(b);
	if (!bl || bl > 255) {
		snprintf(err, errlen, "%s: expected s3://bucket or s3://bucket/prefix", location);
		tb_source_free(src);
		return NULL;
	}
	src->bucket = strndup(b, bl);
	const char *p = slash ? slash + 1 : "";
	size_t pl = strlen(p);
	src->prefix = malloc(pl + 2);
	if (!src->bucket || !src->prefix) {
		snprintf(err, errlen, "out of memory");
		tb_source_free(src);
		return NULL;
	}
	snprintf(src->prefix, pl + 2, "%s%s", p, pl ? "/" : "");
	if (pl + 1 > TB_S3_MAX_KEY) {
		snprintf(err, errlen, "%s: prefix longer than an S3 key", location);
		tb_source_free(src);
		return NULL;
	}
	char why[256];
	src->s3 = tb_s3_new(why, sizeof why);
	if (!src->s3) {
		snprintf(err, errlen, "%s: %s", location, why);
		tb_source_free(src);
		return NULL;
	}
	return src;
}

void tb_source_free(tb_source *src)
{
	if (!src)
		return;
	tb_s3_free(src->s3);
	listing_free(&src->objects);
	pthread_rwlock_destroy(&src->lock);
	pthread_mutex_destroy(&src->status_lock);
	free(src->location);
	free(src->bucket);
	free(src->prefix);
	free(src);
}

bool tb_source_remote(const tb_source *src)
{
	return src->remote;
}

const char *tb_source_location(const tb_source *src)
{
	return src->location;
}

uint64_t tb_source_requests(const tb_source *src)
{
	return src->s3 ? tb_s3_requests(src->s3) : 0;
}

uint64_t tb_source_retries(const tb_source *src)
{
	return src->s3 ? tb_s3_retries(src->s3) : 0;
}

/* ---- status --------------------------------------------------------------- */

/* Record a failure (rc < 0, one line) or health (rc == 0); log changes
 * only, so a store that stays down costs one line. */
static void set_status(tb_source *src, int rc, const char *msg)
{
	pthread_mutex_lock(&src->status_lock);
	bool changed = rc ? strcmp(src->status_msg, msg) != 0 : src->status != 0;
	if (rc) {
		snprintf(src->status_msg, sizeof src->status_msg, "%s", msg);
		if (changed)
			tb_log(TB_LOG_ERROR, "%s", msg);
	} else if (changed) {
		tb_log(TB_LOG_INFO, "%s: reachable again; loading resumes where it stopped", src->location);
		src->status_msg[0] = '\0';
	}
	src->status = rc;
	pthread_mutex_unlock(&src->status_lock);
}

int tb_source_status(tb_source *src, char *msg, size_t n)
{
	pthread_mutex_lock(&src->status_lock);
	int rc = src->status;
	snprintf(msg, n, "%s", rc ? src->status_msg : "");
	pthread_mutex_unlock(&src->status_lock);
	return rc;
}

/* ---- the S3 listing ------------------------------------------------------- */

static int on_object(void *ctx, const tb_s3_object *o)
{
	void **args = ctx;
	tb_source *src = args[0];
	listing *l = args[1];
	const char *rel = o->key + strlen(src->prefix);
	size_t kl = strlen(o->key);
	const char *base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	/* "dir/" markers are not files; run files of the kinds asked for only */
	bool run_file = ((src->kinds & TB_LOGDIR_TFEVENTS) && tb_logdir_is_event_file(base)) ||
			((src->kinds & TB_LOGDIR_WANDB) && tb_logdir_is_wandb_file(base));
	/* W&B media (images, tables) a history row names: listed so they
	 * can be read, never runs themselves */
	bool media = !run_file && (src->kinds & TB_LOGDIR_WANDB) &&
		     (!strncmp(rel, "files/media/", 12) || strstr(rel, "/files/media/"));
	if (!kl || o->key[kl - 1] == '/' || !(run_file || media))
		return 0;
	int depth = 0;
	for (const char *p = rel; *p; p++)
		depth += *p == '/';
	if (depth > TB_MAX_WALK_DEPTH || strlen(rel) > TB_MAX_NAME_LEN)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		object *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	object *obj = &l->v[l->n];
	if (!(obj->key = strdup(o->key)))
		return -ENOMEM;
	obj->size = o->size;
	obj->media = media;
	snprintf(obj->etag, sizeof obj->etag, "%s", o->etag);
	l->n++;
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const object *)a)->key, ((const object *)b)->key);
}

/* Path order of the local walk: a directory's files, then its
 * subdirectories in name order, so '/' sorts before every other byte. */
static int cmp_path(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned ca = *a == '/' ? 1 : (unsigned char)*a, cb = *b == '/' ? 1 : (unsigned char)*b;
		if (ca != cb || !ca)
			return (int)ca - (int)cb;
	}
}

/* The run directory part of a key relative to the prefix ("" for files
 * right under it). */
static size_t dir_len(const char *rel)
{
	const char *s = strrchr(rel, '/');
	return s ? (size_t)(s - rel) : 0;
}

static int cmp_run_order(const void *a, const void *b, void *arg)
{
	size_t pl = *(const size_t *)arg;
	const char *ra = (*(object *const *)a)->key + pl;
	const char *rb = (*(object *const *)b)->key + pl;
	size_t la = dir_len(ra), lb = dir_len(rb);
	char da[TB_MAX_NAME_LEN + 1], db[TB_MAX_NAME_LEN + 1];
	memcpy(da, ra, la);
	da[la] = '\0';
	memcpy(db, rb, lb);
	db[lb] = '\0';
	int c = cmp_path(da, db);
	return c ? c : strcmp(ra, rb);
}

static int walk_remote(tb_source *src, tb_logdir_fn fn, void *ctx)
{
	listing fresh = { 0 };
	void *args[2] = { src, &fresh };
	char err[512];
	int rc = tb_s3_list(src->s3, src->bucket, src->prefix, on_object, args, err, sizeof err);
	if (rc) {
		listing_free(&fresh);
		if (rc == -ENOMEM)
			return rc;
		set_status(src, rc, err);
		/* a missing bucket is a missing logdir (waited for); anything
		 * else keeps what is known */
		return rc == -ENOENT ? -ENOENT : -EIO;
	}
	set_status(src, 0, NULL);
	qsort(fresh.v, fresh.n, sizeof *fresh.v, cmp_key);
	pthread_rwlock_wrlock(&src->lock);
	listing old = src->objects;
	src->objects = fresh;
	pthread_rwlock_unlock(&src->lock);
	listing_free(&old);

	/* runs in the local walk's order; only the walking thread changes
	 * the listing, so it is read here without the lock */
	listing *l = &src->objects;
	object **order = malloc((l->n ? l->n : 1) * sizeof *order);
	char **names = malloc((l->n ? l->n : 1) * sizeof *names);
	if (!order || !names) {
		free(order);
		free(names);
		return -ENOMEM;
	}
	size_t n_run = 0;
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].media)
			order[n_run++] = &l->v[i];
	size_t pl = strlen(src->prefix);
	qsort_r(order, n_run, sizeof *order, cmp_run_order, &pl);
	rc = 0;
	for (size_t i = 0; i < n_run && !rc;) {
		const char *rel = order[i]->key + pl;
		size_t dl = dir_len(rel), j = i;
		for (; j < n_run; j++) {
			const char *r2 = order[j]->key + pl;
			if (dir_len(r2) != dl || strncmp(r2, rel, dl))
				break;
			names[j - i] = order[j]->key + pl + dl + (dl ? 1 : 0);
		}
		char run[TB_MAX_NAME_LEN + 1], dir[TB_MAX_NAME_LEN + 512];
		snprintf(run, sizeof run, "%.*s", (int)dl, dl ? rel : ".");
		snprintf(dir, sizeof dir, "%s%s%.*s", src->location, dl ? "/" : "", (int)dl, rel);
		rc = fn(ctx, run, dir, names, j - i);
		i = j;
	}
	free(order);
	free(names);
	return rc;
}

/* The key of a path under this source, or NULL when it is not one. */
static const char *key_of(const tb_source *src, const char *path, char *out, size_t cap)
{
	size_t ll = strlen(src->location);
	if (strncmp(path, src->location, ll) || (path[ll] && path[ll] != '/'))
		return NULL;
	const char *rest = path[ll] ? path + ll + 1 : "";
	if ((size_t)snprintf(out, cap, "%s%s", src->prefix, rest) >= cap)
		return NULL;
	return out;
}

/* Index of the first object whose key is >= key. */
static size_t lower_bound(const listing *l, const char *key)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(l->v[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int stat_remote(tb_source *src, const char *path, tb_source_info *st)
{
	char key[TB_S3_MAX_KEY * 2];
	if (!key_of(src, path, key, sizeof key))
		return -ENOENT;
	memset(st, 0, sizeof *st);
	int rc = -ENOENT;
	pthread_rwlock_rdlock(&src->lock);
	const listing *l = &src->objects;
	size_t i = lower_bound(l, key);
	if (i < l->n && !strcmp(l->v[i].key, key)) {
		st->size = l->v[i].size;
		st->ino = fnv1a(l->v[i].etag);
		rc = 0;
	} else {
		/* a run directory exists while an event object is under it */
		size_t kl = strlen(key);
		if (kl && key[kl - 1] != '/' && kl + 1 < sizeof key) {
			key[kl] = '/';
			key[kl + 1] = '\0';
		}
		i = lower_bound(l, key);
		if ((i < l->n && !strncmp(l->v[i].key, key, strlen(key))) || (!key[0] && l->n)) {
			st->is_dir = true;
			rc = 0;
		}
	}
	pthread_rwlock_unlock(&src->lock);
	return rc;
}

/* ---- the interface -------------------------------------------------------- */

int tb_source_walk(tb_source *src, tb_logdir_fn fn, tb_logdir_dir_fn dir_fn, void *ctx)
{
	return tb_source_walk_kinds(src, fn, dir_fn, ctx, TB_LOGDIR_TFEVENTS | TB_LOGDIR_WANDB);
}

int tb_source_walk_kinds(tb_source *src, tb_logdir_fn fn, tb_logdir_dir_fn dir_fn, void *ctx,
			 unsigned kinds)
{
	if (src->remote) {
		src->kinds = kinds;
		return walk_remote(src, fn, ctx);
	}
	return tb_logdir_walk_kinds(src->location, fn, dir_fn, ctx, kinds);
}

int tb_source_stat(tb_source *src, const char *path, tb_source_info *st)
{
	if (src->remote)
		return stat_remote(src, path, st);
	struct stat sb;
	if (stat(path, &sb) != 0)
		return -ENOENT;
	*st = (tb_source_info){ .size = (uint64_t)sb.st_size, .dev = sb.st_dev, .ino = sb.st_ino,
				.is_dir = S_ISDIR(sb.st_mode) };
	return 0;
}

int tb_source_open(tb_source *src, const char *path, tb_source_file **out)
{
	tb_source_file *f = calloc(1, sizeof *f);
	if (!f)
		return -ENOMEM;
	f->src = src;
	f->fd = -1;
	if (src->remote) {
		char key[TB_S3_MAX_KEY * 2];
		if (!key_of(src, path, key, sizeof key)) {
			free(f);
			return -ENOENT;
		}
		if (!(f->key = strdup(key))) {
			free(f);
			return -ENOMEM;
		}
	} else if ((f->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		int e = -errno;
		free(f);
		return e;
	}
	*out = f;
	return 0;
}

/* What the listing says about f: size and ETag. */
static bool remote_object(tb_source_file *f, uint64_t *size, char *etag, size_t cap)
{
	tb_source *src = f->src;
	bool found = false;
	pthread_rwlock_rdlock(&src->lock);
	size_t i = lower_bound(&src->objects, f->key);
	if (i < src->objects.n && !strcmp(src->objects.v[i].key, f->key)) {
		*size = src->objects.v[i].size;
		snprintf(etag, cap, "%s", src->objects.v[i].etag);
		found = true;
	}
	pthread_rwlock_unlock(&src->lock);
	return found;
}

ssize_t tb_source_read(tb_source_file *f, void *buf, size_t n, uint64_t offset)
{
	if (!f->src->remote) {
		for (;;) {
			ssize_t k = pread(f->fd, buf, n, (off_t)offset);
			if (k >= 0 || errno != EINTR)
				return k < 0 ? -EIO : k;
		}
	}
	uint64_t size;
	char etag[TB_S3_MAX_ETAG];
	if (!remote_object(f, &size, etag, sizeof etag) || offset >= size)
		return 0;
	if (n > size - offset)
		n = (size_t)(size - offset);
	char err[512];
	ssize_t k = tb_s3_read(f->src->s3, f->src->bucket, f->key, etag[0] ? etag : NULL, offset, buf, n,
			       err, sizeof err);
	/* any answer of the store (bytes, or "replaced"/"deleted since the
	 * listing": the next one will say) means it is reachable again */
	if (k >= 0 || k == -EAGAIN || k == -ENOENT) {
		set_status(f->src, 0, NULL);
		return k >= 0 ? k : 0;
	}
	if (k == -ENOMEM)
		return k;
	set_status(f->src, (int)k, err);
	return 0;
}

int tb_source_file_info(tb_source_file *f, tb_source_info *st)
{
	memset(st, 0, sizeof *st);
	if (!f->src->remote) {
		struct stat sb;
		if (fstat(f->fd, &sb) != 0)
			return -errno;
		st->size = (uint64_t)sb.st_size;
		st->dev = sb.st_dev;
		st->ino = sb.st_ino;
		return 0;
	}
	char etag[TB_S3_MAX_ETAG];
	if (!remote_object(f, &st->size, etag, sizeof etag))
		return -ENOENT;
	st->ino = fnv1a(etag);
	return 0;
}

uint64_t tb_source_file_size(tb_source_file *f)
{
	tb_source_info st;
	return tb_source_file_info(f, &st) == 0 ? st.size : f->src->remote ? 0 : UINT64_MAX;
}

void tb_source_close(tb_source_file *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->key);
	free(f);
}
