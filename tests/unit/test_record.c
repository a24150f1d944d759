/*
 * test_record.c - the TFRecord reader (server/record.c): framing, reading
 * from memory and from a file, partial records that complete later, resuming
 * at tb_record_offset(), CRC and length errors (sticky, nothing lost before
 * them), empty payloads, and records crossing TB_READ_CHUNK boundaries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "record.h"
#include "tblimits.h"

/* ---- helpers -------------------------------------------------------------- */

/* A growable image of a TFRecord file. */
struct image {
	unsigned char *d;
	size_t n, cap;
	size_t ends[64];   /* end offset of each record */
	size_t nrec;
};

static void image_add(struct image *im, const void *payload, size_t len)
{
	if (im->n + len + 16 > im->cap) {
		im->cap = (im->n + len + 16) * 2;
		im->d = realloc(im->d, im->cap);
		assert_non_null(im->d);
	}
	tb_record_frame(im->d + im->n, payload, len);
	im->n += len + 16;
	assert_true(im->nrec < 64);
	im->ends[im->nrec++] = im->n;
}

/* Deterministic payload for record i of length len. */
static void fill_payload(unsigned char *p, size_t len, unsigned i)
{
	uint32_t x = 0x9e3779b9u * (i + 1);
	for (size_t k = 0; k < len; k++) {
		x = x * 1103515245u + 12345u;
		p[k] = (unsigned char)(x >> 16);
	}
}

static void payload_check(const unsigned char *p, size_t len, size_t want_len, unsigned i)
{
	assert_int_equal(len, want_len);
	unsigned char *want = malloc(want_len ? want_len : 1);
	assert_non_null(want);
	fill_payload(want, want_len, i);
	if (want_len && memcmp(p, want, want_len))
		fail_msg("payload %u differs", i);
	free(want);
}

static char *temp_file(void)
{
	char *path = strdup("/tmp/tbserve-test-record-XXXXXX");
	assert_non_null(path);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	return path;
}

static void file_append(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	const unsigned char *s = p;
	while (n) {
		ssize_t k = write(fd, s, n);
		assert_true(k > 0);
		s += k;
		n -= (size_t)k;
	}
	close(fd);
}

static void file_truncate(const char *path)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	close(fd);
}

static void file_remove(char *path)
{
	assert_int_equal(unlink(path), 0);
	free(path);
}

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* ---- framing -------------------------------------------------------------- */

