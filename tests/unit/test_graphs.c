/*
 * test_graphs.c - the graphs plugin: server/api_graphs.c, graphs.c and
 * keras_graph.c through tb_api_handle().
 *
 *  1. Golden: every recorded graphs request of golden-real-plugins on
 *     tests/data/real (graph, run_metadata byte for byte, up to 7 MB; info
 *     as JSON, runs in any order).
 *  2. Hand-written event files in a temporary logdir: two function graphs
 *     merged (prefixes, PartitionedCall's function, different producers),
 *     limit_attr_size, a Keras 3 functional model with a nested Sequential,
 *     and the hostile ones: garbage and deeply nested graph_defs, missing
 *     parameters, the in-flight budget (503), and a graph of 1M nodes
 *     (served whole, in bounded time).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "app.h"
#include "crc32c.h"
#include "flags.h"
#include "graph.pb-c.h"
#include "graphs.h"
#include "tblimits.h"
#include "tensorboard.pb-c.h"
#include "testutil.h"

/* ---- requests ---------------------------------------------------------- */

#define MAX_PARAMS 8

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

static char *unescape(const char *s, size_t n)
{
	char *o = malloc(n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n) {
			o[k++] = (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]));
			i += 2;
		} else {
			o[k++] = s[i] == '+' ? ' ' : s[i];
		}
	}
	o[k] = '\0';
	return o;
}

/* GET path?query through the router; body NUL-terminated */
static void get(tb_app *app, tb_response *resp, const char *url)
{
	tb_param q[MAX_PARAMS];
	char path[1024];
	const char *qm = strchr(url, '?');
	snprintf(path, sizeof path, "%.*s", (int)(qm ? qm - url : (long)strlen(url)), url);
	tb_request req;
	memset(&req, 0, sizeof req);
	req.app = app;
	req.method = "GET";
	req.path = path;
	req.query = q;
	for (const char *s = qm ? qm + 1 : NULL; s && *s && req.n_query < MAX_PARAMS;) {
		const char *amp = strchr(s, '&'), *stop = amp ? amp : s + strlen(s);
		const char *eq = memchr(s, '=', (size_t)(stop - s));
		q[req.n_query].key = unescape(s, (size_t)((eq ? eq : stop) - s));
		q[req.n_query].value = eq ? unescape(eq + 1, (size_t)(stop - eq - 1)) : unescape("", 0);
		q[req.n_query].value_len = strlen(q[req.n_query].value);
		req.n_query++;
		s = amp ? amp + 1 : stop;
	}
	tb_response_init(resp);
	tb_api_handle(&req, resp);
	tb_buf_putc(&resp->body, '\0');
	resp->body.len--;
	for (size_t i = 0; i < req.n_query; i++) {
		free(q[i].key);
		free(q[i].value);
	}
}

static const char *body(const tb_response *r)
{
	return r->body.data ? r->body.data : "";
}

/* the status and the start of the body */
static void expect(tb_app *app, const char *url, int status, const char *prefix)
{
	tb_response r;
	get(app, &r, url);
	if (r.status != status || strncmp(body(&r), prefix, strlen(prefix)))
		fail_msg("%s: %d %.300s (wanted %d %s)", url, r.status, body(&r), status, prefix);
	tb_response_release(&r);
}

/* ---- apps ---------------------------------------------------------------- */

static tb_flags flags;
static tb_app app;

static void app_open(const char *logdir)
{
	char a0[] = "tbserve", a1[] = "--logdir", a3[] = "--load_fast=false";
	char *argv[] = { a0, a1, (char *)logdir, a3, NULL };
	char err[512];
	assert_int_equal(tb_flags_parse(&flags, 4, argv, err, sizeof err), 0);
	assert_int_equal(tb_app_init(&app, &flags, err, sizeof err), 0);
	assert_int_equal(tb_app_load(&app), 0);
}

static void app_close(void)
{
	tb_app_release(&app);
	tb_flags_release(&flags);
}

/* ---- 1. golden ------------------------------------------------------------ */

