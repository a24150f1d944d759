/*
 * store.c - runs, series and their points (see store.h for the contract).
 *
 * Every append goes through place(): it applies the step purge rule and the
 * reservoir, and answers where the new point goes (append, overwrite the
 * newest, or nowhere). The column writers then only store values.
 */
#include "store.h"
#include "vec.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- locks ---------------------------------------------------------------- */

static void rwlock_init_writer_pref(pthread_rwlock_t *l)
{
	pthread_rwlockattr_t a;
	pthread_rwlockattr_init(&a);
#ifdef PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP
	pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
	pthread_rwlock_init(l, &a);
	pthread_rwlockattr_destroy(&a);
}

void tb_store_rdlock(tb_store *s) { pthread_rwlock_rdlock(&s->lock); }
void tb_store_wrlock(tb_store *s) { pthread_rwlock_wrlock(&s->lock); }
void tb_store_unlock(tb_store *s) { pthread_rwlock_unlock(&s->lock); }
void tb_run_rdlock(tb_run *r) { pthread_rwlock_rdlock(&r->lock); }
void tb_run_wrlock(tb_run *r) { pthread_rwlock_wrlock(&r->lock); }
void tb_run_unlock(tb_run *r) { pthread_rwlock_unlock(&r->lock); }

/* ---- series ----------------------------------------------------------------- */

static void heavy_free(tb_series *se, size_t i)
{
	if (se->heavy) {
		free(se->heavy[i]);
		se->heavy[i] = NULL;
	}
}

static void series_free(tb_series *se, const tb_store_opts *o)
{
	if (!se)
		return;
	if (o && o->on_free)
		o->on_free(o->on_free_arg, se);
	for (size_t i = 0; i < se->n; i++)
		heavy_free(se, i);
	free(se->heavy);
	free(se->wall);
	free(se->step32);
	free(se->step64);
	free(se->f32);
	free(se->w64);
	free(se->tag);
	free(se->plugin);
	free(se->display_name);
	free(se->description);
	free(se->content);
	free(se);
}

static int resize(void **p, size_t n, size_t size)
{
	if (!*p && !n)
		return 0;
	if (!n) {
		free(*p);
		*p = NULL;
		return 0;
	}
	void *q = realloc(*p, n * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	return 0;
}

/* Give every column in use room for cap points. */
static int columns_resize(tb_series *se, size_t cap)
{
	if (resize((void **)&se->wall, cap, sizeof *se->wall))
		return -ENOMEM;
	if (se->step32) {
		if (resize((void **)&se->step32, cap, sizeof *se->step32))
			return -ENOMEM;
	} else if (se->step64 && resize((void **)&se->step64, cap, sizeof *se->step64)) {
		return -ENOMEM;
	}
	if (se->kind == TB_KIND_SCALAR) {
		if (se->num_type == TB_NUM_F32) {
			if (resize((void **)&se->f32, cap, sizeof *se->f32))
				return -ENOMEM;
		} else if (resize((void **)&se->w64, cap, sizeof *se->w64)) {
			return -ENOMEM;
		}
	} else if (resize((void **)&se->heavy, cap, sizeof *se->heavy)) {
		return -ENOMEM;
	}
	se->cap = cap;
	return 0;
}

static int ensure_room(tb_series *se)
{
	if (se->n < se->cap)
		return 0;
	size_t cap = se->cap < 16 ? 16 : se->cap + se->cap / 2;
	return columns_resize(se, cap);
}

static bool steps_implicit(const tb_series *se)
{
	return !se->step32 && !se->step64;
}

/* Steps no longer fit as int32 offsets: switch to an int64 column. */
static int steps_widen(tb_series *se)
{
	int64_t *w = malloc((se->cap ? se->cap : 1) * sizeof *w);
	if (!w)
		return -ENOMEM;
	for (size_t i = 0; i < se->n; i++)
		w[i] = tb_series_step(se, i);
	free(se->step32);
	se->step32 = NULL;
	se->step64 = w;
	return 0;
}

/* Steps stop being a progression: write them out, as int32 offsets from
 * step_base when the progression's span fits, else as int64. */
static int steps_materialise(tb_series *se)
{
	__int128 span = se->n ? (__int128)(se->n - 1) * se->step_stride : 0;
	if (span > INT32_MAX)
		return steps_widen(se);
	int32_t *o = malloc((se->cap ? se->cap : 1) * sizeof *o);
	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < se->n; i++)
		o[i] = (int32_t)((int64_t)i * se->step_stride);
	se->step32 = o;
	return 0;
}

