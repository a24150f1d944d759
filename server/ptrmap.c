/*
 * ptrmap.c - pointer-keyed open-addressing map (see ptrmap.h).
 */
#include "ptrmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t home(const tb_ptrmap *m, const void *key)
{
	uint64_t h = (uint64_t)(uintptr_t)key;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (size_t)h & (m->cap - 1);
}

static void *val_at(const tb_ptrmap *m, size_t i)
{
	return m->vals + i * m->vsize;
}

static size_t find(const tb_ptrmap *m, const void *key)
{
	size_t i = home(m, key);
	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

void *tb_ptrmap_get(const tb_ptrmap *m, const void *key)
{
	if (!m->cap)
		return NULL;
	size_t i = find(m, key);
	return m->keys[i] ? val_at(m, i) : NULL;
}

static int rehash(tb_ptrmap *m, size_t cap)
{
	tb_ptrmap g = { calloc(cap, sizeof *g.keys), calloc(cap, m->vsize), m->vsize, m->n, cap };
	if (!g.keys || !g.vals) {
		free(g.keys);
		free(g.vals);
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = find(&g, m->keys[i]);
		g.keys[j] = m->keys[i];
		memcpy(val_at(&g, j), val_at(m, i), m->vsize);
	}
	free(m->keys);
	free(m->vals);
	*m = g;
	return 0;
}

void *tb_ptrmap_put(tb_ptrmap *m, const void *key)
{
	if ((m->n + 1) * 2 > m->cap && rehash(m, m->cap ? m->cap * 2 : 16))
		return NULL;
	size_t i = find(m, key);
	if (!m->keys[i]) {
		m->keys[i] = key;
		memset(val_at(m, i), 0, m->vsize);
		m->n++;
	}
	return val_at(m, i);
}

bool tb_ptrmap_del(tb_ptrmap *m, const void *key, void *out)
{
	if (!m->cap)
		return false;
	size_t i = find(m, key), mask = m->cap - 1;
	if (!m->keys[i])
		return false;
	if (out)
		memcpy(out, val_at(m, i), m->vsize);
	/* backward shift: pull later entries of the probe run into the hole
	 * unless their home lies cyclically in (hole, j] */
	for (size_t j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
		size_t h = home(m, m->keys[j]);
		bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
		if (stays)
			continue;
		m->keys[i] = m->keys[j];
		memcpy(val_at(m, i), val_at(m, j), m->vsize);
		i = j;
	}
	m->keys[i] = NULL;
	m->n--;
	return true;
}

void tb_ptrmap_release(tb_ptrmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->n = m->cap = 0;
}
