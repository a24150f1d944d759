/*
 * graphs.c - TensorBoard's graph_util.merge_graph_defs and
 * process_graph.prepare_graph_for_ui on protobuf-c GraphDefs (graphs.h).
 *
 * Both build new arrays and strings in the arena and share everything
 * they do not change with the input messages (shallow struct copies), so
 * the result is only valid while the input is.
 */
#include "graphs.h"
#include "tblimits.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* memcpy of n bytes from an array that is NULL when empty (protobuf-c's
 * and ours): memcpy(dst, NULL, 0) is undefined */
#define COPY(dst, src, n) do { if ((n) != 0) memcpy((dst), (src), (n)); } while (0)

const char *tb_graphs_error(int rc)
{
	switch (rc) {
	case TB_GRAPHS_EVERSIONS:
		return "Cannot combine GraphDefs of different versions.";
	case TB_GRAPHS_EKERAS:
		return "the Keras model config is not a model TensorBoard can draw";
	default:
		return "invalid graph";
	}
}

/* ---- the in-flight budget -------------------------------------------- */

/* Protobuf bytes being unpacked and printed by all graph requests: the one
 * state the plugin keeps across requests. */
static _Atomic size_t in_flight;

int tb_graphs_claim(size_t n, size_t *claimed)
{
	size_t held = atomic_fetch_add(&in_flight, n);
	if (held && held + n > TB_GRAPHS_MAX_IN_FLIGHT) {
		atomic_fetch_sub(&in_flight, n);
		return -EBUSY;
	}
	*claimed = n;
	return 0;
}

void tb_graphs_release(size_t claimed)
{
	atomic_fetch_sub(&in_flight, claimed);
}

#define NEW(a, T) ((T *)tb_arena_alloc((a), sizeof(T)))
#define NEW_ARRAY(a, T, n) ((T *)tb_arena_alloc((a), ((n) ? (n) : 1) * sizeof(T)))

/* "%s<sep>%s" in the arena */
static char *join(tb_arena *a, const char *x, const char *sep, const char *y)
{
	size_t nx = strlen(x), ns = strlen(sep), ny = strlen(y);
	char *s = tb_arena_alloc(a, nx + ns + ny + 1);
	if (s) {
		memcpy(s, x, nx);
		memcpy(s + nx, sep, ns);
		memcpy(s + nx + ns, y, ny + 1);
	}
	return s;
}

/* ---- merge_graph_defs ---------------------------------------------------- */

static Tbgraph__GraphDef *empty_graph(tb_arena *a)
{
	Tbgraph__GraphDef *g = NEW(a, Tbgraph__GraphDef);
	if (g)
		tbgraph__graph_def__init(g);
	return g;
}

static Tbgraph__GraphDef *pre_graph(const Tbgraph__RunMetadata *md, size_t i)
{
	return md->function_graphs[i]->pre_optimization_graph;
}

static int32_t producer(const Tbgraph__GraphDef *g)
{
	return g && g->versions ? g->versions->producer : 0;
}

/* PartitionedCall's attr "f" names its function: renamed like functions
 * (graph_util.py reads node.attr["f"], which adds it when missing). */
static int rename_call(tb_arena *a, Tbgraph__NodeDef *n, const char *prefix)
{
	size_t f = n->n_attr;
	for (size_t i = 0; i < n->n_attr; i++)
		if (!strcmp(n->attr[i]->key, "f"))
			f = i;  /* the last one: Python's map keeps it */
	Tbgraph__NodeDef__AttrEntry **attr = NEW_ARRAY(a, Tbgraph__NodeDef__AttrEntry *, n->n_attr + 1);
	Tbgraph__NodeDef__AttrEntry *e = NEW(a, Tbgraph__NodeDef__AttrEntry);
	Tbgraph__AttrValue *v = NEW(a, Tbgraph__AttrValue);
	Tbgraph__NameAttrList *func = NEW(a, Tbgraph__NameAttrList);
	if (!attr || !e || !v || !func)
		return -ENOMEM;
	COPY(attr, n->attr, n->n_attr * sizeof *attr);
	const Tbgraph__AttrValue *old = f < n->n_attr ? n->attr[f]->value : NULL;
	if (old && old->value_case == TBGRAPH__ATTR_VALUE__VALUE_FUNC && old->func)
		*func = *old->func;
	else
		tbgraph__name_attr_list__init(func);
	tbgraph__attr_value__init(v);
	v->value_case = TBGRAPH__ATTR_VALUE__VALUE_FUNC;
	v->func = func;
	if (!(func->name = join(a, prefix, "_", func->name)))
		return -ENOMEM;
	tbgraph__node_def__attr_entry__init(e);
	e->key = (char *)"f";
	e->value = v;
	attr[f] = e;
	n->attr = attr;
	n->n_attr += f == n->n_attr;
	return 0;
}

