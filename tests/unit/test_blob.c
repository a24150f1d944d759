/*
 * test_blob.c - the blob index (blob.c, store.h's tb_blob): every blob
 * point of the real fixtures, kept as a place in its event file, reads
 * back as the very bytes an independent decode gives (protobuf-c unpacking
 * the record and packing the value again, as the in-memory store did);
 * a file truncated, rewritten or deleted after it was indexed answers
 * -ENOENT; the wire-format helpers.
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
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "event.h"
#include "ingest.h"
#include "loader.h"
#include "record.h"
#include "testutil.h"

/* The same run ingested again with no file known: every blob inline,
 * packed by protobuf-c from the decoded Event (the independent decode). */
static void ingest_inline(tb_store *s, const tb_loader_run *lr, tb_run **out)
{
	tb_run *r = tb_store_add_run(s, lr->name);
	assert_non_null(r);
	tb_ingest g;
	tb_ingest_init(&g, s, r);
	for (size_t k = 0; k < lr->n_files; k++) {
		tb_record_reader rd;
		if (tb_record_open(&rd, lr->files[k]->path, 0))
			continue;
		const unsigned char *p;
		size_t n;
		tb_run_wrlock(r);
		while (tb_record_next(&rd, &p, &n) == 1)
			if (tb_ingest_record(&g, p, n) == -EBADMSG)
				break;
		tb_run_unlock(r);
		tb_record_close(&rd);
	}
	tb_ingest_release(&g);
	*out = r;
}

static void check_logdir(const char *dir, size_t *in_file, size_t *images)
{
	tb_store s, t;
	tu_store_init(&s, TB_PURGE_SESSION);
	tu_store_init(&t, TB_PURGE_SESSION);
	tb_loader l;
	assert_int_equal(tb_loader_init(&l, &s, dir, NULL), 0);
	assert_int_equal(tb_loader_scan(&l), 0);
	assert_int_equal(tb_loader_read(&l), 0);
	for (size_t k = 0; k < l.n_runs; k++) {
		const tb_loader_run *lr = l.runs[k];
		tb_run *x = lr->run, *y;
		ingest_inline(&t, lr, &y);
		assert_int_equal(x->n_series, y->n_series);
		for (size_t j = 0; j < x->n_series; j++) {
			const tb_series *a = x->series[j], *b = y->series[j];
			if (!tb_kind_is_blob(a->kind))
				continue;
			assert_int_equal(a->n, b->n);
			for (size_t i = 0; i < a->n; i++) {
				const tb_blob *ba = tb_series_blob(a, i), *bb = tb_series_blob(b, i);
				assert_int_equal(bb->file, TB_BLOB_NO_FILE);
				unsigned char *da;
				size_t la;
				int rc = tb_blob_read(x, ba, &da, &la);
				if (rc)
					fail_msg("%s/%s point %zu: read back %d", x->name, a->tag, i, rc);
				assert_int_equal(ba->type, bb->type);
				assert_int_equal(ba->count, bb->count);
				assert_int_equal(la, bb->len);
				assert_int_equal(ba->len, bb->len);
				if (memcmp(da, bb->data, la))
					fail_msg("%s/%s point %zu: bytes differ from the decode", x->name,
						 a->tag, i);
				free(da);
				*in_file += ba->file != TB_BLOB_NO_FILE;
				*images += a->kind == TB_KIND_IMAGE;
			}
		}
	}
	tb_loader_release(&l);
	tb_store_release(&s);
	tb_store_release(&t);
}

static void test_real_fixtures_read_back(void **state)
{
	(void)state;
	size_t in_file = 0, images = 0;
	check_logdir(tu_path("real"), &in_file, &images);
	check_logdir(tu_path("real-more"), &in_file, &images);
	/* the fixtures hold over a thousand images and dozens of graphs */
	assert_true(images > 1000);
	assert_true(in_file > 1000);
}

/* ---- files changed after indexing --------------------------------------- */

static char dir[64];

