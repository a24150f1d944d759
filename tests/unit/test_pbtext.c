/*
 * test_pbtext.c - server/pbtext.c: Python protobuf's text format.
 *
 * Scalars as Python's str() prints them (repr of doubles, float32 widened,
 * CEscape), a hand-built GraphDef covering presence, oneofs, maps (sorted,
 * last duplicate wins, key and value always printed), enums and nesting,
 * the output ceiling, and the nesting-depth check. The printer on real
 * graphs against TensorBoard's recorded bytes is test_graphs.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.pb-c.h"
#include "pbtext.h"

static void expect_double(double d, const char *want)
{
	tb_buf b = TB_BUF_INIT;
	tb_pbtext_double(&b, d);
	assert_string_equal(b.data, want);
	tb_buf_release(&b);
}

static void expect_float(float f, const char *want)
{
	tb_buf b = TB_BUF_INIT;
	tb_pbtext_float(&b, f);
	assert_string_equal(b.data, want);
	tb_buf_release(&b);
}

static void test_doubles(void **state)
{
	(void)state;
	/* Python: repr(x) */
	expect_double(0.1, "0.1");
	expect_double(1e-07, "1e-07");
	expect_double(1e-05, "1e-05");
	expect_double(0.0001, "0.0001");
	expect_double(1.0, "1.0");
	expect_double(-2.5, "-2.5");
	expect_double(123.456, "123.456");
	expect_double(1e15, "1000000000000000.0");
	expect_double(1e16, "1e+16");
	expect_double(1.5e300, "1.5e+300");
	expect_double(5e-324, "5e-324");
	expect_double(1.7976931348623157e308, "1.7976931348623157e+308");
	expect_double(0.30000000000000004, "0.30000000000000004");
	expect_double(0.0, "0.0");
	expect_double(-0.0, "-0.0");
	expect_double(INFINITY, "inf");
	expect_double(-INFINITY, "-inf");
	expect_double(NAN, "nan");
	expect_double(-NAN, "nan");
	expect_double(1594056838266582.0, "1594056838266582.0");
}

static void test_floats(void **state)
{
	(void)state;
	/* TensorBoard's recorded answers: repr of the widened float32 */
	expect_float(0.1f, "0.10000000149011612");
	expect_float(1e-7f, "1.0000000116860974e-07");
	expect_float(1e-5f, "9.999999747378752e-06");
	expect_float(1.0f, "1.0");
	expect_float(0.0f, "0.0");
	expect_float(-0.0f, "-0.0");
	expect_float(INFINITY, "inf");
	expect_float(-INFINITY, "-inf");
	expect_float(NAN, "nan");
	expect_float(3.4028234663852886e38f, "3.4028234663852886e+38");
}

static void test_escape(void **state)
{
	(void)state;
	static const unsigned char in[] = "\x00\x01\t\n\r\"'\\\x7f\xc3\xa9 a~";
	tb_buf b = TB_BUF_INIT;
	tb_pbtext_escape(&b, in, sizeof in - 1);
	assert_string_equal(b.data, "\\000\\001\\t\\n\\r\\\"\\'\\\\\\177\\303\\251 a~");
	tb_buf_release(&b);
}

/* ---- a hand-built GraphDef --------------------------------------------- */

static Tbgraph__NodeDef__AttrEntry *entry(const char *key, Tbgraph__AttrValue *v)
{
	Tbgraph__NodeDef__AttrEntry *e = malloc(sizeof *e);
	tbgraph__node_def__attr_entry__init(e);
	e->key = (char *)key;
	e->value = v;
	return e;
}

static Tbgraph__AttrValue *value(void)
{
	Tbgraph__AttrValue *v = malloc(sizeof *v);
	tbgraph__attr_value__init(v);
	return v;
}

