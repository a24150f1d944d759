/*
 * query.h - the one way handlers, export and the live stream read the store.
 *
 * A view is a series that a plugin serves, found and read-locked in one
 * call: run and tag name it, the kind says which plugin asks, and the
 * series must be visible to that plugin (tb_series_visible: the kind,
 * which ingest fixed from the plugin name and data class, and the
 * plugin-data version, judged once at ingest). A view also carries the
 * points to serve after --samples_per_plugin's read cap. Point iterators
 * walk a view's points with step ranges, since_step and spike-preserving
 * buckets. Formatting is not done here (writer.h does it).
 *
 * Locking: a view holds the store's and the run's read locks from open to
 * tb_view_release(); pointers in it are borrowed for that long. The
 * tb_query_* walkers take and drop the locks themselves and call back with
 * both held: callbacks must not lock the store or a run.
 *
 * Errors: 0 or a negative errno (-ENOENT: no such visible series;
 * -ENOMEM); nothing stays locked after a failure.
 */
#ifndef TB_QUERY_H
#define TB_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Is this series served by the tags endpoint of kind's plugin? */
static inline bool tb_series_visible(const tb_series *se, tb_kind kind)
{
	return se->kind == kind && !se->too_new;
}

/* The plugin whose --samples_per_plugin entry caps reads of kind. */
const char *tb_kind_plugin(tb_kind kind);

typedef struct tb_view {
	tb_store *store;
	tb_run *run;
	const tb_series *se;
	size_t first, end;    /* points to serve: [first, end) */
	bool store_locked;    /* released with the view */
} tb_view;

/* Find run/tag visible as kind and lock it for reading. Releasing a view
 * whose open failed does nothing. */
int tb_view_open(tb_view *v, tb_store *s, const char *run, const char *tag, tb_kind kind);
void tb_view_release(tb_view *v);

/* Called with a view of each series a walk finds; a nonzero return stops
 * the walk and is its result. The view is released by the walker. */
typedef int (*tb_view_fn)(void *arg, const tb_view *v);

/* The visible series of kind named tag in each run of names[0..n) (in that
 * order, repeated names once), or in every run in store order when names
 * is NULL. Runs without it are skipped. */
int tb_query_runs(tb_store *s, const char *const *names, size_t n, const char *tag,
		  tb_kind kind, tb_view_fn fn, void *arg);

/* Every run in TensorBoard's order (first event's wall time, then name),
 * read-locked during its call. 0, fn's nonzero result, or -ENOMEM. */
typedef int (*tb_run_fn)(void *arg, tb_run *r);
int tb_query_sorted_runs(tb_store *s, tb_run_fn fn, void *arg);

/* Every run (store order) having visible series of kind, with them in
 * creation order; fn may reorder tags[]. Runs having none are skipped. */
typedef int (*tb_tags_fn)(void *arg, const tb_run *r, const tb_series **tags, size_t n);
int tb_query_tags(tb_store *s, tb_kind kind, tb_tags_fn fn, void *arg);

/* ---- blobs ------------------------------------------------------------- */

/* The bytes of blob point i of a view (kinds whose points are tb_blob),
 * as a copy the caller frees, with what they hold. Every plugin reads
 * blob bytes through this one call, so where they live (in memory or
 * only as a place in an event file, read back and CRC-checked on
 * request) is the store's business alone.
 * The data buffer holds at least *len + 1 bytes.
 * 0; -ENOENT: the point's bytes are gone (file deleted, truncated or
 * rewritten: length or CRC not the indexed ones; never stale bytes); -EIO:
 * read error; -EREMOTEIO: the object store (s3://) did not answer; -EFBIG: over TB_MAX_BLOB_READ; -EBUSY: over
 * TB_MAX_BLOB_BYTES_IN_FLIGHT being read at once (answer 503); -ENOMEM.
 * Blob points of a logdir are kept as places in their event files (store.h,
 * blob.h): this call does the file read, under the view's locks. */
int tb_view_blob(const tb_view *v, size_t i, tb_blob_type *type,
		 unsigned char **data, size_t *len);

/* ---- points ------------------------------------------------------------ */

/* Which points of a view to walk. Zeroed: all of them. */
typedef struct tb_point_query {
	bool has_since;       /* only steps > since (ignored when bucketing) */
	int64_t since;
	size_t buckets;       /* > 0: per step bucket the first, min, max, first
			       * NaN and last point, in file order, each once;
			       * every point when the range holds at most 4
			       * per bucket */
	bool has_min, has_max;/* bucketing: the step range (default: the
			       * series' own, from since + 1 when has_since) */
	int64_t min_step, max_step;
	bool smooth;          /* also TensorBoard's smoothing (smooth.h) over
			       * every point of the view, and buckets keep
			       * their smoothed min and max too */
	double smoothing;     /* its weight, 0..1 */
} tb_point_query;

typedef struct tb_points {
	const tb_series *se;
	size_t first, end, cur;
	bool has_since;
	int64_t since;
	size_t *pick, npick;  /* bucketing: the chosen indices */
	size_t seen;          /* bucketing: points in the step range */
	bool bucketed;
	double *smooth;       /* smooth: smoothed values of [first, end), or
			       * NULL (out of memory) */
} tb_points;

/* 0 or -ENOMEM (bucketing allocates). Release with tb_points_release. */
int tb_points_open(tb_points *it, const tb_view *v, const tb_point_query *q);
/* The next point's index into the series; false after the last. */
bool tb_points_next(tb_points *it, size_t *i);
void tb_points_rewind(tb_points *it);
/* Points the iterator yields in all (rewinds it). */
size_t tb_points_count(tb_points *it);
void tb_points_release(tb_points *it);

#endif