/* Store the step of point i (i <= n). Implicit steps stay implicit while
 * the points continue the progression. */
static int step_put(tb_series *se, size_t i, int64_t step)
{
	if (steps_implicit(se)) {
		if (i == 0 && se->n <= 1) {
			se->step_base = step;
			se->step_stride = 0;
			return 0;
		}
		if (i == se->n) {
			int64_t d;
			if (i == 1 && step > se->step_base &&
			    !__builtin_sub_overflow(step, se->step_base, &d)) {
				se->step_stride = d;
				return 0;
			}
			__int128 want = (__int128)se->step_base + (__int128)i * se->step_stride;
			if (i > 1 && want == step)
				return 0;
		} else if (step == tb_series_step(se, i)) {
			return 0; /* a reservoir replacement at the same step */
		}
		if (se->n <= 1)
			se->step_stride = 0;
		if (steps_materialise(se))
			return -ENOMEM;
	}
	if (se->step32) {
		if (se->n == 0 || (i == 0 && se->n == 1))
			se->step_base = step;
		__int128 off = (__int128)step - se->step_base;
		if (off >= INT32_MIN && off <= INT32_MAX) {
			se->step32[i] = (int32_t)off;
			return 0;
		}
		if (steps_widen(se))
			return -ENOMEM;
	}
	se->step64[i] = step;
	return 0;
}

/* The numeric type a series must have to hold both old and new values. */
static tb_num_type num_join(tb_num_type a, tb_num_type b)
{
	if (a == b)
		return a;
	if ((a == TB_NUM_I64 && b == TB_NUM_BOOL) || (a == TB_NUM_BOOL && b == TB_NUM_I64))
		return TB_NUM_I64;
	return TB_NUM_F64;
}

static double num_as_double(tb_num_type t, int64_t bits_or_int)
{
	if (t == TB_NUM_F64) {
		double d;
		memcpy(&d, &bits_or_int, 8);
		return d;
	}
	return (double)bits_or_int;
}

static int scalar_retype(tb_series *se, tb_num_type to)
{
	if (se->num_type == to)
		return 0;
	if (se->num_type == TB_NUM_F32) {
		int64_t *w = malloc((se->cap ? se->cap : 1) * sizeof *w);
		if (!w)
			return -ENOMEM;
		for (size_t i = 0; i < se->n; i++) {
			double d = se->f32[i];
			memcpy(&w[i], &d, 8);
		}
		free(se->f32);
		se->f32 = NULL;
		se->w64 = w;
	} else if (to == TB_NUM_F64) {
		for (size_t i = 0; i < se->n; i++) {
			double d = num_as_double(se->num_type, se->w64[i]);
			memcpy(&se->w64[i], &d, 8);
		}
	}
	se->num_type = to;
	return 0;
}

static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Remove point i, keeping order. */
static int remove_at(tb_series *se, size_t i)
{
	if (steps_implicit(se) && i + 1 < se->n && steps_materialise(se))
		return -ENOMEM;
	size_t tail = se->n - i - 1;
	heavy_free(se, i);
#define SHIFT(col) if (se->col) memmove(&se->col[i], &se->col[i + 1], tail * sizeof *se->col)
	SHIFT(wall);
	SHIFT(step32);
	SHIFT(step64);
	SHIFT(f32);
	SHIFT(w64);
	SHIFT(heavy);
#undef SHIFT
	se->n--;
	return 0;
}

/* Keep, in order, the points whose step is below step; returns how many went. */
static size_t filter_steps_below(tb_series *se, int64_t step)
{
	size_t j = 0, before = se->n;
	for (size_t i = 0; i < se->n; i++) {
		if (tb_series_step(se, i) >= step) {
			heavy_free(se, i);
			continue;
		}
		if (i != j) {
			se->wall[j] = se->wall[i];
			if (se->step32) se->step32[j] = se->step32[i];
			if (se->step64) se->step64[j] = se->step64[i];
			if (se->f32) se->f32[j] = se->f32[i];
			if (se->w64) se->w64[j] = se->w64[i];
			if (se->heavy) se->heavy[j] = se->heavy[i];
		}
		j++;
	}
	se->n = j;
	return before - j;
}