static int add_prefixed(tb_arena *a, const char *prefix, const Tbgraph__GraphDef *src,
			Tbgraph__GraphDef *dst)
{
	for (size_t i = 0; src && i < src->n_node; i++) {
		Tbgraph__NodeDef *n = NEW(a, Tbgraph__NodeDef);
		if (!n)
			return -ENOMEM;
		*n = *src->node[i];
		if (!(n->name = join(a, prefix, "/", n->name)) ||
		    !(n->input = NEW_ARRAY(a, char *, n->n_input)))
			return -ENOMEM;
		for (size_t j = 0; j < n->n_input; j++)
			if (!(n->input[j] = join(a, prefix, "/", src->node[i]->input[j])))
				return -ENOMEM;
		if (!strcmp(n->op, "PartitionedCall") && rename_call(a, n, prefix))
			return -ENOMEM;
		dst->node[dst->n_node++] = n;
	}
	const Tbgraph__FunctionDefLibrary *lib = src ? src->library : NULL;
	for (size_t i = 0; lib && i < lib->n_function; i++) {
		Tbgraph__FunctionDef *f = NEW(a, Tbgraph__FunctionDef);
		Tbgraph__OpDef *sig = NEW(a, Tbgraph__OpDef);
		if (!f || !sig)
			return -ENOMEM;
		*f = *lib->function[i];
		if (f->signature)
			*sig = *f->signature;
		else
			tbgraph__op_def__init(sig);
		if (!(sig->name = join(a, prefix, "_", sig->name)))
			return -ENOMEM;
		f->signature = sig;
		dst->library->function[dst->library->n_function++] = f;
	}
	for (size_t i = 0; lib && i < lib->n_gradient; i++) {
		Tbgraph__GradientDef *gd = NEW(a, Tbgraph__GradientDef);
		if (!gd)
			return -ENOMEM;
		*gd = *lib->gradient[i];
		if (!(gd->function_name = join(a, prefix, "_", gd->function_name)))
			return -ENOMEM;
		dst->library->gradient[dst->library->n_gradient++] = gd;
	}
	return 0;
}

