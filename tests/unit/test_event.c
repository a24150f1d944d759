/*
 * test_event.c - Event decoding and value normalisation (server/event.c).
 *
 *  - The fast scalar path never disagrees with protobuf-c: over every record
 *    of every real file, over hand-built payloads that it must decline, and
 *    over many mutated payloads.
 *  - Tensor scalars of every dtype, from tensor_content and *_val fields.
 *  - half / bfloat16 bit patterns.
 *  - Histograms: TensorBoard's Python migration of HistogramProto (reference
 *    §2.3) and TF2 [k,3] tensors; text tensors; plugin and kind (§2.1).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "logdir.h"
#include "record.h"
#include "testutil.h"

/* ---- protobuf writer for hand-built payloads ---------------------------- */

struct pb {
	unsigned char d[8192];
	size_t n;
};

static void pb_raw(struct pb *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof b->d);
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void pb_varint(struct pb *b, uint64_t v)
{
	do {
		unsigned char c = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			c |= 0x80;
		pb_raw(b, &c, 1);
	} while (v);
}

static void pb_key(struct pb *b, unsigned field, unsigned wire)
{
	pb_varint(b, (uint64_t)field << 3 | wire);
}

static void pb_double(struct pb *b, unsigned field, double v)
{
	pb_key(b, field, 1);
	pb_raw(b, &v, 8);
}

static void pb_float(struct pb *b, unsigned field, float v)
{
	pb_key(b, field, 5);
	pb_raw(b, &v, 4);
}

static void pb_int(struct pb *b, unsigned field, uint64_t v)
{
	pb_key(b, field, 0);
	pb_varint(b, v);
}

static void pb_bytes(struct pb *b, unsigned field, const void *p, size_t n)
{
	pb_key(b, field, 2);
	pb_varint(b, n);
	pb_raw(b, p, n);
}

static void pb_msg(struct pb *b, unsigned field, const struct pb *m)
{
	pb_bytes(b, field, m->d, m->n);
}

/* Summary.Value{tag, simple_value} */
static struct pb value_simple(const char *tag, size_t tag_len, float v)
{
	struct pb b = { .n = 0 };
	pb_bytes(&b, 1, tag, tag_len);
	pb_float(&b, 2, v);
	return b;
}

/* Event{wall_time, step, summary{value...}} */
static struct pb event_with(double wall, int64_t step, const struct pb *values, size_t n)
{
	struct pb sum = { .n = 0 }, ev = { .n = 0 };
	for (size_t i = 0; i < n; i++)
		pb_msg(&sum, 1, &values[i]);
	pb_double(&ev, 1, wall);
	pb_int(&ev, 2, (uint64_t)step);
	pb_msg(&ev, 5, &sum);
	return ev;
}

/* ---- agreement check ------------------------------------------------------ */

/* If the fast path accepts p, the general decoder must read the same event.
 * Returns 1 when the fast path accepted. The caller resets the arena. */
static int check_agree(tb_arena *a, const unsigned char *p, size_t n, const char *what)
{
	tb_fast_scalar f;
	if (!tb_event_fast_scalar(p, n, &f))
		return 0;
	tb_pb_event *ev = tb_event_decode(a, p, n);
	if (!ev)
		fail_msg("%s: fast path accepted a payload the decoder rejects", what);
	if (memcmp(&f.wall, &ev->wall_time, 8))
		fail_msg("%s: wall %.17g vs %.17g", what, f.wall, ev->wall_time);
	if (f.step != ev->step)
		fail_msg("%s: step %lld vs %lld", what, (long long)f.step, (long long)ev->step);
	if (ev->what_case != TENSORBOARD__EVENT__WHAT_SUMMARY || ev->summary->n_value != 1)
		fail_msg("%s: fast path accepted an event that is not one summary value", what);
	if (ev->source_metadata)
		fail_msg("%s: fast path accepted an event with source_metadata", what);
	const tb_pb_value *v = ev->summary->value[0];
	if (v->value_case != TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE)
		fail_msg("%s: value is not a simple_value", what);
	if (memcmp(&f.value, &v->simple_value, 4))
		fail_msg("%s: value %.9g vs %.9g", what, f.value, v->simple_value);
	if (v->metadata)
		fail_msg("%s: fast path accepted a value with metadata", what);
	if (v->node_name && v->node_name[0])
		fail_msg("%s: fast path accepted a value with node_name", what);
	if (strlen(v->tag) != f.tag_len || memcmp(v->tag, f.tag, f.tag_len))
		fail_msg("%s: tag '%.*s' vs '%s'", what, (int)f.tag_len, f.tag, v->tag);
	return 1;
}

/* ---- every record of every real file ---------------------------------------- */

struct paths {
	char **v;
	size_t n, cap;
};

static int collect(void *ctx, const char *run, const char *dir, char *const *files, size_t n)
{
	(void)run;
	struct paths *ps = ctx;
	for (size_t i = 0; i < n; i++) {
		if (ps->n == ps->cap) {
			ps->cap = ps->cap ? ps->cap * 2 : 64;
			ps->v = realloc(ps->v, ps->cap * sizeof *ps->v);
			assert_non_null(ps->v);
		}
		size_t len = strlen(dir) + strlen(files[i]) + 2;
		ps->v[ps->n] = malloc(len);
		assert_non_null(ps->v[ps->n]);
		snprintf(ps->v[ps->n], len, "%s/%s", dir, files[i]);
		ps->n++;
	}
	return 0;
}

static void test_real_fast_vs_decoder(void **state)
{
	(void)state;
	struct paths ps = { NULL, 0, 0 };
	assert_int_equal(tb_logdir_walk(tu_path("real"), collect, &ps), 0);

	char *text = tu_read_file(tu_path("real/SUMMARY.json"), NULL);
	assert_non_null(text);
	cJSON *sum = cJSON_Parse(text);
	free(text);
	assert_non_null(sum);
	double want_records = 0;
	const cJSON *f;
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(sum, "files"))
		want_records += cJSON_GetObjectItem(f, "records")->valuedouble;
	assert_int_equal(ps.n, cJSON_GetArraySize(cJSON_GetObjectItem(sum, "files")));
	cJSON_Delete(sum);

	tb_arena a;
	tb_arena_init(&a);
	uint64_t records = 0, fast = 0, general = 0;
	for (size_t i = 0; i < ps.n; i++) {
		tb_record_reader r;
		assert_int_equal(tb_record_open(&r, ps.v[i], 0), 0);
		const unsigned char *p;
		size_t n;
		int rc;
		while ((rc = tb_record_next(&r, &p, &n)) == 1) {
			records++;
			if (check_agree(&a, p, n, ps.v[i])) {
				fast++;
			} else {
				tb_pb_event *ev = tb_event_decode(&a, p, n);
				if (!ev)
					fail_msg("%s: record %llu does not decode", ps.v[i],
						 (unsigned long long)records);
				general++;
			}
			tb_arena_reset(&a);
		}
		if (rc != 0)
			fail_msg("%s: reader error %d", ps.v[i], rc);
		tb_record_close(&r);
		free(ps.v[i]);
	}
	free(ps.v);
	tb_arena_release(&a);
	assert_true((double)records == want_records);
	print_message("%llu records: %llu fast, %llu general\n", (unsigned long long)records,
		      (unsigned long long)fast, (unsigned long long)general);
	assert_true(fast > 0);
	assert_true(general > 0);
}

/* ---- hand-built payloads -------------------------------------------------------- */