/* Series under TB_PURGE_STEP are sorted by step: cut at the first step >= s. */
static void truncate_sorted(tb_series *se, int64_t step)
{
	size_t lo = 0, hi = se->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tb_series_step(se, mid) < step)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < se->n; i++)
		heavy_free(se, i);
	if (lo < se->n)
		se->removals++;
	se->n = lo;
}

static void reservoir_rescale(tb_series *se, size_t before, size_t removed)
{
	if (!se->keep || !before)
		return;
	size_t kept = before - removed;
	se->seen = (se->seen * kept + before - 1) / before;
}

/* Decide where a point at step goes. Returns the index to write, or
 * SIZE_MAX to drop it (reservoir). May remove points first. */
static size_t place(tb_store *s, tb_series *se, int64_t step, int *err)
{
	*err = 0;
	if (s->opts.rule == TB_PURGE_STEP && se->n && tb_series_step(se, se->n - 1) >= step) {
		size_t before = se->n;
		truncate_sorted(se, step);
		reservoir_rescale(se, before, before - se->n);
	}
	uint64_t seen = se->seen++;
	if (se->keep && se->n >= se->keep) {
		uint64_t r = rng_next(&se->rng) % (seen + 1);
		se->removals++;
		if (r < se->keep) {
			if ((*err = remove_at(se, (size_t)r)))
				return SIZE_MAX;
		} else {
			heavy_free(se, se->n - 1);
			return se->n - 1;
		}
	}
	if ((*err = ensure_room(se)))
		return SIZE_MAX;
	return se->n;
}

static void bump(tb_series *se)
{
	se->version++;
}

int tb_series_append_scalar(tb_store *s, tb_series *se, double wall, int64_t step,
			    const tb_scalar *v)
{
	/* The common case in two or three stores: a float32 point after the
	 * newest step, room in the columns, no reservoir. Exactly what the
	 * general path below does for it (no purge can apply to a newer step). */
	if (v->type == TB_NUM_F32 && se->num_type == TB_NUM_F32 && se->n >= 2 &&
	    se->n < se->cap && !se->keep) {
		size_t i = se->n;
		int64_t off;
		bool ok = false;
		if (steps_implicit(se)) {
			int64_t want;
			ok = !__builtin_mul_overflow((int64_t)i, se->step_stride, &want) &&
			     !__builtin_add_overflow(want, se->step_base, &want) && want == step;
		} else if (se->step32 && step > se->step_base + se->step32[i - 1] &&
			   !__builtin_sub_overflow(step, se->step_base, &off) &&
			   off >= INT32_MIN && off <= INT32_MAX) {
			se->step32[i] = (int32_t)off;
			ok = true;
		}
		if (ok) {
			se->wall[i] = wall;
			se->f32[i] = (float)v->f;
			se->seen++;
			se->n = i + 1;
			bump(se);
			return 0;
		}
	}
	int err;
	if (se->n == 0 && se->seen == 0 && se->num_type != v->type) {
		free(se->f32);
		free(se->w64);
		se->f32 = NULL;
		se->w64 = NULL;
		se->num_type = v->type;
		if (columns_resize(se, se->cap))
			return -ENOMEM;
	}
	tb_num_type t = num_join(se->num_type, v->type);
	if (t != se->num_type && scalar_retype(se, t))
		return -ENOMEM;
	size_t i = place(s, se, step, &err);
	if (err)
		return err;
	if (step_put(se, i, step))
		return -ENOMEM;
	se->wall[i] = wall;
	switch (se->num_type) {
	case TB_NUM_F32:
		se->f32[i] = (float)v->f;
		break;
	case TB_NUM_F64: {
		double d = v->type == TB_NUM_F32 || v->type == TB_NUM_F64 ? v->f : (double)v->i;
		memcpy(&se->w64[i], &d, 8);
		break;
	}
	default:
		se->w64[i] = v->i;
		break;
	}
	if (i == se->n)
		se->n++;
	bump(se);
	return 0;
}

static int append_heavy(tb_store *s, tb_series *se, double wall, int64_t step, void *h)
{
	int err;
	size_t i = place(s, se, step, &err);
	if (err || step_put(se, i, step)) {
		free(h);
		return -ENOMEM;
	}
	se->wall[i] = wall;
	se->heavy[i] = h;
	if (i == se->n)
		se->n++;
	bump(se);
	return 0;
}

