/*
 * store.h - in-memory time series: store -> runs -> series -> points.
 *
 * Every point is kept unless --samples_per_plugin caps a plugin. Scalars are
 * columnar: wall time (double), step, value (float32 for float32 data, 8
 * bytes otherwise). Steps take no memory while they are a regular
 * progression (nearly every writer), else an int32 offset from a per-series
 * base, widened to int64 only when a step does not fit: a float32 point
 * costs 12 bytes with regular steps, 16 with irregular ones. Histograms,
 * text and blobs keep one allocation per point.
 *
 * The structs hold store data only: what the response cache, live push and
 * ingest keep about a series or run lives in their own side tables, told
 * through tb_store_opts.on_free when a series goes.
 *
 * Concurrency: the store's lock guards the run list; each run's lock guards
 * its series and their points. Writers (the loader) take a run's write lock
 * around a batch of appends; readers take the store's read lock, then the
 * run's read lock. Locks prefer writers so a stream of readers cannot stall
 * loading. Lock order is always store, then run.
 *
 * Ownership: the store owns runs, series and points. Pointers returned by
 * lookups and accessors are borrowed: valid while the caller holds the lock
 * that guards them (the run's lock for series and points, the store's lock
 * for runs).
 *
 * Purge rules (reference §1.6) are selected by tb_store_opts.rule:
 *   TB_PURGE_STEP     RustBoard: a point at step s first removes the
 *                     series' points with step >= s (series stay sorted).
 *   TB_PURGE_SESSION  Python loader: applied by the ingest code through
 *                     tb_run_purge(); appends keep file order.
 *   TB_PURGE_NONE     keep everything as written.
 */
#ifndef TB_STORE_H
#define TB_STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "values.h"

typedef enum tb_purge_rule {
	TB_PURGE_STEP = 0,
	TB_PURGE_SESSION = 1,
	TB_PURGE_NONE = 2,
} tb_purge_rule;

#define TB_MAX_SAMPLE_RULES 32

typedef struct tb_series tb_series;

typedef struct tb_store_opts {
	tb_purge_rule rule;
	size_t n_samples;
	struct {
		char plugin[64];
		uint64_t keep;  /* 0 = keep everything */
	} samples[TB_MAX_SAMPLE_RULES];
	/* called for each series just before it is freed, so that modules
	 * keeping side tables about series (cache.c, live.c) forget it; NULL:
	 * nobody does */
	void (*on_free)(void *arg, const tb_series *se);
	void *on_free_arg;
} tb_store_opts;

/* Heavy points. One allocation each; the store frees them. */
typedef struct tb_hist {
	size_t n;        /* buckets */
	double b[];      /* 3n values: left, right, count */
} tb_hist;

typedef struct tb_text {
	int rank;
	size_t count;    /* elements of the shape */
	size_t n_strs;   /* strings held: count, or 1 filling every element */
	int64_t *dims;   /* rank entries */
	size_t *lens;    /* n_strs entries */
	char **strs;     /* n_strs entries, each NUL-terminated after lens[i] bytes */
} tb_text;

/* A blob point: what it holds and where its bytes are.
 *
 * Rule (the blob index): a blob read from an event file keeps only its
 * place, never its bytes: the run's file table entry (file), the record's
 * offset, payload length and masked CRC, and which value of the Event it
 * is (elem: the index in the Summary's values, or one of the
 * TB_BLOB_ELEM_* raw fields). tb_view_blob (query.h) reads the record back
 * through the logdir's source, checks length and CRC, and cuts the value's
 * bytes out: a rewritten or truncated file answers -ENOENT, never stale
 * bytes. A point costs sizeof(tb_blob) (40 bytes) plus its column entries.
 * Inline (file == TB_BLOB_NO_FILE, bytes in data[]): blobs under
 * TB_BLOB_INLINE_MAX bytes (hparams metadata-only values, TB_BLOB_NONE)
 * and blobs from nowhere readable (an ingest without a file: tests). */
#define TB_BLOB_NO_FILE UINT32_MAX
#define TB_BLOB_INLINE_MAX 64
#define TB_BLOB_ELEM_GRAPH_DEF UINT32_MAX        /* Event.graph_def */
#define TB_BLOB_ELEM_RUN_METADATA (UINT32_MAX - 1) /* Event.tagged_run_metadata.run_metadata */