static void write_file(const char *path, const unsigned char *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

/* An event file of three image events (1000 bytes each); returns its size
 * and the record offsets. */
static size_t make_images(const char *path, uint64_t *offs)
{
	unsigned char *file = malloc(3 * 1200);
	size_t len = 0;
	for (int s = 0; s < 3; s++) {
		unsigned char img[1000];
		for (size_t i = 0; i < sizeof img; i++)
			img[i] = (unsigned char)(s * 7 + i);
		Tensorboard__Summary__Image im = TENSORBOARD__SUMMARY__IMAGE__INIT;
		im.height = 2;
		im.width = 3;
		im.encoded_image_string.data = img;
		im.encoded_image_string.len = sizeof img;
		Tensorboard__Summary__Value v = TENSORBOARD__SUMMARY__VALUE__INIT;
		v.tag = "img";
		v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_IMAGE;
		v.image = &im;
		Tensorboard__Summary__Value *vals[1] = { &v };
		Tensorboard__Summary sum = TENSORBOARD__SUMMARY__INIT;
		sum.n_value = 1;
		sum.value = vals;
		Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
		ev.wall_time = 1e9;
		ev.step = s;
		ev.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY;
		ev.summary = &sum;
		unsigned char payload[1200];
		size_t n = tensorboard__event__pack(&ev, payload);
		offs[s] = len;
		tb_record_frame(file + len, payload, n);
		len += n + TB_RECORD_FRAMING;
	}
	write_file(path, file, len);
	free(file);
	return len;
}

enum change { NONE, TRUNCATE, REWRITE, DELETE };

/* Index the file, change it, and read each image back. */
static void changed(enum change c, int *rcs)
{
	char path[128];
	snprintf(path, sizeof path, "%s/events.out.tfevents.1", dir);
	uint64_t offs[3];
	size_t len = make_images(path, offs);
	tb_store s;
	tu_store_init(&s, TB_PURGE_SESSION);
	tb_loader l;
	assert_int_equal(tb_loader_init(&l, &s, dir, NULL), 0);
	assert_int_equal(tb_loader_scan(&l), 0);
	assert_int_equal(tb_loader_read(&l), 0);
	tb_run *r = tb_store_find_run(&s, ".");
	assert_non_null(r);
	const tb_series *se = tb_run_find(r, "img", 3);
	assert_non_null(se);
	assert_int_equal(se->n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(tb_series_blob(se, i)->offset, offs[i]);
		assert_int_equal(tb_series_blob(se, i)->file, 0);
	}
	if (c == TRUNCATE)
		assert_int_equal(truncate(path, (off_t)(len - 10)), 0);
	if (c == DELETE)
		assert_int_equal(unlink(path), 0);
	if (c == REWRITE) {
		/* the same length, a byte of the second image changed (its
		 * record CRC fixed up, as a writer rewriting the file would) */
		size_t n = 0;
		unsigned char *p = (unsigned char *)tu_read_file(path, &n);
		assert_non_null(p);
		uint64_t plen;
		memcpy(&plen, p + offs[1], 8);
		unsigned char *payload = malloc(plen);
		memcpy(payload, p + offs[1] + TB_RECORD_HEADER_LEN, plen);
		payload[plen - 5] ^= 1;
		tb_record_frame(p + offs[1], payload, plen);
		write_file(path, p, n);
		free(payload);
		free(p);
	}
	for (int i = 0; i < 3; i++) {
		unsigned char *d = NULL;
		size_t n;
		rcs[i] = tb_blob_read(r, tb_series_blob(se, i), &d, &n);
		if (rcs[i] == 0) {
			size_t off, flen;
			assert_int_equal(tb_pb_find(d, n, 4, SIZE_MAX, &off, &flen), 0);
			assert_int_equal(flen, 1000);
			assert_int_equal(d[off + 5], (unsigned char)(i * 7 + 5));
		}
		free(d);
	}
	tb_loader_release(&l);
	tb_store_release(&s);
	unlink(path);
}

static void test_unchanged(void **state)
{
	(void)state;
	int rc[3];
	changed(NONE, rc);
	assert_int_equal(rc[0], 0);
	assert_int_equal(rc[1], 0);
	assert_int_equal(rc[2], 0);
}

static void test_truncated(void **state)
{
	(void)state;
	int rc[3];
	changed(TRUNCATE, rc);
	assert_int_equal(rc[0], 0);
	assert_int_equal(rc[1], 0);
	assert_int_equal(rc[2], -ENOENT);
}

static void test_rewritten(void **state)
{
	(void)state;
	int rc[3];
	changed(REWRITE, rc);
	assert_int_equal(rc[0], 0);
	assert_int_equal(rc[1], -ENOENT);
	assert_int_equal(rc[2], 0);
}

static void test_deleted(void **state)
{
	(void)state;
	int rc[3];
	changed(DELETE, rc);
	assert_int_equal(rc[0], -ENOENT);
	assert_int_equal(rc[1], -ENOENT);
	assert_int_equal(rc[2], -ENOENT);
}

/* A record over TB_LEAN_RECORD is decoded without its large media bytes:
 * its blobs still read back as the full decode's, with the same sizes. */
static void test_lean_record(void **state)
{
	(void)state;
	size_t big = 3u << 20, small = 1000, clip = 200u << 10;
	unsigned char *img = malloc(big), *au = malloc(clip);
	for (size_t i = 0; i < big; i++)
		img[i] = (unsigned char)(i * 13 + (i >> 9));
	for (size_t i = 0; i < clip; i++)
		au[i] = (unsigned char)(i * 7);
	Tensorboard__Summary__Image im[2] = { TENSORBOARD__SUMMARY__IMAGE__INIT,
					      TENSORBOARD__SUMMARY__IMAGE__INIT };
	im[0].width = im[1].width = 4;
	im[0].encoded_image_string = (ProtobufCBinaryData){ small, img };
	im[1].encoded_image_string = (ProtobufCBinaryData){ big, img };
	Tensorboard__Summary__Audio a = TENSORBOARD__SUMMARY__AUDIO__INIT;
	a.sample_rate = 8000;
	a.encoded_audio_string = (ProtobufCBinaryData){ clip, au };
	a.content_type = "audio/wav";
	Tensorboard__Summary__Value v[4] = { TENSORBOARD__SUMMARY__VALUE__INIT,
					     TENSORBOARD__SUMMARY__VALUE__INIT,
					     TENSORBOARD__SUMMARY__VALUE__INIT,
					     TENSORBOARD__SUMMARY__VALUE__INIT };
	v[0].tag = "small";
	v[0].value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_IMAGE;
	v[0].image = &im[0];
	v[1].tag = "loss";
	v[1].value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
	v[1].simple_value = 0.5f;
	v[2].tag = "big";
	v[2].value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_IMAGE;
	v[2].image = &im[1];
	v[3].tag = "clip";
	v[3].value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_AUDIO;
	v[3].audio = &a;
	Tensorboard__Summary__Value *vals[4] = { &v[0], &v[1], &v[2], &v[3] };
	Tensorboard__Summary sum = TENSORBOARD__SUMMARY__INIT;
	sum.n_value = 4;
	sum.value = vals;
	Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
	ev.wall_time = 1e9;
	ev.step = 3;
	ev.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY;
	ev.summary = &sum;
	size_t n = tensorboard__event__get_packed_size(&ev);
	unsigned char *payload = malloc(n), *file = malloc(n + TB_RECORD_FRAMING);
	tensorboard__event__pack(&ev, payload);
	tb_record_frame(file, payload, n);
	char path[128];
	snprintf(path, sizeof path, "%s/events.out.tfevents.2", dir);
	write_file(path, file, n + TB_RECORD_FRAMING);
	size_t in_file = 0, images = 0;
	check_logdir(dir, &in_file, &images);
	assert_int_equal(in_file, 3);   /* the three media (the small image too) */
	assert_int_equal(images, 2);
	unlink(path);
	free(payload);
	free(file);
	free(img);
	free(au);
}

/* ---- wire format ---------------------------------------------------------- */

static void test_pb_find(void **state)
{
	(void)state;
	/* 1: varint 5; 8: "ab"; 3: fixed64; 8: "c"; 8: "" */
	static const unsigned char m[] = { 0x08, 0x05, 0x42, 2, 'a', 'b', 0x19, 1, 2, 3, 4, 5, 6, 7, 8,
					   0x42, 1, 'c', 0x42, 0 };
	size_t off, len;
	assert_int_equal(tb_pb_find(m, sizeof m, 8, 0, &off, &len), 0);
	assert_int_equal(off, 4);
	assert_int_equal(len, 2);
	assert_int_equal(tb_pb_find(m, sizeof m, 8, 1, &off, &len), 0);
	assert_int_equal(m[off], 'c');
	assert_int_equal(tb_pb_find(m, sizeof m, 8, SIZE_MAX, &off, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(tb_pb_find(m, sizeof m, 8, 3, &off, &len), -ENOENT);
	assert_int_equal(tb_pb_find(m, sizeof m, 9, 0, &off, &len), -ENOENT);
	uint64_t v;
	assert_int_equal(tb_pb_varint(m, sizeof m, 1, &v), 0);
	assert_int_equal(v, 5);
	/* a length past the end, a group: not wire format */
	static const unsigned char bad[] = { 0x42, 9, 'a' };
	assert_int_equal(tb_pb_find(bad, sizeof bad, 8, 0, &off, &len), -EINVAL);
	static const unsigned char grp[] = { 0x0b, 0x0c };
	assert_int_equal(tb_pb_find(grp, sizeof grp, 8, 0, &off, &len), -EINVAL);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/tbserve-test-blob-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_fixtures_read_back),
		cmocka_unit_test(test_unchanged),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_rewritten),
		cmocka_unit_test(test_deleted),
		cmocka_unit_test(test_lean_record),
		cmocka_unit_test(test_pb_find),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