int tb_series_append_hist(tb_store *s, tb_series *se, double wall, int64_t step,
			  const double *buckets, size_t n)
{
	tb_hist *h = malloc(sizeof *h + 3 * n * sizeof(double));
	if (!h)
		return -ENOMEM;
	h->n = n;
	if (n)
		memcpy(h->b, buckets, 3 * n * sizeof(double));
	return append_heavy(s, se, wall, step, h);
}

int tb_series_append_text(tb_store *s, tb_series *se, double wall, int64_t step,
			  const tb_text_view *t)
{
	size_t bytes = sizeof(tb_text) + (size_t)t->rank * sizeof(int64_t) +
		       t->n_strs * (sizeof(size_t) + sizeof(char *));
	for (size_t i = 0; i < t->n_strs; i++) {
		if (t->lens[i] > SIZE_MAX / 2 - bytes)
			return -ENOMEM;
		bytes += t->lens[i] + 1;
	}
	tb_text *x = malloc(bytes);
	if (!x)
		return -ENOMEM;
	char *p = (char *)(x + 1);
	x->rank = t->rank;
	x->count = t->count;
	x->n_strs = t->n_strs;
	x->dims = (int64_t *)p;
	p += (size_t)t->rank * sizeof(int64_t);
	x->lens = (size_t *)p;
	p += t->n_strs * sizeof(size_t);
	x->strs = (char **)p;
	p += t->n_strs * sizeof(char *);
	if (t->rank)
		memcpy(x->dims, t->dims, (size_t)t->rank * sizeof(int64_t));
	for (size_t i = 0; i < t->n_strs; i++) {
		x->lens[i] = t->lens[i];
		x->strs[i] = p;
		if (t->lens[i])
			memcpy(p, t->strs[i], t->lens[i]);
		p[t->lens[i]] = '\0';
		p += t->lens[i] + 1;
	}
	return append_heavy(s, se, wall, step, x);
}

int tb_series_append_blob(tb_store *s, tb_series *se, double wall, int64_t step,
			  tb_blob_type type, const unsigned char *data, size_t len)
{
	tb_blob *b = calloc(1, sizeof *b + len);
	if (!b)
		return -ENOMEM;
	b->type = type;
	b->count = 1;
	b->file = TB_BLOB_NO_FILE;
	b->len = len;
	if (len)
		memcpy(b->data, data, len);
	return append_heavy(s, se, wall, step, b);
}

int tb_series_append_blob_ref(tb_store *s, tb_series *se, double wall, int64_t step,
			      tb_blob_type type, size_t len, const tb_blob_ref *ref)
{
	tb_blob *b = malloc(sizeof *b);
	if (!b)
		return -ENOMEM;
	*b = (tb_blob){ .type = type, .count = ref->count, .file = ref->file, .elem = ref->elem,
			.rec_crc = ref->rec_crc, .rec_len = ref->rec_len, .offset = ref->offset,
			.len = len };
	return append_heavy(s, se, wall, step, b);
}

int tb_run_blob_file(tb_run *r, struct tb_source *src, const char *path, uint32_t *id)
{
	/* runs have few files and the loader asks once per file read */
	for (size_t i = r->n_blob_files; i-- > 0;)
		if (r->blob_files[i].src == src && !strcmp(r->blob_files[i].path, path)) {
			*id = (uint32_t)i;
			return 0;
		}
	if (r->n_blob_files >= TB_BLOB_NO_FILE - 1 ||
	    tb_array_grow(r->blob_files, r->cap_blob_files, r->n_blob_files))
		return -ENOMEM;
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	r->blob_files[r->n_blob_files] = (tb_blob_file){ src, copy };
	*id = (uint32_t)r->n_blob_files++;
	return 0;
}

