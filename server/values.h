/*
 * values.h - the normal forms of a summary value (reference §2), shared by
 * event decoding (which produces them) and the store (which keeps them).
 *
 * Plain types only: this header pulls in neither protobuf-c nor the
 * store, so handlers that include store.h do not see the event decoder.
 */
#ifndef TB_VALUES_H
#define TB_VALUES_H

#include <stddef.h>
#include <stdint.h>

/* Data classes (SummaryMetadata.data_class) */
enum {
	TB_CLASS_UNKNOWN = 0,
	TB_CLASS_SCALAR = 1,
	TB_CLASS_TENSOR = 2,
	TB_CLASS_BLOB_SEQUENCE = 3,
};

/* How tbserve stores a series, fixed by its tag's first value. */
typedef enum tb_kind {
	TB_KIND_SCALAR = 1,     /* plugin scalars, SCALAR */
	TB_KIND_HISTOGRAM = 2,  /* plugin histograms, TENSOR: [k,3] buckets */
	TB_KIND_TEXT = 3,       /* plugin text, TENSOR: string tensor */
	TB_KIND_BLOB = 4,       /* anything else: bytes kept, served by no plugin */
	/* The other dashboards' series: their points are blobs too. */
	TB_KIND_IMAGE = 5,      /* plugin images, BLOB_SEQUENCE */
	TB_KIND_AUDIO = 6,      /* plugin audio, BLOB_SEQUENCE */
	TB_KIND_HPARAMS = 7,    /* plugin hparams, TENSOR (metadata-only values) */
	TB_KIND_PR_CURVE = 8,   /* plugin pr_curves, TENSOR: [6,N] */
	TB_KIND_CUSTOM_SCALARS = 9, /* plugin custom_scalars, TENSOR: a Layout */
	TB_KIND_GRAPH = 10,     /* graph_def, run metadata, Keras model config */
	TB_KIND_MAX = TB_KIND_GRAPH,
} tb_kind;

/* Are a kind's points tb_blob (store.h)? */
static inline int tb_kind_is_blob(tb_kind k)
{
	return k >= TB_KIND_BLOB;
}

/* Numeric type of a scalar, as the JSON output needs it. */
typedef enum tb_num_type {
	TB_NUM_F32 = 0,  /* float32 widened to double (simple_value, DT_FLOAT) */
	TB_NUM_F64 = 1,  /* double, half, bfloat16 */
	TB_NUM_I64 = 2,  /* integer dtypes: JSON integers */
	TB_NUM_BOOL = 3, /* DT_BOOL: JSON true/false */
} tb_num_type;

typedef struct tb_scalar {
	tb_num_type type;
	double f;   /* F32, F64 */
	int64_t i;  /* I64, BOOL */
} tb_scalar;

/* A string tensor: count = product of dims (1 for rank 0), row-major.
 * strs/lens hold n_strs strings: count, or 1 that fills every element
 * (TensorBoard pads a short string_val with its last value, "" when there
 * is none); elements the file does not hold are never materialised. */
typedef struct tb_text_view {
	int rank;
	const int64_t *dims;
	size_t count;
	const char *const *strs;
	const size_t *lens;
	size_t n_strs;
} tb_text_view;

/* What a blob holds, so later plugins can decode it. */
typedef enum tb_blob_type {
	TB_BLOB_NONE = 0,      /* metadata-only value (hparams, custom plugins) */
	TB_BLOB_TENSOR = 1,    /* serialized TensorProto */
	TB_BLOB_IMAGE = 2,     /* serialized Summary.Image */
	TB_BLOB_AUDIO = 3,     /* serialized Summary.Audio */
	TB_BLOB_RAW = 4,       /* graph_def / run metadata bytes */
} tb_blob_type;

#endif
