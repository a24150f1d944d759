/*
 * keras_graph.c - the conceptual graph of a Keras model, as TensorBoard's
 * keras_util.keras_model_to_graph_def builds it from model.to_json().
 *
 * Layers are walked in preorder; a layer with config.layers is a model
 * (its layers are scoped under its name), any other becomes a node with
 * attrs keras_class (class_name) and dtype (config.dtype, or a dtype
 * policy's config.name). Inputs: Keras 3 inbound_nodes (dicts whose args
 * carry keras_history [layer, node, tensor]); Keras 2 list-form inbound
 * nodes give none, exactly as in TensorBoard; a layer with no
 * inbound_nodes key follows the previous one (Sequential). A model used as
 * a layer stands for its output layers.
 *
 * Where TensorBoard raises (a config that is not a model, a dtype it does
 * not know) this answers TB_GRAPHS_EKERAS. The maps of keras_util.py are
 * small arrays here: a model has few submodels and inputs.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graphs.h"
#include "tblimits.h"

typedef struct names {
	char **key;
	char ***val;   /* model outputs: NULL-terminated lists; inputs: one */
	size_t n, cap;
} names;

/* memcpy of n bytes from an array that is NULL when empty (protobuf-c's
 * and ours): memcpy(dst, NULL, 0) is undefined */
#define COPY(dst, src, n) do { if ((n) != 0) memcpy((dst), (src), (n)); } while (0)

typedef struct kctx {
	tb_arena *a;
	names input_to_layer;      /* input layer name -> inbound layer */
	names model_output;        /* model name -> its output layers */
	char *prev;                /* previous node (Sequential order) */
	Tbgraph__NodeDef **nodes;
	size_t n_nodes, cap_nodes;
	int depth;
} kctx;

static char *dup(tb_arena *a, const char *s)
{
	size_t n = strlen(s);
	char *d = tb_arena_alloc(a, n + 1);
	if (d)
		memcpy(d, s, n + 1);
	return d;
}

/* _scoped_name; NULL on OOM */
static char *scoped(tb_arena *a, const char *scope, const char *name)
{
	if (!scope || !*scope)
		return dup(a, name);
	size_t ns = strlen(scope), nn = strlen(name);
	char *s = tb_arena_alloc(a, ns + nn + 2);
	if (s) {
		memcpy(s, scope, ns);
		s[ns] = '/';
		memcpy(s + ns + 1, name, nn + 1);
	}
	return s;
}

/* Python's "%s" of a JSON value as keras_util.py meets them: strings as
 * they are, integers in decimal, None; anything else is not a name. */
static const char *as_name(const cJSON *v, char *tmp, size_t n)
{
	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsNumber(v) && v->valuedouble == (double)(long long)v->valuedouble) {
		snprintf(tmp, n, "%lld", (long long)v->valuedouble);
		return tmp;
	}
	if (!v || cJSON_IsNull(v))
		return "None";
	return NULL;
}

static int names_put(tb_arena *a, names *m, const char *key, char **val)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->key[i], key)) {
			m->val[i] = val;
			return 0;
		}
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 8;
		char **k = tb_arena_alloc(a, cap * sizeof *k);
		char ***v = tb_arena_alloc(a, cap * sizeof *v);
		if (!k || !v)
			return -ENOMEM;
		COPY(k, m->key, m->n * sizeof *k);
		COPY(v, m->val, m->n * sizeof *v);
		m->key = k;
		m->val = v;
		m->cap = cap;
	}
	if (!(m->key[m->n] = dup(a, key)))
		return -ENOMEM;
	m->val[m->n++] = val;
	return 0;
}

static char **names_get(const names *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->key[i], key))
			return m->val[i];
	return NULL;
}

/* [name, node_index, tensor_index] of each Keras 3 inbound tensor */
typedef struct inbound {
	const char *name;
	long long index;
} inbound;