size_t tb_series_bytes(const tb_series *se)
{
	size_t per = sizeof(double) + (se->step32 ? 4 : se->step64 ? 8 : 0);
	if (se->kind == TB_KIND_SCALAR)
		per += se->num_type == TB_NUM_F32 ? 4 : 8;
	else
		per += sizeof(void *);
	size_t bytes = sizeof *se + se->tag_len + 1 + se->cap * per;
	for (size_t i = 0; se->heavy && i < se->n; i++) {
		if (se->kind == TB_KIND_HISTOGRAM)
			bytes += sizeof(tb_hist) + ((tb_hist *)se->heavy[i])->n * 24;
		else if (tb_kind_is_blob(se->kind))
			bytes += sizeof(tb_blob) + (((tb_blob *)se->heavy[i])->file == TB_BLOB_NO_FILE ?
						    ((tb_blob *)se->heavy[i])->len : 0);
		else {
			const tb_text *t = se->heavy[i];
			bytes += sizeof *t + t->n_strs * (sizeof(size_t) + sizeof(char *) + 1);
			for (size_t k = 0; k < t->n_strs; k++)
				bytes += t->lens[k];
		}
	}
	return bytes;
}

/* ---- runs ------------------------------------------------------------------- */

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h;
}

static int index_rebuild(tb_run *r, size_t cap)
{
	uint32_t *idx = calloc(cap, sizeof *idx);
	if (!idx)
		return -ENOMEM;
	for (size_t k = 0; k < r->n_series; k++) {
		tb_series *se = r->series[k];
		size_t i = hash_bytes(se->tag, se->tag_len) & (cap - 1);
		while (idx[i])
			i = (i + 1) & (cap - 1);
		idx[i] = (uint32_t)k + 1;
	}
	free(r->index);
	r->index = idx;
	r->index_cap = cap;
	return 0;
}

tb_series *tb_run_find(tb_run *r, const char *tag, size_t tag_len)
{
	if (!r->index_cap)
		return NULL;
	size_t i = hash_bytes(tag, tag_len) & (r->index_cap - 1);
	for (;;) {
		uint32_t k = r->index[i];
		if (!k)
			return NULL;
		tb_series *se = r->series[k - 1];
		if (se->tag_len == tag_len && !memcmp(se->tag, tag, tag_len))
			return se;
		i = (i + 1) & (r->index_cap - 1);
	}
}

static char *dup_str(const char *p)
{
	return strdup(p ? p : "");
}

static uint64_t sample_keep(const tb_store *s, const char *plugin)
{
	for (size_t i = 0; i < s->opts.n_samples; i++)
		if (!strcmp(s->opts.samples[i].plugin, plugin))
			return s->opts.samples[i].keep;
	return 0;
}

tb_series *tb_run_create(tb_store *s, tb_run *r, const char *tag, size_t tag_len,
			 tb_kind kind, const tb_series_meta *meta)
{
	if (r->n_series >= UINT32_MAX - 1)
		return NULL;
	if ((r->n_series + 1) * 2 > r->index_cap &&
	    index_rebuild(r, r->index_cap ? r->index_cap * 2 : 16))
		return NULL;
	if (tb_array_grow(r->series, r->cap_series, r->n_series))
		return NULL;
	tb_series *se = calloc(1, sizeof *se);
	if (!se)
		return NULL;
	se->tag = malloc(tag_len + 1);
	se->plugin = dup_str(meta->plugin);
	se->display_name = dup_str(meta->display_name);
	se->description = dup_str(meta->description);
	se->content = malloc(meta->content_len ? meta->content_len : 1);
	if (!se->tag || !se->plugin || !se->display_name || !se->description || !se->content) {
		series_free(se, NULL);
		return NULL;
	}
	memcpy(se->tag, tag, tag_len);
	se->tag[tag_len] = '\0';
	se->tag_len = tag_len;
	if (meta->content_len)
		memcpy(se->content, meta->content, meta->content_len);
	se->content_len = meta->content_len;
	se->kind = kind;
	se->data_class = meta->data_class;
	se->keep = sample_keep(s, se->plugin);
	se->slot = (uint32_t)r->n_series;
	r->series[r->n_series++] = se;
	size_t i = hash_bytes(tag, tag_len) & (r->index_cap - 1);
	while (r->index[i])
		i = (i + 1) & (r->index_cap - 1);
	r->index[i] = (uint32_t)r->n_series;
	r->version++;
	return se;
}