static void expect_fast(tb_arena *a, const struct pb *b, double wall, int64_t step,
			const char *tag, float v)
{
	tb_fast_scalar f;
	if (tb_event_fast_scalar(b->d, b->n, &f) != 1)
		fail_msg("fast path declined a plain scalar event: tag '%.40s' (%zu bytes), "
			 "step %lld, wall %.17g, value %.9g", tag, strlen(tag), (long long)step,
			 wall, v);
	assert_true(check_agree(a, b->d, b->n, tag));
	tb_arena_reset(a);
	assert_memory_equal(&f.wall, &wall, 8);
	assert_int_equal(f.step, step);
	assert_int_equal(f.tag_len, strlen(tag));
	assert_memory_equal(f.tag, tag, f.tag_len);
	assert_memory_equal(&f.value, &v, 4);
}

static void expect_decline(const struct pb *b, const char *why)
{
	tb_fast_scalar f;
	if (tb_event_fast_scalar(b->d, b->n, &f))
		fail_msg("fast path accepted: %s", why);
}

static void test_fast_accepts(void **state)
{
	(void)state;
	tb_arena a;
	tb_arena_init(&a);
	struct pb v = value_simple("loss", 4, 0.25f);
	struct pb ev = event_with(1700000000.5, 42, &v, 1);
	expect_fast(&a, &ev, 1700000000.5, 42, "loss", 0.25f);

	/* negative step: a ten-byte varint */
	ev = event_with(1.0, -5, &v, 1);
	expect_fast(&a, &ev, 1.0, -5, "loss", 0.25f);
	ev = event_with(1.0, INT64_MIN, &v, 1);
	expect_fast(&a, &ev, 1.0, INT64_MIN, "loss", 0.25f);
	ev = event_with(1.0, INT64_MAX, &v, 1);
	expect_fast(&a, &ev, 1.0, INT64_MAX, "loss", 0.25f);

	/* fields in another order; wall and step absent (proto3 zero) */
	struct pb sum = { .n = 0 }, e2 = { .n = 0 };
	struct pb v2 = { .n = 0 };
	pb_float(&v2, 2, -3.5f);
	pb_bytes(&v2, 1, "a/b c", 5);
	pb_msg(&sum, 1, &v2);
	pb_msg(&e2, 5, &sum);
	pb_int(&e2, 2, 7);
	pb_double(&e2, 1, 2.0);
	expect_fast(&a, &e2, 2.0, 7, "a/b c", -3.5f);
	e2.n = 0;
	pb_msg(&e2, 5, &sum);
	expect_fast(&a, &e2, 0.0, 0, "a/b c", -3.5f);

	/* NaN, infinities and -0 are values like any other */
	float specials[] = { NAN, INFINITY, -INFINITY, -0.0f, FLT_MIN, FLT_MAX };
	for (size_t i = 0; i < sizeof specials / sizeof *specials; i++) {
		v = value_simple("s", 1, specials[i]);
		ev = event_with(3.0, 1, &v, 1);
		expect_fast(&a, &ev, 3.0, 1, "s", specials[i]);
	}
	/* a long tag (two-byte length varint) and a non-ASCII one */
	char tag[300];
	memset(tag, 'x', sizeof tag - 1);
	tag[sizeof tag - 1] = '\0';
	v = value_simple(tag, strlen(tag), 1.0f);
	ev = event_with(3.0, 1, &v, 1);
	expect_fast(&a, &ev, 3.0, 1, tag, 1.0f);
	v = value_simple("\xc3\xbc/\xe8\xbf\x90", 6, 1.0f);
	ev = event_with(3.0, 1, &v, 1);
	expect_fast(&a, &ev, 3.0, 1, "\xc3\xbc/\xe8\xbf\x90", 1.0f);
	/* bytes that are not UTF-8: whatever the fast path does, the decoder
	 * must agree with it */
	v = value_simple("\xff\xfe/\xc3", 4, 2.0f);
	ev = event_with(3.0, 1, &v, 1);
	check_agree(&a, ev.d, ev.n, "invalid UTF-8 tag");
	tb_arena_reset(&a);
	tb_arena_release(&a);
}