static int inbound_nodes(const cJSON *layer, inbound *out, size_t cap, size_t *n)
{
	*n = 0;
	const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(layer, "inbound_nodes");
	const cJSON *node;
	cJSON_ArrayForEach(node, nodes) {
		if (!cJSON_IsObject(node))
			continue;  /* Keras 2: not read, as in TensorBoard */
		const cJSON *args = cJSON_GetObjectItemCaseSensitive(node, "args"), *arg;
		cJSON_ArrayForEach(arg, args) {
			const cJSON *one = arg, *list = cJSON_IsArray(arg) ? arg : NULL;
			for (const cJSON *x = list ? list->child : one; x; x = list ? x->next : NULL) {
				if (!cJSON_IsObject(x))
					return TB_GRAPHS_EKERAS;
				const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(x, "config");
				const cJSON *h = cJSON_GetObjectItemCaseSensitive(cfg, "keras_history");
				if (cJSON_GetArraySize(h) < 3)
					continue;
				const cJSON *name = cJSON_GetArrayItem(h, 0), *idx = cJSON_GetArrayItem(h, 2);
				if (!cJSON_IsString(name) || !cJSON_IsNumber(idx))
					return TB_GRAPHS_EKERAS;
				if (*n == cap)
					return TB_GRAPHS_EKERAS;
				out[(*n)++] = (inbound){ name->valuestring, (long long)idx->valuedouble };
			}
		}
	}
	return 0;
}

static const cJSON *config_of(const cJSON *layer)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(layer, "config");
	return cJSON_IsObject(c) ? c : NULL;
}

