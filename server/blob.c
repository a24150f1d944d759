/*
 * blob.c - blob points read back from their event files (see blob.h).
 */
#include "blob.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "record.h"
#include "source.h"
#include "tblimits.h"

static atomic_size_t in_flight;

/* ---- wire format ---------------------------------------------------------- */

static int varint(const unsigned char **pp, const unsigned char *end, uint64_t *out)
{
	uint64_t v = 0;
	const unsigned char *p = *pp;
	for (int shift = 0; shift < 64 && p < end; shift += 7) {
		v |= (uint64_t)(*p & 0x7f) << shift;
		if (!(*p++ & 0x80)) {
			*pp = p;
			*out = v;
			return 0;
		}
	}
	return -EINVAL;
}

/* Skip the value of a field of wire type wt; a length-delimited body is
 * returned in *body / *blen. */
static int skip(const unsigned char **pp, const unsigned char *end, unsigned wt,
		const unsigned char **body, size_t *blen)
{
	uint64_t v;
	switch (wt) {
	case 0:
		return varint(pp, end, &v);
	case 1:
		if (end - *pp < 8)
			return -EINVAL;
		*pp += 8;
		return 0;
	case 5:
		if (end - *pp < 4)
			return -EINVAL;
		*pp += 4;
		return 0;
	case 2:
		if (varint(pp, end, &v) || v > (uint64_t)(end - *pp))
			return -EINVAL;
		*body = *pp;
		*blen = (size_t)v;
		*pp += v;
		return 0;
	default:
		return -EINVAL; /* groups: no TensorBoard message has them */
	}
}

int tb_pb_find(const unsigned char *p, size_t len, uint32_t field, size_t n,
	       size_t *off, size_t *flen)
{
	const unsigned char *start = p, *end = p + len;
	size_t seen = 0;
	int found = -ENOENT;
	while (p < end) {
		uint64_t key;
		const unsigned char *body = NULL;
		size_t blen = 0;
		if (varint(&p, end, &key) || skip(&p, end, key & 7, &body, &blen))
			return -EINVAL;
		if (key >> 3 != field || (key & 7) != 2)
			continue;
		if (n == SIZE_MAX || seen == n) {
			*off = (size_t)(body - start);
			*flen = blen;
			found = 0;
			if (n != SIZE_MAX)
				return 0;
		}
		seen++;
	}
	return found;
}

int tb_pb_varint(const unsigned char *p, size_t len, uint32_t field, uint64_t *out)
{
	const unsigned char *end = p + len;
	while (p < end) {
		uint64_t key;
		const unsigned char *body;
		size_t blen;
		if (varint(&p, end, &key))
			return -EINVAL;
		if (key >> 3 == field && (key & 7) == 0)
			return varint(&p, end, out);
		if (skip(&p, end, key & 7, &body, &blen))
			return -EINVAL;
	}
	return -ENOENT;
}

/* Where value elem of an Event lies (the serialized value: tensor, image
 * or audio message by type, or a raw graph field), as protobuf-c decoded it
 * at ingest: the last occurrence of a singular field wins, the Summary's
 * values count across every occurrence of Event.summary. */
static int locate(const unsigned char *p, size_t n, const tb_blob *b, size_t *off, size_t *len)
{
	size_t o, l;
	if (b->elem == TB_BLOB_ELEM_GRAPH_DEF)
		return tb_pb_find(p, n, 4, SIZE_MAX, off, len);
	if (b->elem == TB_BLOB_ELEM_RUN_METADATA) {
		int rc = tb_pb_find(p, n, 8, SIZE_MAX, &o, &l);
		if (rc || (rc = tb_pb_find(p + o, l, 2, SIZE_MAX, off, len)))
			return rc;
		*off += o;
		return 0;
	}
	uint32_t field = b->type == TB_BLOB_TENSOR ? 8 : b->type == TB_BLOB_IMAGE ? 4 :
			 b->type == TB_BLOB_AUDIO ? 6 : 0;
	if (!field)
		return -EINVAL;
	size_t want = b->elem;
	for (size_t k = 0; tb_pb_find(p, n, 5, k, &o, &l) == 0; k++) {
		size_t vo, vl;
		for (size_t j = 0; tb_pb_find(p + o, l, 1, j, &vo, &vl) == 0; j++) {
			if (want--)
				continue;
			int rc = tb_pb_find(p + o + vo, vl, field, SIZE_MAX, off, len);
			if (rc == 0)
				*off += o + vo;
			return rc;
		}
	}
	return -ENOENT;
}

/* ---- reading back --------------------------------------------------------- */

static int read_exact(tb_source *src, tb_source_file *sf, unsigned char *buf, size_t n,
		      uint64_t at)
{
	while (n) {
		ssize_t k = tb_source_read(sf, buf, n, at);
		if (k < 0)
			return -EIO;
		/* no bytes: shorter than indexed (truncated), or an object
		 * store that failed to answer (its status says so) */
		if (k == 0) {
			char msg[8];
			return tb_source_remote(src) && tb_source_status(src, msg, sizeof msg) ?
				       -EREMOTEIO : -ENOENT;
		}
		buf += k;
		n -= (size_t)k;
		at += (uint64_t)k;
	}
	return 0;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int read_place(const tb_blob_file *f, const tb_blob *b, unsigned char **data,
		      size_t *len);

int tb_blob_read(const tb_run *r, const tb_blob *b, unsigned char **data, size_t *len)
{
	if (b->file == TB_BLOB_NO_FILE) {
		unsigned char *copy = malloc(b->len + 1);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, b->data, b->len);
		copy[b->len] = '\0';
		*data = copy;
		*len = b->len;
		return 0;
	}
	if (b->file >= r->n_blob_files)
		return -ENOENT;
	return read_place(&r->blob_files[b->file], b, data, len);
}