static void test_golden(void **state)
{
	(void)state;
	app_open(tu_path("real"));
	size_t n;
	char *idx_text = tu_read_file(tu_path("golden-real-plugins/index.json"), &n);
	assert_non_null(idx_text);
	cJSON *idx = cJSON_Parse(idx_text);
	const cJSON *e;
	int seen = 0;
	cJSON_ArrayForEach(e, idx) {
		const char *path = cJSON_GetObjectItem(e, "path")->valuestring;
		const char *file = cJSON_GetObjectItem(e, "file")->valuestring;
		if (!strstr(path, "/graphs/"))
			continue;
		char rel[512];
		snprintf(rel, sizeof rel, "golden-real-plugins/%s", file);
		size_t want_len = 0;
		char *want = tu_read_file(tu_path(rel), &want_len);
		assert_non_null(want);
		tb_response r;
		get(&app, &r, path);
		assert_int_equal(r.status, cJSON_GetObjectItem(e, "status")->valueint);
		if (strstr(path, "/info")) {
			assert_string_equal(r.content_type, "application/json");
			cJSON *a = cJSON_Parse(body(&r)), *b = cJSON_Parse(want);
			assert_true(cJSON_Compare(a, b, true));
			cJSON_Delete(a);
			cJSON_Delete(b);
		} else {
			assert_string_equal(r.content_type, "text/x-protobuf; charset=utf-8");
			if (r.body.len != want_len || memcmp(body(&r), want, want_len))
				fail_msg("%s: %zu bytes differ from TensorBoard's %zu", file, r.body.len, want_len);
		}
		tb_response_release(&r);
		free(want);
		seen++;
	}
	assert_int_equal(seen, 32);
	cJSON_Delete(idx);
	free(idx_text);
	app_close();
}

/* ---- 2. hand-written logdirs ---------------------------------------------- */

static char logdir[256];

static void put_record(FILE *f, const void *p, size_t n)
{
	unsigned char h[12];
	uint64_t len = n;
	memcpy(h, &len, 8);
	uint32_t c = tb_crc32c_mask(tb_crc32c(0, h, 8));
	memcpy(h + 8, &c, 4);
	fwrite(h, 1, 12, f);
	fwrite(p, 1, n, f);
	c = tb_crc32c_mask(tb_crc32c(0, p, n));
	fwrite(&c, 1, 4, f);
}

static void put_event(FILE *f, Tensorboard__Event *ev)
{
	size_t n = protobuf_c_message_get_packed_size(&ev->base);
	unsigned char *p = malloc(n ? n : 1);
	protobuf_c_message_pack(&ev->base, p);
	put_record(f, p, n);
	free(p);
}

/* a run's event file: file_version first */
static FILE *run_file(const char *run)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", logdir, run);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/%s/events.out.tfevents.1.test", logdir, run);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
	ev.what_case = TENSORBOARD__EVENT__WHAT_FILE_VERSION;
	ev.file_version = (char *)"brain.Event:2";
	put_event(f, &ev);
	return f;
}

static void put_graph_def(FILE *f, const void *p, size_t n)
{
	Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
	ev.what_case = TENSORBOARD__EVENT__WHAT_GRAPH_DEF;
	ev.graph_def = (ProtobufCBinaryData){ n, (uint8_t *)p };
	put_event(f, &ev);
}

static unsigned char *pack(const ProtobufCMessage *m, size_t *n)
{
	*n = protobuf_c_message_get_packed_size(m);
	unsigned char *p = malloc(*n ? *n : 1);
	protobuf_c_message_pack(m, p);
	return p;
}

/* a summary value: one string in a string tensor, plugin name, content */
static void put_summary_v(FILE *f, const char *tag, const char *plugin, const char *content,
			  const void *s, size_t n)
{
	Tensorboard__SummaryMetadata__PluginData pd = TENSORBOARD__SUMMARY_METADATA__PLUGIN_DATA__INIT;
	pd.plugin_name = (char *)plugin;
	pd.content = (ProtobufCBinaryData){ strlen(content), (uint8_t *)content };
	Tensorboard__SummaryMetadata md = TENSORBOARD__SUMMARY_METADATA__INIT;
	md.plugin_data = &pd;
	md.data_class = TENSORBOARD__DATA_CLASS__DATA_CLASS_BLOB_SEQUENCE;
	ProtobufCBinaryData sv = { n, (uint8_t *)s };
	Tensorboard__TensorProto t = TENSORBOARD__TENSOR_PROTO__INIT;
	t.dtype = TENSORBOARD__DATA_TYPE__DT_STRING;
	t.n_string_val = 1;
	t.string_val = &sv;
	Tensorboard__Summary__Value v = TENSORBOARD__SUMMARY__VALUE__INIT;
	v.tag = (char *)tag;
	v.metadata = &md;
	v.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR;
	v.tensor = &t;
	Tensorboard__Summary__Value *vs[] = { &v };
	Tensorboard__Summary sum = TENSORBOARD__SUMMARY__INIT;
	sum.n_value = 1;
	sum.value = vs;
	Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
	ev.step = 1;
	ev.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY;
	ev.summary = &sum;
	put_event(f, &ev);
}