/* TensorBoard's dtypes.as_dtype for the names Keras writes */
static int dtype_enum(const char *s)
{
	static const struct { const char *name; int dt; } t[] = {
		{ "float16", 19 }, { "half", 19 }, { "float32", 1 }, { "float", 1 },
		{ "float64", 2 }, { "double", 2 }, { "int32", 3 }, { "uint8", 4 },
		{ "uint16", 17 }, { "uint32", 22 }, { "uint64", 23 }, { "int16", 5 },
		{ "int8", 6 }, { "string", 7 }, { "complex64", 8 }, { "complex128", 18 },
		{ "int64", 9 }, { "bool", 10 }, { "qint8", 11 }, { "quint8", 12 },
		{ "qint16", 15 }, { "quint16", 16 }, { "qint32", 13 }, { "bfloat16", 14 },
		{ "resource", 20 }, { "variant", 21 },
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		if (!strcmp(s, t[i].name))
			return t[i].dt;
	return -1;
}

static Tbgraph__NodeDef__AttrEntry *attr_entry(tb_arena *a, const char *key)
{
	Tbgraph__NodeDef__AttrEntry *e = tb_arena_alloc(a, sizeof *e);
	Tbgraph__AttrValue *v = tb_arena_alloc(a, sizeof *v);
	if (!e || !v)
		return NULL;
	tbgraph__node_def__attr_entry__init(e);
	tbgraph__attr_value__init(v);
	e->key = (char *)key;
	e->value = v;
	return e;
}

/* _update_dicts: a model met in the walk */
static int model_layer(kctx *k, const char *scope, const cJSON *layer)
{
	const cJSON *cfg = config_of(layer);
	const cJSON *layers = cJSON_GetObjectItemCaseSensitive(cfg, "layers");
	if (cJSON_GetArraySize(layers) == 0)
		return TB_GRAPHS_EKERAS;  /* "layer is not a model." */
	char tmp[32];
	const char *name = as_name(cJSON_GetObjectItemCaseSensitive(cfg, "name"), tmp, sizeof tmp);
	if (!name)
		return TB_GRAPHS_EKERAS;
	char *node_name = scoped(k->a, scope, name);
	if (!node_name)
		return -ENOMEM;
	const cJSON *ins = cJSON_GetObjectItemCaseSensitive(cfg, "input_layers");
	const cJSON *outs = cJSON_GetObjectItemCaseSensitive(cfg, "output_layers");
	inbound in[TB_MAX_KERAS_INBOUND];
	size_t nin;
	int rc = inbound_nodes(layer, in, TB_MAX_KERAS_INBOUND, &nin);
	if (rc)
		return rc;
	bool functional = cJSON_GetArraySize(ins) > 0 && cJSON_GetArraySize(outs) > 0;
	if (nin && functional) {
		const cJSON *x = ins->child;
		for (size_t i = 0; i < nin && x; i++, x = x->next) {
			char t2[32];
			const char *xn = as_name(x, t2, sizeof t2);
			if (!xn)
				continue;  /* a list: its "%s" names no layer */
			char *key = scoped(k->a, node_name, xn);
			char **val = tb_arena_alloc(k->a, sizeof *val);
			if (!key || !val || !(*val = scoped(k->a, scope, in[i].name)))
				return -ENOMEM;
			if ((rc = names_put(k->a, &k->input_to_layer, key, val)))
				return rc;
		}
	} else if (nin) {
		if (!(k->prev = scoped(k->a, scope, in[0].name)))
			return -ENOMEM;
	} else if (k->prev && functional) {
		char t2[32];
		const char *xn = as_name(ins->child, t2, sizeof t2);
		if (xn) {
			char *key = scoped(k->a, node_name, xn);
			char **val = tb_arena_alloc(k->a, sizeof *val);
			if (!key || !val)
				return -ENOMEM;
			*val = k->prev;
			if ((rc = names_put(k->a, &k->input_to_layer, key, val)))
				return rc;
		}
	}
	char **outputs;
	if (functional) {
		/* _norm_to_list_of_layers: [[name, i, j], ...] or [name, i, j] */
		bool nested = cJSON_IsArray(outs->child);
		size_t n = nested ? (size_t)cJSON_GetArraySize(outs) : 1;
		if (!(outputs = tb_arena_alloc(k->a, (n + 1) * sizeof *outputs)))
			return -ENOMEM;
		size_t j = 0;
		for (const cJSON *o = nested ? outs->child : outs; o; o = nested ? o->next : NULL) {
			char t2[32];
			const char *on = as_name(cJSON_GetArrayItem(o, 0), t2, sizeof t2);
			if (!on)
				return TB_GRAPHS_EKERAS;
			if (!(outputs[j++] = scoped(k->a, node_name, on)))
				return -ENOMEM;
		}
		outputs[j] = NULL;
	} else {
		const cJSON *last = cJSON_GetArrayItem(layers, cJSON_GetArraySize(layers) - 1);
		char t2[32];
		const char *ln = as_name(cJSON_GetObjectItemCaseSensitive(config_of(last), "name"),
					 t2, sizeof t2);
		if (!config_of(last) || !ln)
			return TB_GRAPHS_EKERAS;
		if (!(outputs = tb_arena_alloc(k->a, 2 * sizeof *outputs)) ||
		    !(outputs[0] = scoped(k->a, node_name, ln)))
			return -ENOMEM;
		outputs[1] = NULL;
	}
	return names_put(k->a, &k->model_output, node_name, outputs);
}

static int add_input(kctx *k, Tbgraph__NodeDef *n, char *input)
{
	char **in = tb_arena_alloc(k->a, (n->n_input + 1) * sizeof *in);
	if (!in)
		return -ENOMEM;
	COPY(in, n->input, n->n_input * sizeof *in);
	in[n->n_input++] = input;
	n->input = in;
	return 0;
}

/* a layer that is not a model: one node */
static int plain_layer(kctx *k, const char *scope, const cJSON *layer)
{
	const cJSON *cfg = config_of(layer);
	char tmp[32];
	const char *name = as_name(cJSON_GetObjectItemCaseSensitive(cfg, "name"), tmp, sizeof tmp);
	Tbgraph__NodeDef *n = tb_arena_alloc(k->a, sizeof *n);
	if (!name)
		return TB_GRAPHS_EKERAS;
	if (!n)
		return -ENOMEM;
	tbgraph__node_def__init(n);
	if (!(n->name = scoped(k->a, scope, name)))
		return -ENOMEM;
	Tbgraph__NodeDef__AttrEntry **attr = tb_arena_alloc(k->a, 2 * sizeof *attr);
	if (!attr)
		return -ENOMEM;
	n->attr = attr;
	const cJSON *cls = cJSON_GetObjectItemCaseSensitive(layer, "class_name");
	if (cls && !cJSON_IsNull(cls)) {
		Tbgraph__NodeDef__AttrEntry *e = attr_entry(k->a, "keras_class");
		if (!cJSON_IsString(cls))
			return TB_GRAPHS_EKERAS;
		if (!e || !(e->value->s.data = (uint8_t *)dup(k->a, cls->valuestring)))
			return -ENOMEM;
		e->value->value_case = TBGRAPH__ATTR_VALUE__VALUE_S;
		e->value->s.len = strlen(cls->valuestring);
		attr[n->n_attr++] = e;
	}
	const cJSON *dt = cJSON_GetObjectItemCaseSensitive(cfg, "dtype");
	const char *dtype = NULL;
	if (cJSON_IsObject(dt)) {
		const cJSON *pc = cJSON_GetObjectItemCaseSensitive(dt, "config");
		if (pc) {
			const cJSON *pn = cJSON_GetObjectItemCaseSensitive(pc, "name");
			if (pn && !cJSON_IsNull(pn) && !(dtype = cJSON_GetStringValue(pn)))
				return TB_GRAPHS_EKERAS;
		}
	} else if (dt && !cJSON_IsNull(dt) && !(dtype = cJSON_GetStringValue(dt))) {
		return TB_GRAPHS_EKERAS;
	}
	if (dtype) {
		int e_dt = dtype_enum(dtype);
		Tbgraph__NodeDef__AttrEntry *e = attr_entry(k->a, "dtype");
		if (e_dt < 0)
			return TB_GRAPHS_EKERAS;
		if (!e)
			return -ENOMEM;
		e->value->value_case = TBGRAPH__ATTR_VALUE__VALUE_TYPE;
		e->value->type = (Tbgraph__DataType)e_dt;
		attr[n->n_attr++] = e;
	}
	int rc = 0;
	if (cJSON_GetObjectItemCaseSensitive(layer, "inbound_nodes") &&
	    !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(layer, "inbound_nodes"))) {
		inbound in[TB_MAX_KERAS_INBOUND];
		size_t nin;
		if ((rc = inbound_nodes(layer, in, TB_MAX_KERAS_INBOUND, &nin)))
			return rc;
		for (size_t i = 0; i < nin; i++) {
			char *iname = scoped(k->a, scope, in[i].name);
			if (!iname)
				return -ENOMEM;
			char **outs = names_get(&k->model_output, iname);
			char *pick = iname;
			if (outs) {
				size_t no = 0;
				while (outs[no])
					no++;
				long long ix = in[i].index;
				if (ix < 0)
					ix += (long long)no;  /* Python's negative index */
				pick = ix >= 0 && ix < (long long)no ? outs[ix] : outs[no - 1];
			}
			if ((rc = add_input(k, n, pick)))
				return rc;
		}
	} else if (k->prev && (rc = add_input(k, n, k->prev))) {
		return rc;
	}
	char **from = names_get(&k->input_to_layer, n->name);
	if (from && (rc = add_input(k, n, *from)))
		return rc;
	k->prev = n->name;
	if (k->n_nodes == k->cap_nodes) {
		size_t cap = k->cap_nodes ? 2 * k->cap_nodes : 16;
		Tbgraph__NodeDef **nodes = tb_arena_alloc(k->a, cap * sizeof *nodes);
		if (!nodes)
			return -ENOMEM;
		COPY(nodes, k->nodes, k->n_nodes * sizeof *nodes);
		k->nodes = nodes;
		k->cap_nodes = cap;
	}
	k->nodes[k->n_nodes++] = n;
	return 0;
}

