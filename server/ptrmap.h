/*
 * ptrmap.h - a map from a pointer to a small fixed-size value, for the
 * side tables other modules keep about store objects (cache.c's bodies
 * per series, live.c's last announcement per series) so that the store's
 * structs hold store data only.
 *
 * Open addressing with linear probing and backward-shift deletion; grows at
 * half full. Not thread-safe: the owner locks. Value pointers returned by
 * get/put are valid until the next put or del.
 *
 * Ownership: the map owns its arrays; values are copied in and out by
 * value, and whatever they point to stays the owner's business.
 */
#ifndef TB_PTRMAP_H
#define TB_PTRMAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct tb_ptrmap {
	const void **keys;      /* NULL = empty slot */
	unsigned char *vals;    /* cap values of vsize bytes */
	size_t vsize, n, cap;   /* cap: 0 or a power of two */
} tb_ptrmap;

#define TB_PTRMAP_INIT(vsize) { NULL, NULL, (vsize), 0, 0 }

/* The value of key, or NULL. */
void *tb_ptrmap_get(const tb_ptrmap *m, const void *key);
/* The value of key, added zeroed when new; NULL on OOM (map unchanged). */
void *tb_ptrmap_put(tb_ptrmap *m, const void *key);
/* Remove key, copying its value to out (when out is not NULL); false when
 * it was absent. */
bool tb_ptrmap_del(tb_ptrmap *m, const void *key, void *out);
void tb_ptrmap_release(tb_ptrmap *m);

#endif
