/*
 * test_loader.c - logdir -> store (server/loader.c with ingest.c): event
 * files written here with protobuf-c and tb_record_frame into a temporary
 * logdir, then loaded. Covers the Python purge rules (reference §1.6) and
 * the step rule, file order within a run, a corrupt record in the middle of
 * a file, rescans, incremental reads of growing files, and the
 * --logdir_spec prefix.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "event.h"
#include "record.h"
#include "testutil.h"

/* ---- temp logdir ------------------------------------------------------------ */

static char root[64];

static const char *at(const char *rel)
{
	static char bufs[4][4096];
	static int k;
	char *b = bufs[k++ & 3];
	snprintf(b, sizeof bufs[0], "%s/%s", root, rel);
	return b;
}

static void mkdir_rel(const char *rel)
{
	assert_int_equal(mkdir(at(rel), 0755), 0);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int setup_root(void **state)
{
	(void)state;
	snprintf(root, sizeof root, "/tmp/tbserve-test-loader-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown_root(void **state)
{
	(void)state;
	return nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- event file builder ---------------------------------------------------------- */

struct efile {
	unsigned char *d;
	size_t n, cap;
};

static void ef_raw(struct efile *f, const void *payload, size_t n)
{
	if (f->n + n + 16 > f->cap) {
		f->cap = (f->n + n + 16) * 2;
		f->d = realloc(f->d, f->cap);
		assert_non_null(f->d);
	}
	tb_record_frame(f->d + f->n, payload, n);
	f->n += n + 16;
}

static void ef_event(struct efile *f, const Tensorboard__Event *ev)
{
	size_t n = tensorboard__event__get_packed_size(ev);
	unsigned char *p = malloc(n ? n : 1);
	assert_non_null(p);
	assert_int_equal(tensorboard__event__pack(ev, p), n);
	ef_raw(f, p, n);
	free(p);
}

static void ef_version(struct efile *f, double wall, const char *version)
{
	Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
	ev.wall_time = wall;
	ev.what_case = TENSORBOARD__EVENT__WHAT_FILE_VERSION;
	ev.file_version = (char *)version;
	ef_event(f, &ev);
}

/* One event holding n simple_values. */
static void ef_scalars(struct efile *f, double wall, int64_t step, size_t n,
		       const char *const *tags, const float *vals)
{
	Tensorboard__Summary__Value v[8], *vp[8];
	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++) {
		Tensorboard__Summary__Value init = TENSORBOARD__SUMMARY__VALUE__INIT;
		v[i] = init;
		v[i].tag = (char *)tags[i];
		v[i].value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
		v[i].simple_value = vals[i];
		vp[i] = &v[i];
	}
	Tensorboard__Summary sum = TENSORBOARD__SUMMARY__INIT;
	sum.n_value = n;
	sum.value = vp;
	Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
	ev.wall_time = wall;
	ev.step = step;
	ev.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY;
	ev.summary = &sum;
	ef_event(f, &ev);
}

static void ef_scalar(struct efile *f, double wall, int64_t step, const char *tag, float v)
{
	ef_scalars(f, wall, step, 1, &tag, &v);
}

static void ef_session(struct efile *f, double wall, int64_t step,
		       Tensorboard__SessionLog__SessionStatus status)
{
	Tensorboard__SessionLog sl = TENSORBOARD__SESSION_LOG__INIT;
	sl.status = status;
	Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
	ev.wall_time = wall;
	ev.step = step;
	ev.what_case = TENSORBOARD__EVENT__WHAT_SESSION_LOG;
	ev.session_log = &sl;
	ef_event(f, &ev);
}

static void ef_start(struct efile *f, double wall, int64_t step)
{
	ef_session(f, wall, step, TENSORBOARD__SESSION_LOG__SESSION_STATUS__START);
}

static void ef_histo(struct efile *f, double wall, int64_t step, const char *tag)
{
	double limits[3] = { 0.0, 1.0, 1.7976931348623157e308 };
	double counts[3] = { 0, 2, 3 };
	Tensorboard__HistogramProto h = TENSORBOARD__HISTOGRAM_PROTO__INIT;
	h.min = 0.5;
	h.max = 4.0;
	h.n_bucket_limit = 3;
	h.bucket_limit = limits;
	h.n_bucket = 3;
	h.bucket = counts;
	Tensorboard__Summary__Value v = TENSORBOARD__SUMMARY__VALUE__INIT, *vp = &v;
	v.tag = (char *)tag;
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_HISTO;
	v.histo = &h;
	Tensorboard__Summary sum = TENSORBOARD__SUMMARY__INIT;
	sum.n_value = 1;
	sum.value = &vp;
	Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
	ev.wall_time = wall;
	ev.step = step;
	ev.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY;
	ev.summary = &sum;
	ef_event(f, &ev);
}

static void ef_text(struct efile *f, double wall, int64_t step, const char *tag, const char *s)
{
	ProtobufCBinaryData str = { strlen(s), (uint8_t *)s };
	Tensorboard__TensorProto t = TENSORBOARD__TENSOR_PROTO__INIT;
	t.dtype = TENSORBOARD__DATA_TYPE__DT_STRING;
	t.n_string_val = 1;
	t.string_val = &str;
	Tensorboard__SummaryMetadata__PluginData pd = TENSORBOARD__SUMMARY_METADATA__PLUGIN_DATA__INIT;
	pd.plugin_name = (char *)"text";
	Tensorboard__SummaryMetadata md = TENSORBOARD__SUMMARY_METADATA__INIT;
	md.plugin_data = &pd;
	Tensorboard__Summary__Value v = TENSORBOARD__SUMMARY__VALUE__INIT, *vp = &v;
	v.tag = (char *)tag;
	v.metadata = &md;
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR;
	v.tensor = &t;
	Tensorboard__Summary sum = TENSORBOARD__SUMMARY__INIT;
	sum.n_value = 1;
	sum.value = &vp;
	Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
	ev.wall_time = wall;
	ev.step = step;
	ev.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY;
	ev.summary = &sum;
	ef_event(f, &ev);
}

/* Write (append = 0: create/replace) the builder's bytes to rel, and reset it. */
static void ef_flush(struct efile *f, const char *rel, int append)
{
	int fd = open(at(rel), O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);
	assert_true(fd >= 0);
	size_t off = 0;
	while (off < f->n) {
		ssize_t k = write(fd, f->d + off, f->n - off);
		assert_true(k > 0);
		off += (size_t)k;
	}
	close(fd);
	f->n = 0;
}

static void ef_free(struct efile *f)
{
	free(f->d);
	f->d = NULL;
	f->n = f->cap = 0;
}

/* ---- loading and checking ---------------------------------------------------------- */

static void load(tb_loader *l, tb_store *s, tb_purge_rule rule, const char *prefix)
{
	tu_store_init(s, rule);
	assert_int_equal(tb_loader_init(l, s, root, prefix), 0);
	assert_int_equal(tb_loader_scan(l), 0);
	assert_int_equal(tb_loader_read(l), 0);
}

static void unload(tb_loader *l, tb_store *s)
{
	tb_loader_release(l);
	tb_store_release(s);
}

static tb_series *series(tb_store *s, const char *run, const char *tag)
{
	tb_run *r = tb_store_find_run(s, run);
	if (!r)
		fail_msg("no run '%s'", run);
	return tb_run_find(r, tag, strlen(tag));
}

static tb_loader_run *lrun(tb_loader *l, const char *name)
{
	for (size_t i = 0; i < l->n_runs; i++)
		if (!strcmp(l->runs[i]->name, name))
			return l->runs[i];
	fail_msg("loader has no run '%s'", name);
	return NULL;
}

/* Steps of run/tag are want[0..n), and each value is step * 1.5 + bias. */
static void expect_points(tb_store *s, const char *run, const char *tag, const int64_t *want,
			  size_t n, double bias)
{
	tb_series *se = series(s, run, tag);
	if (!se)
		fail_msg("%s: no tag '%s'", run, tag);
	int ok = se->n == n;
	for (size_t i = 0; ok && i < n; i++)
		ok = tb_series_step(se, i) == want[i];
	if (!ok) {
		char got[2048] = "", exp[2048] = "";
		size_t gl = 0, el = 0;
		for (size_t i = 0; i < se->n && gl < 2000; i++)
			gl += (size_t)snprintf(got + gl, sizeof got - gl, "%lld ",
					       (long long)tb_series_step(se, i));
		for (size_t i = 0; i < n && el < 2000; i++)
			el += (size_t)snprintf(exp + el, sizeof exp - el, "%lld ", (long long)want[i]);
		fail_msg("%s/%s steps: [%s], want [%s]", run, tag, got, exp);
	}
	for (size_t i = 0; i < n; i++) {
		tb_scalar v = tb_series_scalar(se, i);
		double want_v = (double)(float)((double)want[i] * 1.5 + bias);
		if (v.f != want_v)
			fail_msg("%s/%s point %zu (step %lld): value %.9g, want %.9g", run, tag, i,
				 (long long)want[i], v.f, want_v);
	}
}

static float val(int64_t step, double bias)
{
	return (float)((double)step * 1.5 + bias);
}

/* ---- tests ----------------------------------------------------------------------------- */

static void test_load_basic(void **state)
{
	(void)state;
	struct efile f = { 0 };
	mkdir_rel("train");
	ef_version(&f, 100.0, "brain.Event:2");
	for (int64_t i = 0; i < 5; i++)
		ef_scalar(&f, 100.0 + (double)i, i, "loss", val(i, 0));
	const char *tags[2] = { "acc", "lr" };
	for (int64_t i = 0; i < 2; i++) {
		float vs[2] = { val(i, 0.25), val(i, 0.5) };
		ef_scalars(&f, 200.0, i, 2, tags, vs);
	}
	ef_histo(&f, 300.0, 7, "weights");
	ef_text(&f, 301.0, 8, "notes", "hello *world*");
	size_t file_size = f.n;
	ef_flush(&f, "train/events.out.tfevents.1700000000.host", 0);
	ef_free(&f);

	tb_store s;
	tb_loader l;
	load(&l, &s, TB_PURGE_STEP, NULL);
	assert_int_equal(s.n_runs, 1);
	tb_run *r = tb_store_find_run(&s, "train");
	assert_non_null(r);
	assert_true(r->has_start);
	assert_true(r->start_time == 100.0);
	assert_true(lrun(&l, "train")->ingest.file_version == 2.0);
	const int64_t s5[] = { 0, 1, 2, 3, 4 }, s2[] = { 0, 1 };
	expect_points(&s, "train", "loss", s5, 5, 0);
	expect_points(&s, "train", "acc", s2, 2, 0.25);
	expect_points(&s, "train", "lr", s2, 2, 0.5);
	tb_series *loss = series(&s, "train", "loss");
	assert_true(tb_series_wall(loss, 3) == 103.0);
	assert_string_equal(loss->plugin, "scalars");
	assert_int_equal(loss->kind, TB_KIND_SCALAR);
	assert_int_equal(tb_series_scalar(loss, 0).type, TB_NUM_F32);

	tb_series *w = series(&s, "train", "weights");
	assert_non_null(w);
	assert_int_equal(w->kind, TB_KIND_HISTOGRAM);
	assert_int_equal(w->n, 1);
	assert_int_equal(tb_series_step(w, 0), 7);
	const tb_hist *h = tb_series_hist(w, 0);
	assert_int_equal(h->n, 2);
	const double want_h[6] = { 0.5, 1.0, 2, 1.0, 4.0, 3 };
	assert_memory_equal(h->b, want_h, sizeof want_h);

	tb_series *t = series(&s, "train", "notes");
	assert_non_null(t);
	assert_int_equal(t->kind, TB_KIND_TEXT);
	assert_int_equal(t->n, 1);
	assert_string_equal(tb_series_text(t, 0)->strs[0], "hello *world*");
	assert_int_equal(r->n_series, 5);

	tb_loader_run *lr = lrun(&l, "train");
	assert_int_equal(lr->n_files, 1);
	assert_int_equal(lr->files[0]->error, 0);
	assert_int_equal(lr->files[0]->records, 1 + 5 + 2 + 2);
	assert_int_equal(lr->files[0]->offset, file_size);
	assert_int_equal(l.records_read, 10);
	assert_int_equal(l.bytes_read, file_size);
	assert_int_equal(l.files_failed, 0);
	unload(&l, &s);
}

/* file_version 2: the first START is ignored; a later START at step s
 * purges steps >= s in every tag; backwards steps are otherwise kept. */
static void test_session_purge(void **state)
{
	(void)state;
	struct efile f = { 0 };
	ef_version(&f, 1.0, "brain.Event:2");
	for (int64_t i = 0; i < 10; i++) {
		ef_scalar(&f, 2.0, i, "a", val(i, 0));
		ef_scalar(&f, 2.0, i, "b", val(i, 0.5));
	}
	ef_start(&f, 3.0, 3); /* first START: ignored */
	ef_scalar(&f, 3.0, 2, "b", val(2, 0.5)); /* backwards, kept as written */
	ef_flush(&f, "events.out.tfevents.1", 0);
	ef_free(&f);

	tb_store s;
	tb_loader l;
	load(&l, &s, TB_PURGE_SESSION, NULL);
	const int64_t all[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	const int64_t b11[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 2 };
	expect_points(&s, ".", "a", all, 10, 0);
	expect_points(&s, ".", "b", b11, 11, 0.5);

	/* the second START, at step 5: both tags lose steps >= 5 */
	ef_start(&f, 4.0, 5);
	for (int64_t i = 5; i < 8; i++)
		ef_scalar(&f, 4.0, i, "a", val(i, 0));
	ef_flush(&f, "events.out.tfevents.1", 1);
	assert_int_equal(tb_loader_read(&l), 0);
	const int64_t a2[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	const int64_t b2[] = { 0, 1, 2, 3, 4, 2 };
	expect_points(&s, ".", "a", a2, 8, 0);
	expect_points(&s, ".", "b", b2, 6, 0.5);

	/* a third START at 0 empties everything; a STOP purges nothing */
	ef_session(&f, 5.0, 1, TENSORBOARD__SESSION_LOG__SESSION_STATUS__STOP);
	ef_start(&f, 5.0, 0);
	ef_flush(&f, "events.out.tfevents.1", 1);
	assert_int_equal(tb_loader_read(&l), 0);
	assert_int_equal(series(&s, ".", "a")->n, 0);
	assert_int_equal(series(&s, ".", "b")->n, 0);
	ef_free(&f);
	unload(&l, &s);
}

/* A first START written after data is still the first: nothing purged. */
static void test_session_first_start_late(void **state)
{
	(void)state;
	struct efile f = { 0 };
	ef_version(&f, 1.0, "brain.Event:2");
	for (int64_t i = 0; i < 4; i++)
		ef_scalar(&f, 2.0, i, "a", val(i, 0));
	ef_start(&f, 3.0, 0);
	ef_flush(&f, "events.out.tfevents.1", 0);
	ef_free(&f);
	tb_store s;
	tb_loader l;
	load(&l, &s, TB_PURGE_SESSION, NULL);
	const int64_t want[] = { 0, 1, 2, 3 };
	expect_points(&s, ".", "a", want, 4, 0);
	unload(&l, &s);
}

/* No file_version: a summary step below the previous summary step purges,
 * in the tags of that event only, points with step >= its step. */
static void test_old_style_purge(void **state)
{
	(void)state;
	struct efile f = { 0 };
	for (int64_t i = 0; i < 10; i++) {
		ef_scalar(&f, 2.0, i, "a", val(i, 0));
		ef_scalar(&f, 2.0, i, "b", val(i, 0.5));
	}
	ef_scalar(&f, 3.0, 5, "a", val(5, 0));  /* backwards: purges a >= 5 only */
	ef_scalar(&f, 3.0, 10, "b", val(10, 0.5));
	/* one event with two values, one of them a new tag */
	const char *tags[2] = { "a", "c" };
	float vs[2] = { val(3, 0), val(3, 0.25) };
	ef_scalars(&f, 4.0, 3, 2, tags, vs);
	/* SessionLog START twice: no effect without file_version 2 */
	ef_start(&f, 5.0, 0);
	ef_start(&f, 5.0, 0);
	ef_flush(&f, "events.out.tfevents.1", 0);
	ef_free(&f);

	tb_store s;
	tb_loader l;
	load(&l, &s, TB_PURGE_SESSION, NULL);
	const int64_t a[] = { 0, 1, 2, 3 };
	const int64_t b[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	const int64_t c[] = { 3 };
	expect_points(&s, ".", "a", a, 4, 0);
	expect_points(&s, ".", "b", b, 11, 0.5);
	expect_points(&s, ".", "c", c, 1, 0.25);
	/* equal steps are not backwards */
	ef_scalar(&f, 6.0, 3, "c", val(3, 0.25));
	ef_flush(&f, "events.out.tfevents.1", 1);
	assert_int_equal(tb_loader_read(&l), 0);
	const int64_t c2[] = { 3, 3 };
	expect_points(&s, ".", "c", c2, 2, 0.25);
	ef_free(&f);
	unload(&l, &s);
}

/* The same file under the step rule: per series, SessionLog ignored. */
static void test_step_rule(void **state)
{
	(void)state;
	struct efile f = { 0 };
	ef_version(&f, 1.0, "brain.Event:2");
	for (int64_t i = 0; i < 10; i++) {
		ef_scalar(&f, 2.0, i, "a", val(i, 0));
		ef_scalar(&f, 2.0, i, "b", val(i, 0.5));
	}
	ef_start(&f, 3.0, 0);
	ef_start(&f, 3.0, 2); /* would purge under the Python rule */
	ef_scalar(&f, 3.0, 5, "a", val(5, 0));
	ef_scalar(&f, 3.0, 7, "a", val(7, 0));
	ef_scalar(&f, 3.0, 7, "a", val(7, 0)); /* duplicate: the last stays */
	ef_flush(&f, "events.out.tfevents.1", 0);
	ef_free(&f);
	tb_store s;
	tb_loader l;
	load(&l, &s, TB_PURGE_STEP, NULL);
	const int64_t a[] = { 0, 1, 2, 3, 4, 5, 7 };
	const int64_t b[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	expect_points(&s, ".", "a", a, 7, 0);
	expect_points(&s, ".", "b", b, 10, 0.5);
	unload(&l, &s);
}

/* Files of a run are read in byte order of their names ("10" < "9"). */
static void test_file_order(void **state)
{
	(void)state;
	struct efile f = { 0 };
	mkdir_rel("r");
	ef_version(&f, 1.0, "brain.Event:2");
	for (int64_t i = 5; i < 10; i++)
		ef_scalar(&f, 2.0, i, "a", val(i, 0));
	ef_flush(&f, "r/events.out.tfevents.9", 0);
	ef_version(&f, 1.0, "brain.Event:2");
	for (int64_t i = 0; i < 5; i++)
		ef_scalar(&f, 2.0, i, "a", val(i, 0));
	ef_flush(&f, "r/events.out.tfevents.10", 0);
	ef_free(&f);
	tb_store s;
	tb_loader l;
	load(&l, &s, TB_PURGE_NONE, NULL);
	const int64_t want[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	expect_points(&s, "r", "a", want, 10, 0);
	tb_loader_run *lr = lrun(&l, "r");
	assert_int_equal(lr->n_files, 2);
	assert_string_equal(lr->files[0]->name, "events.out.tfevents.10");
	assert_string_equal(lr->files[1]->name, "events.out.tfevents.9");
	unload(&l, &s);
}

/* A corrupt record: what came before stays, the file stops, the rest of
 * the run and other runs are read. */
static void test_corrupt_middle(void **state)
{
	(void)state;
	struct efile f = { 0 };
	mkdir_rel("bad");
	mkdir_rel("good");
	ef_version(&f, 1.0, "brain.Event:2");
	for (int64_t i = 0; i < 4; i++)
		ef_scalar(&f, 2.0, i, "a", val(i, 0));
	size_t cut = f.n;
	for (int64_t i = 4; i < 8; i++)
		ef_scalar(&f, 2.0, i, "a", val(i, 0));
	f.d[cut + 14] ^= 0x40; /* a payload byte of the record at step 4 */
	ef_flush(&f, "bad/events.out.tfevents.1", 0);
	ef_version(&f, 1.0, "brain.Event:2");
	for (int64_t i = 100; i < 103; i++)
		ef_scalar(&f, 2.0, i, "b", val(i, 0));
	ef_flush(&f, "bad/events.out.tfevents.2", 0);
	/* a record whose CRCs are right but whose payload is not an Event */
	ef_version(&f, 1.0, "brain.Event:2");
	ef_scalar(&f, 2.0, 0, "g", val(0, 0));
	ef_raw(&f, "\x0a\xff\xff", 3);
	ef_scalar(&f, 2.0, 1, "g", val(1, 0));
	ef_flush(&f, "bad/events.out.tfevents.3", 0);
	for (int64_t i = 0; i < 3; i++)
		ef_scalar(&f, 2.0, i, "c", val(i, 0));
	ef_flush(&f, "good/events.out.tfevents.1", 0);
	ef_free(&f);

	tb_store s;
	tb_loader l;
	load(&l, &s, TB_PURGE_STEP, NULL);
	const int64_t a[] = { 0, 1, 2, 3 }, b[] = { 100, 101, 102 }, c[] = { 0, 1, 2 };
	const int64_t g[] = { 0 };
	expect_points(&s, "bad", "a", a, 4, 0);
	expect_points(&s, "bad", "b", b, 3, 0);
	expect_points(&s, "bad", "g", g, 1, 0);
	expect_points(&s, "good", "c", c, 3, 0);
	tb_loader_run *lr = lrun(&l, "bad");
	assert_int_equal(lr->n_files, 3);
	assert_true(lr->files[0]->error < 0);
	assert_int_equal(lr->files[0]->records, 5);
	assert_int_equal(lr->files[1]->error, 0);
	assert_int_equal(lr->files[1]->records, 4);
	assert_true(lr->files[2]->error < 0);
	assert_int_equal(lr->files[2]->records, 2);
	assert_int_equal(lrun(&l, "good")->files[0]->error, 0);
	assert_int_equal(l.files_failed, 2);
	/* reading again neither re-reads nor duplicates nor re-fails */
	assert_int_equal(tb_loader_scan(&l), 0);
	assert_int_equal(tb_loader_read(&l), 0);
	expect_points(&s, "bad", "a", a, 4, 0);
	expect_points(&s, "bad", "b", b, 3, 0);
	expect_points(&s, "good", "c", c, 3, 0);
	assert_int_equal(l.files_failed, 2);
	unload(&l, &s);
}

static void test_scan_twice(void **state)
{
	(void)state;
	struct efile f = { 0 };
	mkdir_rel("r1");
	ef_version(&f, 1.0, "brain.Event:2");
	for (int64_t i = 0; i < 3; i++)
		ef_scalar(&f, 2.0, i, "a", val(i, 0));
	ef_flush(&f, "r1/events.out.tfevents.1", 0);
	tb_store s;
	tb_loader l;
	load(&l, &s, TB_PURGE_NONE, NULL);
	assert_int_equal(tb_loader_scan(&l), 0);
	assert_int_equal(tb_loader_scan(&l), 0);
	assert_int_equal(l.n_runs, 1);
	assert_int_equal(l.runs[0]->n_files, 1);
	assert_int_equal(s.n_runs, 1);
	assert_int_equal(tb_loader_read(&l), 0);
	const int64_t a[] = { 0, 1, 2 };
	expect_points(&s, "r1", "a", a, 3, 0);

	/* a new file in the run and a new run appear */
	ef_version(&f, 1.0, "brain.Event:2");
	ef_scalar(&f, 2.0, 3, "a", val(3, 0));
	ef_flush(&f, "r1/events.out.tfevents.2", 0);
	mkdir_rel("r2");
	ef_scalar(&f, 2.0, 0, "z", val(0, 0));
	ef_flush(&f, "r2/events.out.tfevents.1", 0);
	assert_int_equal(tb_loader_scan(&l), 0);
	assert_int_equal(tb_loader_scan(&l), 0);
	assert_int_equal(l.n_runs, 2);
	assert_int_equal(lrun(&l, "r1")->n_files, 2);
	assert_int_equal(s.n_runs, 2);
	assert_int_equal(tb_loader_read(&l), 0);
	assert_int_equal(tb_loader_read(&l), 0);
	const int64_t a2[] = { 0, 1, 2, 3 }, z[] = { 0 };
	expect_points(&s, "r1", "a", a2, 4, 0);
	expect_points(&s, "r2", "z", z, 1, 0);
	ef_free(&f);
	unload(&l, &s);
}

static void test_append_reads_new_only(void **state)
{
	(void)state;
	struct efile f = { 0 };
	ef_version(&f, 1.0, "brain.Event:2");
	for (int64_t i = 0; i < 3; i++)
		ef_scalar(&f, 2.0, i, "a", val(i, 0));
	ef_flush(&f, "events.out.tfevents.1", 0);
	tb_store s;
	tb_loader l;
	load(&l, &s, TB_PURGE_NONE, NULL);
	const int64_t a3[] = { 0, 1, 2 };
	expect_points(&s, ".", "a", a3, 3, 0);
	tb_file *file = lrun(&l, ".")->files[0];
	uint64_t off = file->offset;

	/* two complete records and half of a third */
	ef_scalar(&f, 2.0, 3, "a", val(3, 0));
	ef_scalar(&f, 2.0, 4, "a", val(4, 0));
	size_t complete = f.n;
	ef_scalar(&f, 2.0, 5, "a", val(5, 0));
	struct efile rest = { 0 };
	rest.cap = f.n - complete + 1;
	rest.d = malloc(rest.cap);
	rest.n = f.n - complete - 7;
	memcpy(rest.d, f.d + complete + 7, rest.n);
	f.n = complete + 7;
	ef_flush(&f, "events.out.tfevents.1", 1);
	assert_int_equal(tb_loader_read(&l), 0);
	const int64_t a5[] = { 0, 1, 2, 3, 4 };
	expect_points(&s, ".", "a", a5, 5, 0);
	assert_int_equal(file->error, 0);
	assert_int_equal(file->offset, off + complete);
	/* nothing new: still five */
	assert_int_equal(tb_loader_read(&l), 0);
	expect_points(&s, ".", "a", a5, 5, 0);
	/* the rest arrives */
	ef_flush(&rest, "events.out.tfevents.1", 1);
	assert_int_equal(tb_loader_read(&l), 0);
	const int64_t a6[] = { 0, 1, 2, 3, 4, 5 };
	expect_points(&s, ".", "a", a6, 6, 0);
	assert_int_equal(file->records, 7);
	ef_free(&rest);
	ef_free(&f);
	unload(&l, &s);
}

static void test_prefix(void **state)
{
	(void)state;
	struct efile f = { 0 };
	ef_scalar(&f, 2.0, 1, "a", val(1, 0));
	ef_flush(&f, "events.out.tfevents.1", 0);
	mkdir_rel("sub");
	ef_scalar(&f, 2.0, 2, "b", val(2, 0));
	ef_flush(&f, "sub/events.out.tfevents.1", 0);
	ef_free(&f);
	tb_store s;
	tb_loader l;
	load(&l, &s, TB_PURGE_STEP, "grp");
	assert_int_equal(s.n_runs, 2);
	const int64_t one[] = { 1 }, two[] = { 2 };
	expect_points(&s, "grp/.", "a", one, 1, 0);
	expect_points(&s, "grp/sub", "b", two, 1, 0);
	assert_null(tb_store_find_run(&s, "."));
	assert_null(tb_store_find_run(&s, "sub"));
	lrun(&l, "grp/.");
	lrun(&l, "grp/sub");
	unload(&l, &s);
}

static void test_add_file_and_threads(void **state)
{
	(void)state;
	struct efile f = { 0 };
	char rel[64];
	for (int r = 0; r < 8; r++) {
		snprintf(rel, sizeof rel, "run%d", r);
		mkdir_rel(rel);
		ef_version(&f, 100.0 - r, "brain.Event:2");
		for (int64_t i = 0; i < 200; i++)
			ef_scalar(&f, 100.0 - r + (double)i, i, "a", val(i, r));
		snprintf(rel, sizeof rel, "run%d/events.out.tfevents.1", r);
		ef_flush(&f, rel, 0);
	}
	ef_free(&f);
	/* several reader threads give the same result */
	tb_store s;
	tu_store_init(&s, TB_PURGE_STEP);
	tb_loader l;
	assert_int_equal(tb_loader_init(&l, &s, root, NULL), 0);
	l.threads = 4;
	assert_int_equal(tb_loader_scan(&l), 0);
	assert_int_equal(tb_loader_read(&l), 0);
	int64_t steps[200];
	for (int i = 0; i < 200; i++)
		steps[i] = i;
	for (int r = 0; r < 8; r++) {
		snprintf(rel, sizeof rel, "run%d", r);
		expect_points(&s, rel, "a", steps, 200, r);
	}
	assert_int_equal(l.records_read, 8 * 201);
	/* run order: by first wall time (run7 started first) */
	tb_run *sorted[8];
	tb_store_sorted_runs(&s, sorted);
	for (int r = 0; r < 8; r++) {
		snprintf(rel, sizeof rel, "run%d", 7 - r);
		assert_string_equal(sorted[r]->name, rel);
		assert_true(sorted[r]->start_time == 100.0 - (7 - r));
	}
	/* a single file as a run of its own name */
	assert_int_equal(tb_loader_add_file(&l, "single", at("run3/events.out.tfevents.1")), 0);
	assert_int_equal(tb_loader_read(&l), 0);
	expect_points(&s, "single", "a", steps, 200, 3);
	expect_points(&s, "run3", "a", steps, 200, 3);
	unload(&l, &s);
}

static void test_missing_logdir(void **state)
{
	(void)state;
	tb_store s;
	tu_store_init(&s, TB_PURGE_STEP);
	tb_loader l;
	assert_int_equal(tb_loader_init(&l, &s, at("later"), NULL), 0);
	assert_int_equal(tb_loader_scan(&l), -ENOENT);
	assert_int_equal(tb_loader_read(&l), 0);
	assert_int_equal(s.n_runs, 0);
	/* it appears */
	mkdir_rel("later");
	struct efile f = { 0 };
	ef_scalar(&f, 2.0, 1, "a", val(1, 0));
	ef_flush(&f, "later/events.out.tfevents.1", 0);
	ef_free(&f);
	assert_int_equal(tb_loader_scan(&l), 0);
	assert_int_equal(tb_loader_read(&l), 0);
	const int64_t one[] = { 1 };
	expect_points(&s, ".", "a", one, 1, 0);
	/* a file as the logdir */
	tb_loader l2;
	assert_int_equal(tb_loader_init(&l2, &s, at("later/events.out.tfevents.1"), NULL), 0);
	assert_int_equal(tb_loader_scan(&l2), -ENOTDIR);
	tb_loader_release(&l2);
	unload(&l, &s);
}

/* ---- fast path on and off give the same store ------------------------------------ */

static void same_bytes(const void *a, const void *b, size_t n, const char *what,
		       const char *run, const char *tag, size_t i)
{
	if (n && memcmp(a, b, n))
		fail_msg("%s/%s point %zu: %s differs between fast path on and off", run, tag, i,
			 what);
}

/* Every series and point of x equals y's, bit for bit. */
static void compare_points(const tb_run *x, const tb_run *y)
{
	if (x->n_series != y->n_series)
		fail_msg("run %s: %zu series with the fast path, %zu without", x->name, x->n_series,
			 y->n_series);
	for (size_t k = 0; k < x->n_series; k++) {
		const tb_series *a = x->series[k], *b = y->series[k];
		const char *tag = a->tag;
		if (a->tag_len != b->tag_len || memcmp(a->tag, b->tag, a->tag_len))
			fail_msg("run %s series %zu: tag '%s' vs '%s'", x->name, k, a->tag, b->tag);
		if (a->kind != b->kind || strcmp(a->plugin, b->plugin) ||
		    a->data_class != b->data_class || strcmp(a->display_name, b->display_name) ||
		    strcmp(a->description, b->description) || a->content_len != b->content_len)
			fail_msg("%s/%s: metadata differs between fast path on and off", x->name, tag);
		same_bytes(a->content, b->content, a->content_len, "content", x->name, tag, 0);
		if (a->n != b->n)
			fail_msg("%s/%s: %zu points with the fast path, %zu without", x->name, tag,
				 a->n, b->n);
		if (a->dropped != b->dropped)
			fail_msg("%s/%s: %llu dropped with the fast path, %llu without", x->name, tag,
				 (unsigned long long)a->dropped, (unsigned long long)b->dropped);
		for (size_t i = 0; i < a->n; i++) {
			double wa = tb_series_wall(a, i), wb = tb_series_wall(b, i);
			int64_t sa = tb_series_step(a, i), sb = tb_series_step(b, i);
			same_bytes(&wa, &wb, 8, "wall time", x->name, tag, i);
			same_bytes(&sa, &sb, 8, "step", x->name, tag, i);
			if (a->kind == TB_KIND_SCALAR) {
				tb_scalar va = tb_series_scalar(a, i), vb = tb_series_scalar(b, i);
				if (va.type != vb.type)
					fail_msg("%s/%s point %zu: type differs", x->name, tag, i);
				same_bytes(&va.f, &vb.f, 8, "value", x->name, tag, i);
				same_bytes(&va.i, &vb.i, 8, "value", x->name, tag, i);
			} else if (a->kind == TB_KIND_HISTOGRAM) {
				const tb_hist *ha = tb_series_hist(a, i), *hb = tb_series_hist(b, i);
				if (ha->n != hb->n)
					fail_msg("%s/%s point %zu: bucket count differs", x->name, tag, i);
				same_bytes(ha->b, hb->b, 3 * ha->n * sizeof(double), "buckets", x->name,
					   tag, i);
			} else if (a->kind == TB_KIND_TEXT) {
				const tb_text *ta = tb_series_text(a, i), *tb = tb_series_text(b, i);
				if (ta->rank != tb->rank || ta->count != tb->count || ta->n_strs != tb->n_strs)
					fail_msg("%s/%s point %zu: text shape differs", x->name, tag, i);
				same_bytes(ta->dims, tb->dims, (size_t)ta->rank * 8, "dims", x->name,
					   tag, i);
				same_bytes(ta->lens, tb->lens, ta->n_strs * sizeof(size_t), "lengths",
					   x->name, tag, i);
				for (size_t c = 0; c < ta->n_strs; c++)
					same_bytes(ta->strs[c], tb->strs[c], ta->lens[c], "string",
						   x->name, tag, i);
			} else {
				/* blobs are places in the files: read both back */
				const tb_blob *ba = tb_series_blob(a, i), *bb = tb_series_blob(b, i);
				unsigned char *da, *db;
				size_t la, lb;
				if (tb_blob_read(x, ba, &da, &la) || tb_blob_read(y, bb, &db, &lb))
					fail_msg("%s/%s point %zu: blob not read back", x->name, tag, i);
				if (ba->type != bb->type || ba->len != bb->len || la != lb ||
				    la != ba->len)
					fail_msg("%s/%s point %zu: blob differs", x->name, tag, i);
				same_bytes(da, db, la, "blob", x->name, tag, i);
				free(da);
				free(db);
			}
		}
	}
	if (x->has_start != y->has_start ||
	    (x->has_start && memcmp(&x->start_time, &y->start_time, 8)))
		fail_msg("run %s: start time differs between fast path on and off", x->name);
}

/* The run's counters (for --inspect) agree too. */
static void compare_counters(const tb_run *x, const tb_run *y)
{
	if (x->events != y->events || x->session_logs != y->session_logs ||
	    x->graphs != y->graphs || x->meta_graphs != y->meta_graphs)
		fail_msg("run %s: event counters differ between fast path on and off", x->name);
	if (x->bad_values != y->bad_values)
		fail_msg("run %s: %llu bad values with the fast path, %llu without", x->name,
			 (unsigned long long)x->bad_values, (unsigned long long)y->bad_values);
}

/* Two loads of one logdir, with and without the fast path. Released by
 * the test's teardown, so a failed comparison leaks nothing. */
static struct both {
	tb_loader lf, ls;   /* fast path on, off */
	tb_store sf, ss;
	bool live;
} both;

static void load_both(const char *dir, tb_purge_rule rule)
{
	struct both *b = &both;
	tu_store_init(&b->sf, rule);
	tu_store_init(&b->ss, rule);
	assert_int_equal(tb_loader_init(&b->lf, &b->sf, dir, NULL), 0);
	assert_int_equal(tb_loader_init(&b->ls, &b->ss, dir, NULL), 0);
	b->live = true;
	assert_int_equal(tb_loader_scan(&b->lf), 0);
	assert_int_equal(tb_loader_scan(&b->ls), 0);
	for (size_t i = 0; i < b->ls.n_runs; i++)
		b->ls.runs[i]->ingest.use_fast = 0;
	assert_int_equal(tb_loader_read(&b->lf), 0);
	assert_int_equal(tb_loader_read(&b->ls), 0);
	assert_int_equal(b->sf.n_runs, b->ss.n_runs);
	assert_int_equal(b->lf.n_runs, b->ls.n_runs);
}

static void unload_both(void)
{
	if (!both.live)
		return;
	unload(&both.lf, &both.sf);
	unload(&both.ls, &both.ss);
	both.live = false;
}

static int teardown_both(void **state)
{
	unload_both();
	return teardown_root(state);
}

static void test_fast_path_same_store_real(void **state)
{
	(void)state;
	for (int rule = TB_PURGE_STEP; rule <= TB_PURGE_SESSION; rule++) {
		load_both(tu_path("real"), (tb_purge_rule)rule);
		uint64_t fast = 0, slow_fast = 0;
		for (size_t i = 0; i < both.lf.n_runs; i++) {
			fast += both.lf.runs[i]->ingest.fast;
			slow_fast += both.ls.runs[i]->ingest.fast;
			assert_string_equal(both.lf.runs[i]->name, both.ls.runs[i]->name);
			compare_points(both.lf.runs[i]->run, both.ls.runs[i]->run);
			compare_counters(both.lf.runs[i]->run, both.ls.runs[i]->run);
		}
		assert_true(fast > 0);
		assert_int_equal(slow_fast, 0);
		unload_both();
	}
}

/* Without file_version, a summary event whose tag is too long to store still
 * counts as "the previous summary step" for the Python purge rule, with or
 * without the fast path. */
static void test_fast_path_long_tag_purge_state(void **state)
{
	(void)state;
	struct efile f = { 0 };
	char longtag[5001];
	memset(longtag, 'L', 5000);
	longtag[5000] = '\0';
	ef_scalar(&f, 2.0, 20, "a", val(20, 0));
	ef_scalar(&f, 2.0, 5, longtag, 1.0f);    /* not stored: tag too long */
	ef_scalar(&f, 2.0, 10, "a", val(10, 0)); /* 10 > 5: not a step back */
	ef_flush(&f, "events.out.tfevents.1", 0);
	ef_free(&f);
	load_both(root, TB_PURGE_SESSION);
	const int64_t want[] = { 20, 10 };
	expect_points(&both.ss, ".", "a", want, 2, 0);
	expect_points(&both.sf, ".", "a", want, 2, 0);
	compare_points(both.lf.runs[0]->run, both.ls.runs[0]->run);
}

/* A simple_value written to a tag that is a text series is dropped and
 * counted the same way on both paths. */
static void test_fast_path_counters(void **state)
{
	(void)state;
	struct efile f = { 0 };
	ef_version(&f, 1.0, "brain.Event:2");
	ef_text(&f, 2.0, 1, "t", "first value fixes the kind");
	ef_scalar(&f, 2.0, 2, "t", 1.0f); /* fast-path shaped, wrong kind */
	ef_flush(&f, "events.out.tfevents.1", 0);
	ef_free(&f);
	load_both(root, TB_PURGE_STEP);
	assert_int_equal(both.lf.runs[0]->ingest.fast, 1);
	tb_series *t = series(&both.sf, ".", "t");
	assert_int_equal(t->n, 1);
	assert_int_equal(t->dropped, 1);
	compare_points(both.lf.runs[0]->run, both.ls.runs[0]->run);
	compare_counters(both.lf.runs[0]->run, both.ls.runs[0]->run);
}

int main(void)
{
	tb_log_level = TB_LOG_ERROR;
#define T(name) cmocka_unit_test_setup_teardown(name, setup_root, teardown_root)
	const struct CMUnitTest tests[] = {
		T(test_load_basic),
		T(test_session_purge),
		T(test_session_first_start_late),
		T(test_old_style_purge),
		T(test_step_rule),
		T(test_file_order),
		T(test_corrupt_middle),
		T(test_scan_twice),
		T(test_append_reads_new_only),
		T(test_prefix),
		T(test_add_file_and_threads),
		T(test_missing_logdir),
		cmocka_unit_test_setup_teardown(test_fast_path_same_store_real, setup_root,
						teardown_both),
		cmocka_unit_test_setup_teardown(test_fast_path_long_tag_purge_state, setup_root,
						teardown_both),
		cmocka_unit_test_setup_teardown(test_fast_path_counters, setup_root, teardown_both),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
