/*
 * event.c - Event decoding (fast path + protobuf-c) and value conversions.
 *
 * Tensor rule (reference §0.2): a non-empty tensor_content wins and must
 * hold exactly elems * element-size bytes; otherwise the dtype's *_val field
 * holds every element, or exactly one that fills the whole shape, or none
 * (zeros). Element counts are bounded by TB_MAX_TENSOR_ELEMS before any
 * allocation.
 */
#include "event.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "buf.h"
#include "tblimits.h"

/* ---- fast path ---------------------------------------------------------- */

static int read_varint(const unsigned char **pp, const unsigned char *end, uint64_t *out)
{
	const unsigned char *p = *pp;
	uint64_t v = 0;
	for (int shift = 0; shift < 64 && p < end; shift += 7) {
		unsigned char c = *p++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*pp = p;
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* One length-delimited field body: [*pp, *pp+len). */
static int read_len(const unsigned char **pp, const unsigned char *end,
		    const unsigned char **body, size_t *len)
{
	uint64_t n;
	if (read_varint(pp, end, &n) || n > (uint64_t)(end - *pp))
		return -1;
	*body = *pp;
	*len = (size_t)n;
	*pp += n;
	return 0;
}

static int fast_value(const unsigned char *p, const unsigned char *end, tb_fast_scalar *out)
{
	int have_tag = 0, have_val = 0;
	while (p < end) {
		unsigned char key = *p++;
		if (key == 0x0a && !have_tag) { /* tag */
			if (read_len(&p, end, (const unsigned char **)&out->tag, &out->tag_len))
				return 0;
			if (memchr(out->tag, 0, out->tag_len))
				return 0;
			have_tag = 1;
		} else if (key == 0x15 && !have_val) { /* simple_value */
			if (end - p < 4)
				return 0;
			memcpy(&out->value, p, 4);
			p += 4;
			have_val = 1;
		} else {
			return 0;
		}
	}
	return have_tag && have_val && out->tag_len > 0;
}

/* The exact layout PyTorch, tensorboardX and most writers produce for one
 * scalar, with one-byte lengths:
 *   09 wall[8] [10 step-varint] 2a L 0a L-2 0a T tag[T] 15 value[4]
 * Anything else goes to the general loop below. */
static int exact_scalar(const unsigned char *p, size_t n, tb_fast_scalar *out)
{
	const unsigned char *end = p + n;
	if (n < 9 + 2 + 2 + 2 + 1 + 5 || p[0] != 0x09)
		return 0;
	memcpy(&out->wall, p + 1, 8);
	p += 9;
	out->step = 0;
	if (*p == 0x10) {
		uint64_t st;
		p++;
		if (read_varint(&p, end, &st))
			return 0;
		out->step = (int64_t)st;
	}
	if (end - p < 6 || p[0] != 0x2a || p[1] >= 0x80)
		return 0;
	size_t l1 = p[1];
	p += 2;
	if ((size_t)(end - p) != l1 || p[0] != 0x0a || p[1] != l1 - 2 || p[2] != 0x0a)
		return 0;
	size_t tl = p[3];
	if (tl == 0 || tl >= 0x80 || l1 != 4 + tl + 5)
		return 0;
	p += 4;
	if (p[tl] != 0x15 || memchr(p, 0, tl))
		return 0;
	out->tag = (const char *)p;
	out->tag_len = tl;
	memcpy(&out->value, p + tl + 1, 4);
	return 1;
}

int tb_event_fast_scalar(const unsigned char *p, size_t n, tb_fast_scalar *out)
{
	if (exact_scalar(p, n, out))
		return 1;
	const unsigned char *end = p + n;
	int have_wall = 0, have_step = 0, have_sum = 0;
	out->wall = 0;
	out->step = 0;
	while (p < end) {
		unsigned char key = *p++;
		if (key == 0x09 && !have_wall) {
			if (end - p < 8)
				return 0;
			memcpy(&out->wall, p, 8);
			p += 8;
			have_wall = 1;
		} else if (key == 0x10 && !have_step) {
			uint64_t s;
			if (read_varint(&p, end, &s))
				return 0;
			out->step = (int64_t)s;
			have_step = 1;
		} else if (key == 0x2a && !have_sum) {
			const unsigned char *s;
			size_t slen;
			if (read_len(&p, end, &s, &slen))
				return 0;
			/* Summary: exactly one field 1 (Value) */
			const unsigned char *se = s + slen;
			if (s >= se || *s++ != 0x0a)
				return 0;
			const unsigned char *v;
			size_t vlen;
			if (read_len(&s, se, &v, &vlen) || s != se)
				return 0;
			if (!fast_value(v, v + vlen, out))
				return 0;
			have_sum = 1;
		} else {
			return 0;
		}
	}
	return have_sum;
}

/* ---- general decoder ---------------------------------------------------- */

tb_pb_event *tb_event_decode(tb_arena *a, const unsigned char *p, size_t n)
{
	return tensorboard__event__unpack(&a->pb, n, p);
}

/* ---- lean decoding (media bytes left in the file) ------------------------ */

/* One field: key, then its body written by the caller (LEN) or copied. */
static void put_varint(tb_buf *o, uint64_t v)
{
	while (v >= 0x80) {
		tb_buf_putc(o, (char)(v | 0x80));
		v >>= 7;
	}
	tb_buf_putc(o, (char)v);
}

static void put_len_field(tb_buf *o, uint64_t key, const void *body, size_t n)
{
	put_varint(o, key);
	put_varint(o, n);
	tb_buf_append(o, body, n);
}

/* Next field of [*pp, end): its key, the bytes it spans from *start, and
 * for LEN its body. -1 when not wire format. */
static int next_field(const unsigned char **pp, const unsigned char *end, uint64_t *key,
		      const unsigned char **start, const unsigned char **body, size_t *blen)
{
	*start = *pp;
	if (read_varint(pp, end, key))
		return -1;
	uint64_t v;
	switch (*key & 7) {
	case 0: return read_varint(pp, end, &v);
	case 1: if (end - *pp < 8) return -1; *pp += 8; return 0;
	case 5: if (end - *pp < 4) return -1; *pp += 4; return 0;
	case 2: return read_len(pp, end, body, blen);
	default: return -1;
	}
}

/* Summary.Image / Summary.Audio without its encoded bytes (field 4) when
 * they are at least min bytes; 1 when something was left out. */
static int lean_media(const unsigned char *p, size_t n, size_t min, tb_buf *o)
{
	const unsigned char *end = p + n, *start, *body;
	size_t blen;
	uint64_t key;
	int cut = 0;
	while (p < end) {
		if (next_field(&p, end, &key, &start, &body, &blen))
			return -1;
		if (key == (4 << 3 | 2) && blen >= min) {
			put_len_field(o, key, "", 0);
			cut = 1;
		} else {
			tb_buf_append(o, start, (size_t)(p - start));
		}
	}
	return cut;
}

struct lean {
	size_t min;
	tb_buf lens;          /* size_t per value */
	int cut;
};

static int lean_value(struct lean *l, const unsigned char *p, size_t n, tb_buf *o)
{
	const unsigned char *end = p + n, *start, *body;
	size_t blen, true_len = 0;
	uint64_t key;
	while (p < end) {
		if (next_field(&p, end, &key, &start, &body, &blen))
			return -1;
		if (key == (4 << 3 | 2) || key == (6 << 3 | 2)) { /* image, audio */
			tb_buf m = TB_BUF_INIT;
			int cut = lean_media(body, blen, l->min, &m);
			if (cut > 0) {
				put_len_field(o, key, m.data, m.len);
				true_len = blen;
				l->cut = 1;
			} else {
				tb_buf_append(o, start, (size_t)(p - start));
				true_len = 0;
			}
			tb_buf_release(&m);
			if (cut < 0)
				return -1;
		} else {
			tb_buf_append(o, start, (size_t)(p - start));
		}
	}
	tb_buf_append(&l->lens, &true_len, sizeof true_len);
	return 0;
}

static int lean_summary(struct lean *l, const unsigned char *p, size_t n, tb_buf *o)
{
	const unsigned char *end = p + n, *start, *body;
	size_t blen;
	uint64_t key;
	while (p < end) {
		if (next_field(&p, end, &key, &start, &body, &blen))
			return -1;
		if (key != (1 << 3 | 2)) {
			tb_buf_append(o, start, (size_t)(p - start));
			continue;
		}
		tb_buf v = TB_BUF_INIT;
		int rc = lean_value(l, body, blen, &v);
		if (rc == 0)
			put_len_field(o, key, v.data, v.len);
		tb_buf_release(&v);
		if (rc)
			return -1;
	}
	return 0;
}

tb_pb_event *tb_event_decode_lean(tb_arena *a, const unsigned char *p, size_t n, size_t min,
				  size_t **media_len, size_t *n_values)
{
	struct lean l = { min, TB_BUF_INIT, 0 };
	tb_buf o = TB_BUF_INIT;
	const unsigned char *q = p, *end = p + n, *start, *body;
	size_t blen;
	uint64_t key;
	int bad = 0;
	*media_len = NULL;
	*n_values = 0;
	while (q < end && !bad) {
		if (next_field(&q, end, &key, &start, &body, &blen)) {
			bad = 1;
		} else if (key == (5 << 3 | 2)) {  /* summary */
			tb_buf sm = TB_BUF_INIT;
			bad = lean_summary(&l, body, blen, &sm) != 0;
			if (!bad)
				put_len_field(&o, key, sm.data, sm.len);
			tb_buf_release(&sm);
		} else {
			tb_buf_append(&o, start, (size_t)(q - start));
		}
	}
	tb_pb_event *ev = NULL;
	if (bad || !l.cut || o.oom || l.lens.oom) {
		/* nothing left out (or not wire format: protobuf-c says why) */
		ev = tb_event_decode(a, p, n);
	} else {
		ev = tb_event_decode(a, (const unsigned char *)o.data, o.len);
		size_t k = l.lens.len / sizeof(size_t);
		size_t *lens = ev ? tb_arena_alloc(a, k * sizeof *lens) : NULL;
		if (lens) {
			memcpy(lens, l.lens.data, k * sizeof *lens);
			*media_len = lens;
			*n_values = k;
		} else {
			ev = NULL;
		}
	}
	tb_buf_release(&o);
	tb_buf_release(&l.lens);
	return ev;
}

const char *tb_value_tag(const tb_pb_value *v)
{
	if (v->tag && v->tag[0])
		return v->tag;
	if (v->node_name && v->node_name[0])
		return v->node_name;
	return "";
}

static int class_for_plugin(const char *plugin)
{
	static const char *const scalar[] = { "scalars" };
	static const char *const tensor[] = { "histograms", "text", "hparams", "pr_curves",
					      "mesh", "custom_scalars" };
	static const char *const blob[] = { "images", "audio", "graph_run_metadata",
					    "graph_run_metadata_graph", "graph_keras_model" };
	for (size_t i = 0; i < sizeof scalar / sizeof *scalar; i++)
		if (!strcmp(plugin, scalar[i]))
			return TB_CLASS_SCALAR;
	for (size_t i = 0; i < sizeof tensor / sizeof *tensor; i++)
		if (!strcmp(plugin, tensor[i]))
			return TB_CLASS_TENSOR;
	for (size_t i = 0; i < sizeof blob / sizeof *blob; i++)
		if (!strcmp(plugin, blob[i]))
			return TB_CLASS_BLOB_SEQUENCE;
	return TB_CLASS_UNKNOWN;
}

long tb_plugin_content_version(const unsigned char *content, size_t len)
{
	if (!len)
		return 0; /* content may be NULL then: no arithmetic on it */
	const unsigned char *p = content, *end = p + len;
	while (p < end) {
		unsigned char key = *p++;
		uint64_t v = 0;
		int shift = 0;
		if ((key & 7) != 0)
			return 0; /* not a plain varint field first: assume version 0 */
		while (p < end && shift < 64) {
			v |= (uint64_t)(*p & 0x7f) << shift;
			shift += 7;
			if (!(*p++ & 0x80))
				break;
		}
		if (key >> 3 == 1)
			return (long)(int32_t)v;
	}
	return 0;
}

void tb_value_plugin(const tb_pb_value *v, const char **plugin, int *data_class)
{
	switch (v->value_case) {
	case TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE:
		*plugin = "scalars";
		*data_class = TB_CLASS_SCALAR;
		return;
	case TENSORBOARD__SUMMARY__VALUE__VALUE_HISTO:
		*plugin = "histograms";
		*data_class = TB_CLASS_TENSOR;
		return;
	case TENSORBOARD__SUMMARY__VALUE__VALUE_IMAGE:
		*plugin = "images";
		*data_class = TB_CLASS_BLOB_SEQUENCE;
		return;
	case TENSORBOARD__SUMMARY__VALUE__VALUE_AUDIO:
		*plugin = "audio";
		*data_class = TB_CLASS_BLOB_SEQUENCE;
		return;
	default:
		break;
	}
	const Tensorboard__SummaryMetadata *m = v->metadata;
	*plugin = (m && m->plugin_data && m->plugin_data->plugin_name) ?
			  m->plugin_data->plugin_name : "";
	if (m && m->data_class != TENSORBOARD__DATA_CLASS__DATA_CLASS_UNKNOWN)
		*data_class = (int)m->data_class;
	else
		*data_class = class_for_plugin(*plugin);
}

tb_kind tb_kind_for(const char *plugin, int data_class)
{
	if (data_class == TB_CLASS_SCALAR && !strcmp(plugin, "scalars"))
		return TB_KIND_SCALAR;
	if (data_class == TB_CLASS_TENSOR && !strcmp(plugin, "histograms"))
		return TB_KIND_HISTOGRAM;
	if (data_class == TB_CLASS_TENSOR && !strcmp(plugin, "text"))
		return TB_KIND_TEXT;
	/* the other plugins, as TensorBoard's data provider lists them: blob
	 * sequences or tensors of the plugin's name (reference §2) */
	static const struct { const char *plugin; int data_class; tb_kind kind; } other[] = {
		{ "images", TB_CLASS_BLOB_SEQUENCE, TB_KIND_IMAGE },
		{ "audio", TB_CLASS_BLOB_SEQUENCE, TB_KIND_AUDIO },
		{ "hparams", TB_CLASS_TENSOR, TB_KIND_HPARAMS },
		{ "pr_curves", TB_CLASS_TENSOR, TB_KIND_PR_CURVE },
		{ "custom_scalars", TB_CLASS_TENSOR, TB_KIND_CUSTOM_SCALARS },
		{ "graphs", TB_CLASS_BLOB_SEQUENCE, TB_KIND_GRAPH },
		{ "graph_run_metadata", TB_CLASS_BLOB_SEQUENCE, TB_KIND_GRAPH },
		{ "graph_run_metadata_graph", TB_CLASS_BLOB_SEQUENCE, TB_KIND_GRAPH },
		{ "graph_keras_model", TB_CLASS_BLOB_SEQUENCE, TB_KIND_GRAPH },
		{ "graph_tagged_run_metadata", TB_CLASS_BLOB_SEQUENCE, TB_KIND_GRAPH },
	};
	for (size_t i = 0; i < sizeof other / sizeof *other; i++)
		if (data_class == other[i].data_class && !strcmp(plugin, other[i].plugin))
			return other[i].kind;
	return TB_KIND_BLOB;
}

/* ---- tensors ------------------------------------------------------------ */

double tb_half_to_double(uint16_t h)
{
	int sign = h >> 15, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
	double v;
	if (exp == 0)
		v = ldexp(frac, -24);
	else if (exp == 31)
		v = frac ? NAN : INFINITY;
	else
		v = ldexp(frac | 0x400, exp - 25);
	return sign ? -v : v;
}

double tb_bfloat16_to_double(uint16_t h)
{
	uint32_t bits = (uint32_t)h << 16;
	float f;
	memcpy(&f, &bits, 4);
	return f;
}

/* Elements in the tensor's shape (1 for rank 0); -1 if negative, unknown
 * or above TB_MAX_TENSOR_ELEMS. */
static int64_t tensor_elems(const tb_pb_tensor *t, int *rank)
{
	const Tensorboard__TensorShapeProto *s = t->tensor_shape;
	int64_t n = 1;
	*rank = 0;
	if (!s)
		return 1;
	if (s->unknown_rank || s->n_dim > TB_MAX_TENSOR_RANK)
		return -1;
	for (size_t i = 0; i < s->n_dim; i++) {
		int64_t d = s->dim[i]->size;
		if (d < 0)
			return -1;
		if (d && n > (int64_t)TB_MAX_TENSOR_ELEMS / d)
			return -1;
		n *= d;
	}
	*rank = (int)s->n_dim;
	return n;
}

static size_t dtype_size(int dtype)
{
	switch (dtype) {
	case TENSORBOARD__DATA_TYPE__DT_FLOAT: case TENSORBOARD__DATA_TYPE__DT_INT32:
	case TENSORBOARD__DATA_TYPE__DT_UINT32:
		return 4;
	case TENSORBOARD__DATA_TYPE__DT_DOUBLE: case TENSORBOARD__DATA_TYPE__DT_INT64:
	case TENSORBOARD__DATA_TYPE__DT_UINT64:
		return 8;
	case TENSORBOARD__DATA_TYPE__DT_UINT8: case TENSORBOARD__DATA_TYPE__DT_INT8:
	case TENSORBOARD__DATA_TYPE__DT_BOOL:
		return 1;
	case TENSORBOARD__DATA_TYPE__DT_INT16: case TENSORBOARD__DATA_TYPE__DT_UINT16:
	case TENSORBOARD__DATA_TYPE__DT_HALF: case TENSORBOARD__DATA_TYPE__DT_BFLOAT16:
		return 2;
	default:
		return 0;
	}
}

/* Values a numeric tensor's *_val field holds (not tensor_content). */
static size_t val_count(const tb_pb_tensor *t)
{
	switch ((int)t->dtype) {
	case TENSORBOARD__DATA_TYPE__DT_FLOAT: return t->n_float_val;
	case TENSORBOARD__DATA_TYPE__DT_DOUBLE: return t->n_double_val;
	case TENSORBOARD__DATA_TYPE__DT_HALF:
	case TENSORBOARD__DATA_TYPE__DT_BFLOAT16: return t->n_half_val;
	case TENSORBOARD__DATA_TYPE__DT_BOOL: return t->n_bool_val;
	case TENSORBOARD__DATA_TYPE__DT_INT64: return t->n_int64_val;
	case TENSORBOARD__DATA_TYPE__DT_UINT32: return t->n_uint32_val;
	case TENSORBOARD__DATA_TYPE__DT_UINT64: return t->n_uint64_val;
	default: return t->n_int_val;
	}
}

/* Element i of a numeric tensor with elems elements. */
static int tensor_elem(const tb_pb_tensor *t, int64_t elems, size_t i, tb_scalar *out)
{
	int dt = (int)t->dtype;
	size_t es = dtype_size(dt);
	if (!es)
		return -EINVAL;
	memset(out, 0, sizeof *out);
	if (t->tensor_content.len) {
		if (t->tensor_content.len != (size_t)elems * es)
			return -EINVAL;
		const unsigned char *p = t->tensor_content.data + i * es;
		switch (dt) {
		case TENSORBOARD__DATA_TYPE__DT_FLOAT: {
			float f;
			memcpy(&f, p, 4);
			out->type = TB_NUM_F32;
			out->f = f;
			return 0;
		}
		case TENSORBOARD__DATA_TYPE__DT_DOUBLE:
			out->type = TB_NUM_F64;
			memcpy(&out->f, p, 8);
			return 0;
		case TENSORBOARD__DATA_TYPE__DT_HALF:
		case TENSORBOARD__DATA_TYPE__DT_BFLOAT16: {
			uint16_t h;
			memcpy(&h, p, 2);
			out->type = TB_NUM_F64;
			out->f = dt == TENSORBOARD__DATA_TYPE__DT_HALF ? tb_half_to_double(h) :
								   tb_bfloat16_to_double(h);
			return 0;
		}
		case TENSORBOARD__DATA_TYPE__DT_BOOL:
			out->type = TB_NUM_BOOL;
			out->i = *p != 0;
			return 0;
		case TENSORBOARD__DATA_TYPE__DT_INT8:
			out->type = TB_NUM_I64;
			out->i = (int8_t)*p;
			return 0;
		case TENSORBOARD__DATA_TYPE__DT_UINT8:
			out->type = TB_NUM_I64;
			out->i = *p;
			return 0;
		case TENSORBOARD__DATA_TYPE__DT_INT16: {
			int16_t v;
			memcpy(&v, p, 2);
			out->type = TB_NUM_I64;
			out->i = v;
			return 0;
		}
		case TENSORBOARD__DATA_TYPE__DT_UINT16: {
			uint16_t v;
			memcpy(&v, p, 2);
			out->type = TB_NUM_I64;
			out->i = v;
			return 0;
		}
		case TENSORBOARD__DATA_TYPE__DT_INT32: {
			int32_t v;
			memcpy(&v, p, 4);
			out->type = TB_NUM_I64;
			out->i = v;
			return 0;
		}
		case TENSORBOARD__DATA_TYPE__DT_UINT32: {
			uint32_t v;
			memcpy(&v, p, 4);
			out->type = TB_NUM_I64;
			out->i = v;
			return 0;
		}
		case TENSORBOARD__DATA_TYPE__DT_INT64:
			out->type = TB_NUM_I64;
			memcpy(&out->i, p, 8);
			return 0;
		case TENSORBOARD__DATA_TYPE__DT_UINT64: {
			uint64_t v;
			memcpy(&v, p, 8);
			out->type = v > INT64_MAX ? TB_NUM_F64 : TB_NUM_I64;
			out->i = (int64_t)v;
			out->f = (double)v;
			return 0;
		}
		}
		return -EINVAL;
	}

	size_t count = val_count(t), j;
	if (count == 0) {
		/* no values: zeros of the dtype */
		out->type = dt == TENSORBOARD__DATA_TYPE__DT_FLOAT ? TB_NUM_F32 :
			    dt == TENSORBOARD__DATA_TYPE__DT_DOUBLE || dt == TENSORBOARD__DATA_TYPE__DT_HALF ||
			    dt == TENSORBOARD__DATA_TYPE__DT_BFLOAT16 ? TB_NUM_F64 :
			    dt == TENSORBOARD__DATA_TYPE__DT_BOOL ? TB_NUM_BOOL : TB_NUM_I64;
		return 0;
	} else if (count == 1) {
		j = 0;
	} else if (count == (size_t)elems) {
		j = i;
	} else {
		return -EINVAL;
	}
	switch (dt) {
	case TENSORBOARD__DATA_TYPE__DT_FLOAT:
		out->type = TB_NUM_F32;
		out->f = t->float_val[j];
		return 0;
	case TENSORBOARD__DATA_TYPE__DT_DOUBLE:
		out->type = TB_NUM_F64;
		out->f = t->double_val[j];
		return 0;
	case TENSORBOARD__DATA_TYPE__DT_HALF:
		out->type = TB_NUM_F64;
		out->f = tb_half_to_double((uint16_t)t->half_val[j]);
		return 0;
	case TENSORBOARD__DATA_TYPE__DT_BFLOAT16:
		out->type = TB_NUM_F64;
		out->f = tb_bfloat16_to_double((uint16_t)t->half_val[j]);
		return 0;
	case TENSORBOARD__DATA_TYPE__DT_BOOL:
		out->type = TB_NUM_BOOL;
		out->i = t->bool_val[j] != 0;
		return 0;
	case TENSORBOARD__DATA_TYPE__DT_INT64:
		out->type = TB_NUM_I64;
		out->i = t->int64_val[j];
		return 0;
	case TENSORBOARD__DATA_TYPE__DT_UINT32:
		out->type = TB_NUM_I64;
		out->i = t->uint32_val[j];
		return 0;
	case TENSORBOARD__DATA_TYPE__DT_UINT64:
		out->type = t->uint64_val[j] > INT64_MAX ? TB_NUM_F64 : TB_NUM_I64;
		out->i = (int64_t)t->uint64_val[j];
		out->f = (double)t->uint64_val[j];
		return 0;
	case TENSORBOARD__DATA_TYPE__DT_INT8:
		out->type = TB_NUM_I64;
		out->i = (int8_t)t->int_val[j];
		return 0;
	case TENSORBOARD__DATA_TYPE__DT_UINT8:
		out->type = TB_NUM_I64;
		out->i = (uint8_t)t->int_val[j];
		return 0;
	case TENSORBOARD__DATA_TYPE__DT_INT16:
		out->type = TB_NUM_I64;
		out->i = (int16_t)t->int_val[j];
		return 0;
	case TENSORBOARD__DATA_TYPE__DT_UINT16:
		out->type = TB_NUM_I64;
		out->i = (uint16_t)t->int_val[j];
		return 0;
	default:
		out->type = TB_NUM_I64;
		out->i = t->int_val[j];
		return 0;
	}
}

static double scalar_as_double(const tb_scalar *s)
{
	return s->type == TB_NUM_F32 || s->type == TB_NUM_F64 ? s->f : (double)s->i;
}

int tb_tensor_scalar(const tb_pb_tensor *t, tb_scalar *out)
{
	int rank;
	if (tensor_elems(t, &rank) != 1)
		return -EINVAL;
	return tensor_elem(t, 1, 0, out);
}

int tb_value_scalar(const tb_pb_value *v, tb_scalar *out)
{
	if (v->value_case == TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE) {
		out->type = TB_NUM_F32;
		out->f = v->simple_value;
		out->i = 0;
		return 0;
	}
	if (v->value_case == TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR)
		return tb_tensor_scalar(v->tensor, out);
	return -EINVAL;
}

/* ---- histograms ----------------------------------------------------------- */

/* Round to float32 and widen back. Through a volatile because GCC 12 at -O2
 * was seen dropping the (double)(float) round trip of the bucket edges when
 * it vectorised the loop below; the goldens need the float32 values. */
static double to_f32(double x)
{
	volatile float f = (float)x;
	return f;
}

/* TensorBoard's Python migration of a HistogramProto (reference §2.3): drop
 * empty buckets at both ends, outer edges from min/max, float32 values. */
static int histo_buckets(tb_arena *a, const Tensorboard__HistogramProto *h,
			 double **out, size_t *nout)
{
	size_t n = h->n_bucket;
	size_t start = 0, end;
	while (start < n && !(h->bucket[start] > 0))
		start++;
	if (start == n) {
		*out = NULL;
		*nout = 0;
		return 0;
	}
	end = n - 1;
	while (!(h->bucket[end] > 0))
		end--;
	size_t k = end - start + 1;
	if ((k > 1 && h->n_bucket_limit < end) || k > TB_MAX_HIST_BUCKETS)
		return -EINVAL;
	double *b = tb_arena_alloc(a, k * 3 * sizeof *b);
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < k; i++) {
		double left = i == 0 ? h->min : h->bucket_limit[start + i - 1];
		double right = i == k - 1 ? h->max : h->bucket_limit[start + i];
		b[3 * i] = to_f32(left);
		b[3 * i + 1] = to_f32(right);
		b[3 * i + 2] = to_f32(h->bucket[start + i]);
	}
	*out = b;
	*nout = k;
	return 0;
}

/* A TF2 histogram: numeric tensor of shape [k,3]. */
static int tensor_buckets(tb_arena *a, const tb_pb_tensor *t, double **out, size_t *nout)
{
	int rank;
	int64_t elems = tensor_elems(t, &rank);
	if (elems < 0 || rank != 2 || t->tensor_shape->dim[1]->size != 3)
		return -EINVAL;
	size_t k = (size_t)elems / 3;
	if (k > TB_MAX_HIST_BUCKETS)
		return -EINVAL;
	/* elements the file does not hold (none, or one filling the shape) are
	 * materialised only up to a small bound: a 30-byte value must not
	 * become a million buckets */
	if (!t->tensor_content.len && val_count(t) < (size_t)elems &&
	    (size_t)elems > TB_MAX_TENSOR_PADDING)
		return -EINVAL;
	double *b = k ? tb_arena_alloc(a, (size_t)elems * sizeof *b) : NULL;
	if (k && !b)
		return -ENOMEM;
	for (size_t i = 0; i < (size_t)elems; i++) {
		tb_scalar s;
		if (tensor_elem(t, elems, i, &s))
			return -EINVAL;
		b[i] = scalar_as_double(&s);
	}
	*out = b;
	*nout = k;
	return 0;
}

int tb_value_histogram(tb_arena *a, const tb_pb_value *v, double **buckets, size_t *n)
{
	if (v->value_case == TENSORBOARD__SUMMARY__VALUE__VALUE_HISTO)
		return histo_buckets(a, v->histo, buckets, n);
	if (v->value_case == TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR)
		return tensor_buckets(a, v->tensor, buckets, n);
	return -EINVAL;
}

/* ---- text ------------------------------------------------------------------- */

int tb_value_text(tb_arena *a, const tb_pb_value *v, tb_text_view *out)
{
	if (v->value_case != TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR)
		return -EINVAL;
	const tb_pb_tensor *t = v->tensor;
	if (t->dtype != TENSORBOARD__DATA_TYPE__DT_STRING)
		return -EINVAL;
	int rank;
	int64_t elems = tensor_elems(t, &rank);
	if (elems < 0)
		return -EINVAL;
	size_t count = (size_t)elems;
	if (t->n_string_val != count && t->n_string_val > 1)
		return -EINVAL;
	/* the strings the file holds, never one per declared element: a
	 * [16M] tensor with one (or no) string is one string */
	size_t n = t->n_string_val == count ? count : 1;
	int64_t *dims = tb_arena_alloc(a, (size_t)(rank ? rank : 1) * sizeof *dims);
	const char **strs = tb_arena_alloc(a, (n ? n : 1) * sizeof *strs);
	size_t *lens = tb_arena_alloc(a, (n ? n : 1) * sizeof *lens);
	if (!dims || !strs || !lens)
		return -ENOMEM;
	for (int i = 0; i < rank; i++)
		dims[i] = t->tensor_shape->dim[i]->size;
	for (size_t i = 0; i < n; i++) {
		if (t->n_string_val == 0) {
			strs[i] = "";
			lens[i] = 0;
		} else {
			strs[i] = (const char *)t->string_val[i].data;
			lens[i] = t->string_val[i].len;
		}
	}
	out->rank = rank;
	out->dims = dims;
	out->count = count;
	out->strs = strs;
	out->lens = lens;
	out->n_strs = n;
	return 0;
}

/* ---- blobs ------------------------------------------------------------------ */

/* The message a blob value serializes, and what it holds; NULL (type
 * TB_BLOB_NONE) for a metadata-only value. */
static const ProtobufCMessage *blob_message(const tb_pb_value *v, tb_blob_type *type)
{
	switch (v->value_case) {
	case TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR:
		*type = TB_BLOB_TENSOR;
		return &v->tensor->base;
	case TENSORBOARD__SUMMARY__VALUE__VALUE_IMAGE:
		*type = TB_BLOB_IMAGE;
		return &v->image->base;
	case TENSORBOARD__SUMMARY__VALUE__VALUE_AUDIO:
		*type = TB_BLOB_AUDIO;
		return &v->audio->base;
	default:
		*type = TB_BLOB_NONE;
		return NULL;
	}
}

int tb_value_blob(tb_arena *a, const tb_pb_value *v, tb_blob_type *type,
		  unsigned char **data, size_t *len)
{
	const ProtobufCMessage *m = blob_message(v, type);
	*data = NULL;
	*len = 0;
	if (!m)
		return 0;
	size_t n = protobuf_c_message_get_packed_size(m);
	unsigned char *p = tb_arena_alloc(a, n ? n : 1);
	if (!p)
		return -ENOMEM;
	*len = protobuf_c_message_pack(m, p);
	*data = p;
	return 0;
}

void tb_value_blob_info(const tb_pb_value *v, tb_blob_type *type, size_t *len,
			uint32_t *count)
{
	const ProtobufCMessage *m = blob_message(v, type);
	*count = 1;
	*len = m ? protobuf_c_message_get_packed_size(m) : 0;
	const Tensorboard__TensorShapeProto *sh =
		*type == TB_BLOB_TENSOR ? v->tensor->tensor_shape : NULL;
	if (sh && sh->n_dim) {
		int64_t d = sh->dim[0]->size;
		*count = d < 0 ? 0 : d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
	}
}

/* ---- tensors read back from blobs (PR curves, custom scalars) ------------- */

int tb_tensor_decode_numbers(tb_arena *a, const unsigned char *p, size_t n, tb_num_tensor *out)
{
	tb_pb_tensor *t = tensorboard__tensor_proto__unpack(&a->pb, n, p);
	if (!t)
		return -EINVAL;
	int rank;
	int64_t elems = tensor_elems(t, &rank);
	if (elems < 0 || rank > TB_NUM_TENSOR_MAX_RANK || !dtype_size((int)t->dtype))
		return -EINVAL;
	/* as make_ndarray: the values the file holds, or one filling the shape */
	size_t held = t->tensor_content.len ? (size_t)elems : val_count(t);
	if (held != (size_t)elems && held != 1)
		return -EINVAL;
	/* a few bytes must not become millions of values (as for histograms) */
	if (held != (size_t)elems && (size_t)elems > TB_MAX_TENSOR_PADDING)
		return -EINVAL;
	double *v = tb_arena_alloc(a, (elems ? (size_t)elems : 1) * sizeof *v);
	if (!v)
		return -ENOMEM;
	out->type = TB_NUM_F64;
	for (size_t i = 0; i < (size_t)elems; i++) {
		tb_scalar s;
		if (tensor_elem(t, elems, i, &s))
			return -EINVAL;
		v[i] = scalar_as_double(&s);
		out->type = s.type;
	}
	out->rank = rank;
	for (int i = 0; i < rank; i++)
		out->dims[i] = t->tensor_shape->dim[i]->size;
	out->count = (size_t)elems;
	out->v = v;
	return 0;
}

int tb_tensor_decode_string(tb_arena *a, const unsigned char *p, size_t n,
			    const unsigned char **s, size_t *len)
{
	tb_pb_tensor *t = tensorboard__tensor_proto__unpack(&a->pb, n, p);
	if (!t || t->dtype != TENSORBOARD__DATA_TYPE__DT_STRING || !t->n_string_val)
		return -EINVAL;
	*s = t->string_val[0].data;
	*len = t->string_val[0].len;
	return 0;
}
