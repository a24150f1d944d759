/*
 * vec.h - the one growable array: TB_VEC(T) declares { T *v; size_t n, cap; },
 * and tb_array_grow() grows an array kept in separate fields the same way.
 *
 * tb_vec_push() appends a copy of x, growing the array by doubling
 * (starting at 8 elements); it returns 0, or -ENOMEM and leaves the vector
 * as it was. tb_vec_grow() makes room for extra more elements. The vector
 * owns v; tb_vec_release() frees it (not what the elements point to) and
 * leaves an empty vector. A zeroed vector is empty and ready to use.
 */
#ifndef TB_VEC_H
#define TB_VEC_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define TB_VEC(T) struct { T *v; size_t n, cap; }

/* *v grown to room for n + extra elements of size bytes: the new array,
 * or v itself (and *cap unchanged) when that fails. */
static inline void *tb__vec_grow(void *v, size_t *cap, size_t n, size_t extra, size_t size)
{
	if (extra <= *cap - n)
		return v;
	if (extra > SIZE_MAX / size - n)
		return v;
	size_t want = n + extra, c = *cap ? *cap : 8;
	while (c < want)
		c = c > SIZE_MAX / size / 2 ? want : c * 2;
	void *p = realloc(v, c * size);
	if (!p)
		return v;
	*cap = c;
	return p;
}

#define tb_vec_grow(vec, extra) \
	((vec)->v = tb__vec_grow((vec)->v, &(vec)->cap, (vec)->n, (extra), sizeof *(vec)->v), \
	 (vec)->cap - (vec)->n >= (size_t)(extra) ? 0 : -ENOMEM)

#define tb_vec_push(vec, x) \
	(tb_vec_grow((vec), 1) ? -ENOMEM : ((vec)->v[(vec)->n++] = (x), 0))

/* The same for an array kept in separate fields (arr, n, cap): room for
 * one more element at arr[n]. 0 or -ENOMEM (arr and cap unchanged). */
#define tb_array_grow(arr, cap, n) \
	((arr) = tb__vec_grow((arr), &(cap), (n), 1, sizeof *(arr)), (cap) > (n) ? 0 : -ENOMEM)

#define tb_vec_release(vec) \
	do { free((vec)->v); (vec)->v = NULL; (vec)->n = (vec)->cap = 0; } while (0)

#endif
