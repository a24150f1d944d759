/*
 * api_graphs.c - the graphs plugin (reference §4.10, TensorBoard's
 * graphs_plugin.py).
 *
 *   info                               {run: {run, tags: {tag: {tag,
 *                                       conceptual_graph, op_graph, profile}},
 *                                       run_graph}}
 *   graph?run[&tag][&conceptual=true][&limit_attr_size=N&large_attrs_key=K]
 *                                      a GraphDef in text format
 *   run_metadata?run&tag               a RunMetadata in text format
 *
 * Bodies are str(message) as Python prints it (pbtext.c), text/x-protobuf.
 * Which graph: the run's graph_def (tag "__run_graph__", plugin graphs);
 * with tag, the RunMetadata of a graph_run_metadata(_graph) summary, its
 * function graphs' pre-optimization graphs merged as graph_util.py does;
 * with conceptual=true, the Keras model config of a graph_keras_model
 * summary turned into a GraphDef (keras_graph.c). run_metadata: a
 * tagged_run_metadata event's or a graph_run_metadata summary's. Of a
 * series TensorBoard reads one value: the first kept at the newest step.
 *
 * Untrusted input: a blob over TB_MAX_GRAPH_BYTES or a text over
 * TB_MAX_GRAPH_TEXT is a 413; bytes that are not the message, or nest
 * deeper than TB_MAX_PB_DEPTH, a 400 (TensorBoard answers 500 to both).
 * Requests together unpack at most TB_GRAPHS_MAX_IN_FLIGHT bytes; one
 * more is a 503 (try again).
 * Every blob is read through tb_view_blob.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "arena.h"
#include "graph.pb-c.h"
#include "graphs.h"
#include "json.h"
#include "log.h"
#include "pbtext.h"
#include "query.h"
#include "tblimits.h"
#include "tensorboard.pb-c.h"
#include "writer.h"

/* ---- info ------------------------------------------------------------- */

static bool content_is_v1(const tb_series *se)
{
	return se->content_len == 1 && se->content[0] == '1';
}

/* TensorBoard fills its answer plugin by plugin; within a run the tags
 * come in that order too. */
static const struct pass {
	const char *plugin;
	bool need_v1, op_graph, profile, conceptual;
} passes[] = {
	{ "graph_run_metadata_graph", true, true, false, false },
	{ "graph_run_metadata", true, true, true, false },
	{ "graph_keras_model", true, false, false, true },
	{ "graph_tagged_run_metadata", false, false, true, false },
};

typedef struct tag_item {
	const tb_series *se;
	bool conceptual, op_graph, profile;
} tag_item;

static int info_run(void *arg, const tb_run *r, const tb_series **tags, size_t n)
{
	tb_buf *b = arg;
	tag_item *items = calloc(n ? n : 1, sizeof *items);
	if (!items)
		return -ENOMEM;
	size_t k = 0;
	bool run_graph = false;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(tags[i]->plugin, "graphs") && !strcmp(tags[i]->tag, TB_RUN_GRAPH_TAG))
			run_graph = true;
	for (size_t p = 0; p < sizeof passes / sizeof *passes; p++) {
		for (size_t i = 0; i < n; i++) {
			const tb_series *se = tags[i];
			if (strcmp(se->plugin, passes[p].plugin) ||
			    (passes[p].need_v1 && !content_is_v1(se)))
				continue;
			/* a series has one plugin: one pass takes it, once */
			items[k++] = (tag_item){ se, passes[p].conceptual, passes[p].op_graph,
						 passes[p].profile };
		}
	}
	if (k || run_graph) {
		tb_write_sep(b);
		tb_json_cstr(b, r->name);
		tb_buf_puts(b, ": {\"run\": ");
		tb_json_cstr(b, r->name);
		tb_buf_puts(b, ", \"tags\": {");
		for (size_t j = 0; j < k; j++) {
			const tb_series *se = items[j].se;
			if (j)
				tb_buf_puts(b, ", ");
			tb_json_str(b, se->tag, se->tag_len);
			tb_buf_puts(b, ": {\"tag\": ");
			tb_json_str(b, se->tag, se->tag_len);
			tb_buf_puts(b, ", \"conceptual_graph\": ");
			tb_json_bool(b, items[j].conceptual);
			tb_buf_puts(b, ", \"op_graph\": ");
			tb_json_bool(b, items[j].op_graph);
			tb_buf_puts(b, ", \"profile\": ");
			tb_json_bool(b, items[j].profile);
			tb_buf_putc(b, '}');
		}
		tb_buf_puts(b, "}, \"run_graph\": ");
		tb_json_bool(b, run_graph);
		tb_buf_putc(b, '}');
	}
	free(items);
	return 0;
}

void tb_api_graphs_info(const tb_request *req, tb_response *resp)
{
	tb_buf *b = &resp->body;
	tb_resp_json(resp);
	tb_buf_putc(b, '{');
	if (tb_query_tags(&req->app->store, TB_KIND_GRAPH, info_run, b))
		tb_resp_oom(resp);
	tb_buf_putc(b, '}');
}

