/*
 * loader.c - logdir -> records -> ingest -> store (see loader.h).
 *
 * Records are applied in batches under the run's write lock so readers get
 * in between batches; a batch is at most BATCH_RECORDS records.
 */
#include "loader.h"

#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>


#include "crc32c.h"
#include "hash.h"
#include "log.h"
#include "logdir.h"
#include "source.h"
#include "tblimits.h"
#include "vec.h"
#include "wandb.h"

#define BATCH_RECORDS 4096

int tb_loader_init(tb_loader *l, tb_store *s, const char *logdir, const char *prefix)
{
	memset(l, 0, sizeof *l);
	l->store = s;
	l->threads = 1;
	l->verify_crc = 1;
	l->wandb = true;
	l->logdir = strdup(logdir);
	l->prefix = prefix ? strdup(prefix) : NULL;
	if (!l->logdir || (prefix && !l->prefix)) {
		tb_loader_release(l);
		return -ENOMEM;
	}
	char err[512];
	if (!(l->src = tb_source_new(logdir, err, sizeof err))) {
		tb_log(TB_LOG_ERROR, "%s", err);
		tb_loader_release(l);
		return -EINVAL;
	}
	return 0;
}

static void file_free(tb_file *f)
{
	tb_wandb_file_free(f->wandb);
	free(f->name);
	free(f->path);
	free(f);
}

static void run_free(tb_loader_run *lr);

void tb_loader_release(tb_loader *l)
{
	for (size_t i = 0; i < l->n_runs; i++)
		run_free(l->runs[i]);
	free(l->runs);
	free(l->index);
	free(l->logdir);
	free(l->prefix);
	tb_source_free(l->src);
	memset(l, 0, sizeof *l);
}

/* The run index: open addressing, run position + 1 per slot, at most half
 * full; rebuilt when it grows and after runs are removed (a scan of 20,000
 * runs must not compare every name with every other). */
static int index_rebuild(tb_loader *l, size_t cap)
{
	uint32_t *idx = calloc(cap, sizeof *idx);
	if (!idx)
		return -ENOMEM;
	for (size_t k = 0; k < l->n_runs; k++) {
		const char *name = l->runs[k]->name;
		size_t i = tb_hash_bytes(name, strlen(name)) & (cap - 1);
		while (idx[i])
			i = (i + 1) & (cap - 1);
		idx[i] = (uint32_t)k + 1;
	}
	free(l->index);
	l->index = idx;
	l->index_cap = cap;
	return 0;
}

static tb_loader_run *run_find(const tb_loader *l, const char *name)
{
	if (!l->index_cap)
		return NULL;
	size_t i = tb_hash_bytes(name, strlen(name)) & (l->index_cap - 1);
	for (uint32_t k; (k = l->index[i]); i = (i + 1) & (l->index_cap - 1))
		if (!strcmp(l->runs[k - 1]->name, name))
			return l->runs[k - 1];
	return NULL;
}

static tb_loader_run *run_get(tb_loader *l, const char *run, const char *dir)
{
	char full[8192];
	const char *name = run;
	if (l->prefix) {
		snprintf(full, sizeof full, "%s/%s", l->prefix, run);
		name = full;
	}
	tb_loader_run *found = run_find(l, name);
	if (found)
		return found;
	if ((l->n_runs + 1) * 2 > l->index_cap &&
	    index_rebuild(l, l->index_cap ? l->index_cap * 2 : 64))
		return NULL;
	if (tb_array_grow(l->runs, l->cap_runs, l->n_runs))
		return NULL;
	tb_loader_run *lr = calloc(1, sizeof *lr);
	if (!lr)
		return NULL;
	lr->name = strdup(name);
	lr->dir = strdup(dir);
	lr->run = tb_store_add_run(l->store, name);
	if (!lr->name || !lr->dir || !lr->run) {
		free(lr->name);
		free(lr->dir);
		free(lr);
		return NULL;
	}
	tb_ingest_init(&lr->ingest, l->store, lr->run);
	size_t i = tb_hash_bytes(name, strlen(name)) & (l->index_cap - 1);
	while (l->index[i])
		i = (i + 1) & (l->index_cap - 1);
	l->index[i] = (uint32_t)l->n_runs + 1;
	l->runs[l->n_runs++] = lr;
	return lr;
}