static void test_fast_declines(void **state)
{
	(void)state;
	struct pb v = value_simple("loss", 4, 0.5f);
	struct pb ev;

	/* metadata */
	struct pb vm = v, md = { .n = 0 }, pd = { .n = 0 };
	pb_bytes(&pd, 1, "scalars", 7);
	pb_msg(&md, 1, &pd);
	pb_msg(&vm, 9, &md);
	ev = event_with(1.0, 1, &vm, 1);
	expect_decline(&ev, "metadata");
	/* empty metadata message */
	vm = v;
	pb_bytes(&vm, 9, "", 0);
	ev = event_with(1.0, 1, &vm, 1);
	expect_decline(&ev, "empty metadata");

	/* two values */
	struct pb two[2] = { v, value_simple("acc", 3, 0.9f) };
	ev = event_with(1.0, 1, two, 2);
	expect_decline(&ev, "two values");
	/* no value at all */
	ev = event_with(1.0, 1, NULL, 0);
	expect_decline(&ev, "empty summary");

	/* node_name, with and without a tag */
	struct pb vn = v;
	pb_bytes(&vn, 7, "node", 4);
	ev = event_with(1.0, 1, &vn, 1);
	expect_decline(&ev, "node_name");
	vn.n = 0;
	pb_bytes(&vn, 7, "node", 4);
	pb_float(&vn, 2, 1.0f);
	ev = event_with(1.0, 1, &vn, 1);
	expect_decline(&ev, "node_name without tag");

	/* a tag containing NUL; an empty tag; no tag */
	struct pb vz = value_simple("a\0b", 3, 1.0f);
	ev = event_with(1.0, 1, &vz, 1);
	expect_decline(&ev, "NUL in tag");
	vz = value_simple("", 0, 1.0f);
	ev = event_with(1.0, 1, &vz, 1);
	expect_decline(&ev, "empty tag");
	vz.n = 0;
	pb_float(&vz, 2, 1.0f);
	ev = event_with(1.0, 1, &vz, 1);
	expect_decline(&ev, "no tag");
	/* a tag but no value */
	vz.n = 0;
	pb_bytes(&vz, 1, "t", 1);
	ev = event_with(1.0, 1, &vz, 1);
	expect_decline(&ev, "no simple_value");

	/* other kinds of value: tensor, histo, image */
	struct pb vt = { .n = 0 }, t = { .n = 0 };
	pb_int(&t, 1, 1);
	pb_bytes(&vt, 1, "t", 1);
	pb_msg(&vt, 8, &t);
	ev = event_with(1.0, 1, &vt, 1);
	expect_decline(&ev, "tensor value");
	vt.n = 0;
	pb_bytes(&vt, 1, "t", 1);
	pb_bytes(&vt, 5, "", 0);
	ev = event_with(1.0, 1, &vt, 1);
	expect_decline(&ev, "histo value");

	/* unknown fields: in the event (source_metadata, a high field), in the
	 * value, in the summary */
	ev = event_with(1.0, 1, &v, 1);
	struct pb sm = { .n = 0 };
	pb_bytes(&sm, 1, "writer", 6);
	pb_msg(&ev, 10, &sm);
	expect_decline(&ev, "source_metadata");
	ev = event_with(1.0, 1, &v, 1);
	pb_int(&ev, 20, 1);
	expect_decline(&ev, "unknown event field 20");
	struct pb vu = v;
	pb_int(&vu, 15, 3);
	ev = event_with(1.0, 1, &vu, 1);
	expect_decline(&ev, "unknown value field");
	struct pb s3 = { .n = 0 };
	pb_msg(&s3, 1, &v);
	pb_int(&s3, 2, 1);
	ev.n = 0;
	pb_double(&ev, 1, 1.0);
	pb_msg(&ev, 5, &s3);
	expect_decline(&ev, "unknown summary field");

	/* duplicated scalar fields (the last would win in protobuf) */
	ev = event_with(1.0, 1, &v, 1);
	pb_int(&ev, 2, 9);
	expect_decline(&ev, "step twice");
	ev = event_with(1.0, 1, &v, 1);
	pb_double(&ev, 1, 2.0);
	expect_decline(&ev, "wall_time twice");
	struct pb vd = v;
	pb_float(&vd, 2, 7.0f);
	ev = event_with(1.0, 1, &vd, 1);
	expect_decline(&ev, "simple_value twice");
	/* two summaries (protobuf would merge them) */
	ev = event_with(1.0, 1, &v, 1);
	struct pb s4 = { .n = 0 };
	pb_msg(&s4, 1, &v);
	pb_msg(&ev, 5, &s4);
	expect_decline(&ev, "summary twice");

	/* wrong wire types */
	ev.n = 0;
	pb_key(&ev, 2, 1); /* step as fixed64 */
	pb_raw(&ev, "\1\0\0\0\0\0\0\0", 8);
	struct pb s5 = { .n = 0 };
	pb_msg(&s5, 1, &v);
	pb_msg(&ev, 5, &s5);
	expect_decline(&ev, "step as fixed64");
	ev.n = 0;
	pb_int(&ev, 1, 5); /* wall_time as varint */
	pb_msg(&ev, 5, &s5);
	expect_decline(&ev, "wall_time as varint");

	/* truncated varints and lengths */
	ev.n = 0;
	pb_double(&ev, 1, 1.0);
	pb_msg(&ev, 5, &s5);
	pb_key(&ev, 2, 0);
	pb_raw(&ev, "\xff\xff", 2);
	expect_decline(&ev, "truncated step varint");
	ev.n = 0;
	pb_key(&ev, 2, 0);
	pb_raw(&ev, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
	pb_msg(&ev, 5, &s5);
	expect_decline(&ev, "eleven-byte step varint");
	ev.n = 0;
	pb_key(&ev, 5, 2);
	pb_raw(&ev, "\x80", 1);
	expect_decline(&ev, "truncated summary length");
	ev.n = 0;
	pb_key(&ev, 5, 2);
	pb_varint(&ev, s5.n + 1);
	pb_raw(&ev, s5.d, s5.n);
	expect_decline(&ev, "summary length past the end");
	ev.n = 0;
	pb_double(&ev, 1, 1.0);
	ev.n -= 3;
	expect_decline(&ev, "truncated wall_time");
	/* a value whose tag length runs past the value */
	struct pb vb = { .n = 0 };
	pb_key(&vb, 1, 2);
	pb_varint(&vb, 10);
	pb_raw(&vb, "abc", 3);
	ev = event_with(1.0, 1, &vb, 1);
	expect_decline(&ev, "tag length past the value");
	/* truncated float */
	vb.n = 0;
	pb_bytes(&vb, 1, "t", 1);
	pb_key(&vb, 2, 5);
	pb_raw(&vb, "\0\0", 2);
	ev = event_with(1.0, 1, &vb, 1);
	expect_decline(&ev, "truncated simple_value");

	/* not a summary at all */
	ev.n = 0;
	pb_double(&ev, 1, 1.0);
	pb_bytes(&ev, 3, "brain.Event:2", 13);
	expect_decline(&ev, "file_version event");
	ev.n = 0;
	expect_decline(&ev, "empty payload");
}

static uint64_t rng = 0x853c49e6748fea9bull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* Prefixes and random mutations of valid scalar events: whatever the fast
 * path accepts, the decoder reads the same. */
static void test_fast_mutations(void **state)
{
	(void)state;
	tb_arena a;
	tb_arena_init(&a);
	struct pb bases[3];
	struct pb v = value_simple("train/loss", 10, 0.125f);
	bases[0] = event_with(1712345678.25, 123456, &v, 1);
	v = value_simple("x", 1, -1.0f);
	bases[1] = event_with(0.5, -3, &v, 1);
	struct pb sum = { .n = 0 };
	v = value_simple("acc", 3, 0.75f);
	pb_msg(&sum, 1, &v);
	bases[2].n = 0;
	pb_msg(&bases[2], 5, &sum);
	pb_int(&bases[2], 2, 300);
	pb_double(&bases[2], 1, 99.0);
	uint64_t accepted = 0, tried = 0;
	for (int b = 0; b < 3; b++) {
		const struct pb *base = &bases[b];
		for (size_t cut = 0; cut <= base->n; cut++) {
			accepted += (uint64_t)check_agree(&a, base->d, cut, "prefix");
			tb_arena_reset(&a);
		}
		for (int k = 0; k < 100000; k++) {
			struct pb m = *base;
			int edits = 1 + (int)(rnd() % 3);
			for (int e = 0; e < edits; e++) {
				size_t at = rnd() % m.n;
				switch (rnd() % 4) {
				case 0: m.d[at] ^= (unsigned char)(1u << (rnd() % 8)); break;
				case 1: m.d[at] = (unsigned char)rnd(); break;
				case 2: m.d[at] = (unsigned char)(rnd() % 3 ? 0 : 0x80); break;
				default: m.n = at + 1; break;
				}
			}
			tried++;
			accepted += (uint64_t)check_agree(&a, m.d, m.n, "mutation");
			tb_arena_reset(&a);
		}
	}
	/* the mutations must exercise the accepting side too */
	assert_true(accepted > 1000);
	assert_true(tried == 300000);
	tb_arena_release(&a);
}

/* ---- tensor scalars ------------------------------------------------------------- */

static Tensorboard__TensorShapeProto__Dim dims_buf[8];
static Tensorboard__TensorShapeProto__Dim *dim_ptrs[8];
static Tensorboard__TensorShapeProto shape_buf;

/* A shape with the given dims (static storage; one at a time). */
static Tensorboard__TensorShapeProto *shape(size_t n, const int64_t *d)
{
	Tensorboard__TensorShapeProto s = TENSORBOARD__TENSOR_SHAPE_PROTO__INIT;
	shape_buf = s;
	for (size_t i = 0; i < n; i++) {
		Tensorboard__TensorShapeProto__Dim dm = TENSORBOARD__TENSOR_SHAPE_PROTO__DIM__INIT;
		dims_buf[i] = dm;
		dims_buf[i].size = d[i];
		dim_ptrs[i] = &dims_buf[i];
	}
	shape_buf.n_dim = n;
	shape_buf.dim = dim_ptrs;
	return &shape_buf;
}

static tb_pb_tensor tensor_of(int dtype)
{
	tb_pb_tensor t = TENSORBOARD__TENSOR_PROTO__INIT;
	t.dtype = (Tensorboard__DataType)dtype;
	return t;
}

static void set_content(tb_pb_tensor *t, const void *p, size_t n)
{
	t->tensor_content.data = (uint8_t *)p;
	t->tensor_content.len = n;
}

/* The three accepted shapes of a one-element tensor. */
static void for_shapes(tb_pb_tensor *t, tb_num_type type, double f, int64_t i)
{
	static const int64_t one[2] = { 1, 1 };
	for (int s = 0; s < 4; s++) {
		t->tensor_shape = s == 0 ? NULL : shape((size_t)(s - 1), one);
		tb_scalar out;
		memset(&out, 0x55, sizeof out);
		int rc = tb_tensor_scalar(t, &out);
		if (rc)
			fail_msg("dtype %d rank %d: rc %d", t->dtype, s - 1, rc);
		if (out.type != type)
			fail_msg("dtype %d rank %d: type %d, want %d", t->dtype, s - 1, out.type, type);
		if (type == TB_NUM_F32 || type == TB_NUM_F64) {
			if (memcmp(&out.f, &f, 8) && !(isnan(f) && isnan(out.f)))
				fail_msg("dtype %d: %.17g, want %.17g", t->dtype, out.f, f);
		} else if (out.i != i) {
			fail_msg("dtype %d: %lld, want %lld", t->dtype, (long long)out.i, (long long)i);
		}
	}
}

static void test_tensor_scalar_content(void **state)
{
	(void)state;
	tb_pb_tensor t;
	float f = 0.1f;
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_FLOAT);
	set_content(&t, &f, 4);
	for_shapes(&t, TB_NUM_F32, (double)0.1f, 0);
	double d = 0.1;
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_DOUBLE);
	set_content(&t, &d, 8);
	for_shapes(&t, TB_NUM_F64, 0.1, 0);
	uint16_t h = 0x3555; /* 0.333251953125 */
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_HALF);
	set_content(&t, &h, 2);
	for_shapes(&t, TB_NUM_F64, 0.333251953125, 0);
	uint16_t bf = 0xc049; /* -3.140625 */
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_BFLOAT16);
	set_content(&t, &bf, 2);
	for_shapes(&t, TB_NUM_F64, -3.140625, 0);
	int8_t i8 = -128;
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_INT8);
	set_content(&t, &i8, 1);
	for_shapes(&t, TB_NUM_I64, 0, -128);
	int16_t i16 = -32768;
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_INT16);
	set_content(&t, &i16, 2);
	for_shapes(&t, TB_NUM_I64, 0, -32768);
	int32_t i32 = INT32_MIN;
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_INT32);
	set_content(&t, &i32, 4);
	for_shapes(&t, TB_NUM_I64, 0, INT32_MIN);
	int64_t i64 = INT64_MIN + 7;
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_INT64);
	set_content(&t, &i64, 8);
	for_shapes(&t, TB_NUM_I64, 0, INT64_MIN + 7);
	uint8_t u8 = 255;
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_UINT8);
	set_content(&t, &u8, 1);
	for_shapes(&t, TB_NUM_I64, 0, 255);
	uint16_t u16 = 65535;
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_UINT16);
	set_content(&t, &u16, 2);
	for_shapes(&t, TB_NUM_I64, 0, 65535);
	uint32_t u32 = UINT32_MAX;
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_UINT32);
	set_content(&t, &u32, 4);
	for_shapes(&t, TB_NUM_I64, 0, (int64_t)UINT32_MAX);
	uint8_t bt = 1, bf0 = 0;
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_BOOL);
	set_content(&t, &bt, 1);
	for_shapes(&t, TB_NUM_BOOL, 0, 1);
	set_content(&t, &bf0, 1);
	for_shapes(&t, TB_NUM_BOOL, 0, 0);
}