/* ---- reading one blob ------------------------------------------------- */

/* The bytes of run/tag's value TensorBoard reads if its plugin is one of
 * plugins[]: a graph_def or tagged run metadata as written, or the first
 * string of a summary's string tensor. 0, -ENOENT, -EFBIG, -EIO, -EBADMSG
 * or -ENOMEM; *data is the caller's to free. */
static int read_graph_blob(tb_arena *a, tb_store *s, const char *run, const char *tag,
			   const char *const *plugins, size_t nplugins,
			   unsigned char **data, size_t *len)
{
	tb_view v;
	if (!tag || tb_view_open(&v, s, run, tag, TB_KIND_GRAPH))
		return -ENOENT;
	bool ok = false;
	for (size_t i = 0; i < nplugins; i++)
		ok |= !strcmp(v.se->plugin, plugins[i]);
	if (!ok || v.end == v.first || v.end == 0) {
		tb_view_release(&v);
		return -ENOENT;
	}
	/* TensorBoard reads the newest value's step, then the first value
	 * kept at that step (its blob keys name a step, not a value) */
	int64_t step = tb_series_step(v.se, v.end - 1);
	size_t at = v.first;
	while (tb_series_step(v.se, at) != step)
		at++;
	tb_blob_type type;
	unsigned char *raw;
	size_t n;
	int rc = tb_view_blob(&v, at, &type, &raw, &n);
	tb_view_release(&v);
	if (rc)
		return rc;
	if (type == TB_BLOB_RAW) {
		*data = raw;
		*len = n;
		return n > TB_MAX_GRAPH_BYTES ? (free(raw), -EFBIG) : 0;
	}
	if (type != TB_BLOB_TENSOR) {
		free(raw);
		return -ENOENT;
	}
	/* in the arena, whose flag tells running out of memory from bytes
	 * that are not a TensorProto */
	Tensorboard__TensorProto *t = tensorboard__tensor_proto__unpack(&a->pb, n, raw);
	free(raw);
	if (!t)
		return a->oom ? -ENOMEM : -EBADMSG;
	rc = -ENOENT;
	if (t->n_string_val > 0) {
		const ProtobufCBinaryData *sv = &t->string_val[0];
		if (sv->len > TB_MAX_GRAPH_BYTES) {
			rc = -EFBIG;
		} else if ((*data = malloc(sv->len ? sv->len : 1))) {
			if (sv->len)
				memcpy(*data, sv->data, sv->len);
			*len = sv->len;
			rc = 0;
		} else {
			rc = -ENOMEM;
		}
	}
	return rc;
}

/* Unpack bytes as d into the arena, refusing hostile nesting first. */
static int unpack(tb_arena *a, const ProtobufCMessageDescriptor *d, const unsigned char *p,
		  size_t n, ProtobufCMessage **out)
{
	int depth = tb_pbtext_depth(d, p, n, TB_MAX_PB_DEPTH);
	if (depth < 0)
		return -EBADMSG;
	if (depth > TB_MAX_PB_DEPTH)
		return -ELOOP;
	*out = protobuf_c_message_unpack(d, &a->pb, n, p);
	if (!*out)
		return a->oom ? -ENOMEM : -EBADMSG;
	return 0;
}

/* The text body, or the error for rc; what names the message. */
static void respond(tb_response *resp, int rc, const ProtobufCMessage *m, const char *what,
		    const char *run, const char *tag)
{
	if (!rc) {
		resp->status = 200;
		resp->content_type = "text/x-protobuf; charset=utf-8";
		tb_buf_reset(&resp->body);
		rc = tb_pbtext_print(&resp->body, m, TB_MAX_GRAPH_TEXT);
		if (!rc)
			return;
	}
	const char *t = tag ? tag : "";
	switch (rc) {
	case -ENOENT:
		tb_resp_error(resp, 404, "no %s for run '%s'%s%s%s", what, run,
			      tag ? ", tag '" : "", t, tag ? "'" : "");
		break;
	case -EFBIG:
		tb_resp_error(resp, 413, "the %s of run '%s' is larger than tbserve serves "
			      "(%u MiB of protobuf, %u MiB of text)", what, run,
			      TB_MAX_GRAPH_BYTES >> 20, TB_MAX_GRAPH_TEXT >> 20);
		break;
	case -ELOOP:
		tb_resp_error(resp, 400, "the %s of run '%s' nests messages deeper than %d levels",
			      what, run, TB_MAX_PB_DEPTH);
		break;
	case -EBADMSG:
		tb_resp_error(resp, 400, "the %s of run '%s'%s%s%s is not a valid %s message", what,
			      run, tag ? ", tag '" : "", t, tag ? "'" : "",
			      what[0] == 'r' ? "RunMetadata" : "GraphDef");
		break;
	case -EIO:
		tb_resp_error(resp, 500, "the %s of run '%s' could not be read back from its event file",
			      what, run);
		break;
	case -ENOMEM:
		tb_resp_oom(resp);
		break;
	case -EBUSY:
		tb_resp_error(resp, 503, "Service unavailable: too many large graphs being "
			      "prepared; try again");
		break;
	default:
		tb_resp_error(resp, 400, "%s", tb_graphs_error(rc));
	}
	/* data the logdir holds that cannot be served: say so where the
	 * operator looks (the text has its control bytes escaped) */
	if (resp->status == 400 || resp->status == 413 || resp->status == 500)
		tb_log(TB_LOG_WARN, "graphs: %.*s", (int)resp->body.len,
		       resp->body.data ? resp->body.data : "");
}