/* as TensorFlow writes them: content "1" */
static void put_string_summary(FILE *f, const char *tag, const char *plugin, const void *s, size_t n)
{
	put_summary_v(f, tag, plugin, "1", s, n);
}

static Tbgraph__NodeDef *node(const char *name, const char *op, const char *input)
{
	Tbgraph__NodeDef *n = calloc(1, sizeof *n);
	tbgraph__node_def__init(n);
	n->name = (char *)name;
	n->op = (char *)op;
	if (input) {
		n->input = calloc(1, sizeof *n->input);
		n->input[0] = (char *)input;
		n->n_input = 1;
	}
	return n;
}

static void write_function_graphs(void)
{
	/* graph 1: x -> call (PartitionedCall of f), with function f */
	Tbgraph__NodeDef *n1[] = { node("x", "Placeholder", NULL), node("call", "PartitionedCall", "x") };
	Tbgraph__NameAttrList fn = TBGRAPH__NAME_ATTR_LIST__INIT;
	fn.name = (char *)"__inference_f_12";
	Tbgraph__AttrValue fv = TBGRAPH__ATTR_VALUE__INIT;
	fv.value_case = TBGRAPH__ATTR_VALUE__VALUE_FUNC;
	fv.func = &fn;
	Tbgraph__NodeDef__AttrEntry fe = TBGRAPH__NODE_DEF__ATTR_ENTRY__INIT;
	fe.key = (char *)"f";
	fe.value = &fv;
	Tbgraph__NodeDef__AttrEntry *fes[] = { &fe };
	n1[1]->n_attr = 1;
	n1[1]->attr = fes;
	Tbgraph__OpDef sig = TBGRAPH__OP_DEF__INIT;
	sig.name = (char *)"__inference_f_12";
	Tbgraph__FunctionDef f = TBGRAPH__FUNCTION_DEF__INIT;
	f.signature = &sig;
	Tbgraph__FunctionDef *fs[] = { &f };
	Tbgraph__FunctionDefLibrary lib = TBGRAPH__FUNCTION_DEF_LIBRARY__INIT;
	lib.n_function = 1;
	lib.function = fs;
	Tbgraph__VersionDef v27 = TBGRAPH__VERSION_DEF__INIT, v28 = v27;
	v27.producer = 27;
	v28.producer = 28;
	Tbgraph__GraphDef g1 = TBGRAPH__GRAPH_DEF__INIT, g2 = g1, g3 = g1;
	g1.n_node = 2;
	g1.node = n1;
	g1.library = &lib;
	g1.versions = &v27;
	Tbgraph__NodeDef *n2[] = { node("y", "Identity", "^x") };
	g2.n_node = 1;
	g2.node = n2;
	g2.versions = &v27;
	g3.versions = &v28;
	Tbgraph__RunMetadata__FunctionGraphs fg1 = TBGRAPH__RUN_METADATA__FUNCTION_GRAPHS__INIT;
	Tbgraph__RunMetadata__FunctionGraphs fg2 = fg1, fg3 = fg1;
	fg1.pre_optimization_graph = &g1;
	fg2.pre_optimization_graph = &g2;
	fg3.pre_optimization_graph = &g3;
	Tbgraph__RunMetadata__FunctionGraphs *two[] = { &fg1, &fg2 }, *clash[] = { &fg1, &fg3 };
	Tbgraph__RunMetadata md = TBGRAPH__RUN_METADATA__INIT;
	md.n_function_graphs = 2;
	md.function_graphs = two;
	FILE *out = run_file("fn");
	size_t n;
	unsigned char *p = pack(&md.base, &n);
	put_string_summary(out, "merged", "graph_run_metadata_graph", p, n);
	free(p);
	md.function_graphs = clash;
	p = pack(&md.base, &n);
	put_string_summary(out, "clash", "graph_run_metadata_graph", p, n);
	free(p);
	md.n_function_graphs = 1;  /* one function graph: as it is */
	md.function_graphs = &two[1];
	p = pack(&md.base, &n);
	put_string_summary(out, "single", "graph_run_metadata_graph", p, n);
	/* profiling run metadata (op graph and profile), and a version
	 * TensorBoard does not read */
	put_string_summary(out, "prof", "graph_run_metadata", p, n);
	put_summary_v(out, "v2", "graph_run_metadata", "2", p, n);
	free(p);
	/* a big attribute for limit_attr_size */
	Tbgraph__AttrValue big = TBGRAPH__ATTR_VALUE__INIT, small = big;
	char blob[300];
	memset(blob, 'z', sizeof blob);
	big.value_case = TBGRAPH__ATTR_VALUE__VALUE_S;
	big.s = (ProtobufCBinaryData){ sizeof blob, (uint8_t *)blob };
	small.value_case = TBGRAPH__ATTR_VALUE__VALUE_I;
	small.i = 7;
	Tbgraph__NodeDef__AttrEntry be = TBGRAPH__NODE_DEF__ATTR_ENTRY__INIT, se = be;
	be.key = (char *)"value";
	be.value = &big;
	se.key = (char *)"N";
	se.value = &small;
	Tbgraph__NodeDef__AttrEntry *attrs[] = { &be, &se };
	Tbgraph__NodeDef *c = node("c", "Const", NULL);
	c->n_attr = 2;
	c->attr = attrs;
	Tbgraph__GraphDef g = TBGRAPH__GRAPH_DEF__INIT;
	g.n_node = 1;
	g.node = &c;
	p = pack(&g.base, &n);
	put_graph_def(out, p, n);
	free(p);
	fclose(out);
	for (int i = 0; i < 2; i++) {
		free(n1[i]->input);
		free(n1[i]);
	}
	free(n2[0]->input);
	free(n2[0]);
	free(c);
}