static int file_add(tb_loader_run *lr, const char *name, const char *path)
{
	/* binary search: a run of 100,000 files is added in sorted order */
	size_t pos = 0, hi = lr->n_files;
	while (pos < hi) {
		size_t mid = pos + (hi - pos) / 2;
		if (strcmp(lr->files[mid]->name, name) < 0)
			pos = mid + 1;
		else
			hi = mid;
	}
	if (pos < lr->n_files && !strcmp(lr->files[pos]->name, name)) {
		lr->files[pos]->seen = true;
		lr->files[pos]->gone = false;
		return 0;
	}
	if (tb_array_grow(lr->files, lr->cap_files, lr->n_files))
		return -ENOMEM;
	tb_file *f = calloc(1, sizeof *f);
	if (!f || !(f->name = strdup(name)) || !(f->path = strdup(path))) {
		if (f)
			free(f->name);
		free(f);
		return -ENOMEM;
	}
	memmove(&lr->files[pos + 1], &lr->files[pos], (lr->n_files - pos) * sizeof *lr->files);
	f->seen = true;
	lr->files[pos] = f;
	lr->n_files++;
	return 0;
}

static int on_run(void *ctx, const char *run, const char *dir, char *const *files, size_t n)
{
	tb_loader *l = ctx;
	tb_loader_run *lr = run_get(l, run, dir);
	if (!lr)
		return -ENOMEM;
	lr->seen = true;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(dir) + strlen(files[i]) + 2;
		char *path = malloc(len);
		if (!path)
			return -ENOMEM;
		snprintf(path, len, "%s/%s", dir, files[i]);
		int rc = file_add(lr, files[i], path);
		free(path);
		if (rc)
			return rc;
	}
	return 0;
}

static void on_dir(void *ctx, const char *dir)
{
	tb_loader *l = ctx;
	if (l->on_dir)
		l->on_dir(l->on_dir_arg, dir);
}

static void run_free(tb_loader_run *lr)
{
	for (size_t k = 0; k < lr->n_files; k++)
		file_free(lr->files[k]);
	free(lr->files);
	tb_ingest_release(&lr->ingest);
	free(lr->name);
	free(lr->dir);
	free(lr);
}

int tb_loader_scan(tb_loader *l)
{
	for (size_t i = 0; i < l->n_runs; i++) {
		l->runs[i]->seen = false;
		for (size_t k = 0; k < l->runs[i]->n_files; k++)
			l->runs[i]->files[k]->seen = false;
	}
	l->removed_runs = false;
	unsigned kinds = TB_LOGDIR_TFEVENTS | (l->wandb ? TB_LOGDIR_WANDB : 0);
	int rc = tb_source_walk_kinds(l->src, on_run, on_dir, l, kinds);
	if (rc && rc != -ENOENT && rc != -ENOTDIR)
		return rc;
	/* what the walk did not find: files keep their points; a run whose
	 * directory is gone is removed */
	size_t j = 0;
	for (size_t i = 0; i < l->n_runs; i++) {
		tb_loader_run *lr = l->runs[i];
		tb_source_info st;
		if (!lr->seen && tb_source_stat(l->src, lr->dir, &st) != 0) {
			tb_log(TB_LOG_INFO, "run %s: directory removed", lr->name);
			tb_store_remove_run(l->store, lr->name);
			run_free(lr);
			l->removed_runs = true;
			continue;
		}
		for (size_t k = 0; k < lr->n_files; k++)
			if (!lr->files[k]->seen)
				lr->files[k]->gone = true;
		l->runs[j++] = lr;
	}
	l->n_runs = j;
	if (l->removed_runs && index_rebuild(l, l->index_cap))
		return -ENOMEM;
	return rc;
}

int tb_loader_add_file(tb_loader *l, const char *run, const char *path)
{
	tb_loader_run *lr = run_get(l, run, ".");
	if (!lr)
		return -ENOMEM;
	const char *base = strrchr(path, '/');
	return file_add(lr, base ? base + 1 : path, path);
}

static const char *error_text(int rc)
{
	switch (rc) {
	case -EBADMSG: return "checksum mismatch or unparsable event";
	case -EFBIG: return "record length above the limit";
	case -ENOMEM: return "out of memory";
	default: return strerror(-rc);
	}
}

