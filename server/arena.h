/*
 * arena.h - bump allocator for decoding one event at a time.
 *
 * protobuf-c allocates every sub-message, string and repeated field of an
 * Event; with an arena those are pointer bumps and one reset per event
 * instead of dozens of malloc/free calls. Nothing allocated from an arena
 * may outlive the next tb_arena_reset().
 *
 * Ownership: the arena owns its blocks; tb_arena_release() frees them all.
 */
#ifndef TB_ARENA_H
#define TB_ARENA_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

typedef struct tb_arena_block tb_arena_block;

typedef struct tb_arena {
	tb_arena_block *head;   /* current block; older ones linked behind it */
	char *ptr, *end;
	size_t total;           /* bytes held in all blocks */
	int oom;                /* an allocation failed since the last reset */
	ProtobufCAllocator pb;  /* protobuf-c view of this arena */
} tb_arena;

void tb_arena_init(tb_arena *a);
void *tb_arena_alloc(tb_arena *a, size_t n);  /* 16-byte aligned; NULL on OOM */
void tb_arena_reset(tb_arena *a);             /* keeps up to TB_ARENA_KEEP bytes */
void tb_arena_release(tb_arena *a);

#endif