static const char keras3[] =
	"{\"class_name\": \"Functional\", \"config\": {\"name\": \"m\","
	" \"input_layers\": [[\"in\", 0, 0]], \"output_layers\": [[\"out\", 0, 0]],"
	" \"layers\": ["
	"  {\"class_name\": \"InputLayer\", \"name\": \"in\", \"config\": {\"name\": \"in\", \"dtype\": \"float32\"},"
	"   \"inbound_nodes\": []},"
	"  {\"class_name\": \"Sequential\", \"name\": \"seq\", \"config\": {\"name\": \"seq\","
	"   \"layers\": [{\"class_name\": \"Dense\", \"config\": {\"name\": \"d1\","
	"    \"dtype\": {\"class_name\": \"DTypePolicy\", \"config\": {\"name\": \"float16\"}}}},"
	"    {\"class_name\": \"Dense\", \"config\": {\"name\": \"d2\"}}]},"
	"   \"inbound_nodes\": [{\"args\": [{\"class_name\": \"__keras_tensor__\","
	"    \"config\": {\"keras_history\": [\"in\", 0, 0]}}], \"kwargs\": {}}]},"
	"  {\"class_name\": \"Add\", \"name\": \"out\", \"config\": {\"name\": \"out\", \"dtype\": \"float32\"},"
	"   \"inbound_nodes\": [{\"args\": [[{\"config\": {\"keras_history\": [\"seq\", 0, 0]}},"
	"    {\"config\": {\"keras_history\": [\"in\", 0, 0]}}]], \"kwargs\": {}}]}]}}";

