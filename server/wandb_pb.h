/*
 * wandb_pb.h - a bounds-checked protobuf wire-format cursor.
 *
 * W&B records are read field by field with this instead of generated
 * protobuf-c code: a viewer needs some forty fields of a schema with
 * hundreds, history rows hold millions of small items that need no
 * allocation each, and every unknown field (newer SDKs add them) is simply
 * skipped. Every length is checked against what is left of its message
 * before it is used; a malformed message ends the walk with -1.
 *
 * Ownership: fields point into the caller's buffer; nothing is allocated.
 */
#ifndef TB_WANDB_PB_H
#define TB_WANDB_PB_H

#include <stddef.h>
#include <stdint.h>

enum { TB_PB_VARINT = 0, TB_PB_I64 = 1, TB_PB_LEN = 2, TB_PB_I32 = 5 };

typedef struct tb_pb {
	const unsigned char *p, *end;
} tb_pb;

typedef struct tb_pb_field {
	uint32_t num;
	int wire;
	uint64_t v;                  /* VARINT, I64, I32 */
	const unsigned char *data;   /* LEN */
	size_t len;
} tb_pb_field;

static inline int tb_pb_varint(tb_pb *c, uint64_t *out)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (c->p >= c->end)
			return -1;
		unsigned char b = *c->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* Next field: 1, 0 at the end of the message, -1 when malformed. */
static inline int tb_pb_next(tb_pb *c, tb_pb_field *f)
{
	if (c->p >= c->end)
		return 0;
	uint64_t tag;
	if (tb_pb_varint(c, &tag) || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff)
		return -1;
	f->num = (uint32_t)(tag >> 3);
	f->wire = (int)(tag & 7);
	f->data = NULL;
	f->len = 0;
	f->v = 0;
	switch (f->wire) {
	case TB_PB_VARINT:
		return tb_pb_varint(c, &f->v) ? -1 : 1;
	case TB_PB_I64:
	case TB_PB_I32: {
		size_t n = f->wire == TB_PB_I64 ? 8 : 4;
		if ((size_t)(c->end - c->p) < n)
			return -1;
		for (size_t i = 0; i < n; i++)
			f->v |= (uint64_t)c->p[i] << (8 * i);
		c->p += n;
		return 1;
	}
	case TB_PB_LEN: {
		uint64_t n;
		if (tb_pb_varint(c, &n) || n > (uint64_t)(c->end - c->p))
			return -1;
		f->data = c->p;
		f->len = (size_t)n;
		c->p += n;
		return 1;
	}
	default: /* groups (3, 4) are not used by W&B */
		return -1;
	}
}

/* The embedded message of a LEN field. */
static inline tb_pb tb_pb_sub(const tb_pb_field *f)
{
	tb_pb c = { f->data, f->data + f->len };
	return c;
}

/* First varint field num of a message: 1 found, 0 absent, -1 malformed. */
static inline int tb_pb_find_varint(tb_pb c, uint32_t num, uint64_t *out)
{
	tb_pb_field f;
	int rc;
	while ((rc = tb_pb_next(&c, &f)) > 0)
		if (f.num == num && f.wire == TB_PB_VARINT) {
			*out = f.v;
			return 1;
		}
	return rc;
}

/* First LEN field num of a message. */
static inline int tb_pb_find_bytes(tb_pb c, uint32_t num, const unsigned char **p, size_t *n)
{
	tb_pb_field f;
	int rc;
	while ((rc = tb_pb_next(&c, &f)) > 0)
		if (f.num == num && f.wire == TB_PB_LEN) {
			*p = f.data;
			*n = f.len;
			return 1;
		}
	return rc;
}

#endif