typedef struct tb_blob {
	tb_blob_type type;
	uint32_t count;        /* elements: a tensor's first dimension (1 for
				* rank 0), 1 for Summary.Image / Summary.Audio */
	uint32_t file;         /* run's blob_files index, or TB_BLOB_NO_FILE */
	uint32_t elem;         /* value index in the Summary, or TB_BLOB_ELEM_* */
	uint32_t rec_crc;      /* masked CRC32C of the record's payload */
	uint32_t rec_len;      /* payload bytes (<= TB_MAX_RECORD_LEN) */
	uint64_t offset;       /* the record's first byte in the file */
	size_t len;            /* the blob's bytes (serialized value) */
	unsigned char data[];  /* len bytes when inline, else empty */
} tb_blob;

/* Where a blob point was read from (ingest fills it for file blobs). */
typedef struct tb_blob_ref {
	uint32_t file, elem, rec_crc, rec_len, count;
	uint64_t offset;
} tb_blob_ref;

/* An event file a run's blobs point into: read back through src
 * (source.h, borrowed: the loader's source outlives the store's use). */
typedef struct tb_blob_file {
	struct tb_source *src;
	char *path;
} tb_blob_file;

/* Metadata of a series, fixed by the first value of its tag. */
typedef struct tb_series_meta {
	const char *plugin;
	int data_class;
	const char *display_name;
	const char *description;
	const unsigned char *content;
	size_t content_len;
} tb_series_meta;

struct tb_series {
	char *tag;
	size_t tag_len;
	tb_kind kind;
	char *plugin;
	int data_class;
	char *display_name;
	char *description;
	unsigned char *content;
	size_t content_len;
	bool too_new;          /* plugin data newer than TensorBoard reads: no
				* plugin serves it (set once by ingest) */

	size_t n, cap;
	double *wall;
	/* Steps, in one of three forms. While they form an arithmetic
	 * progression (a writer logging every k steps: nearly all scalars),
	 * no column at all: step i = step_base + i * step_stride. Otherwise
	 * step32 (offsets from step_base) while every step fits, else step64. */
	int64_t step_base;
	int64_t step_stride;   /* > 0; 0 while fewer than two points */
	int32_t *step32;
	int64_t *step64;
	tb_num_type num_type;  /* scalars */
	float *f32;            /* scalars of type F32 */
	int64_t *w64;          /* other scalars: double bits or int64 */
	void **heavy;          /* histograms, text, blobs */

	uint64_t keep;         /* reservoir size; 0 = keep everything */
	uint64_t seen;         /* points offered (reservoir) */
	uint64_t rng;          /* reservoir random state */
	uint64_t version;      /* bumped on every change */
	uint64_t removals;     /* bumped when stored points are removed or replaced */
	uint64_t dropped;      /* values that did not convert to this kind */
	uint32_t slot;         /* position in the run's series[] (series are
				* never removed from a run) */
};

typedef struct tb_run {
	char *name;
	pthread_rwlock_t lock;
	tb_series **series;    /* creation order */
	size_t n_series, cap_series;
	uint32_t *index;       /* open-addressing tag hash -> series index + 1 */
	size_t index_cap;

	bool has_start;
	double start_time;     /* wall time of the first event read */
	uint64_t version;

	/* the event files its blob points refer to (tb_blob.file); entries are
	 * never removed while the run lives */
	tb_blob_file *blob_files;
	size_t n_blob_files, cap_blob_files;

	/* counters for --inspect */
	uint64_t events, session_logs, graphs, meta_graphs, bad_values;

	/* facts from another log format (W&B: wandb.h), owned by the run and
	 * freed with it through ext_free; guarded by the run's lock */
	void *ext;
	void (*ext_free)(void *ext);
} tb_run;

typedef struct tb_store {
	pthread_rwlock_t lock;
	tb_store_opts opts;
	tb_run **runs;
	size_t n_runs, cap_runs;
	uint64_t version;      /* bumped when the run list changes */
} tb_store;