static const char keras_graph_want[] =
	"node {\n  name: \"m/in\"\n"
	"  attr {\n    key: \"dtype\"\n    value {\n      type: DT_FLOAT\n    }\n  }\n"
	"  attr {\n    key: \"keras_class\"\n    value {\n      s: \"InputLayer\"\n    }\n  }\n}\n"
	"node {\n  name: \"m/seq/d1\"\n  input: \"m/in\"\n"
	"  attr {\n    key: \"dtype\"\n    value {\n      type: DT_HALF\n    }\n  }\n"
	"  attr {\n    key: \"keras_class\"\n    value {\n      s: \"Dense\"\n    }\n  }\n}\n"
	"node {\n  name: \"m/seq/d2\"\n  input: \"m/seq/d1\"\n"
	"  attr {\n    key: \"keras_class\"\n    value {\n      s: \"Dense\"\n    }\n  }\n}\n"
	"node {\n  name: \"m/out\"\n  input: \"m/seq/d2\"\n  input: \"m/in\"\n"
	"  attr {\n    key: \"dtype\"\n    value {\n      type: DT_FLOAT\n    }\n  }\n"
	"  attr {\n    key: \"keras_class\"\n    value {\n      s: \"Add\"\n    }\n  }\n}\n";

static void write_hostile(void)
{
	FILE *f = run_file("garbage");
	put_graph_def(f, "\xff\xff\xff\xff", 4);
	put_string_summary(f, "keras", "graph_keras_model", "{not json", 9);
	put_string_summary(f, "flat", "graph_keras_model", "{\"config\": {\"layers\": []}}", 26);
	fclose(f);
	/* NodeDef.experimental_type: FullTypeDef.args nested 1000 deep */
	enum { DEEP = 1000 };
	Tbgraph__FullTypeDef *t = calloc(DEEP, sizeof *t);
	Tbgraph__FullTypeDef **links = calloc(DEEP, sizeof *links);
	for (int i = 0; i < DEEP; i++) {
		tbgraph__full_type_def__init(&t[i]);
		if (i + 1 < DEEP) {
			links[i] = &t[i + 1];
			t[i].n_args = 1;
			t[i].args = &links[i];
		}
	}
	Tbgraph__NodeDef *n = node("deep", "NoOp", NULL);
	n->experimental_type = t;
	Tbgraph__GraphDef g = TBGRAPH__GRAPH_DEF__INIT;
	g.n_node = 1;
	g.node = &n;
	size_t len;
	unsigned char *p = pack(&g.base, &len);
	f = run_file("deep");
	put_graph_def(f, p, len);
	fclose(f);
	free(p);
	free(n);
	free(links);
	free(t);
	f = run_file("keras");
	put_string_summary(f, "keras", "graph_keras_model", keras3, strlen(keras3));
	fclose(f);
}

/* 1M nodes "n0000000" .. of op NoOp, each but the first taking the one
 * before: about 30 MB of GraphDef, written without building it */
enum { BIG_NODES = 1000000 };

static void write_big(void)
{
	size_t cap = (size_t)BIG_NODES * 40, n = 0;
	unsigned char *p = malloc(cap);
	for (unsigned i = 0; i < BIG_NODES; i++) {
		unsigned char nd[64];
		size_t k = 0;
		nd[k++] = 0x0a;  /* name */
		nd[k++] = 8;
		k += (size_t)sprintf((char *)nd + k, "n%07u", i);
		nd[k++] = 0x12;  /* op */
		nd[k++] = 4;
		memcpy(nd + k, "NoOp", 4);
		k += 4;
		if (i) {
			nd[k++] = 0x1a;  /* input */
			nd[k++] = 8;
			k += (size_t)sprintf((char *)nd + k, "n%07u", i - 1);
		}
		p[n++] = 0x0a;  /* GraphDef.node */
		p[n++] = (unsigned char)k;
		memcpy(p + n, nd, k);
		n += k;
	}
	FILE *f = run_file("big");
	put_graph_def(f, p, n);
	fclose(f);
	free(p);
}

