/*
 * blob.h - reading a blob point back from its event file (the blob index).
 *
 * A blob point kept as a place (store.h's tb_blob: file, record offset,
 * payload length and masked CRC, value index) is read here: the record is
 * read through the logdir's source (local files and s3:// alike), its
 * length and CRC are checked against what was indexed, and the value's
 * serialized bytes are cut out of the Event in place (a hand walk of the
 * protobuf wire format: one buffer, no decode copy, so a 200 MB clip is
 * held once). Bytes of all reads in progress are bounded by
 * TB_MAX_BLOB_BYTES_IN_FLIGHT.
 *
 * Also the small wire-format helpers the handlers use to find one field of
 * a value (Summary.Image's encoded bytes, a string tensor's n-th element)
 * without decoding the rest.
 */
#ifndef TB_BLOB_H
#define TB_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* The bytes of b (a point of a series of run r; the run's lock held), as a
 * malloc'd buffer the caller frees (at least *len + 1 bytes). 0; -ENOENT:
 * the file is gone, shorter, or holds other bytes at that place; -EIO: a
 * read error or a record whose value is not where it was; -EREMOTEIO: the
 * object store (s3://) did not answer (the source's status says why); -EFBIG: over
 * TB_MAX_BLOB_READ; -EBUSY: too many blob bytes being read at once;
 * -ENOMEM. */
int tb_blob_read(const tb_run *r, const tb_blob *b, unsigned char **data, size_t *len);

/* A file blob's place copied out of the store, so a large blob can be read
 * after the view's locks are released (a 200 MB clip from S3 must not hold
 * the run's lock meanwhile). get: run lock held; -ENOENT for an inline
 * blob (read those with tb_blob_read under the lock), -ENOMEM. read: as
 * tb_blob_read, no lock needed (the source outlives the store's use). */
typedef struct tb_blob_place {
	tb_blob_file file;     /* path owned by the place */
	tb_blob blob;          /* the fixed part (last: tb_blob ends in data[]) */
} tb_blob_place;

int tb_blob_place_get(const tb_run *r, const tb_blob *b, tb_blob_place *p);
int tb_blob_place_read(const tb_blob_place *p, unsigned char **data, size_t *len);
void tb_blob_place_release(tb_blob_place *p);

/* Bytes a whole-file image blob of size bytes reads back as (a Summary.Image
 * holding them): its tb_blob.len. */
size_t tb_blob_file_image_len(uint64_t size);

/* The n-th (0-based) occurrence of length-delimited field `field` in the
 * message p[0..len), or the last one when n is SIZE_MAX: its body's offset
 * and length. 0, -ENOENT (absent) or -EINVAL (not valid wire format). */
int tb_pb_find(const unsigned char *p, size_t len, uint32_t field, size_t n,
	       size_t *off, size_t *flen);

/* The first varint field `field` of p[0..len); -ENOENT when absent. */
int tb_pb_varint(const unsigned char *p, size_t len, uint32_t field, uint64_t *out);

#endif