static void test_message(void **state)
{
	(void)state;
	Tbgraph__AttrValue *zero_i = value(), *no_b = value(), *shape = value(), *empty = value();
	Tbgraph__AttrValue *dup_old = value(), *dup_new = value(), *type = value(), *list = value();
	zero_i->value_case = TBGRAPH__ATTR_VALUE__VALUE_I;  /* oneof: 0 prints */
	no_b->value_case = TBGRAPH__ATTR_VALUE__VALUE_B;    /* false prints */
	dup_old->value_case = TBGRAPH__ATTR_VALUE__VALUE_S;
	dup_old->s = (ProtobufCBinaryData){ 3, (uint8_t *)"old" };
	dup_new->value_case = TBGRAPH__ATTR_VALUE__VALUE_F;
	dup_new->f = 0.5f;
	type->value_case = TBGRAPH__ATTR_VALUE__VALUE_TYPE;
	type->type = (Tbgraph__DataType)77;  /* no such enum value: a number */
	Tbgraph__TensorShapeProto sp = TBGRAPH__TENSOR_SHAPE_PROTO__INIT;
	Tbgraph__TensorShapeProto__Dim d0 = TBGRAPH__TENSOR_SHAPE_PROTO__DIM__INIT, d1 = d0;
	d0.size = -1;
	d1.size = 3;
	d1.name = (char *)"rgb";
	Tbgraph__TensorShapeProto__Dim *dims[] = { &d0, &d1 };
	sp.n_dim = 2;
	sp.dim = dims;
	shape->value_case = TBGRAPH__ATTR_VALUE__VALUE_SHAPE;
	shape->shape = &sp;
	Tbgraph__AttrValue__ListValue lv = TBGRAPH__ATTR_VALUE__LIST_VALUE__INIT;
	Tbgraph__DataType types[] = { TBGRAPH__DATA_TYPE__DT_FLOAT, TBGRAPH__DATA_TYPE__DT_INT64_REF };
	lv.n_type = 2;
	lv.type = types;
	list->value_case = TBGRAPH__ATTR_VALUE__VALUE_LIST;
	list->list = &lv;

	Tbgraph__NodeDef__AttrEntry *attrs[] = {
		entry("zeta", zero_i), entry("dup", dup_old), entry("b", no_b),
		entry("dup", dup_new), entry("shape", shape), entry("e", empty),
		entry("T", type), entry("l", list), entry("none", NULL),
	};
	Tbgraph__NodeDef n = TBGRAPH__NODE_DEF__INIT;
	n.name = (char *)"scope/op\"1\"";
	n.op = (char *)"Const";
	char *inputs[] = { (char *)"a:1", (char *)"^b" };
	n.n_input = 2;
	n.input = inputs;
	n.n_attr = sizeof attrs / sizeof *attrs;
	n.attr = attrs;
	Tbgraph__NodeDef empty_node = TBGRAPH__NODE_DEF__INIT;
	Tbgraph__NodeDef *nodes[] = { &n, &empty_node };
	Tbgraph__VersionDef ver = TBGRAPH__VERSION_DEF__INIT;
	ver.producer = 27;  /* min_consumer 0: not printed */
	Tbgraph__GraphDef g = TBGRAPH__GRAPH_DEF__INIT;
	g.n_node = 2;
	g.node = nodes;
	g.versions = &ver;
	g.version = 0;

	tb_buf b = TB_BUF_INIT;
	assert_int_equal(tb_pbtext_print(&b, &g.base, 1 << 20), 0);
	assert_string_equal(b.data,
		"node {\n"
		"  name: \"scope/op\\\"1\\\"\"\n"
		"  op: \"Const\"\n"
		"  input: \"a:1\"\n"
		"  input: \"^b\"\n"
		"  attr {\n    key: \"T\"\n    value {\n      type: 77\n    }\n  }\n"
		"  attr {\n    key: \"b\"\n    value {\n      b: false\n    }\n  }\n"
		"  attr {\n    key: \"dup\"\n    value {\n      f: 0.5\n    }\n  }\n"
		"  attr {\n    key: \"e\"\n    value {\n    }\n  }\n"
		"  attr {\n    key: \"l\"\n    value {\n      list {\n"
		"        type: DT_FLOAT\n        type: DT_INT64_REF\n      }\n    }\n  }\n"
		"  attr {\n    key: \"none\"\n    value {\n    }\n  }\n"
		"  attr {\n    key: \"shape\"\n    value {\n      shape {\n"
		"        dim {\n          size: -1\n        }\n"
		"        dim {\n          size: 3\n          name: \"rgb\"\n        }\n"
		"      }\n    }\n  }\n"
		"  attr {\n    key: \"zeta\"\n    value {\n      i: 0\n    }\n  }\n"
		"}\n"
		"node {\n"
		"}\n"
		"versions {\n  producer: 27\n}\n");

	/* the ceiling: a truncated text and -EFBIG, never more than asked */
	tb_buf_reset(&b);
	assert_int_equal(tb_pbtext_print(&b, &g.base, 64), -EFBIG);
	assert_true(b.len < 64 + 256);
	tb_buf_release(&b);
	for (size_t i = 0; i < sizeof attrs / sizeof *attrs; i++) {
		free(attrs[i]->value);
		free(attrs[i]);
	}
}