static int setup(void **state)
{
	(void)state;
	snprintf(logdir, sizeof logdir, "/tmp/h6-test-graphs-XXXXXX");
	assert_non_null(mkdtemp(logdir));
	write_function_graphs();
	write_hostile();
	write_big();
	app_open(logdir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	app_close();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", logdir);
	return system(cmd);
}

static void test_merge(void **state)
{
	(void)state;
	expect(&app, "/data/plugin/graphs/graph?run=fn&tag=merged", 200,
	       "node {\n  name: \"graph_1/x\"\n  op: \"Placeholder\"\n}\n"
	       "node {\n  name: \"graph_1/call\"\n  op: \"PartitionedCall\"\n"
	       "  input: \"graph_1/x\"\n"
	       "  attr {\n    key: \"f\"\n    value {\n      func {\n"
	       "        name: \"graph_1___inference_f_12\"\n      }\n    }\n  }\n}\n"
	       "node {\n  name: \"graph_2/y\"\n  op: \"Identity\"\n  input: \"graph_2/^x\"\n}\n"
	       "library {\n  function {\n    signature {\n"
	       "      name: \"graph_1___inference_f_12\"\n    }\n  }\n}\n"
	       "versions {\n  producer: 27\n}\n");
	expect(&app, "/data/plugin/graphs/graph?run=fn&tag=clash", 400,
	       "Invalid argument: Cannot combine GraphDefs of different versions.");
	expect(&app, "/data/plugin/graphs/graph?run=fn&tag=single", 200,
	       "node {\n  name: \"y\"\n  op: \"Identity\"\n  input: \"^x\"\n}\n"
	       "versions {\n  producer: 27\n}\n");
	/* profiling run metadata is served by both; a graph's is not */
	expect(&app, "/data/plugin/graphs/graph?run=fn&tag=prof", 200, "node {\n  name: \"y\"");
	expect(&app, "/data/plugin/graphs/run_metadata?run=fn&tag=prof", 200,
	       "function_graphs {\n  pre_optimization_graph {\n    node {\n      name: \"y\"");
	expect(&app, "/data/plugin/graphs/run_metadata?run=fn&tag=merged", 404, "Not found");
	expect(&app, "/data/plugin/graphs/graph?run=fn&tag=nope", 404, "Not found");
	expect(&app, "/data/plugin/graphs/graph?run=nope", 404, "Not found");
}

static void test_info(void **state)
{
	(void)state;
	tb_response r;
	get(&app, &r, "/data/plugin/graphs/info");
	assert_int_equal(r.status, 200);
	cJSON *all = cJSON_Parse(body(&r));
	cJSON *want = cJSON_Parse(
		"{\"run\": \"fn\", \"tags\": {"
		"\"merged\": {\"tag\": \"merged\", \"conceptual_graph\": false, \"op_graph\": true, \"profile\": false}, "
		"\"clash\": {\"tag\": \"clash\", \"conceptual_graph\": false, \"op_graph\": true, \"profile\": false}, "
		"\"single\": {\"tag\": \"single\", \"conceptual_graph\": false, \"op_graph\": true, \"profile\": false}, "
		"\"prof\": {\"tag\": \"prof\", \"conceptual_graph\": false, \"op_graph\": true, \"profile\": true}}, "
		"\"run_graph\": true}");
	assert_true(cJSON_Compare(cJSON_GetObjectItem(all, "fn"), want, true));
	const cJSON *keras = cJSON_GetObjectItem(cJSON_GetObjectItem(all, "keras"), "tags");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(keras, "keras"), "conceptual_graph")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(all, "keras"), "run_graph")));
	cJSON_Delete(want);
	cJSON_Delete(all);
	tb_response_release(&r);
}

static void test_limit_attrs(void **state)
{
	(void)state;
	expect(&app, "/data/plugin/graphs/graph?run=fn&limit_attr_size=100&large_attrs_key=_too_large",
	       200, "node {\n  name: \"c\"\n  op: \"Const\"\n"
	       "  attr {\n    key: \"N\"\n    value {\n      i: 7\n    }\n  }\n"
	       "  attr {\n    key: \"_too_large\"\n    value {\n      list {\n"
	       "        s: \"value\"\n      }\n    }\n  }\n}\n");
	expect(&app, "/data/plugin/graphs/graph?run=fn&limit_attr_size=1000&large_attrs_key=k", 200,
	       "node {\n  name: \"c\"\n  op: \"Const\"\n  attr {\n    key: \"N\"");
	expect(&app, "/data/plugin/graphs/graph?run=fn&limit_attr_size=x&large_attrs_key=k", 400,
	       "Invalid argument: query parameter `limit_attr_size` must be an integer");
	expect(&app, "/data/plugin/graphs/graph?run=fn&limit_attr_size=10", 400,
	       "Invalid argument: large_attrs_key must be != None");
	expect(&app, "/data/plugin/graphs/graph?run=fn&limit_attr_size=0&large_attrs_key=k", 400,
	       "Invalid argument: limit_attr_size must be > 0, but is 0");
}