static void test_tensor_scalar_vals(void **state)
{
	(void)state;
	tb_pb_tensor t;
	float fv[1] = { -2.5f };
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_FLOAT);
	t.n_float_val = 1;
	t.float_val = fv;
	for_shapes(&t, TB_NUM_F32, -2.5, 0);
	double dv[1] = { 1e300 };
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_DOUBLE);
	t.n_double_val = 1;
	t.double_val = dv;
	for_shapes(&t, TB_NUM_F64, 1e300, 0);
	int32_t hv[1] = { 0x3c00 };
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_HALF);
	t.n_half_val = 1;
	t.half_val = hv;
	for_shapes(&t, TB_NUM_F64, 1.0, 0);
	int32_t bv[1] = { 0x4049 };
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_BFLOAT16);
	t.n_half_val = 1;
	t.half_val = bv;
	for_shapes(&t, TB_NUM_F64, 3.140625, 0);
	static const struct { int dtype; int32_t v; int64_t want; } ints[] = {
		{ TENSORBOARD__DATA_TYPE__DT_INT8, -7, -7 },
		{ TENSORBOARD__DATA_TYPE__DT_INT16, -300, -300 },
		{ TENSORBOARD__DATA_TYPE__DT_INT32, 2000000000, 2000000000 },
		{ TENSORBOARD__DATA_TYPE__DT_UINT8, 200, 200 },
		{ TENSORBOARD__DATA_TYPE__DT_UINT16, 60000, 60000 },
	};
	for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
		int32_t iv[1] = { ints[i].v };
		t = tensor_of(ints[i].dtype);
		t.n_int_val = 1;
		t.int_val = iv;
		for_shapes(&t, TB_NUM_I64, 0, ints[i].want);
	}
	int64_t lv[1] = { ((int64_t)1 << 40) + 3 };
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_INT64);
	t.n_int64_val = 1;
	t.int64_val = lv;
	for_shapes(&t, TB_NUM_I64, 0, ((int64_t)1 << 40) + 3);
	uint32_t uv[1] = { 4000000000u };
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_UINT32);
	t.n_uint32_val = 1;
	t.uint32_val = uv;
	for_shapes(&t, TB_NUM_I64, 0, 4000000000ll);
	protobuf_c_boolean bo[1] = { 1 };
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_BOOL);
	t.n_bool_val = 1;
	t.bool_val = bo;
	for_shapes(&t, TB_NUM_BOOL, 0, 1);

	/* tensor_content wins over *_val */
	float c = 8.0f;
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_FLOAT);
	t.n_float_val = 1;
	t.float_val = fv;
	set_content(&t, &c, 4);
	for_shapes(&t, TB_NUM_F32, 8.0, 0);
}

static void expect_einval(const tb_pb_tensor *t, const char *why)
{
	tb_scalar out;
	int rc = tb_tensor_scalar(t, &out);
	if (rc != -EINVAL)
		fail_msg("%s: rc %d, want -EINVAL", why, rc);
}

static void test_tensor_scalar_rejects(void **state)
{
	(void)state;
	tb_pb_tensor t;
	double d2[2] = { 1.0, 2.0 };
	float f2[2] = { 1.0f, 2.0f };
	/* wrong tensor_content sizes */
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_FLOAT);
	set_content(&t, d2, 8);
	expect_einval(&t, "float with 8 content bytes");
	set_content(&t, d2, 3);
	expect_einval(&t, "float with 3 content bytes");
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_DOUBLE);
	set_content(&t, d2, 4);
	expect_einval(&t, "double with 4 content bytes");
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_INT8);
	set_content(&t, d2, 2);
	expect_einval(&t, "int8 with 2 content bytes");
	/* two elements */
	static const int64_t two[1] = { 2 };
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_DOUBLE);
	set_content(&t, d2, 16);
	t.tensor_shape = shape(1, two);
	expect_einval(&t, "shape [2] content");
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_FLOAT);
	t.n_float_val = 2;
	t.float_val = f2;
	t.tensor_shape = shape(1, two);
	expect_einval(&t, "shape [2] float_val");
	t.tensor_shape = NULL;
	expect_einval(&t, "rank 0 with two float_val");
	/* a single value that would fill a two-element shape */
	t.n_float_val = 1;
	t.tensor_shape = shape(1, two);
	expect_einval(&t, "shape [2] one float_val");
	/* empty shape and unknown rank */
	static const int64_t zero[1] = { 0 };
	t.tensor_shape = shape(1, zero);
	expect_einval(&t, "shape [0]");
	static const int64_t neg[1] = { -1 };
	t.tensor_shape = shape(1, neg);
	expect_einval(&t, "shape [-1]");
	t.tensor_shape = shape(0, NULL);
	t.tensor_shape->unknown_rank = 1;
	expect_einval(&t, "unknown rank");
	/* non-numeric dtypes */
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_STRING);
	ProtobufCBinaryData s = { 1, (uint8_t *)"x" };
	t.n_string_val = 1;
	t.string_val = &s;
	expect_einval(&t, "string");
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_INVALID);
	set_content(&t, d2, 4);
	expect_einval(&t, "DT_INVALID");
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_COMPLEX64);
	set_content(&t, d2, 8);
	expect_einval(&t, "complex64");
}

