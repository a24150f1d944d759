/*
 * cache.c - shared response bodies per series version (see cache.h).
 */
#include "cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tblimits.h"

#define STRIPES 64

static pthread_mutex_t stripes[STRIPES] = {
#define M PTHREAD_MUTEX_INITIALIZER
	M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
#undef M
};
static atomic_size_t cached_bytes;

static pthread_mutex_t *stripe_of(const void *p)
{
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

tb_body *tb_cache_get(tb_series *se, int slot)
{
	pthread_mutex_t *m = stripe_of(se);
	pthread_mutex_lock(m);
	tb_body *b = se->cache[slot];
	if (b && b->version == se->version)
		tb_body_ref(b);
	else
		b = NULL;
	pthread_mutex_unlock(m);
	return b;
}

void tb_cache_put(tb_series *se, int slot, tb_body *b)
{
	pthread_mutex_t *m = stripe_of(se);
	pthread_mutex_lock(m);
	tb_body *old = se->cache[slot];
	size_t now = atomic_load(&cached_bytes) - (old ? old->len : 0);
	/* Keep a body only when its version was asked for before: a series
	 * that grows between every two reads (a live run) would only churn the
	 * cache and hold a stale copy of itself. */
	bool again = se->cache_seen[slot] == b->version + 1;
	se->cache_seen[slot] = b->version + 1;
	if (again && now + b->len <= TB_CACHE_MAX_BYTES) {
		tb_body_ref(b);
		se->cache[slot] = b;
		atomic_fetch_add(&cached_bytes, b->len);
		if (old) {
			atomic_fetch_sub(&cached_bytes, old->len);
			tb_body_unref(old);
		}
	}
	pthread_mutex_unlock(m);
}

void tb_cache_drop(void *slots[TB_CACHE_SLOTS])
{
	for (int i = 0; i < TB_CACHE_SLOTS; i++) {
		tb_body *b = slots[i];
		if (b) {
			atomic_fetch_sub(&cached_bytes, b->len);
			tb_body_unref(b);
			slots[i] = NULL;
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
