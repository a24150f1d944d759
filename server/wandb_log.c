/*
 * wandb_log.c - .wandb chunk framing (see wandb_log.h).
 *
 * The reader never rewinds: a partial record's chunks are copied into rec as
 * they arrive, so waiting for a growing file costs nothing per pass. Block
 * arithmetic uses absolute file offsets (blocks count from offset 0, the
 * file header included).
 */
#include "wandb_log.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "source.h"
#include "tblimits.h"

enum { FULL = 1, FIRST = 2, MIDDLE = 3, LAST = 4 };

static const unsigned char file_magic[TB_WANDB_HEADER_LEN] = { ':', 'W', '&', 'B', 0xE1, 0xBE, 0 };

void tb_wandb_log_init(tb_wandb_log *lg)
{
	memset(lg, 0, sizeof *lg);
}

void tb_wandb_log_release(tb_wandb_log *lg)
{
	free(lg->buf);
	free(lg->rec);
	tb_wandb_log_init(lg);
}

void tb_wandb_log_attach(tb_wandb_log *lg, tb_source_file *src)
{
	lg->src = src;
}

/* Between passes only the bytes of an unfinished chunk are kept: an idle
 * run costs no read buffer (a logdir may hold thousands of W&B runs). */
void tb_wandb_log_detach(tb_wandb_log *lg)
{
	lg->src = NULL;
	size_t keep = lg->len - lg->pos;
	if (!keep) {
		free(lg->buf);
		lg->buf = NULL;
		lg->base += lg->len;
		lg->pos = lg->len = lg->cap = 0;
	} else if (lg->cap > 2 * keep + 4096) {
		memmove(lg->buf, lg->buf + lg->pos, keep);
		unsigned char *p = realloc(lg->buf, keep);
		if (p) {
			lg->buf = p;
			lg->cap = keep;
		}
		lg->base += lg->pos;
		lg->len = keep;
		lg->pos = 0;
	}
	if (!lg->assembling && lg->rec_cap > TB_ARENA_KEEP) {
		free(lg->rec);
		lg->rec = NULL;
		lg->rec_cap = lg->rec_len = 0;
	}
}

int tb_wandb_log_open_mem(tb_wandb_log *lg, const void *data, size_t n)
{
	tb_wandb_log_init(lg);
	lg->mem = true;
	lg->buf = malloc(n ? n : 1);
	if (!lg->buf)
		return -ENOMEM;
	memcpy(lg->buf, data, n);
	lg->len = lg->cap = n;
	return 0;
}

static uint64_t abs_pos(const tb_wandb_log *lg)
{
	return lg->base + lg->pos;
}

/* Make at least need bytes available at pos (fewer at the end of the file).
 * Returns the bytes available, or a negative code. */
static ssize_t fill(tb_wandb_log *lg, size_t need)
{
	if (lg->len - lg->pos >= need || lg->mem)
		return (ssize_t)(lg->len - lg->pos);
	if (!lg->src)
		return (ssize_t)(lg->len - lg->pos);
	if (lg->pos) {
		memmove(lg->buf, lg->buf + lg->pos, lg->len - lg->pos);
		lg->base += lg->pos;
		lg->len -= lg->pos;
		lg->pos = 0;
	}
	size_t want = need > TB_READ_CHUNK ? need : TB_READ_CHUNK;
	if (lg->cap < want) {
		unsigned char *p = realloc(lg->buf, want);
		if (!p)
			return -ENOMEM;
		lg->buf = p;
		lg->cap = want;
	}
	while (lg->len < need) {
		ssize_t k = tb_source_read(lg->src, lg->buf + lg->len, lg->cap - lg->len,
					   lg->base + lg->len);
		if (k < 0)
			return k == -ENOMEM ? k : -EIO;
		if (k == 0)
			break;
		lg->len += (size_t)k;
	}
	return (ssize_t)lg->len;
}

/* Move to absolute offset to (forward), dropping buffered bytes before it. */
static void seek_to(tb_wandb_log *lg, uint64_t to)
{
	if (to <= lg->base + lg->len) {
		lg->pos = (size_t)(to - lg->base);
		return;
	}
	if (lg->mem) {
		lg->pos = lg->len;
		return;
	}
	lg->base = to;
	lg->pos = lg->len = 0;
}

static uint64_t block_end(uint64_t at)
{
	return (at / TB_WANDB_BLOCK + 1) * TB_WANDB_BLOCK;
}

/* Damage at the current chunk: drop any partial record, continue at the
 * next block. */
static int damage(tb_wandb_log *lg, int rc)
{
	uint64_t at = abs_pos(lg), to = block_end(at);
	lg->damage_at = at;
	lg->damaged++;
	lg->skipped += to - at;
	lg->assembling = false;
	lg->rec_len = 0;
	lg->resync = true;
	seek_to(lg, to);
	return rc;
}