int tb_store_init(tb_store *s, const tb_store_opts *opts);
void tb_store_release(tb_store *s);

/* Lock helpers (see the concurrency note above). */
void tb_store_rdlock(tb_store *s);
void tb_store_wrlock(tb_store *s);
void tb_store_unlock(tb_store *s);
void tb_run_rdlock(tb_run *r);
void tb_run_wrlock(tb_run *r);
void tb_run_unlock(tb_run *r);

/* Find a run by name (store lock held by the caller). */
tb_run *tb_store_find_run(tb_store *s, const char *name);
/* Find or create; takes the store's write lock itself. NULL on OOM. */
tb_run *tb_store_add_run(tb_store *s, const char *name);
/* Remove and free a run (takes the store's write lock). */
void tb_store_remove_run(tb_store *s, const char *name);

/* Runs in TensorBoard's order: first event's wall time, then name; runs
 * with no event last. Fills out (n_runs entries); store lock held, run
 * locks not held (each is taken briefly). 0 or -ENOMEM (out unset). */
int tb_store_sorted_runs(tb_store *s, tb_run **out);

/* Series of a run (run lock held). */
tb_series *tb_run_find(tb_run *r, const char *tag, size_t tag_len);
/* Create a series with its metadata (run write lock held). NULL on OOM. */
tb_series *tb_run_create(tb_store *s, tb_run *r, const char *tag, size_t tag_len,
			 tb_kind kind, const tb_series_meta *meta);

/* Appends (run write lock held). Return 0 or -ENOMEM. heavy points are
 * copied. */
int tb_series_append_scalar(tb_store *s, tb_series *se, double wall, int64_t step,
			    const tb_scalar *v);
int tb_series_append_hist(tb_store *s, tb_series *se, double wall, int64_t step,
			  const double *buckets, size_t n);
int tb_series_append_text(tb_store *s, tb_series *se, double wall, int64_t step,
			  const tb_text_view *t);
int tb_series_append_blob(tb_store *s, tb_series *se, double wall, int64_t step,
			  tb_blob_type type, const unsigned char *data, size_t len);
/* A blob kept as a place in an event file (see tb_blob): len is the size
 * of the serialized value, ref where it lies. */
int tb_series_append_blob_ref(tb_store *s, tb_series *se, double wall, int64_t step,
			      tb_blob_type type, size_t len, const tb_blob_ref *ref);

/* The index in r->blob_files of (src, path), added when new (run write lock
 * held). 0 or -ENOMEM. */
int tb_run_blob_file(tb_run *r, struct tb_source *src, const char *path, uint32_t *id);

/* Remove points with step >= step: from every series of the run (only ==
 * NULL) or from the listed tags. Run write lock held. */
void tb_run_purge(tb_run *r, int64_t step, const char *const *only, size_t n_only);

/* Shrink every column to its length (after the initial load). */
void tb_store_compact(tb_store *s);

/* Bytes held by a series (columns and heavy points, not counting the
 * allocator's own overhead). */
size_t tb_series_bytes(const tb_series *se);

/* ---- point accessors (run lock held) ---------------------------------- */

static inline double tb_series_wall(const tb_series *se, size_t i)
{
	return se->wall[i];
}

static inline int64_t tb_series_step(const tb_series *se, size_t i)
{
	if (se->step32)
		return se->step_base + se->step32[i];
	if (se->step64)
		return se->step64[i];
	return se->step_base + (int64_t)i * se->step_stride;
}

static inline tb_scalar tb_series_scalar(const tb_series *se, size_t i)
{
	tb_scalar v = { se->num_type, 0, 0 };
	if (se->num_type == TB_NUM_F32)
		v.f = se->f32[i];
	else if (se->num_type == TB_NUM_F64)
		__builtin_memcpy(&v.f, &se->w64[i], 8);
	else
		v.i = se->w64[i];
	return v;
}

static inline const tb_hist *tb_series_hist(const tb_series *se, size_t i)
{
	return se->heavy[i];
}

static inline const tb_text *tb_series_text(const tb_series *se, size_t i)
{
	return se->heavy[i];
}

static inline const tb_blob *tb_series_blob(const tb_series *se, size_t i)
{
	return se->heavy[i];
}

#endif