static void test_value_scalar(void **state)
{
	(void)state;
	tb_pb_value v = TENSORBOARD__SUMMARY__VALUE__INIT;
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
	v.simple_value = 0.1f;
	tb_scalar out;
	assert_int_equal(tb_value_scalar(&v, &out), 0);
	assert_int_equal(out.type, TB_NUM_F32);
	assert_true(out.f == (double)0.1f);
	tb_pb_tensor t = tensor_of(TENSORBOARD__DATA_TYPE__DT_INT64);
	int64_t i = -9;
	set_content(&t, &i, 8);
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR;
	v.tensor = &t;
	assert_int_equal(tb_value_scalar(&v, &out), 0);
	assert_int_equal(out.type, TB_NUM_I64);
	assert_int_equal(out.i, -9);
	Tensorboard__HistogramProto h = TENSORBOARD__HISTOGRAM_PROTO__INIT;
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_HISTO;
	v.histo = &h;
	assert_int_equal(tb_value_scalar(&v, &out), -EINVAL);
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE__NOT_SET;
	assert_int_equal(tb_value_scalar(&v, &out), -EINVAL);
}

/* Tensors on the wire: packed and unpacked repeated fields decode alike. */
static void test_tensor_wire_forms(void **state)
{
	(void)state;
	tb_arena a;
	tb_arena_init(&a);
	/* float_val packed (as writers emit it) */
	struct pb t = { .n = 0 }, v = { .n = 0 }, sum = { .n = 0 }, ev = { .n = 0 };
	float f = 6.5f;
	pb_int(&t, 1, TENSORBOARD__DATA_TYPE__DT_FLOAT);
	pb_bytes(&t, 5, &f, 4);
	pb_bytes(&v, 1, "t", 1);
	pb_msg(&v, 8, &t);
	pb_msg(&sum, 1, &v);
	pb_msg(&ev, 5, &sum);
	tb_pb_event *e = tb_event_decode(&a, ev.d, ev.n);
	assert_non_null(e);
	tb_scalar out;
	assert_int_equal(tb_value_scalar(e->summary->value[0], &out), 0);
	assert_int_equal(out.type, TB_NUM_F32);
	assert_true(out.f == 6.5);
	tb_arena_reset(&a);
	/* unpacked: one fixed32 field */
	t.n = v.n = sum.n = ev.n = 0;
	pb_int(&t, 1, TENSORBOARD__DATA_TYPE__DT_FLOAT);
	pb_float(&t, 5, 6.5f);
	pb_bytes(&v, 1, "t", 1);
	pb_msg(&v, 8, &t);
	pb_msg(&sum, 1, &v);
	pb_msg(&ev, 5, &sum);
	e = tb_event_decode(&a, ev.d, ev.n);
	assert_non_null(e);
	assert_int_equal(tb_value_scalar(e->summary->value[0], &out), 0);
	assert_true(out.f == 6.5);
	tb_arena_reset(&a);
	/* half_val unpacked varint */
	t.n = v.n = sum.n = ev.n = 0;
	pb_int(&t, 1, TENSORBOARD__DATA_TYPE__DT_HALF);
	pb_int(&t, 13, 0x7bff);
	pb_bytes(&v, 1, "t", 1);
	pb_msg(&v, 8, &t);
	pb_msg(&sum, 1, &v);
	pb_msg(&ev, 5, &sum);
	e = tb_event_decode(&a, ev.d, ev.n);
	assert_non_null(e);
	assert_int_equal(tb_value_scalar(e->summary->value[0], &out), 0);
	assert_int_equal(out.type, TB_NUM_F64);
	assert_true(out.f == 65504.0);
	tb_arena_reset(&a);
	/* not an Event: garbage and a truncated length */
	assert_null(tb_event_decode(&a, (const unsigned char *)"\x2a\x05\x0a", 3));
	tb_arena_reset(&a);
	assert_null(tb_event_decode(&a, (const unsigned char *)"\xff", 1));
	tb_arena_release(&a);
}

/* ---- half and bfloat16 ------------------------------------------------------------ */

static void test_half(void **state)
{
	(void)state;
	assert_true(tb_half_to_double(0x3c00) == 1.0);
	assert_true(tb_half_to_double(0xbc00) == -1.0);
	assert_true(tb_half_to_double(0x7bff) == 65504.0);
	assert_true(tb_half_to_double(0x0001) == ldexp(1, -24));
	assert_true(fabs(tb_half_to_double(0x0001) - 5.96e-08) < 1e-10);
	assert_true(tb_half_to_double(0x03ff) == ldexp(1023, -24)); /* largest subnormal */
	assert_true(tb_half_to_double(0x0400) == ldexp(1, -14));    /* smallest normal */
	assert_true(tb_half_to_double(0x3555) == 0.333251953125);
	assert_true(tb_half_to_double(0xc000) == -2.0);
	assert_true(tb_half_to_double(0x7c00) == INFINITY);
	assert_true(tb_half_to_double(0xfc00) == -INFINITY);
	assert_true(isnan(tb_half_to_double(0x7e00)));
	assert_true(isnan(tb_half_to_double(0x7c01)));
	assert_true(isnan(tb_half_to_double(0xfe00)));
	double z = tb_half_to_double(0x0000), nz = tb_half_to_double(0x8000);
	assert_true(z == 0.0 && !signbit(z));
	assert_true(nz == 0.0 && signbit(nz));
	/* every finite half agrees with the C compiler's _Float16 where it has
	 * one; otherwise with the formula */
	for (uint32_t h = 0; h < 0x10000; h++) {
		int e = (h >> 10) & 0x1f, m = h & 0x3ff;
		if (e == 31)
			continue;
		double want = e ? ldexp(1024 + m, e - 25) : ldexp(m, -24);
		if (h & 0x8000)
			want = -want;
		double got = tb_half_to_double((uint16_t)h);
		if (memcmp(&got, &want, 8))
			fail_msg("half %04x: %.17g, want %.17g", h, got, want);
	}
}

static void test_bfloat16(void **state)
{
	(void)state;
	assert_true(tb_bfloat16_to_double(0x3f80) == 1.0);
	assert_true(tb_bfloat16_to_double(0x4049) == 3.140625);
	assert_true(tb_bfloat16_to_double(0xc000) == -2.0);
	assert_true(tb_bfloat16_to_double(0x7f80) == INFINITY);
	assert_true(tb_bfloat16_to_double(0xff80) == -INFINITY);
	assert_true(isnan(tb_bfloat16_to_double(0x7fc0)));
	assert_true(tb_bfloat16_to_double(0x0001) == ldexp(1, -133));
}