static int rec_append(tb_wandb_log *lg, const unsigned char *p, size_t n)
{
	if (lg->rec_len + n > TB_WANDB_MAX_RECORD)
		return -EFBIG;
	if (lg->rec_len + n > lg->rec_cap) {
		size_t cap = lg->rec_cap ? lg->rec_cap : 4096;
		while (cap < lg->rec_len + n)
			cap *= 2;
		unsigned char *q = realloc(lg->rec, cap);
		if (!q)
			return -ENOMEM;
		lg->rec = q;
		lg->rec_cap = cap;
	}
	memcpy(lg->rec + lg->rec_len, p, n);
	lg->rec_len += n;
	return 0;
}

static int read_header(tb_wandb_log *lg)
{
	ssize_t got = fill(lg, TB_WANDB_HEADER_LEN);
	if (got < 0)
		return (int)got;
	if ((size_t)got < TB_WANDB_HEADER_LEN)
		return 0; /* empty or still being created */
	if (memcmp(lg->buf + lg->pos, file_magic, TB_WANDB_HEADER_LEN))
		return lg->error = -EPROTO;
	lg->pos += TB_WANDB_HEADER_LEN;
	lg->header_ok = true;
	lg->done = abs_pos(lg);
	return 1;
}

/* One chunk's payload joined to the record being built. 1 when a record is
 * complete, 0 to continue with the next chunk, negative for damage. */
static int take_chunk(tb_wandb_log *lg, int type, const unsigned char *p, size_t n,
		      uint64_t at, const unsigned char **rec, size_t *len)
{
	int rc;
	switch (type) {
	case FULL:
		lg->assembling = lg->resync = false;
		lg->rec_len = 0;
		*rec = p;
		*len = n;
		return 1;
	case FIRST:
		lg->resync = false;
		lg->rec_len = 0;
		lg->rec_start = at;
		lg->assembling = true;
		break;
	default: /* MIDDLE, LAST */
		if (!lg->assembling) {
			if (lg->resync)
				return 0; /* the tail of a record cut by earlier damage */
			return damage(lg, -EBADMSG);
		}
	}
	if ((rc = rec_append(lg, p, n))) {
		if (rc == -ENOMEM)
			return rc;
		return damage(lg, rc);
	}
	if (type != LAST)
		return 0;
	lg->assembling = false;
	*rec = lg->rec;
	*len = lg->rec_len;
	return 1;
}

int tb_wandb_log_next(tb_wandb_log *lg, const unsigned char **rec, size_t *len)
{
	if (lg->error)
		return lg->error;
	if (!lg->header_ok) {
		int rc = read_header(lg);
		if (rc <= 0)
			return rc;
	}
	for (;;) {
		uint64_t at = abs_pos(lg);
		size_t left = (size_t)(block_end(at) - at);
		ssize_t got = fill(lg, left < 7 ? left : 7);
		if (got < 0)
			return lg->error = (int)got;
		if (left < 7) { /* block trailer: zero filler */
			if ((size_t)got < left)
				return 0;
			lg->pos += left;
			continue;
		}
		if (got < 7)
			return 0;
		const unsigned char *h = lg->buf + lg->pos;
		uint32_t crc = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 |
			       (uint32_t)h[3] << 24;
		size_t n = (size_t)h[4] | (size_t)h[5] << 8;
		int type = h[6];
		if (!crc && !n && !type) { /* pre-zeroed space: next block */
			if ((size_t)fill(lg, left) < left)
				return 0;
			seek_to(lg, block_end(at));
			continue;
		}
		if (type < FULL || type > LAST || 7 + n > left)
			return damage(lg, -EBADMSG);
		if ((got = fill(lg, 7 + n)) < 0)
			return lg->error = (int)got;
		if ((size_t)got < 7 + n)
			return 0; /* payload not written yet */
		h = lg->buf + lg->pos;
		unsigned char t = (unsigned char)type;
		uint32_t c = (uint32_t)crc32(crc32(0, &t, 1), h + 7, (uInt)n);
		if (c != crc)
			return damage(lg, -EBADMSG);
		lg->pos += 7 + n;
		int rc = take_chunk(lg, type, h + 7, n, at, rec, len);
		if (rc == 1)
			lg->done = abs_pos(lg);
		if (rc)
			return rc;
	}
}

uint64_t tb_wandb_log_pending(const tb_wandb_log *lg)
{
	if (lg->mem)
		return lg->len - lg->done;
	uint64_t end = lg->base + lg->len;
	return end > lg->done ? end - lg->done : 0;
}
