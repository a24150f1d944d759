/*
 * test_hostile_files.c - damaged event files never crash the reader, never
 * lose a valid record before the damage, and a truncated file that grows is
 * read on to the end without duplicates.
 *
 * Real files are cut at every byte offset of their last records, have bits
 * flipped at many positions, get garbage appended; plus 0-byte files, huge
 * length fields, and valid records holding events that are not Events or
 * that declare absurd tensor shapes. Run under ASan/UBSan by the test
 * command, which also turns any leak into a failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "crc32c.h"
#include "event.h"
#include "ingest.h"
#include "record.h"
#include "tblimits.h"
#include "testutil.h"

/* Files chosen to cover the writers: torch simple_value, TF1 histograms and
 * images, TF2 tensors, tensorboardX 1.x without file_version, text. */
static const char *const files[] = {
	"real/torch__janosh_tensorboard-reducer/duplicate_steps/run_1/events.out.tfevents.1622966509.janoshs-mbp.lan.86059.0",
	"real/tf1-filewriter__secsilm_understanding-tensorboard/cifar10_model/lr=1E-02,bs=128/eval/events.out.tfevents.1500958550.DESKTOP-5JJ1ERB",
	"real/tf2-summary__Alwaysproblem_tensorboard-review/logs/events.out.tfevents.1584802246.YONGXIdeMacBook-Pro.local.64661.157.v2",
	"real/tensorboardX__miaoshuyu_pytorch-tensorboardx-visualization/runs/Aug29_15-00-45_DESKTOP-4D03LNH/scalar",
	"golden/logdir-small/text_run",
	"golden/logdir-small/tf2_style",
};

/* The first event file under rel (a file or a directory). */
static char *first_file(const char *rel, size_t *len)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "find '%s' -type f -name '*tfevents*' | sort | head -1", tu_path(rel));
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char path[4096] = "";
	assert_non_null(fgets(path, sizeof path, p));
	pclose(p);
	path[strcspn(path, "\n")] = '\0';
	char *data = tu_read_file(path, len);
	assert_non_null(data);
	return data;
}

/* Record end offsets of a well-formed file. */
static size_t record_ends(const unsigned char *d, size_t n, size_t *ends, size_t max)
{
	size_t pos = 0, k = 0;
	while (pos + 12 <= n && k < max) {
		uint64_t len;
		memcpy(&len, d + pos, 8);
		if (pos + 16 + len > n)
			break;
		pos += 16 + len;
		ends[k++] = pos;
	}
	return k;
}

struct result {
	uint64_t records;
	uint64_t points;
	int error;
};

/* Read a memory image like the loader does; count records and points. */
static struct result read_mem(const void *d, size_t n)
{
	struct result res = { 0, 0, 0 };
	tb_store s;
	tu_store_init(&s, TB_PURGE_NONE);
	tb_run *r = tb_store_add_run(&s, "r");
	tb_ingest g;
	tb_ingest_init(&g, &s, r);
	tb_record_reader rd;
	assert_int_equal(tb_record_open_mem(&rd, d, n), 0);
	const unsigned char *p;
	size_t len;
	int rc;
	while ((rc = tb_record_next(&rd, &p, &len)) == 1) {
		rc = tb_ingest_record(&g, p, len);
		if (rc) {
			res.error = rc;
			break;
		}
		res.records++;
	}
	if (rc < 0)
		res.error = rc;
	for (size_t k = 0; k < r->n_series; k++)
		res.points += r->series[k]->n;
	tb_record_close(&rd);
	tb_ingest_release(&g);
	tb_store_release(&s);
	return res;
}

static void test_truncate_every_offset(void **state)
{
	(void)state;
	for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
		size_t n;
		unsigned char *d = (unsigned char *)first_file(files[f], &n);
		size_t ends[100000];
		size_t k = record_ends(d, n, ends, 100000);
		assert_true(k >= 3);
		/* points after each complete record, for the expectation */
		uint64_t *points_at = calloc(k + 1, sizeof *points_at);
		for (size_t i = 0; i < k; i++)
			points_at[i + 1] = read_mem(d, ends[i]).points;
		size_t from = k >= 4 ? ends[k - 4] : 0;
		for (size_t cut = from; cut <= n; cut++) {
			size_t complete = 0;
			while (complete < k && ends[complete] <= cut)
				complete++;
			struct result res = read_mem(d, cut);
			if (res.error || res.records != complete || res.points != points_at[complete])
				fail_msg("%s cut at %zu: %llu records (error %d), want %zu", files[f], cut,
					 (unsigned long long)res.records, res.error, complete);
		}
		free(points_at);
		free(d);
	}
}

static void write_all(int fd, const void *p, size_t n)
{
	assert_int_equal(write(fd, p, n), (ssize_t)n);
}

