/*
 * hash.h - FNV-1a over bytes, for the open-addressing name indexes (a run's
 * tags in store.c, a loader's runs in loader.c). Not for untrusted keys
 * where collisions could be chosen to cost more than a linear scan would.
 */
#ifndef TB_HASH_H
#define TB_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t tb_hash_bytes(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h;
}

#endif