/* _walk_layers in preorder with the name scope of each layer */
static int walk(kctx *k, const char *scope, const cJSON *layer)
{
	const cJSON *cfg = config_of(layer);
	if (!cfg || ++k->depth > TB_MAX_PB_DEPTH)
		return TB_GRAPHS_EKERAS;
	const cJSON *layers = cJSON_GetObjectItemCaseSensitive(cfg, "layers");
	int rc = layers && !cJSON_IsNull(layers) ? model_layer(k, scope, layer) :
						  plain_layer(k, scope, layer);
	if (rc)
		return rc;
	if (cJSON_GetArraySize(layers) > 0) {
		char tmp[32];
		const char *name = as_name(cJSON_GetObjectItemCaseSensitive(cfg, "name"), tmp, sizeof tmp);
		char *sub = name ? scoped(k->a, scope, name) : NULL;
		if (!sub)
			return name ? -ENOMEM : TB_GRAPHS_EKERAS;
		const cJSON *l;
		cJSON_ArrayForEach(l, layers)
			if ((rc = walk(k, sub, l)))
				return rc;
	}
	k->depth--;
	return 0;
}

int tb_keras_to_graph(tb_arena *a, const char *json, size_t len, Tbgraph__GraphDef **out)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	if (!root) {
		/* cJSON says NULL to bad JSON and to malloc failing alike: a
		 * config's worth of memory tells which (503, not 400) */
		void *probe = malloc(len + 1);
		bool have_memory = probe != NULL;
		free(probe);
		return have_memory ? TB_GRAPHS_EKERAS : -ENOMEM;
	}
	kctx k = { .a = a };
	int rc = walk(&k, "", root);
	cJSON_Delete(root);
	if (rc)
		return rc;
	Tbgraph__GraphDef *g = tb_arena_alloc(a, sizeof *g);
	if (!g)
		return -ENOMEM;
	tbgraph__graph_def__init(g);
	g->node = k.nodes;
	g->n_node = k.n_nodes;
	*out = g;
	return 0;
}