/* A truncated file on disk is waited on, then read on as it grows. */
static void test_truncated_file_grows(void **state)
{
	(void)state;
	for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
		size_t n;
		unsigned char *d = (unsigned char *)first_file(files[f], &n);
		struct result full = read_mem(d, n);
		size_t ends[100000];
		size_t k = record_ends(d, n, ends, 100000);
		/* cuts inside the last record: header, payload, footer; and a
		 * mid-file cut grown back in two steps */
		size_t cuts[] = { ends[k - 2] + 5, ends[k - 2] + 12, ends[k - 1] - 3, ends[k / 2] - 1 };
		for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++) {
			char dir[] = "/tmp/tbhostileXXXXXX";
			assert_non_null(mkdtemp(dir));
			char path[256];
			snprintf(path, sizeof path, "%s/events.out.tfevents.1.host", dir);
			int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			assert_true(fd >= 0);
			write_all(fd, d, cuts[c]);

			tb_store s;
			tu_store_init(&s, TB_PURGE_NONE);
			tb_loader l;
			assert_int_equal(tb_loader_init(&l, &s, dir, NULL), 0);
			assert_int_equal(tb_loader_scan(&l), 0);
			assert_int_equal(tb_loader_read(&l), 0);
			tb_file *file = l.runs[0]->files[0];
			assert_int_equal(file->error, 0);
			/* grow it a little (still partial), then to the end */
			size_t mid = cuts[c] + (n - cuts[c]) / 2;
			write_all(fd, d + cuts[c], mid - cuts[c]);
			assert_int_equal(tb_loader_read(&l), 0);
			write_all(fd, d + mid, n - mid);
			close(fd);
			assert_int_equal(tb_loader_read(&l), 0);
			assert_int_equal(file->error, 0);
			assert_int_equal(file->records, full.records);
			tb_run *r = tb_store_find_run(&s, ".");
			uint64_t points = 0;
			for (size_t i = 0; i < r->n_series; i++)
				points += r->series[i]->n;
			assert_int_equal(points, full.points);
			tb_loader_release(&l);
			tb_store_release(&s);
			unlink(path);
			rmdir(dir);
		}
		free(d);
	}
}

static void test_bit_flips(void **state)
{
	(void)state;
	uint64_t rng = 42;
	for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
		size_t n;
		unsigned char *d = (unsigned char *)first_file(files[f], &n);
		size_t ends[100000];
		size_t k = record_ends(d, n, ends, 100000);
		assert_int_equal(ends[k - 1], n);
		for (int trial = 0; trial < 300; trial++) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			size_t pos = (size_t)((rng >> 33) % n);
			unsigned bit = (unsigned)(rng >> 29) & 7;
			d[pos] ^= (unsigned char)(1u << bit);
			size_t rec = 0;
			while (ends[rec] <= pos)
				rec++;
			struct result res = read_mem(d, n);
			struct result before = read_mem(d, rec ? ends[rec - 1] : 0);
			/* CRC32C catches every single-bit error: exactly the records
			 * before the damaged one survive, and the file stops there */
			if (res.records != rec || res.points != before.points || res.error != -EBADMSG)
				fail_msg("%s: bit %u of byte %zu (record %zu): %llu records, error %d",
					 files[f], bit, pos, rec, (unsigned long long)res.records, res.error);
			d[pos] ^= (unsigned char)(1u << bit);
		}
		free(d);
	}
}

static void test_garbage_appended(void **state)
{
	(void)state;
	size_t n;
	unsigned char *d = (unsigned char *)first_file(files[0], &n);
	struct result full = read_mem(d, n);
	uint64_t rng = 7;
	for (size_t extra = 1; extra < 4096; extra = extra * 3 / 2 + 1) {
		unsigned char *g = malloc(n + extra);
		memcpy(g, d, n);
		for (size_t i = 0; i < extra; i++) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			g[n + i] = (unsigned char)(rng >> 56);
		}
		struct result res = read_mem(g, n + extra);
		assert_int_equal(res.records, full.records);
		assert_int_equal(res.points, full.points);
		if (extra >= 12)
			assert_int_equal(res.error, -EBADMSG); /* random header fails its CRC */
		else
			assert_int_equal(res.error, 0);        /* too short: waits for more */
		free(g);
	}
	free(d);
}

static void frame_into(unsigned char *out, const void *payload, uint64_t len)
{
	tb_record_frame(out, payload, len);
}