int tb_graphs_merge(tb_arena *a, Tbgraph__RunMetadata *md, Tbgraph__GraphDef **out)
{
	size_t n = md->n_function_graphs;
	if (n == 1 && pre_graph(md, 0)) {
		*out = pre_graph(md, 0);
		return 0;
	}
	Tbgraph__GraphDef *g = empty_graph(a);
	if (!g)
		return -ENOMEM;
	*out = g;
	if (n <= 1)
		return 0;
	if (producer(pre_graph(md, 0)))
		g->versions = pre_graph(md, 0)->versions;
	size_t nodes = 0, funcs = 0, grads = 0;
	for (size_t i = 0; i < n; i++) {
		const Tbgraph__GraphDef *src = pre_graph(md, i);
		if (producer(src) != producer(g))
			return TB_GRAPHS_EVERSIONS;
		if (!src)
			continue;
		nodes += src->n_node;
		if (src->library) {
			funcs += src->library->n_function;
			grads += src->library->n_gradient;
		}
	}
	g->node = NEW_ARRAY(a, Tbgraph__NodeDef *, nodes);
	if (!g->node)
		return -ENOMEM;
	if (funcs + grads) {  /* Python's library is set by its first add() */
		g->library = NEW(a, Tbgraph__FunctionDefLibrary);
		if (!g->library)
			return -ENOMEM;
		tbgraph__function_def_library__init(g->library);
		g->library->function = NEW_ARRAY(a, Tbgraph__FunctionDef *, funcs);
		g->library->gradient = NEW_ARRAY(a, Tbgraph__GradientDef *, grads);
		if (!g->library->function || !g->library->gradient)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		char prefix[32];
		snprintf(prefix, sizeof prefix, "graph_%zu", i + 1);
		int rc = add_prefixed(a, prefix, pre_graph(md, i), g);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- prepare_graph_for_ui -------------------------------------------- */

/* The node's attr "key" with s[0..ns) appended to its list of strings
 * (made a list when it was something else, as appending to .list.s does). */
static int append_large(tb_arena *a, Tbgraph__NodeDef *n, const char *key, const char **s,
			size_t ns)
{
	Tbgraph__NodeDef__AttrEntry *e = NULL;
	for (size_t i = 0; i < n->n_attr; i++)
		if (!strcmp(n->attr[i]->key, key))
			e = n->attr[i];
	if (!e) {
		Tbgraph__NodeDef__AttrEntry **attr = NEW_ARRAY(a, Tbgraph__NodeDef__AttrEntry *, n->n_attr + 1);
		if (!attr || !(e = NEW(a, Tbgraph__NodeDef__AttrEntry)))
			return -ENOMEM;
		COPY(attr, n->attr, n->n_attr * sizeof *attr);
		tbgraph__node_def__attr_entry__init(e);
		e->key = (char *)key;
		attr[n->n_attr++] = e;
		n->attr = attr;
	}
	Tbgraph__AttrValue *v = NEW(a, Tbgraph__AttrValue);
	Tbgraph__AttrValue__ListValue *l = NEW(a, Tbgraph__AttrValue__ListValue);
	if (!v || !l)
		return -ENOMEM;
	tbgraph__attr_value__init(v);
	if (e->value && e->value->value_case == TBGRAPH__ATTR_VALUE__VALUE_LIST && e->value->list)
		*l = *e->value->list;
	else
		tbgraph__attr_value__list_value__init(l);
	ProtobufCBinaryData *ss = NEW_ARRAY(a, ProtobufCBinaryData, l->n_s + ns);
	if (!ss)
		return -ENOMEM;
	COPY(ss, l->s, l->n_s * sizeof *ss);
	for (size_t i = 0; i < ns; i++)
		ss[l->n_s + i] = (ProtobufCBinaryData){ strlen(s[i]), (uint8_t *)s[i] };
	l->s = ss;
	l->n_s += ns;
	v->value_case = TBGRAPH__ATTR_VALUE__VALUE_LIST;
	v->list = l;
	e->value = v;
	return 0;
}

/* An attribute key: where it first appears and its last entry (Python's
 * map holds the last value of a repeated key). */
typedef struct key_at {
	const char *key;
	size_t first, last;
} key_at;

static int by_key_then_pos(const void *a, const void *b)
{
	const key_at *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->first > y->first) - (x->first < y->first);
}

static int by_first(const void *a, const void *b)
{
	const key_at *x = a, *y = b;
	return (x->first > y->first) - (x->first < y->first);
}

/* The node's keys once each, in order of first appearance (TensorBoard
 * walks its map's own order), sorted rather than compared pairwise: a
 * hostile node may carry a million attributes. Returns how many. */
static size_t unique_keys(const Tbgraph__NodeDef *n, key_at *k)
{
	for (size_t i = 0; i < n->n_attr; i++)
		k[i] = (key_at){ n->attr[i]->key, i, i };
	qsort(k, n->n_attr, sizeof *k, by_key_then_pos);
	size_t u = 0;
	for (size_t i = 0; i < n->n_attr; i++) {
		if (u && !strcmp(k[u - 1].key, k[i].key))
			k[u - 1].last = k[i].first;
		else
			k[u++] = k[i];
	}
	qsort(k, u, sizeof *k, by_first);
	return u;
}

static int limit_node(tb_arena *a, Tbgraph__NodeDef *n, size_t limit, const char *large_key)
{
	size_t nkeys = n->n_attr, nkept = 0, nremoved = 0;
	key_at *keys = NEW_ARRAY(a, key_at, nkeys);
	const char **removed = NEW_ARRAY(a, const char *, nkeys);
	Tbgraph__NodeDef__AttrEntry **kept = NEW_ARRAY(a, Tbgraph__NodeDef__AttrEntry *, nkeys);
	if (!keys || !removed || !kept)
		return -ENOMEM;
	size_t u = unique_keys(n, keys);
	for (size_t i = 0; i < u; i++) {
		Tbgraph__NodeDef__AttrEntry *e = n->attr[keys[i].last];
		size_t size = e->value ? protobuf_c_message_get_packed_size(&e->value->base) : 0;
		if (size > limit)
			removed[nremoved++] = e->key;
		else
			kept[nkept++] = e;
	}
	if (!nremoved)
		return 0;
	n->attr = kept;
	n->n_attr = nkept;
	return append_large(a, n, large_key, removed, nremoved);
}

int tb_graphs_limit_attrs(tb_arena *a, Tbgraph__GraphDef *g, size_t limit, const char *large_key)
{
	for (size_t i = 0; i < g->n_node; i++) {
		int rc = limit_node(a, g->node[i], limit, large_key);
		if (rc)
			return rc;
	}
	return 0;
}
