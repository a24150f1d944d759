/*
 * arena.c - bump allocator (see arena.h). Blocks double in size; a reset
 * keeps the newest block if it is no larger than TB_ARENA_KEEP so the common
 * small event costs no allocation at all.
 */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>

#include "tblimits.h"

struct tb_arena_block {
	tb_arena_block *next;
	size_t size;
	_Alignas(16) char data[];
};

#define FIRST_BLOCK (64u * 1024)

static void *pb_alloc(void *data, size_t n)
{
	return tb_arena_alloc(data, n);
}

static void pb_free(void *data, void *p)
{
	(void)data;
	(void)p; /* freed wholesale by tb_arena_reset */
}

void tb_arena_init(tb_arena *a)
{
	a->head = NULL;
	a->ptr = a->end = NULL;
	a->total = 0;
	a->oom = 0;
	a->pb.alloc = pb_alloc;
	a->pb.free = pb_free;
	a->pb.allocator_data = a;
}

void *tb_arena_alloc(tb_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	if ((size_t)(a->end - a->ptr) < n || !a->ptr) {
		size_t size = a->head ? a->head->size * 2 : FIRST_BLOCK;
		while (size < n)
			size *= 2;
		tb_arena_block *b = malloc(sizeof *b + size);
		if (!b) {
			a->oom = 1;
			return NULL;
		}
		b->next = a->head;
		b->size = size;
		a->head = b;
		a->ptr = b->data;
		a->end = b->data + size;
		a->total += size;
	}
	void *p = a->ptr;
	a->ptr += n;
	return p;
}

void tb_arena_reset(tb_arena *a)
{
	tb_arena_block *keep = a->head;
	if (keep && keep->size > TB_ARENA_KEEP)
		keep = NULL;
	tb_arena_block *b = a->head;
	while (b) {
		tb_arena_block *next = b->next;
		if (b != keep)
			free(b);
		b = next;
	}
	a->head = keep;
	a->total = keep ? keep->size : 0;
	if (keep) {
		keep->next = NULL;
		a->ptr = keep->data;
		a->end = keep->data + keep->size;
	} else {
		a->ptr = a->end = NULL;
	}
	a->oom = 0;
}

void tb_arena_release(tb_arena *a)
{
	tb_arena_block *b = a->head;
	while (b) {
		tb_arena_block *next = b->next;
		free(b);
		b = next;
	}
	tb_arena_init(a);
}