static void file_fail(tb_loader *l, tb_file *f, int rc)
{
	f->error = rc;
	tb_log(TB_LOG_ERROR, "%s: %s at byte %llu; kept the %llu records before it, "
	       "reading no further in this file", f->path, error_text(rc),
	       (unsigned long long)f->offset, (unsigned long long)f->records);
	atomic_fetch_add(&l->files_failed, 1);
}

static void file_restart(tb_file *f)
{
	tb_wandb_file_free(f->wandb);
	f->wandb = NULL;
	f->offset = 0;
	f->records = 0;
	f->prefix_crc = 0;
	f->error = 0;
}

/* CRC32C of the first n bytes of path, or -1 when it is shorter. */
static int64_t prefix_crc(tb_source *src, const char *path, uint64_t n)
{
	tb_source_file *sf;
	if (tb_source_open(src, path, &sf))
		return -1;
	unsigned char buf[65536];
	uint32_t crc = 0;
	uint64_t off = 0;
	while (off < n) {
		ssize_t k = tb_source_read(sf, buf, n - off < sizeof buf ? (size_t)(n - off) : sizeof buf, off);
		if (k <= 0) {
			tb_source_close(sf);
			return -1;
		}
		crc = tb_crc32c(crc, buf, (size_t)k);
		off += (uint64_t)k;
	}
	tb_source_close(sf);
	return crc;
}

/* Open a reader on f at its offset through the logdir's source, and note
 * the identity of what was opened. */
static int reader_open(tb_loader *l, tb_file *f, tb_record_reader *rd)
{
	tb_source_file *sf;
	int rc = tb_source_open(l->src, f->path, &sf);
	if (rc)
		return rc;
	tb_source_info st;
	if (tb_source_file_info(sf, &st) == 0) {
		f->dev = (dev_t)st.dev;
		f->ino = (ino_t)st.ino;
	}
	tb_record_open_source(rd, sf, f->offset);
	rd->verify_payload_crc = l->verify_crc;
	return 0;
}

/* Notice a file replaced (new inode, new ETag) or truncated under its
 * name. An object store cannot append: a writer rewrites the object, so
 * a new ETag with at least the bytes already read is taken as growth
 * (checking the prefix would cost downloading it again). */
static void check_identity(tb_loader *l, tb_file *f)
{
	tb_source_info st;
	if (tb_source_stat(l->src, f->path, &st) != 0 || st.is_dir)
		return; /* deleted: keep what was read */
	bool remote = tb_source_remote(l->src);
	bool replaced = (f->records || f->error) &&
			((ino_t)st.ino != f->ino || (dev_t)st.dev != f->dev);
	if (replaced && remote) {
		f->ino = (ino_t)st.ino;
		f->dev = (dev_t)st.dev;
		if (st.size < f->offset) {
			tb_log(TB_LOG_INFO, "%s was replaced by a shorter object; reading it again from the start",
			       f->path);
			file_restart(f);
		}
	} else if (replaced) {
		if (st.size >= f->offset && prefix_crc(l->src, f->path, f->offset) == f->prefix_crc) {
			/* same bytes, more of them: continue in the new file */
			f->error = 0;
			tb_log(TB_LOG_INFO, "%s was replaced by a longer copy; continuing", f->path);
		} else {
			tb_log(TB_LOG_INFO, "%s was replaced; reading it again from the start", f->path);
			file_restart(f);
		}
	} else if (st.size < f->offset) {
		tb_log(TB_LOG_INFO, "%s was truncated; reading it again from the start", f->path);
		file_restart(f);
	}
}

/* A W&B log: its own framing and records (wandb.c), same bookkeeping; it
 * too is read through the logdir's source and holds nothing between
 * reads. */
static int read_wandb(tb_loader *l, tb_loader_run *lr, tb_file *f)
{
	tb_wandb_progress p;
	int rc = tb_wandb_read(&f->wandb, l->store, lr->run, l->src, f->path, &p);
	if (p.opened) {
		f->dev = (dev_t)p.file.dev;
		f->ino = (ino_t)p.file.ino;
	}
	f->records += p.records;
	f->offset = p.offset;
	atomic_fetch_add(&l->bytes_read, p.bytes);
	atomic_fetch_add(&l->records_read, p.records);
	return rc == -ENOMEM ? rc : 0;
}