/* ---- histograms ---------------------------------------------------------------------- */

static double f32(double x)
{
	volatile float f = (float)x;
	return f;
}

static void expect_buckets(const double *b, size_t n, const double *want, size_t nwant)
{
	assert_int_equal(n, nwant);
	for (size_t i = 0; i < 3 * n; i++)
		if (memcmp(&b[i], &want[i], 8))
			fail_msg("bucket %zu column %zu: %.17g, want %.17g", i / 3, i % 3, b[i], want[i]);
}

static int histo_convert(tb_arena *a, double min, double max, const double *limits,
			 size_t nlimits, const double *counts, size_t ncounts, double **b, size_t *n)
{
	Tensorboard__HistogramProto h = TENSORBOARD__HISTOGRAM_PROTO__INIT;
	h.min = min;
	h.max = max;
	h.bucket_limit = (double *)limits;
	h.n_bucket_limit = nlimits;
	h.bucket = (double *)counts;
	h.n_bucket = ncounts;
	tb_pb_value v = TENSORBOARD__SUMMARY__VALUE__INIT;
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_HISTO;
	v.histo = &h;
	return tb_value_histogram(a, &v, b, n);
}

static void test_histo_python_rule(void **state)
{
	(void)state;
	tb_arena a;
	tb_arena_init(&a);
	double *b;
	size_t n;

	/* empty buckets at both ends are dropped, inner empty ones kept;
	 * lefts = [min] + inner limits, rights = inner limits + [max] */
	const double lim[] = { -1.0, 0.0, 0.1, 1.0, 2.0, DBL_MAX };
	const double cnt[] = { 0, 3, 0, 5, 1, 0 };
	assert_int_equal(histo_convert(&a, -0.7, 1.9, lim, 6, cnt, 6, &b, &n), 0);
	const double want1[] = {
		f32(-0.7), 0.0, 3,
		0.0, f32(0.1), 0,
		f32(0.1), 1.0, 5,
		1.0, f32(1.9), 1,
	};
	expect_buckets(b, n, want1, 4);

	/* one non-empty bucket: [min, max, count] */
	const double cnt2[] = { 0, 0, 0, 2.5, 0, 0 };
	assert_int_equal(histo_convert(&a, 0.3, 0.9, lim, 6, cnt2, 6, &b, &n), 0);
	const double want2[] = { f32(0.3), f32(0.9), 2.5 };
	expect_buckets(b, n, want2, 1);

	/* the DBL_MAX bucket itself non-empty: its right edge is max */
	const double lim3[] = { 0.0, 1.0, DBL_MAX };
	const double cnt3[] = { 0, 2, 3 };
	assert_int_equal(histo_convert(&a, 0.5, 1e30, lim3, 3, cnt3, 3, &b, &n), 0);
	const double want3[] = { 0.5, 1.0, 2, 1.0, f32(1e30), 3 };
	expect_buckets(b, n, want3, 2);

	/* the first bucket (from -DBL_MAX) non-empty: its left edge is min */
	const double lim4[] = { -1e12, 0.0, DBL_MAX };
	const double cnt4[] = { 4, 0, 1 };
	assert_int_equal(histo_convert(&a, -2.0, 3.0, lim4, 3, cnt4, 3, &b, &n), 0);
	const double want4[] = { -2.0, f32(-1e12), 4, f32(-1e12), 0.0, 0, 0.0, 3.0, 1 };
	expect_buckets(b, n, want4, 3);

	/* counts and edges are float32 */
	const double lim5[] = { 0.1, 0.2, 0.3 };
	const double cnt5[] = { 16777217.0, 0.1, 1e-50 };
	assert_int_equal(histo_convert(&a, 0.01, 0.29, lim5, 3, cnt5, 3, &b, &n), 0);
	const double want5[] = {
		f32(0.01), f32(0.1), 16777216.0,
		f32(0.1), f32(0.2), f32(0.1),
		f32(0.2), f32(0.29), f32(1e-50),
	};
	expect_buckets(b, n, want5, 3);

	/* all empty, and no buckets at all: zero buckets */
	const double cnt6[] = { 0, 0, 0, 0, 0, 0 };
	n = 99;
	assert_int_equal(histo_convert(&a, 0, 0, lim, 6, cnt6, 6, &b, &n), 0);
	assert_int_equal(n, 0);
	n = 99;
	assert_int_equal(histo_convert(&a, 0, 0, NULL, 0, NULL, 0, &b, &n), 0);
	assert_int_equal(n, 0);

	/* fewer limits than the kept buckets need: not a histogram */
	const double lim7[] = { 1.0 };
	const double cnt7[] = { 1, 1, 1 };
	assert_int_equal(histo_convert(&a, 0, 3, lim7, 1, cnt7, 3, &b, &n), -EINVAL);
	tb_arena_release(&a);
}

static int tensor_hist(tb_arena *a, tb_pb_tensor *t, double **b, size_t *n)
{
	tb_pb_value v = TENSORBOARD__SUMMARY__VALUE__INIT;
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR;
	v.tensor = t;
	return tb_value_histogram(a, &v, b, n);
}

static void test_histo_tf2_tensor(void **state)
{
	(void)state;
	tb_arena a;
	tb_arena_init(&a);
	double *b;
	size_t n;
	/* used as-is: float64, empty and inverted rows untouched */
	const double rows[] = { -1.0, 0.1, 0.0, 0.1, 0.7, 3.0, 0.7, 0.5, 2.0, 5.0, 5.0, 0.0 };
	static const int64_t k3[2] = { 4, 3 };
	tb_pb_tensor t = tensor_of(TENSORBOARD__DATA_TYPE__DT_DOUBLE);
	t.tensor_shape = shape(2, k3);
	set_content(&t, rows, sizeof rows);
	assert_int_equal(tensor_hist(&a, &t, &b, &n), 0);
	expect_buckets(b, n, rows, 4);
	/* the same in double_val */
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_DOUBLE);
	t.tensor_shape = shape(2, k3);
	t.n_double_val = 12;
	t.double_val = (double *)rows;
	assert_int_equal(tensor_hist(&a, &t, &b, &n), 0);
	expect_buckets(b, n, rows, 4);
	/* a single double_val fills the shape */
	double one = 0.5;
	t.n_double_val = 1;
	t.double_val = &one;
	assert_int_equal(tensor_hist(&a, &t, &b, &n), 0);
	const double halves[12] = { 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5 };
	expect_buckets(b, n, halves, 4);
	/* [0,3]: zero buckets */
	static const int64_t k0[2] = { 0, 3 };
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_DOUBLE);
	t.tensor_shape = shape(2, k0);
	n = 99;
	assert_int_equal(tensor_hist(&a, &t, &b, &n), 0);
	assert_int_equal(n, 0);
	/* wrong shapes and sizes */
	static const int64_t k22[2] = { 2, 2 }, k12[1] = { 12 };
	t = tensor_of(TENSORBOARD__DATA_TYPE__DT_DOUBLE);
	t.tensor_shape = shape(2, k22);
	set_content(&t, rows, 4 * 8);
	assert_int_equal(tensor_hist(&a, &t, &b, &n), -EINVAL);
	t.tensor_shape = shape(1, k12);
	set_content(&t, rows, sizeof rows);
	assert_int_equal(tensor_hist(&a, &t, &b, &n), -EINVAL);
	t.tensor_shape = shape(2, k3);
	set_content(&t, rows, sizeof rows - 8);
	assert_int_equal(tensor_hist(&a, &t, &b, &n), -EINVAL);
	/* neither a histo nor a tensor */
	tb_pb_value v = TENSORBOARD__SUMMARY__VALUE__INIT;
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
	assert_int_equal(tb_value_histogram(&a, &v, &b, &n), -EINVAL);
	tb_arena_release(&a);
}