void tb_run_purge(tb_run *r, int64_t step, const char *const *only, size_t n_only)
{
	for (size_t k = 0; k < r->n_series; k++) {
		tb_series *se = r->series[k];
		if (only) {
			size_t j = 0;
			while (j < n_only && strcmp(only[j], se->tag))
				j++;
			if (j == n_only)
				continue;
		}
		size_t before = se->n;
		size_t removed = filter_steps_below(se, step);
		if (removed) {
			se->removals++;
			reservoir_rescale(se, before, removed);
			bump(se);
			r->version++;
		}
	}
}

static void run_free(tb_run *r, const tb_store_opts *o)
{
	for (size_t k = 0; k < r->n_series; k++)
		series_free(r->series[k], o);
	free(r->series);
	free(r->index);
	for (size_t k = 0; k < r->n_blob_files; k++)
		free(r->blob_files[k].path);
	free(r->blob_files);
	if (r->ext_free)
		r->ext_free(r->ext);
	free(r->name);
	pthread_rwlock_destroy(&r->lock);
	free(r);
}

/* ---- store -------------------------------------------------------------------- */

int tb_store_init(tb_store *s, const tb_store_opts *opts)
{
	memset(s, 0, sizeof *s);
	if (opts)
		s->opts = *opts;
	rwlock_init_writer_pref(&s->lock);
	return 0;
}

void tb_store_release(tb_store *s)
{
	for (size_t i = 0; i < s->n_runs; i++)
		run_free(s->runs[i], &s->opts);
	free(s->runs);
	pthread_rwlock_destroy(&s->lock);
	memset(s, 0, sizeof *s);
}

tb_run *tb_store_find_run(tb_store *s, const char *name)
{
	for (size_t i = 0; i < s->n_runs; i++)
		if (!strcmp(s->runs[i]->name, name))
			return s->runs[i];
	return NULL;
}

tb_run *tb_store_add_run(tb_store *s, const char *name)
{
	tb_store_wrlock(s);
	tb_run *r = tb_store_find_run(s, name);
	if (r)
		goto out;
	if (tb_array_grow(s->runs, s->cap_runs, s->n_runs))
		goto out;
	r = calloc(1, sizeof *r);
	if (!r)
		goto out;
	r->name = strdup(name);
	if (!r->name) {
		free(r);
		r = NULL;
		goto out;
	}
	rwlock_init_writer_pref(&r->lock);
	s->runs[s->n_runs++] = r;
	s->version++;
out:
	tb_store_unlock(s);
	return r;
}

void tb_store_remove_run(tb_store *s, const char *name)
{
	tb_store_wrlock(s);
	for (size_t i = 0; i < s->n_runs; i++) {
		if (strcmp(s->runs[i]->name, name))
			continue;
		run_free(s->runs[i], &s->opts);
		memmove(&s->runs[i], &s->runs[i + 1], (s->n_runs - i - 1) * sizeof *s->runs);
		s->n_runs--;
		s->version++;
		break;
	}
	tb_store_unlock(s);
}

struct run_key {
	tb_run *run;
	bool has_start;
	double start;
};

static int run_order(const void *a, const void *b)
{
	const struct run_key *x = a, *y = b;
	if (x->has_start != y->has_start)
		return x->has_start ? -1 : 1;
	if (x->has_start && x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return strcmp(x->run->name, y->run->name);
}

int tb_store_sorted_runs(tb_store *s, tb_run **out)
{
	if (!s->n_runs)
		return 0;
	struct run_key *keys = malloc(s->n_runs * sizeof *keys);
	if (!keys)
		return -ENOMEM;
	/* snapshot start times under each run's lock: loaders write them */
	for (size_t i = 0; i < s->n_runs; i++) {
		tb_run *r = s->runs[i];
		tb_run_rdlock(r);
		keys[i] = (struct run_key){ r, r->has_start, r->start_time };
		tb_run_unlock(r);
	}
	qsort(keys, s->n_runs, sizeof *keys, run_order);
	for (size_t i = 0; i < s->n_runs; i++)
		out[i] = keys[i].run;
	free(keys);
	return 0;
}

void tb_store_compact(tb_store *s)
{
	tb_store_rdlock(s);
	for (size_t i = 0; i < s->n_runs; i++) {
		tb_run *r = s->runs[i];
		tb_run_wrlock(r);
		for (size_t k = 0; k < r->n_series; k++) {
			tb_series *se = r->series[k];
			if (se->cap > se->n)
				columns_resize(se, se->n);
		}
		tb_run_unlock(r);
	}
	tb_store_unlock(s);
}