/* Read one file from its offset to its current end. The file is open
 * only meanwhile: an idle file holds no descriptor (a logdir of 20,000 runs
 * must fit under the default RLIMIT_NOFILE of 1024), so each read reopens
 * it at f->offset, re-reading at most a partial record at its end; inotify
 * watches directories, not files. */
static int read_file(tb_loader *l, tb_loader_run *lr, tb_file *f)
{
	if (f->gone)
		return 0;
	if (f->records || f->error || f->wandb)
		check_identity(l, f);
	if (f->error)
		return 0;
	if (tb_logdir_is_wandb_file(f->name))
		return read_wandb(l, lr, f);
	tb_record_reader rd;
	int rc = reader_open(l, f, &rd);
	if (rc) {
		tb_log(TB_LOG_WARN, "cannot open %s: %s", f->path, strerror(-rc));
		return 0;
	}
	uint64_t bytes = 0, records = 0;
	int more = 1;
	/* the blob index: blob points of this file name it and their record
	 * (ingest registers the file with its first blob) */
	lr->ingest.file_src = l->src;
	lr->ingest.file_path = f->path;
	lr->ingest.file = TB_BLOB_NO_FILE;
	while (more && !rc) {
		tb_run_wrlock(lr->run);
		for (int k = 0; k < BATCH_RECORDS; k++) {
			const unsigned char *p;
			size_t n;
			uint64_t at = tb_record_offset(&rd);
			int got = tb_record_next(&rd, &p, &n);
			if (got <= 0) {
				rc = got;
				more = 0;
				break;
			}
			lr->ingest.rec_offset = at;
			lr->ingest.rec_crc = (uint32_t)p[n] | (uint32_t)p[n + 1] << 8 |
					     (uint32_t)p[n + 2] << 16 | (uint32_t)p[n + 3] << 24;
			int irc = tb_ingest_record(&lr->ingest, p, n);
			if (irc == -EBADMSG) {
				rc = irc;
				more = 0;
				break;
			}
			if (irc) {
				rc = irc;
				more = 0;
				break;
			}
			f->records++;
			records++;
			bytes += n + TB_RECORD_FRAMING;
			f->offset = tb_record_offset(&rd);
			f->prefix_crc = tb_crc32c(f->prefix_crc, p - TB_RECORD_HEADER_LEN,
						  n + TB_RECORD_FRAMING);
		}
		tb_run_unlock(lr->run);
	}
	lr->ingest.file_path = NULL;
	lr->ingest.file = TB_BLOB_NO_FILE;
	atomic_fetch_add(&l->bytes_read, bytes);
	atomic_fetch_add(&l->records_read, records);
	tb_record_close(&rd);
	if (rc < 0)
		file_fail(l, f, rc);
	return rc == -ENOMEM ? rc : 0;
}

int tb_loader_read_run(tb_loader *l, tb_loader_run *lr)
{
	for (size_t k = 0; k < lr->n_files; k++) {
		int rc = read_file(l, lr, lr->files[k]);
		if (rc)
			return rc;
	}
	return 0;
}

struct pool {
	tb_loader *l;
	atomic_size_t next;
	atomic_int rc;
};

static void *pool_worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->l->n_runs)
			break;
		int rc = tb_loader_read_run(p->l, p->l->runs[i]);
		if (rc)
			atomic_store(&p->rc, rc);
	}
	return NULL;
}

int tb_loader_read(tb_loader *l)
{
	struct pool p = { .l = l };
	atomic_init(&p.next, 0);
	atomic_init(&p.rc, 0);
	int n = l->threads < 1 ? 1 : l->threads;
	if ((size_t)n > l->n_runs)
		n = l->n_runs ? (int)l->n_runs : 1;
	pthread_t tids[TB_MAX_LOAD_THREADS];
	if (n > TB_MAX_LOAD_THREADS)
		n = TB_MAX_LOAD_THREADS;
	int started = 0;
	for (int i = 1; i < n; i++)
		if (pthread_create(&tids[started], NULL, pool_worker, &p) == 0)
			started++;
	pool_worker(&p);
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	return atomic_load(&p.rc);
}
