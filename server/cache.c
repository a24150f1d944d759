/*
 * cache.c - shared response bodies per series version (see cache.h).
 */
#include "cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ptrmap.h"
#include "tblimits.h"

/* What the cache keeps about one series, in its stripe's map. */
struct slots {
	tb_body *body[TB_CACHE_SLOTS];
	uint64_t seen[TB_CACHE_SLOTS];  /* version + 1 last asked for */
};

#define STRIPES 64

/* One lock and one map per stripe of series addresses: handlers reading
 * different series rarely wait for each other. */
static struct stripe {
	pthread_mutex_t lock;
	tb_ptrmap map;
} stripes[STRIPES];
static pthread_once_t stripes_once = PTHREAD_ONCE_INIT;
static atomic_size_t cached_bytes;

static void stripes_init(void)
{
	for (int i = 0; i < STRIPES; i++) {
		pthread_mutex_init(&stripes[i].lock, NULL);
		stripes[i].map = (tb_ptrmap)TB_PTRMAP_INIT(sizeof(struct slots));
	}
}

static struct stripe *stripe_of(const void *p)
{
	pthread_once(&stripes_once, stripes_init);
	uintptr_t h = (uintptr_t)p;
	h ^= h >> 17;
	h *= 0x9e3779b97f4a7c15ull;
	return &stripes[(h >> 32) % STRIPES];
}

tb_body *tb_body_new(const void *data, size_t len, uint64_t version)
{
	tb_body *b = malloc(sizeof *b + (len ? len : 1));
	if (!b)
		return NULL;
	atomic_init(&b->refs, 1);
	b->version = version;
	b->len = len;
	if (len)
		memcpy(b->data, data, len);
	return b;
}

void tb_body_ref(tb_body *b)
{
	atomic_fetch_add(&b->refs, 1);
}

void tb_body_unref(tb_body *b)
{
	if (b && atomic_fetch_sub(&b->refs, 1) == 1)
		free(b);
}

tb_body *tb_body_of(void *data)
{
	return (tb_body *)((char *)data - offsetof(tb_body, data));
}

tb_body *tb_cache_get(const tb_series *se, int slot)
{
	struct stripe *st = stripe_of(se);
	pthread_mutex_lock(&st->lock);
	struct slots *x = tb_ptrmap_get(&st->map, se);
	tb_body *b = x ? x->body[slot] : NULL;
	if (b && b->version == se->version)
		tb_body_ref(b);
	else
		b = NULL;
	pthread_mutex_unlock(&st->lock);
	return b;
}

void tb_cache_put(const tb_series *se, int slot, tb_body *b)
{
	struct stripe *st = stripe_of(se);
	pthread_mutex_lock(&st->lock);
	struct slots *x = tb_ptrmap_put(&st->map, se);
	if (!x) {
		pthread_mutex_unlock(&st->lock);
		return;
	}
	tb_body *old = x->body[slot];
	size_t now = atomic_load(&cached_bytes) - (old ? old->len : 0);
	/* Keep a body only when its version was asked for before: a series
	 * that grows between every two reads (a live run) would only churn the
	 * cache and hold a stale copy of itself. */
	bool again = x->seen[slot] == b->version + 1;
	x->seen[slot] = b->version + 1;
	if (again && now + b->len <= TB_CACHE_MAX_BYTES) {
		tb_body_ref(b);
		x->body[slot] = b;
		atomic_fetch_add(&cached_bytes, b->len);
		if (old) {
			atomic_fetch_sub(&cached_bytes, old->len);
			tb_body_unref(old);
		}
	}
	pthread_mutex_unlock(&st->lock);
}

void tb_cache_forget(const tb_series *se)
{
	struct stripe *st = stripe_of(se);
	struct slots x;
	pthread_mutex_lock(&st->lock);
	bool had = tb_ptrmap_del(&st->map, se, &x);
	pthread_mutex_unlock(&st->lock);
	for (int i = 0; had && i < TB_CACHE_SLOTS; i++) {
		if (x.body[i]) {
			atomic_fetch_sub(&cached_bytes, x.body[i]->len);
			tb_body_unref(x.body[i]);
		}
	}
}

size_t tb_cache_bytes(void)
{
	return atomic_load(&cached_bytes);
}

int tb_gzip(const void *data, size_t n, tb_buf *out)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	size_t bound = deflateBound(&z, (uLong)n);
	if (tb_buf_grow(out, bound)) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out->data + out->len;
	z.avail_out = (uInt)bound;
	int rc = deflate(&z, Z_FINISH);
	out->len += bound - z.avail_out;
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -ENOMEM;
}