/* ---- text ------------------------------------------------------------------------- */

static int text_of(tb_arena *a, tb_pb_tensor *t, tb_text_view *out)
{
	tb_pb_value v = TENSORBOARD__SUMMARY__VALUE__INIT;
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR;
	v.tensor = t;
	return tb_value_text(a, &v, out);
}

static void test_text(void **state)
{
	(void)state;
	tb_arena a;
	tb_arena_init(&a);
	tb_text_view tv;
	ProtobufCBinaryData strs[6] = {
		{ 5, (uint8_t *)"hello" }, { 3, (uint8_t *)"a\0b" }, { 0, (uint8_t *)"" },
		{ 2, (uint8_t *)"**" }, { 1, (uint8_t *)"x" }, { 4, (uint8_t *)"\xe8\xbf\x90!" },
	};
	/* rank 0 */
	tb_pb_tensor t = tensor_of(TENSORBOARD__DATA_TYPE__DT_STRING);
	t.n_string_val = 1;
	t.string_val = strs;
	assert_int_equal(text_of(&a, &t, &tv), 0);
	assert_int_equal(tv.rank, 0);
	assert_int_equal(tv.count, 1);
	assert_int_equal(tv.lens[0], 5);
	assert_memory_equal(tv.strs[0], "hello", 5);
	/* rank 1, one string_val repeated (PyTorch add_text writes shape [1]) */
	static const int64_t d3[1] = { 3 };
	t.tensor_shape = shape(1, d3);
	t.string_val = &strs[1];
	assert_int_equal(text_of(&a, &t, &tv), 0);
	assert_int_equal(tv.rank, 1);
	assert_int_equal(tv.dims[0], 3);
	assert_int_equal(tv.count, 3);
	assert_int_equal(tv.n_strs, 1); /* held once, not once per element */
	assert_int_equal(tv.lens[0], 3);
	assert_memory_equal(tv.strs[0], "a\0b", 3);
	/* a declared [16M] with one string, or none: still one string */
	static const int64_t dbig[1] = { 1 << 24 };
	t.tensor_shape = shape(1, dbig);
	assert_int_equal(text_of(&a, &t, &tv), 0);
	assert_int_equal(tv.count, 1u << 24);
	assert_int_equal(tv.n_strs, 1);
	t.n_string_val = 0;
	assert_int_equal(text_of(&a, &t, &tv), 0);
	assert_int_equal(tv.n_strs, 1);
	assert_int_equal(tv.lens[0], 0);
	assert_true(a.total < 1024 * 1024); /* not 16M pointers and lengths */
	t.n_string_val = 1;
	/* rank 2, row-major */
	static const int64_t d23[2] = { 2, 3 };
	t.tensor_shape = shape(2, d23);
	t.n_string_val = 6;
	t.string_val = strs;
	assert_int_equal(text_of(&a, &t, &tv), 0);
	assert_int_equal(tv.rank, 2);
	assert_int_equal(tv.dims[0], 2);
	assert_int_equal(tv.dims[1], 3);
	assert_int_equal(tv.count, 6);
	assert_int_equal(tv.n_strs, 6);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(tv.lens[i], strs[i].len);
		assert_memory_equal(tv.strs[i], strs[i].data, strs[i].len);
	}
	/* a count that matches neither 1 nor the shape */
	t.n_string_val = 2;
	assert_int_equal(text_of(&a, &t, &tv), -EINVAL);
	/* not a string tensor; not a tensor */
	tb_pb_tensor nt = tensor_of(TENSORBOARD__DATA_TYPE__DT_FLOAT);
	assert_int_equal(text_of(&a, &nt, &tv), -EINVAL);
	tb_pb_value v = TENSORBOARD__SUMMARY__VALUE__INIT;
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
	assert_int_equal(tb_value_text(&a, &v, &tv), -EINVAL);
	tb_arena_release(&a);
}

/* ---- plugin, data class and kind -------------------------------------------------- */

static void expect_plugin(const tb_pb_value *v, const char *plugin, int cls, tb_kind kind)
{
	const char *p = NULL;
	int c = -1;
	tb_value_plugin(v, &p, &c);
	assert_non_null(p);
	if (strcmp(p, plugin) || c != cls)
		fail_msg("plugin '%s' class %d, want '%s' class %d", p, c, plugin, cls);
	assert_int_equal(tb_kind_for(p, c), kind);
}

