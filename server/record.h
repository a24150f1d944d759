/*
 * record.h - incremental, resumable TFRecord reader.
 *
 * A TFRecord file is records back to back: u64 length, u32 masked CRC32C of
 * the length bytes, payload, u32 masked CRC32C of the payload. The reader
 * owns one open file and a buffer; it hands out one payload at a time.
 *
 * Invariant: "not enough bytes yet" is never an error. A partial record at
 * the end of the file makes tb_record_next() return 0 and keeps the bytes
 * read so far; a later call reads again and continues once the writer has
 * appended the rest. A bad CRC or an absurd length is an error that sticks:
 * the reader stops at that record, and everything before it was delivered.
 *
 * Ownership: the reader owns its fd and buffer (tb_record_close frees both).
 * A payload pointer is borrowed and valid until the next tb_record_next().
 */
#ifndef TB_RECORD_H
#define TB_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Framing around a payload: u64 length + u32 CRC before, u32 CRC after. */
#define TB_RECORD_HEADER_LEN 12
#define TB_RECORD_FOOTER_LEN 4
#define TB_RECORD_FRAMING (TB_RECORD_HEADER_LEN + TB_RECORD_FOOTER_LEN)

struct tb_source_file;

typedef struct tb_record_reader {
	int fd;
	struct tb_source_file *src; /* instead of fd: a file of a source (S3) */
	uint64_t file_pos;      /* file offset just past the buffered bytes */
	unsigned char *buf;
	size_t buf_pos;         /* first unconsumed byte */
	size_t buf_len;         /* bytes held */
	size_t buf_cap;
	int error;              /* sticky: 0 or a negative errno code */
	int verify_payload_crc; /* 1 unless a benchmark turns it off */
} tb_record_reader;

/* Open path and position the reader at byte offset (0 for a new file).
 * Returns 0 or a negative errno code (nothing to release then). */
int tb_record_open(tb_record_reader *r, const char *path, uint64_t offset);

/* Read a file opened through a file source (source.h), from offset; the
 * reader takes ownership of f. */
int tb_record_open_source(tb_record_reader *r, struct tb_source_file *f, uint64_t offset);

/* Read from a byte buffer instead of a file (tests, fuzzing); the data is
 * copied. Returns 0 or -ENOMEM. */
int tb_record_open_mem(tb_record_reader *r, const void *data, size_t n);

/* Next payload. Returns 1 with *payload and *len set, 0 when no complete record
 * is available yet, or a negative code that sticks:
 *   -EBADMSG  length or payload CRC mismatch
 *   -EFBIG    length above TB_MAX_RECORD_LEN (checked before allocating)
 *   -EIO, -ENOMEM  read or allocation failure */
int tb_record_next(tb_record_reader *r, const unsigned char **payload, size_t *len);

/* File offset of the first byte not yet consumed: where the next record
 * starts. Reopening at this offset resumes exactly. */
static inline uint64_t tb_record_offset(const tb_record_reader *r)
{
	return r->file_pos - (r->buf_len - r->buf_pos);
}

/* Bytes held for an incomplete record at the end of the file. */
static inline size_t tb_record_pending(const tb_record_reader *r)
{
	return r->buf_len - r->buf_pos;
}

/* Free the buffer when no partial record is held (an idle, tailed file
 * should not pin TB_READ_CHUNK bytes). The next tb_record_next() refills. */
void tb_record_idle(tb_record_reader *r);

void tb_record_close(tb_record_reader *r);

/* Frame one payload as a TFRecord (tests, benchmarks, fixture writers).
 * out must hold len + TB_RECORD_FRAMING bytes. */
void tb_record_frame(unsigned char *out, const void *payload, uint64_t len);

#endif