/* ---- graph ------------------------------------------------------------ */

/* Python's int() of a query argument: optional blanks and sign, digits. */
static bool parse_int(const char *s, long long *out)
{
	char *end;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (end == s || errno)
		return false;
	while (*end == ' ' || *end == '\t')
		end++;
	return *end == '\0';
}

void tb_api_graphs_graph(const tb_request *req, tb_response *resp)
{
	const char *run = tb_req_arg(req, "run"), *tag = tb_req_arg(req, "tag");
	const char *conceptual = tb_req_arg(req, "conceptual");
	const char *limit_arg = tb_req_arg(req, "limit_attr_size");
	const char *large_key = tb_req_arg(req, "large_attrs_key");
	if (!run) {
		tb_resp_error(resp, 400, "query parameter \"run\" is required");
		return;
	}
	long long limit = -1;
	if (limit_arg) {
		if (!parse_int(limit_arg, &limit)) {
			tb_resp_error(resp, 400, "query parameter `limit_attr_size` must be an integer");
			return;
		}
		/* process_graph.py's checks (TensorBoard answers them 500) */
		if (!large_key) {
			tb_resp_error(resp, 400, "large_attrs_key must be != None when "
				      "limit_attr_size != None.");
			return;
		}
		if (limit <= 0) {
			tb_resp_error(resp, 400, "limit_attr_size must be > 0, but is %lld", limit);
			return;
		}
	}
	bool is_conceptual = conceptual && !strcmp(conceptual, "true");
	tb_store *s = &req->app->store;
	tb_arena a;
	tb_arena_init(&a);
	unsigned char *data = NULL;
	size_t len = 0;
	ProtobufCMessage *m = NULL;
	Tbgraph__GraphDef *g = NULL;
	size_t claimed = 0;
	int rc;
	const char *what = "graph";
	if (is_conceptual) {
		static const char *const p[] = { "graph_keras_model" };
		what = "Keras model";
		rc = read_graph_blob(&a, s, run, tag, p, 1, &data, &len);
		if (!rc && !(rc = tb_graphs_claim(len, &claimed)))
			rc = tb_keras_to_graph(&a, (const char *)data, len, &g);
	} else if (!tag) {
		static const char *const p[] = { "graphs" };
		rc = read_graph_blob(&a, s, run, TB_RUN_GRAPH_TAG, p, 1, &data, &len);
		if (!rc && !(rc = tb_graphs_claim(len, &claimed)) &&
		    !(rc = unpack(&a, &tbgraph__graph_def__descriptor, data, len, &m)))
			g = (Tbgraph__GraphDef *)m;
	} else {
		static const char *const p[] = { "graph_run_metadata", "graph_run_metadata_graph" };
		what = "run metadata graph";
		rc = read_graph_blob(&a, s, run, tag, p, 2, &data, &len);
		if (!rc && !(rc = tb_graphs_claim(len, &claimed)) &&
		    !(rc = unpack(&a, &tbgraph__run_metadata__descriptor, data, len, &m)))
			rc = tb_graphs_merge(&a, (Tbgraph__RunMetadata *)m, &g);
	}
	free(data);
	if (!rc && limit > 0)
		rc = tb_graphs_limit_attrs(&a, g, (size_t)limit, large_key);
	respond(resp, rc, g ? &g->base : NULL, what, run, tag);
	tb_arena_release(&a);
	tb_graphs_release(claimed);
}

/* ---- run_metadata ----------------------------------------------------- */

void tb_api_graphs_run_metadata(const tb_request *req, tb_response *resp)
{
	const char *run = tb_req_arg(req, "run"), *tag = tb_req_arg(req, "tag");
	if (!tag || !run) {
		tb_resp_error(resp, 400, "query parameter \"%s\" is required", !tag ? "tag" : "run");
		return;
	}
	/* run metadata from tagged_run_metadata events and from TF2's
	 * profiling summaries (graph_run_metadata) alike */
	static const char *const p[] = { "graph_tagged_run_metadata", "graph_run_metadata" };
	tb_arena a;
	tb_arena_init(&a);
	unsigned char *data = NULL;
	size_t len = 0;
	ProtobufCMessage *m = NULL;
	size_t claimed = 0;
	int rc = read_graph_blob(&a, &req->app->store, run, tag, p, 2, &data, &len);
	if (!rc && !(rc = tb_graphs_claim(len, &claimed)))
		rc = unpack(&a, &tbgraph__run_metadata__descriptor, data, len, &m);
	free(data);
	respond(resp, rc, m, "run metadata", run, tag);
	tb_arena_release(&a);
	tb_graphs_release(claimed);
}