static void test_plugin_and_kind(void **state)
{
	(void)state;
	Tensorboard__SummaryMetadata md = TENSORBOARD__SUMMARY_METADATA__INIT;
	Tensorboard__SummaryMetadata__PluginData pd = TENSORBOARD__SUMMARY_METADATA__PLUGIN_DATA__INIT;
	md.plugin_data = &pd;
	tb_pb_tensor t = tensor_of(TENSORBOARD__DATA_TYPE__DT_FLOAT);
	Tensorboard__HistogramProto h = TENSORBOARD__HISTOGRAM_PROTO__INIT;
	Tensorboard__Summary__Image img = TENSORBOARD__SUMMARY__IMAGE__INIT;
	Tensorboard__Summary__Audio au = TENSORBOARD__SUMMARY__AUDIO__INIT;

	/* legacy kinds imply their plugin whatever the metadata says */
	tb_pb_value v = TENSORBOARD__SUMMARY__VALUE__INIT;
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
	expect_plugin(&v, "scalars", TB_CLASS_SCALAR, TB_KIND_SCALAR);
	v.metadata = &md;
	pd.plugin_name = (char *)"text";
	md.data_class = TENSORBOARD__DATA_CLASS__DATA_CLASS_TENSOR;
	expect_plugin(&v, "scalars", TB_CLASS_SCALAR, TB_KIND_SCALAR);
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_HISTO;
	v.histo = &h;
	expect_plugin(&v, "histograms", TB_CLASS_TENSOR, TB_KIND_HISTOGRAM);
	v.metadata = NULL;
	expect_plugin(&v, "histograms", TB_CLASS_TENSOR, TB_KIND_HISTOGRAM);
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_IMAGE;
	v.image = &img;
	expect_plugin(&v, "images", TB_CLASS_BLOB_SEQUENCE, TB_KIND_IMAGE);
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_AUDIO;
	v.audio = &au;
	expect_plugin(&v, "audio", TB_CLASS_BLOB_SEQUENCE, TB_KIND_AUDIO);

	/* tensors: data class from metadata, else from the plugin name */
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR;
	v.tensor = &t;
	v.metadata = NULL;
	expect_plugin(&v, "", TB_CLASS_UNKNOWN, TB_KIND_BLOB);
	v.metadata = &md;
	md.data_class = TENSORBOARD__DATA_CLASS__DATA_CLASS_UNKNOWN;
	static const struct { const char *plugin; int cls; tb_kind kind; } derived[] = {
		{ "scalars", TB_CLASS_SCALAR, TB_KIND_SCALAR },
		{ "histograms", TB_CLASS_TENSOR, TB_KIND_HISTOGRAM },
		{ "text", TB_CLASS_TENSOR, TB_KIND_TEXT },
		{ "hparams", TB_CLASS_TENSOR, TB_KIND_HPARAMS },
		{ "pr_curves", TB_CLASS_TENSOR, TB_KIND_PR_CURVE },
		{ "mesh", TB_CLASS_TENSOR, TB_KIND_BLOB },
		{ "custom_scalars", TB_CLASS_TENSOR, TB_KIND_CUSTOM_SCALARS },
		{ "images", TB_CLASS_BLOB_SEQUENCE, TB_KIND_IMAGE },
		{ "audio", TB_CLASS_BLOB_SEQUENCE, TB_KIND_AUDIO },
		{ "graph_run_metadata", TB_CLASS_BLOB_SEQUENCE, TB_KIND_GRAPH },
		{ "graph_run_metadata_graph", TB_CLASS_BLOB_SEQUENCE, TB_KIND_GRAPH },
		{ "graph_keras_model", TB_CLASS_BLOB_SEQUENCE, TB_KIND_GRAPH },
		{ "my_plugin", TB_CLASS_UNKNOWN, TB_KIND_BLOB },
		{ "Scalars", TB_CLASS_UNKNOWN, TB_KIND_BLOB },
		{ "", TB_CLASS_UNKNOWN, TB_KIND_BLOB },
	};
	for (size_t i = 0; i < sizeof derived / sizeof *derived; i++) {
		pd.plugin_name = (char *)derived[i].plugin;
		expect_plugin(&v, derived[i].plugin, derived[i].cls, derived[i].kind);
	}
	/* metadata without plugin_data */
	md.plugin_data = NULL;
	expect_plugin(&v, "", TB_CLASS_UNKNOWN, TB_KIND_BLOB);
	md.plugin_data = &pd;
	/* an explicit data class is authoritative */
	pd.plugin_name = (char *)"scalars";
	md.data_class = TENSORBOARD__DATA_CLASS__DATA_CLASS_TENSOR;
	expect_plugin(&v, "scalars", TB_CLASS_TENSOR, TB_KIND_BLOB);
	pd.plugin_name = (char *)"my_plugin";
	md.data_class = TENSORBOARD__DATA_CLASS__DATA_CLASS_SCALAR;
	expect_plugin(&v, "my_plugin", TB_CLASS_SCALAR, TB_KIND_BLOB);
	pd.plugin_name = (char *)"text";
	md.data_class = TENSORBOARD__DATA_CLASS__DATA_CLASS_BLOB_SEQUENCE;
	expect_plugin(&v, "text", TB_CLASS_BLOB_SEQUENCE, TB_KIND_BLOB);
	pd.plugin_name = (char *)"histograms";
	md.data_class = TENSORBOARD__DATA_CLASS__DATA_CLASS_TENSOR;
	expect_plugin(&v, "histograms", TB_CLASS_TENSOR, TB_KIND_HISTOGRAM);

	/* kind needs both plugin and class */
	assert_int_equal(tb_kind_for("scalars", TB_CLASS_SCALAR), TB_KIND_SCALAR);
	assert_int_equal(tb_kind_for("scalars", TB_CLASS_TENSOR), TB_KIND_BLOB);
	assert_int_equal(tb_kind_for("histograms", TB_CLASS_BLOB_SEQUENCE), TB_KIND_BLOB);
	assert_int_equal(tb_kind_for("text", TB_CLASS_SCALAR), TB_KIND_BLOB);
	assert_int_equal(tb_kind_for("images", TB_CLASS_BLOB_SEQUENCE), TB_KIND_IMAGE);
	assert_int_equal(tb_kind_for("images", TB_CLASS_TENSOR), TB_KIND_BLOB);
	assert_int_equal(tb_kind_for("pr_curves", TB_CLASS_BLOB_SEQUENCE), TB_KIND_BLOB);
}

static void test_value_tag(void **state)
{
	(void)state;
	tb_pb_value v = TENSORBOARD__SUMMARY__VALUE__INIT;
	assert_string_equal(tb_value_tag(&v), "");
	v.node_name = (char *)"legacy";
	assert_string_equal(tb_value_tag(&v), "legacy");
	v.tag = (char *)"new";
	assert_string_equal(tb_value_tag(&v), "new");
	v.tag = NULL;
	assert_string_equal(tb_value_tag(&v), "legacy");
}

static void test_value_blob(void **state)
{
	(void)state;
	tb_arena a;
	tb_arena_init(&a);
	tb_blob_type type;
	unsigned char *data;
	size_t len;
	/* a tensor is kept as its serialized TensorProto */
	tb_pb_tensor t = tensor_of(TENSORBOARD__DATA_TYPE__DT_INT32);
	int32_t iv[3] = { 1, -2, 300000 };
	t.n_int_val = 3;
	t.int_val = iv;
	tb_pb_value v = TENSORBOARD__SUMMARY__VALUE__INIT;
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR;
	v.tensor = &t;
	assert_int_equal(tb_value_blob(&a, &v, &type, &data, &len), 0);
	assert_int_equal(type, TB_BLOB_TENSOR);
	tb_pb_tensor *back = tensorboard__tensor_proto__unpack(NULL, len, data);
	assert_non_null(back);
	assert_int_equal(back->dtype, TENSORBOARD__DATA_TYPE__DT_INT32);
	assert_int_equal(back->n_int_val, 3);
	assert_int_equal(back->int_val[2], 300000);
	tensorboard__tensor_proto__free_unpacked(back, NULL);
	/* an image */
	Tensorboard__Summary__Image img = TENSORBOARD__SUMMARY__IMAGE__INIT;
	img.width = 4;
	img.height = 3;
	img.encoded_image_string.data = (uint8_t *)"\x89PNG";
	img.encoded_image_string.len = 4;
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_IMAGE;
	v.image = &img;
	assert_int_equal(tb_value_blob(&a, &v, &type, &data, &len), 0);
	assert_int_equal(type, TB_BLOB_IMAGE);
	Tensorboard__Summary__Image *ib = (Tensorboard__Summary__Image *)protobuf_c_message_unpack(
		&tensorboard__summary__image__descriptor, NULL, len, data);
	assert_non_null(ib);
	assert_int_equal(ib->width, 4);
	assert_int_equal(ib->encoded_image_string.len, 4);
	protobuf_c_message_free_unpacked(&ib->base, NULL);
	/* metadata-only values */
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE__NOT_SET;
	assert_int_equal(tb_value_blob(&a, &v, &type, &data, &len), 0);
	assert_int_equal(type, TB_BLOB_NONE);
	assert_int_equal(len, 0);
	tb_arena_release(&a);
}

int main(void)
{
	tb_log_level = TB_LOG_ERROR;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_fast_vs_decoder),
		cmocka_unit_test(test_fast_accepts),
		cmocka_unit_test(test_fast_declines),
		cmocka_unit_test(test_fast_mutations),
		cmocka_unit_test(test_tensor_scalar_content),
		cmocka_unit_test(test_tensor_scalar_vals),
		cmocka_unit_test(test_tensor_scalar_rejects),
		cmocka_unit_test(test_value_scalar),
		cmocka_unit_test(test_tensor_wire_forms),
		cmocka_unit_test(test_half),
		cmocka_unit_test(test_bfloat16),
		cmocka_unit_test(test_histo_python_rule),
		cmocka_unit_test(test_histo_tf2_tensor),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_plugin_and_kind),
		cmocka_unit_test(test_value_tag),
		cmocka_unit_test(test_value_blob),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