static void test_keras(void **state)
{
	(void)state;
	expect(&app, "/data/plugin/graphs/graph?run=keras&tag=keras&conceptual=true", 200,
	       keras_graph_want);
	tb_response r;
	get(&app, &r, "/data/plugin/graphs/graph?run=keras&tag=keras&conceptual=true");
	assert_int_equal(r.body.len, strlen(keras_graph_want));
	tb_response_release(&r);
	expect(&app, "/data/plugin/graphs/graph?run=garbage&tag=keras&conceptual=true", 400,
	       "Invalid argument: the Keras model config is not a model");
	expect(&app, "/data/plugin/graphs/graph?run=garbage&tag=flat&conceptual=true", 400,
	       "Invalid argument: the Keras model config is not a model");
	expect(&app, "/data/plugin/graphs/graph?run=keras&conceptual=true", 404, "Not found");
	expect(&app, "/data/plugin/graphs/info", 200, "{");
}

static void test_hostile(void **state)
{
	(void)state;
	expect(&app, "/data/plugin/graphs/graph?run=garbage", 400,
	       "Invalid argument: the graph of run 'garbage' is not a valid GraphDef message");
	expect(&app, "/data/plugin/graphs/graph?run=deep", 400,
	       "Invalid argument: the graph of run 'deep' nests messages deeper than 100 levels");
	expect(&app, "/data/plugin/graphs/graph", 400,
	       "Invalid argument: query parameter \"run\" is required");
	expect(&app, "/data/plugin/graphs/run_metadata?run=fn", 400,
	       "Invalid argument: query parameter \"tag\" is required");
	expect(&app, "/data/plugin/graphs/run_metadata?tag=x", 400,
	       "Invalid argument: query parameter \"run\" is required");
}

/* requests beyond the in-flight budget are 503 while others hold it */
static void test_in_flight(void **state)
{
	(void)state;
	size_t held;
	assert_int_equal(tb_graphs_claim(60u << 20, &held), 0);
	expect(&app, "/data/plugin/graphs/graph?run=big", 503,
	       "Error: Service unavailable: too many large graphs being prepared; try again");
	expect(&app, "/data/plugin/graphs/graph?run=fn", 200, "node {");  /* small: fits */
	tb_graphs_release(held);
	expect(&app, "/data/plugin/graphs/graph?run=big", 200, "node {");
	/* a lone request is never refused, whatever its size */
	assert_int_equal(tb_graphs_claim(TB_MAX_GRAPH_BYTES, &held), 0);
	tb_graphs_release(held);
}

static void test_million_nodes(void **state)
{
	(void)state;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tb_response r;
	get(&app, &r, "/data/plugin/graphs/graph?run=big");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(r.status, 200);
	/* counted by hand: strstr over 61 MB from each hit is quadratic under
	 * ASan, whose interceptor measures the rest of the string every call */
	size_t nodes = 0;
	const char *text = body(&r);
	for (size_t i = 0; i + 7 <= r.body.len; i++)
		nodes += text[i] == 'n' && (i == 0 || text[i - 1] == '\n') && !memcmp(text + i, "node {\n", 7);
	assert_int_equal(nodes, BIG_NODES);
	assert_non_null(strstr(body(&r), "  name: \"n0999999\"\n  op: \"NoOp\"\n  input: \"n0999998\"\n}\n"));
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("1M-node graph: %zu bytes of text in %.2f s\n", r.body.len, secs);
	tb_response_release(&r);
}

int main(void)
{
	const struct CMUnitTest golden[] = {
		cmocka_unit_test(test_golden),
	};
	const struct CMUnitTest made[] = {
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_limit_attrs),
		cmocka_unit_test(test_keras),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_in_flight),
		cmocka_unit_test(test_million_nodes),
	};
	tb_log_level = TB_LOG_ERROR - 1;
	int failed = cmocka_run_group_tests(golden, NULL, NULL);
	return failed + cmocka_run_group_tests(made, setup, teardown);
}