static void test_zero_byte_and_huge_lengths(void **state)
{
	(void)state;
	struct result res = read_mem("", 0);
	assert_int_equal(res.records, 0);
	assert_int_equal(res.error, 0);

	/* a valid-CRC header declaring more than TB_MAX_RECORD_LEN */
	unsigned char h[16];
	uint64_t len = (uint64_t)1 << 62;
	memcpy(h, &len, 8);
	uint32_t c = tb_crc32c_mask(tb_crc32c(0, h, 8));
	memcpy(h + 8, &c, 4);
	res = read_mem(h, 12);
	assert_int_equal(res.error, -EFBIG);

	/* just under the limit, on disk, with only a few bytes present: waits,
	 * and does not allocate the declared length */
	len = TB_MAX_RECORD_LEN;
	memcpy(h, &len, 8);
	c = tb_crc32c_mask(tb_crc32c(0, h, 8));
	memcpy(h + 8, &c, 4);
	char path[] = "/tmp/tbhugeXXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	write_all(fd, h, 16);
	close(fd);
	tb_record_reader rd;
	assert_int_equal(tb_record_open(&rd, path, 0), 0);
	const unsigned char *p;
	size_t plen;
	assert_int_equal(tb_record_next(&rd, &p, &plen), 0);
	assert_true(rd.buf_cap < 2 * TB_READ_CHUNK);
	tb_record_close(&rd);
	unlink(path);

	/* a 0-byte event file makes a run with nothing in it */
	char dir[] = "/tmp/tbzeroXXXXXX";
	assert_non_null(mkdtemp(dir));
	char fpath[256];
	snprintf(fpath, sizeof fpath, "%s/events.out.tfevents.0", dir);
	fd = open(fpath, O_WRONLY | O_CREAT, 0644);
	close(fd);
	tb_store s;
	tu_store_init(&s, TB_PURGE_STEP);
	tb_loader l;
	assert_int_equal(tb_loader_init(&l, &s, dir, NULL), 0);
	assert_int_equal(tb_loader_scan(&l), 0);
	assert_int_equal(tb_loader_read(&l), 0);
	assert_int_equal(s.n_runs, 1);
	assert_int_equal(s.runs[0]->n_series, 0);
	assert_false(s.runs[0]->has_start);
	tb_loader_release(&l);
	tb_store_release(&s);
	unlink(fpath);
	rmdir(dir);
}

/* Records whose CRCs are fine but whose payload is hostile. */
static void test_hostile_payloads(void **state)
{
	(void)state;
	unsigned char buf[512];
	/* not a protobuf at all */
	const unsigned char junk[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01 };
	frame_into(buf, junk, sizeof junk);
	struct result res = read_mem(buf, sizeof junk + 16);
	assert_int_equal(res.error, -EBADMSG);
	assert_int_equal(res.records, 0);

	/* a text tensor declaring 2^40 x 2^40 elements: skipped, no allocation */
	Tensorboard__TensorShapeProto__Dim d1 = TENSORBOARD__TENSOR_SHAPE_PROTO__DIM__INIT, d2 = d1;
	d1.size = (int64_t)1 << 40;
	d2.size = (int64_t)1 << 40;
	Tensorboard__TensorShapeProto__Dim *dims[] = { &d1, &d2 };
	Tensorboard__TensorShapeProto shape = TENSORBOARD__TENSOR_SHAPE_PROTO__INIT;
	shape.n_dim = 2;
	shape.dim = dims;
	Tensorboard__TensorProto t = TENSORBOARD__TENSOR_PROTO__INIT;
	t.dtype = TENSORBOARD__DATA_TYPE__DT_STRING;
	t.tensor_shape = &shape;
	Tensorboard__SummaryMetadata__PluginData pd = TENSORBOARD__SUMMARY_METADATA__PLUGIN_DATA__INIT;
	pd.plugin_name = "text";
	Tensorboard__SummaryMetadata md = TENSORBOARD__SUMMARY_METADATA__INIT;
	md.plugin_data = &pd;
	Tensorboard__Summary__Value v = TENSORBOARD__SUMMARY__VALUE__INIT;
	v.tag = "huge";
	v.metadata = &md;
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR;
	v.tensor = &t;
	Tensorboard__Summary__Value *vals[] = { &v };
	Tensorboard__Summary sum = TENSORBOARD__SUMMARY__INIT;
	sum.n_value = 1;
	sum.value = vals;
	Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
	ev.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY;
	ev.summary = &sum;
	unsigned char payload[256];
	size_t plen = tensorboard__event__pack(&ev, payload);
	frame_into(buf, payload, plen);
	res = read_mem(buf, plen + 16);
	assert_int_equal(res.error, 0);
	assert_int_equal(res.records, 1);
	assert_int_equal(res.points, 0);
}

int main(void)
{
	tb_log_level = TB_LOG_ERROR - 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncate_every_offset),
		cmocka_unit_test(test_truncated_file_grows),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_garbage_appended),
		cmocka_unit_test(test_zero_byte_and_huge_lengths),
		cmocka_unit_test(test_hostile_payloads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