/* uint32 map keys print as numbers, 0 included (Python sets both fields
 * of the entry it prints) */
static void test_int_map(void **state)
{
	(void)state;
	Tbgraph__DeviceStepStats d = TBGRAPH__DEVICE_STEP_STATS__INIT;
	Tbgraph__DeviceStepStats__ThreadNamesEntry e2 = TBGRAPH__DEVICE_STEP_STATS__THREAD_NAMES_ENTRY__INIT;
	Tbgraph__DeviceStepStats__ThreadNamesEntry e0 = e2, e10 = e2;
	e2.key = 2;
	e2.value = (char *)"two";
	e0.key = 0;
	e10.key = 10;
	e10.value = (char *)"ten";
	Tbgraph__DeviceStepStats__ThreadNamesEntry *es[] = { &e10, &e2, &e0 };
	d.n_thread_names = 3;
	d.thread_names = es;
	tb_buf b = TB_BUF_INIT;
	assert_int_equal(tb_pbtext_print(&b, &d.base, 1 << 20), 0);
	assert_string_equal(b.data,
		"thread_names {\n  key: 0\n  value: \"\"\n}\n"
		"thread_names {\n  key: 2\n  value: \"two\"\n}\n"
		"thread_names {\n  key: 10\n  value: \"ten\"\n}\n");
	tb_buf_release(&b);
}

/* ---- nesting depth ------------------------------------------------------ */

/* FullTypeDef{args: FullTypeDef{args: ...}} n levels deep, packed */
static unsigned char *nested_types(int n, size_t *len)
{
	Tbgraph__FullTypeDef *t = calloc((size_t)n, sizeof *t);
	Tbgraph__FullTypeDef **links = calloc((size_t)n, sizeof *links);
	for (int i = 0; i < n; i++) {
		tbgraph__full_type_def__init(&t[i]);
		t[i].type_id = TBGRAPH__FULL_TYPE_ID__TFT_TENSOR;
		if (i + 1 < n) {
			links[i] = &t[i + 1];
			t[i].n_args = 1;
			t[i].args = &links[i];
		}
	}
	*len = protobuf_c_message_get_packed_size(&t[0].base);
	unsigned char *p = malloc(*len);
	protobuf_c_message_pack(&t[0].base, p);
	free(links);
	free(t);
	return p;
}

static void test_depth(void **state)
{
	(void)state;
	const ProtobufCMessageDescriptor *d = &tbgraph__full_type_def__descriptor;
	size_t n;
	unsigned char *p = nested_types(50, &n);
	assert_int_equal(tb_pbtext_depth(d, p, n, 100), 49);
	free(p);
	p = nested_types(500, &n);
	assert_int_equal(tb_pbtext_depth(d, p, n, 100), 101);
	/* cut anywhere inside: malformed, never read past the end */
	assert_int_equal(tb_pbtext_depth(d, p, n - 1, 1000), -EBADMSG);
	free(p);
	static const unsigned char group[] = { 0x0b, 0x0c };  /* start/end group */
	assert_int_equal(tb_pbtext_depth(d, group, sizeof group, 100), -EBADMSG);
	static const unsigned char overlong[] = { 0x12, 0x7f, 0x08 };  /* length past the end */
	assert_int_equal(tb_pbtext_depth(d, overlong, sizeof overlong, 100), -EBADMSG);
	assert_int_equal(tb_pbtext_depth(d, NULL, 0, 100), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_floats),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_int_map),
		cmocka_unit_test(test_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