int tb_blob_place_get(const tb_run *r, const tb_blob *b, tb_blob_place *p)
{
	memset(p, 0, sizeof *p);
	if (b->file == TB_BLOB_NO_FILE || b->file >= r->n_blob_files)
		return -ENOENT;
	p->blob = *b;
	p->file.src = r->blob_files[b->file].src;
	p->file.path = strdup(r->blob_files[b->file].path);
	return p->file.path ? 0 : -ENOMEM;
}

int tb_blob_place_read(const tb_blob_place *p, unsigned char **data, size_t *len)
{
	return read_place(&p->file, &p->blob, data, len);
}

void tb_blob_place_release(tb_blob_place *p)
{
	free(p->file.path);
	p->file.path = NULL;
}

size_t tb_blob_file_image_len(uint64_t size)
{
	size_t n = 2; /* the key byte and the last byte of the length */
	for (uint64_t v = size; v >= 0x80; v >>= 7)
		n++;
	return n + (size_t)size;
}

/* A whole-file blob (TB_BLOB_ELEM_FILE): the file must be exactly the
 * rec_len bytes indexed, with their CRC; answered as Summary.Image
 * {4: bytes}. */
static int read_file_image(tb_source_file *sf, tb_source *src, const tb_blob *b,
			   unsigned char **data, size_t *len)
{
	size_t head = tb_blob_file_image_len(b->rec_len) - b->rec_len;
	unsigned char *buf = malloc(head + (size_t)b->rec_len + 1);
	if (!buf)
		return -ENOMEM;
	unsigned char extra;
	int rc = read_exact(src, sf, buf + head, b->rec_len, 0);
	/* one more byte readable: the file grew or was replaced */
	if (!rc && tb_source_read(sf, &extra, 1, b->rec_len) != 0)
		rc = -ENOENT;
	if (!rc && tb_crc32c_mask(tb_crc32c(0, buf + head, b->rec_len)) != b->rec_crc)
		rc = -ENOENT;
	if (rc) {
		free(buf);
		return rc;
	}
	unsigned char *p = buf;
	*p++ = 4 << 3 | 2;
	uint64_t v = b->rec_len;
	for (; v >= 0x80; v >>= 7)
		*p++ = (unsigned char)(v | 0x80);
	*p++ = (unsigned char)v;
	buf[head + b->rec_len] = '\0';
	*data = buf;
	*len = head + b->rec_len;
	return 0;
}

/* A file blob b read back from f (see tb_blob_read). */
static int read_place(const tb_blob_file *f, const tb_blob *b, unsigned char **data, size_t *len)
{
	if (b->rec_len > TB_MAX_BLOB_READ)
		return -EFBIG;
	size_t need = TB_RECORD_HEADER_LEN + (size_t)b->rec_len + TB_RECORD_FOOTER_LEN;
	size_t was = atomic_fetch_add(&in_flight, need);
	if (was + need > TB_MAX_BLOB_BYTES_IN_FLIGHT && was) {
		atomic_fetch_sub(&in_flight, need);
		return -EBUSY;
	}
	tb_source_file *sf = NULL;
	unsigned char *buf = NULL;
	int rc = tb_source_open(f->src, f->path, &sf);
	if (rc) {
		rc = rc == -ENOMEM ? rc : -ENOENT;
		goto out;
	}
	if (b->elem == TB_BLOB_ELEM_FILE) {
		rc = read_file_image(sf, f->src, b, data, len);
		goto out;
	}
	/* header, payload and footer in one read (one GET from an object
	 * store, not two) */
	if (!(buf = malloc(need))) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = read_exact(f->src, sf, buf, need, b->offset)))
		goto out;
	const unsigned char *head = buf, *rec = buf + TB_RECORD_HEADER_LEN;
	uint64_t n = 0;
	for (int i = 7; i >= 0; i--)
		n = n << 8 | head[i];
	/* another record here, or none: the file was rewritten */
	if (n != b->rec_len || tb_crc32c_mask(tb_crc32c(0, head, 8)) != le32(head + 8)) {
		rc = -ENOENT;
		goto out;
	}
	uint32_t crc = tb_crc32c_mask(tb_crc32c(0, rec, b->rec_len));
	if (le32(rec + b->rec_len) != b->rec_crc || crc != b->rec_crc) {
		rc = -ENOENT;
		goto out;
	}
	size_t off, vlen;
	if (locate(rec, b->rec_len, b, &off, &vlen)) {
		rc = -EIO;
		goto out;
	}
	memmove(buf, rec + off, vlen);
	buf[vlen] = '\0';
	unsigned char *shrunk = vlen + 1 < need / 2 ? realloc(buf, vlen + 1) : NULL;
	*data = shrunk ? shrunk : buf;
	*len = vlen;
	buf = NULL;
out:
	free(buf);
	if (sf)
		tb_source_close(sf);
	atomic_fetch_sub(&in_flight, need);
	return rc;
}