static void test_frame_layout(void **state)
{
	(void)state;
	unsigned char out[16 + 5];
	tb_record_frame(out, "hello", 5);
	uint64_t len;
	memcpy(&len, out, 8);
	assert_int_equal(len, 5);
	/* little-endian length */
	assert_int_equal(out[0], 5);
	for (int i = 1; i < 8; i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(get_u32(out + 8), tb_crc32c_mask(tb_crc32c(0, out, 8)));
	assert_memory_equal(out + 12, "hello", 5);
	assert_int_equal(get_u32(out + 17), tb_crc32c_mask(tb_crc32c(0, "hello", 5)));
	/* an empty payload: 16 bytes, length CRC of 8 zero bytes */
	unsigned char e[16];
	tb_record_frame(e, "", 0);
	assert_int_equal(get_u32(e + 8), 0x07980329u);
	assert_int_equal(get_u32(e + 12), tb_crc32c_mask(0));
}

/* ---- memory reader --------------------------------------------------------- */

static void test_mem_read(void **state)
{
	(void)state;
	struct image im = { 0 };
	size_t lens[] = { 1, 0, 100, 4096, 7, 0, 65537 };
	for (unsigned i = 0; i < sizeof lens / sizeof *lens; i++) {
		unsigned char *p = malloc(lens[i] + 1);
		fill_payload(p, lens[i], i);
		image_add(&im, p, lens[i]);
		free(p);
	}
	tb_record_reader r;
	assert_int_equal(tb_record_open_mem(&r, im.d, im.n), 0);
	/* the data is copied */
	memset(im.d, 0, im.n);
	for (unsigned i = 0; i < sizeof lens / sizeof *lens; i++) {
		const unsigned char *p;
		size_t n;
		assert_int_equal(tb_record_next(&r, &p, &n), 1);
		payload_check(p, n, lens[i], i);
		assert_int_equal(tb_record_offset(&r), im.ends[i]);
	}
	const unsigned char *p;
	size_t n;
	assert_int_equal(tb_record_next(&r, &p, &n), 0);
	assert_int_equal(tb_record_next(&r, &p, &n), 0);
	assert_int_equal(tb_record_pending(&r), 0);
	tb_record_close(&r);
	free(im.d);

	/* an empty image and a partial one */
	assert_int_equal(tb_record_open_mem(&r, NULL, 0), 0);
	assert_int_equal(tb_record_next(&r, &p, &n), 0);
	tb_record_close(&r);
	unsigned char fr[16 + 3];
	tb_record_frame(fr, "abc", 3);
	for (size_t cut = 0; cut < sizeof fr; cut++) {
		assert_int_equal(tb_record_open_mem(&r, fr, cut), 0);
		assert_int_equal(tb_record_next(&r, &p, &n), 0);
		assert_int_equal(tb_record_pending(&r), cut);
		assert_int_equal(tb_record_offset(&r), 0);
		tb_record_close(&r);
	}
}

static void test_zero_length_record(void **state)
{
	(void)state;
	unsigned char fr[3 * 16 + 1];
	tb_record_frame(fr, "", 0);
	tb_record_frame(fr + 16, "x", 1);
	tb_record_frame(fr + 33, "", 0);
	tb_record_reader r;
	const unsigned char *p;
	size_t n = 99;
	assert_int_equal(tb_record_open_mem(&r, fr, sizeof fr), 0);
	assert_int_equal(tb_record_next(&r, &p, &n), 1);
	assert_int_equal(n, 0);
	assert_int_equal(tb_record_offset(&r), 16);
	assert_int_equal(tb_record_next(&r, &p, &n), 1);
	assert_int_equal(n, 1);
	assert_int_equal(p[0], 'x');
	assert_int_equal(tb_record_next(&r, &p, &n), 1);
	assert_int_equal(n, 0);
	assert_int_equal(tb_record_next(&r, &p, &n), 0);
	assert_int_equal(tb_record_offset(&r), sizeof fr);
	tb_record_close(&r);
}

/* ---- file reader ------------------------------------------------------------ */

static void test_file_read(void **state)
{
	(void)state;
	struct image im = { 0 };
	for (unsigned i = 0; i < 20; i++) {
		unsigned char p[300] = { 0 };
		fill_payload(p, i * 13, i);
		image_add(&im, p, i * 13);
	}
	char *path = temp_file();
	file_append(path, im.d, im.n);
	tb_record_reader r;
	assert_int_equal(tb_record_open(&r, path, 0), 0);
	for (unsigned i = 0; i < 20; i++) {
		const unsigned char *p;
		size_t n;
		assert_int_equal(tb_record_next(&r, &p, &n), 1);
		payload_check(p, n, i * 13, i);
		assert_int_equal(tb_record_offset(&r), im.ends[i]);
	}
	const unsigned char *p;
	size_t n;
	assert_int_equal(tb_record_next(&r, &p, &n), 0);
	assert_int_equal(r.error, 0);
	/* idle releases the buffer when nothing is pending; reading still works */
	tb_record_idle(&r);
	assert_null(r.buf);
	assert_int_equal(r.buf_cap, 0);
	assert_int_equal(tb_record_offset(&r), im.n);
	unsigned char extra[16 + 4];
	tb_record_frame(extra, "more", 4);
	file_append(path, extra, sizeof extra);
	assert_int_equal(tb_record_next(&r, &p, &n), 1);
	assert_int_equal(n, 4);
	assert_memory_equal(p, "more", 4);
	assert_int_equal(tb_record_next(&r, &p, &n), 0);
	tb_record_close(&r);

	/* a missing file */
	assert_int_equal(tb_record_open(&r, "/nonexistent/tbserve/events", 0), -ENOENT);
	file_remove(path);
	free(im.d);
}

/* Every cut point of a file: the reader delivers exactly the complete
 * records, returns 0, and continues once the rest is appended. */
static void test_partial_then_grows(void **state)
{
	(void)state;
	struct image im = { 0 };
	for (unsigned i = 0; i < 4; i++) {
		unsigned char p[64];
		fill_payload(p, 10 + i * 9, i);
		image_add(&im, p, 10 + i * 9);
	}
	char *path = temp_file();
	for (size_t cut = 0; cut <= im.n; cut++) {
		file_truncate(path);
		file_append(path, im.d, cut);
		tb_record_reader r;
		assert_int_equal(tb_record_open(&r, path, 0), 0);
		unsigned got = 0;
		const unsigned char *p;
		size_t n;
		int rc;
		while ((rc = tb_record_next(&r, &p, &n)) == 1) {
			payload_check(p, n, 10 + got * 9, got);
			got++;
		}
		assert_int_equal(rc, 0);
		unsigned complete = 0;
		while (complete < im.nrec && im.ends[complete] <= cut)
			complete++;
		if (got != complete)
			fail_msg("cut %zu: %u records, want %u", cut, got, complete);
		size_t start = complete ? im.ends[complete - 1] : 0;
		assert_int_equal(tb_record_offset(&r), start);
		assert_int_equal(tb_record_pending(&r), cut - start);
		/* a second call without new bytes is still "not yet" */
		assert_int_equal(tb_record_next(&r, &p, &n), 0);
		tb_record_idle(&r); /* must keep a partial record */
		assert_int_equal(tb_record_pending(&r), cut - start);
		/* the writer finishes: the rest is read, nothing twice */
		file_append(path, im.d + cut, im.n - cut);
		while ((rc = tb_record_next(&r, &p, &n)) == 1) {
			payload_check(p, n, 10 + got * 9, got);
			got++;
		}
		assert_int_equal(rc, 0);
		if (got != im.nrec)
			fail_msg("cut %zu: %u records after growth, want %zu", cut, got, im.nrec);
		assert_int_equal(tb_record_offset(&r), im.n);
		tb_record_close(&r);
	}
	file_remove(path);
	free(im.d);
}

/* The partial record completes one byte at a time. */
static void test_partial_byte_by_byte(void **state)
{
	(void)state;
	unsigned char payload[200];
	fill_payload(payload, sizeof payload, 7);
	unsigned char fr[sizeof payload + 16];
	tb_record_frame(fr, payload, sizeof payload);
	char *path = temp_file();
	tb_record_reader r;
	assert_int_equal(tb_record_open(&r, path, 0), 0);
	const unsigned char *p;
	size_t n;
	for (size_t i = 0; i < sizeof fr - 1; i++) {
		file_append(path, fr + i, 1);
		assert_int_equal(tb_record_next(&r, &p, &n), 0);
		assert_int_equal(r.error, 0);
	}
	file_append(path, fr + sizeof fr - 1, 1);
	assert_int_equal(tb_record_next(&r, &p, &n), 1);
	payload_check(p, n, sizeof payload, 7);
	tb_record_close(&r);
	file_remove(path);
}

static void test_resume_at_offset(void **state)
{
	(void)state;
	struct image im = { 0 };
	for (unsigned i = 0; i < 10; i++) {
		unsigned char p[128];
		fill_payload(p, 5 + i * 11, i);
		image_add(&im, p, 5 + i * 11);
	}
	char *path = temp_file();
	file_append(path, im.d, im.n - 3); /* last record incomplete */
	/* read some records, remember the offset, close, reopen there */
	for (unsigned stop = 0; stop <= 9; stop++) {
		tb_record_reader r;
		const unsigned char *p;
		size_t n;
		assert_int_equal(tb_record_open(&r, path, 0), 0);
		for (unsigned i = 0; i < stop; i++)
			assert_int_equal(tb_record_next(&r, &p, &n), 1);
		uint64_t off = tb_record_offset(&r);
		assert_int_equal(off, stop ? im.ends[stop - 1] : 0);
		tb_record_close(&r);
		assert_int_equal(tb_record_open(&r, path, off), 0);
		assert_int_equal(tb_record_offset(&r), off);
		unsigned i = stop;
		int rc;
		while ((rc = tb_record_next(&r, &p, &n)) == 1) {
			payload_check(p, n, 5 + i * 11, i);
			i++;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(i, 9);
		assert_int_equal(tb_record_offset(&r), im.ends[8]);
		tb_record_close(&r);
	}
	/* reopening in the middle of the partial record's bytes and completing */
	tb_record_reader r;
	assert_int_equal(tb_record_open(&r, path, im.ends[8]), 0);
	const unsigned char *p;
	size_t n;
	assert_int_equal(tb_record_next(&r, &p, &n), 0);
	file_append(path, im.d + im.n - 3, 3);
	assert_int_equal(tb_record_next(&r, &p, &n), 1);
	payload_check(p, n, 5 + 9 * 11, 9);
	tb_record_close(&r);
	file_remove(path);
	free(im.d);
}

/* ---- errors ------------------------------------------------------------------ */

static void test_bad_length_crc(void **state)
{
	(void)state;
	struct image im = { 0 };
	image_add(&im, "first", 5);
	image_add(&im, "second", 6);
	image_add(&im, "third", 5);
	/* corrupt each byte of the second record's header in turn */
	for (size_t k = 0; k < 12; k++) {
		unsigned char *d = malloc(im.n);
		memcpy(d, im.d, im.n);
		d[im.ends[0] + k] ^= 0x20;
		tb_record_reader r;
		const unsigned char *p;
		size_t n;
		assert_int_equal(tb_record_open_mem(&r, d, im.n), 0);
		assert_int_equal(tb_record_next(&r, &p, &n), 1);
		assert_int_equal(n, 5);
		assert_memory_equal(p, "first", 5);
		int rc = tb_record_next(&r, &p, &n);
		if (rc != -EBADMSG)
			fail_msg("header byte %zu flipped: got %d, want -EBADMSG", k, rc);
		/* sticky, and the offset stays at the bad record */
		assert_int_equal(tb_record_next(&r, &p, &n), -EBADMSG);
		assert_int_equal(tb_record_offset(&r), im.ends[0]);
		tb_record_close(&r);
		free(d);
	}
	free(im.d);
}

static void test_bad_payload_crc(void **state)
{
	(void)state;
	struct image im = { 0 };
	image_add(&im, "first", 5);
	image_add(&im, "second", 6);
	image_add(&im, "third", 5);
	/* payload bytes and the footer CRC of the second record */
	for (size_t k = 12; k < 12 + 6 + 4; k++) {
		im.d[im.ends[0] + k] ^= 0x01;
		char *path = temp_file();
		file_append(path, im.d, im.n);
		tb_record_reader r;
		const unsigned char *p;
		size_t n;
		assert_int_equal(tb_record_open(&r, path, 0), 0);
		assert_int_equal(tb_record_next(&r, &p, &n), 1);
		assert_memory_equal(p, "first", 5);
		assert_int_equal(tb_record_next(&r, &p, &n), -EBADMSG);
		assert_int_equal(r.error, -EBADMSG);
		/* sticky even though a valid record follows */
		assert_int_equal(tb_record_next(&r, &p, &n), -EBADMSG);
		assert_int_equal(tb_record_next(&r, &p, &n), -EBADMSG);
		assert_int_equal(tb_record_offset(&r), im.ends[0]);
		tb_record_close(&r);
		/* with payload CRC checks off (benchmarks) the payload is delivered */
		if (k < 18) {
			assert_int_equal(tb_record_open(&r, path, 0), 0);
			r.verify_payload_crc = 0;
			assert_int_equal(tb_record_next(&r, &p, &n), 1);
			assert_int_equal(tb_record_next(&r, &p, &n), 1);
			assert_int_equal(n, 6);
			assert_int_equal(tb_record_next(&r, &p, &n), 1);
			assert_memory_equal(p, "third", 5);
			tb_record_close(&r);
		}
		file_remove(path);
		im.d[im.ends[0] + k] ^= 0x01;
	}
	free(im.d);
}

/* A header announcing len bytes with a correct length CRC. */
static void header_for(unsigned char h[12], uint64_t len)
{
	memcpy(h, &len, 8);
	uint32_t c = tb_crc32c_mask(tb_crc32c(0, h, 8));
	memcpy(h + 8, &c, 4);
}

static void test_length_too_big(void **state)
{
	(void)state;
	uint64_t lens[] = { (uint64_t)TB_MAX_RECORD_LEN + 1, (uint64_t)1 << 40, UINT64_MAX,
			    (uint64_t)1 << 63 };
	for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
		unsigned char buf[16 + 5 + 12 + 64];
		tb_record_frame(buf, "valid", 5);
		header_for(buf + 21, lens[i]);
		memset(buf + 33, 0x5a, 64);
		/* from memory */
		tb_record_reader r;
		const unsigned char *p;
		size_t n;
		assert_int_equal(tb_record_open_mem(&r, buf, sizeof buf), 0);
		assert_int_equal(tb_record_next(&r, &p, &n), 1);
		assert_int_equal(tb_record_next(&r, &p, &n), -EFBIG);
		assert_int_equal(tb_record_next(&r, &p, &n), -EFBIG);
		tb_record_close(&r);
		/* from a file: no buffer anywhere near the announced size */
		char *path = temp_file();
		file_append(path, buf, sizeof buf);
		assert_int_equal(tb_record_open(&r, path, 0), 0);
		assert_int_equal(tb_record_next(&r, &p, &n), 1);
		assert_memory_equal(p, "valid", 5);
		assert_int_equal(tb_record_next(&r, &p, &n), -EFBIG);
		assert_true(r.buf_cap <= 2 * TB_READ_CHUNK);
		assert_int_equal(tb_record_next(&r, &p, &n), -EFBIG);
		assert_int_equal(tb_record_offset(&r), 21);
		tb_record_close(&r);
		file_remove(path);
	}
}

/* The largest allowed length, on a short file: not an error (the writer may
 * still be writing), and the buffer does not grow to the announced size. */
static void test_max_length_partial(void **state)
{
	(void)state;
	unsigned char h[12 + 100];
	header_for(h, TB_MAX_RECORD_LEN);
	memset(h + 12, 1, 100);
	char *path = temp_file();
	file_append(path, h, sizeof h);
	tb_record_reader r;
	const unsigned char *p;
	size_t n;
	assert_int_equal(tb_record_open(&r, path, 0), 0);
	assert_int_equal(tb_record_next(&r, &p, &n), 0);
	assert_int_equal(r.error, 0);
	assert_true(r.buf_cap <= 2 * TB_READ_CHUNK);
	assert_int_equal(tb_record_pending(&r), sizeof h);
	assert_int_equal(tb_record_next(&r, &p, &n), 0);
	tb_record_close(&r);
	file_remove(path);
}

/* ---- large records ------------------------------------------------------------ */

static void test_cross_chunk(void **state)
{
	(void)state;
	/* sizes around 1 MB that do not divide the chunk, plus small ones in
	 * between, so record boundaries fall at many places in the chunks */
	size_t lens[24];
	for (int i = 0; i < 24; i++)
		lens[i] = (i % 3 == 2) ? (size_t)(i * 7) : (size_t)1000003 + (size_t)i * 4099;
	struct image im = { 0 };
	for (unsigned i = 0; i < 24; i++) {
		unsigned char *p = malloc(lens[i] + 1);
		fill_payload(p, lens[i], i);
		image_add(&im, p, lens[i]);
		free(p);
	}
	assert_true(im.n > 3 * TB_READ_CHUNK);
	char *path = temp_file();
	file_append(path, im.d, im.n);
	tb_record_reader r;
	assert_int_equal(tb_record_open(&r, path, 0), 0);
	for (unsigned i = 0; i < 24; i++) {
		const unsigned char *p;
		size_t n;
		assert_int_equal(tb_record_next(&r, &p, &n), 1);
		payload_check(p, n, lens[i], i);
		assert_int_equal(tb_record_offset(&r), im.ends[i]);
	}
	const unsigned char *p;
	size_t n;
	assert_int_equal(tb_record_next(&r, &p, &n), 0);
	tb_record_close(&r);

	/* one record larger than a chunk */
	size_t big = TB_READ_CHUNK + TB_READ_CHUNK / 2 + 3;
	unsigned char *bp = malloc(big);
	fill_payload(bp, big, 99);
	unsigned char *fr = malloc(big + 16);
	tb_record_frame(fr, bp, big);
	file_truncate(path);
	file_append(path, fr, 40);
	assert_int_equal(tb_record_open(&r, path, 0), 0);
	assert_int_equal(tb_record_next(&r, &p, &n), 0);
	file_append(path, fr + 40, big + 16 - 40);
	assert_int_equal(tb_record_next(&r, &p, &n), 1);
	payload_check(p, n, big, 99);
	assert_int_equal(tb_record_next(&r, &p, &n), 0);
	tb_record_close(&r);
	free(fr);
	free(bp);
	file_remove(path);
	free(im.d);
}

/* A file that grows in random pieces while being read, with records from
 * empty to larger than a chunk: every record arrives once, in order, and the
 * buffer never holds much more than the largest record plus a chunk. */
static void test_random_growth(void **state)
{
	(void)state;
	uint32_t x = 12345;
	enum { NREC = 60 };
	size_t lens[NREC];
	size_t total = 0;
	for (int i = 0; i < NREC; i++) {
		x = x * 1103515245u + 12345u;
		uint32_t kind = (x >> 16) % 10;
		x = x * 1103515245u + 12345u;
		uint32_t r = x >> 8;
		lens[i] = kind < 5 ? r % 100 : kind < 8 ? r % 70000 :
			  kind < 9 ? TB_READ_CHUNK - 16 + r % 33 : TB_READ_CHUNK + r % 1000000;
		total += lens[i] + 16;
	}
	unsigned char *img = malloc(total);
	assert_non_null(img);
	size_t pos = 0, biggest = 0;
	for (int i = 0; i < NREC; i++) {
		unsigned char *p = malloc(lens[i] + 1);
		fill_payload(p, lens[i], (unsigned)i);
		tb_record_frame(img + pos, p, lens[i]);
		free(p);
		pos += lens[i] + 16;
		biggest = lens[i] > biggest ? lens[i] : biggest;
	}
	char *path = temp_file();
	tb_record_reader r;
	assert_int_equal(tb_record_open(&r, path, 0), 0);
	size_t written = 0;
	unsigned got = 0;
	int rounds = 0;
	while (written < total) {
		x = x * 1103515245u + 12345u;
		size_t piece = (x >> 4) % (3 * TB_READ_CHUNK / 2) + 1;
		if ((x >> 28) < 4)
			piece = (x >> 8) % 20 + 1;
		if (piece > total - written)
			piece = total - written;
		file_append(path, img + written, piece);
		written += piece;
		const unsigned char *p;
		size_t n;
		int rc;
		while ((rc = tb_record_next(&r, &p, &n)) == 1) {
			assert_true(got < NREC);
			payload_check(p, n, lens[got], got);
			got++;
		}
		assert_int_equal(rc, 0);
		assert_true(r.buf_cap <= biggest + 16 + 2 * TB_READ_CHUNK);
		if (rounds++ % 3 == 0)
			tb_record_idle(&r);
	}
	assert_int_equal(got, NREC);
	assert_int_equal(tb_record_offset(&r), total);
	assert_int_equal(tb_record_pending(&r), 0);
	tb_record_close(&r);
	file_remove(path);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_layout),
		cmocka_unit_test(test_mem_read),
		cmocka_unit_test(test_zero_length_record),
		cmocka_unit_test(test_file_read),
		cmocka_unit_test(test_partial_then_grows),
		cmocka_unit_test(test_partial_byte_by_byte),
		cmocka_unit_test(test_resume_at_offset),
		cmocka_unit_test(test_bad_length_crc),
		cmocka_unit_test(test_bad_payload_crc),
		cmocka_unit_test(test_length_too_big),
		cmocka_unit_test(test_max_length_partial),
		cmocka_unit_test(test_cross_chunk),
		cmocka_unit_test(test_random_growth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
