/*
 * wandb_writer.h - writes .wandb logs the way the W&B SDK does, for tests
 * and the benchmark: protobuf Records (the few fields tbserve reads) framed
 * in 32 KiB blocks with FULL/FIRST/MIDDLE/LAST chunks and zlib CRC-32
 * (tests/data/wandb/FORMAT.md §2). Header-only; every function appends to a
 * tb_buf.
 */
#ifndef TB_WANDB_WRITER_H
#define TB_WANDB_WRITER_H

#include <stdint.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"

static inline void ww_varint(tb_buf *b, uint64_t v)
{
	while (v >= 0x80) {
		tb_buf_putc(b, (char)(v | 0x80));
		v >>= 7;
	}
	tb_buf_putc(b, (char)v);
}

static inline void ww_bytes(tb_buf *b, uint32_t field, const void *p, size_t n)
{
	ww_varint(b, (uint64_t)field << 3 | 2);
	ww_varint(b, n);
	tb_buf_append(b, p, n);
}

static inline void ww_str(tb_buf *b, uint32_t field, const char *s)
{
	ww_bytes(b, field, s, strlen(s));
}

static inline void ww_uint(tb_buf *b, uint32_t field, uint64_t v)
{
	ww_varint(b, (uint64_t)field << 3);
	ww_varint(b, v);
}

/* An item {1 key, 16 value_json} appended to msg as field `field`. */
static inline void ww_item(tb_buf *msg, uint32_t field, const char *key, const char *json)
{
	tb_buf it = TB_BUF_INIT;
	ww_str(&it, 1, key);
	ww_str(&it, 16, json);
	ww_bytes(msg, field, it.data, it.len);
	tb_buf_release(&it);
}

/* Record {field: inner}. */
static inline void ww_record(tb_buf *rec, uint32_t field, const tb_buf *inner)
{
	ww_bytes(rec, field, inner->data ? inner->data : "", inner->len);
}

static inline void ww_file_header(tb_buf *out)
{
	tb_buf_append(out, ":W&B\xE1\xBE\x00", 7);
}

static inline void ww_chunk(tb_buf *out, int type, const void *p, size_t n)
{
	unsigned char t = (unsigned char)type, h[7];
	uint32_t crc = (uint32_t)crc32(crc32(0, &t, 1), p, (uInt)n);
	for (int i = 0; i < 4; i++)
		h[i] = (unsigned char)(crc >> (8 * i));
	h[4] = (unsigned char)n;
	h[5] = (unsigned char)(n >> 8);
	h[6] = t;
	tb_buf_append(out, h, 7);
	tb_buf_append(out, p, n);
}

/* One record framed as the writer does; base + out->len is the file
 * offset (base: bytes already flushed from out). */
static inline void ww_frame_at(tb_buf *out, uint64_t base, const void *rec, size_t n)
{
	const unsigned char *p = rec;
	int first = 1;
	for (;;) {
		size_t left = 32768 - (size_t)((base + out->len) % 32768);
		if (left < 7) {
			static const char zero[7];
			tb_buf_append(out, zero, left);
			continue;
		}
		size_t room = left - 7, take = n < room ? n : room;
		int last = take == n;
		int type = first && last ? 1 : first ? 2 : last ? 4 : 3;
		ww_chunk(out, type, p, take);
		p += take;
		n -= take;
		first = 0;
		if (last)
			return;
	}
}

static inline void ww_frame(tb_buf *out, const void *rec, size_t n)
{
	ww_frame_at(out, 0, rec, n);
}

/* A history row: {key: json} items plus _step and _timestamp. */
static inline void ww_history(tb_buf *out, int64_t step, double ts, const char *const *keys,
			      const char *const *jsons, size_t n)
{
	tb_buf h = TB_BUF_INIT, rec = TB_BUF_INIT;
	char num[64];
	for (size_t i = 0; i < n; i++)
		ww_item(&h, 1, keys[i], jsons[i]);
	snprintf(num, sizeof num, "%lld", (long long)step);
	ww_item(&h, 1, "_step", num);
	snprintf(num, sizeof num, "%.17g", ts);
	ww_item(&h, 1, "_timestamp", num);
	ww_record(&rec, 2, &h);
	ww_frame(out, rec.data, rec.len);
	tb_buf_release(&h);
	tb_buf_release(&rec);
}

#endif
