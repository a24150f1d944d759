/*
 * event.h - decoding one Event payload and normalising its values.
 *
 * Two decoders give the same answer: a hand-written fast path for the event
 * almost every PyTorch/TF1 scalar write produces (wall_time, step, one
 * Summary.Value with a tag and a simple_value, nothing else), and protobuf-c
 * with an arena for everything else. The fast path declines anything it does
 * not fully understand, so it can never change what is read.
 *
 * The conversions below turn a Summary.Value into tbserve's normal forms
 * (reference §2): a scalar of a numeric type, histogram buckets
 * [left, right, count], a string tensor, or an opaque blob. They read only
 * their arguments; results live in the arena passed in.
 */
#ifndef TB_EVENT_H
#define TB_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "tensorboard.pb-c.h"
#include "values.h"

typedef Tensorboard__Event tb_pb_event;
typedef Tensorboard__Summary__Value tb_pb_value;
typedef Tensorboard__TensorProto tb_pb_tensor;

/* The common scalar event, decoded without protobuf-c. */
typedef struct tb_fast_scalar {
	double wall;
	int64_t step;
	const char *tag;   /* points into the payload; not NUL-terminated */
	size_t tag_len;
	float value;
} tb_fast_scalar;

/* 1 if p is exactly a one-simple_value event without metadata (filled into
 * *out), 0 if the general decoder must handle it. */
int tb_event_fast_scalar(const unsigned char *p, size_t n, tb_fast_scalar *out);

/* General decoder; NULL when the payload is not a valid Event. */
tb_pb_event *tb_event_decode(tb_arena *a, const unsigned char *p, size_t n);

/* The general decoder for a record whose media bytes are kept in the file
 * (the blob index): the encoded bytes of every legacy Summary.Image /
 * Summary.Audio of at least min bytes are left out before decoding (a
 * 200 MB clip is not copied by protobuf-c), and media_len[i] (arena array
 * of *n_values entries, or NULL when nothing was left out) is the true
 * serialized size of value i's image or audio message, 0 for a value left
 * whole. Values keep their indices. NULL when the payload is not a valid
 * Event (or, with a->oom, out of memory). */
tb_pb_event *tb_event_decode_lean(tb_arena *a, const unsigned char *p, size_t n, size_t min,
				  size_t **media_len, size_t *n_values);

/* Tag of a value: tag, or node_name when tag is empty (legacy). */
const char *tb_value_tag(const tb_pb_value *v);

/* Plugin name and data class implied by a value (reference §2.1). The
 * returned string is static or borrowed from v. */
void tb_value_plugin(const tb_pb_value *v, const char **plugin, int *data_class);

/* Storage kind for a plugin and data class. */
tb_kind tb_kind_for(const char *plugin, int data_class);

/* The "version" field (field 1, varint) of a plugin's metadata content, 0
 * when absent or not first. TensorBoard hides a tag whose plugin data is
 * newer than it understands (version > 0 for every plugin served). */
long tb_plugin_content_version(const unsigned char *content, size_t len);

/* Conversions; each returns 0 or -EINVAL when the value does not have the
 * expected form (the point is then skipped). */
int tb_value_scalar(const tb_pb_value *v, tb_scalar *out);
int tb_value_histogram(tb_arena *a, const tb_pb_value *v, double **buckets, size_t *n);
int tb_value_text(tb_arena *a, const tb_pb_value *v, tb_text_view *out);
int tb_value_blob(tb_arena *a, const tb_pb_value *v, tb_blob_type *type,
		  unsigned char **data, size_t *len);
/* What tb_value_blob would give, without packing: the type, the packed
 * size, and the element count (a tensor's first dimension, 1 for rank 0
 * and for Summary.Image / Summary.Audio). */
void tb_value_blob_info(const tb_pb_value *v, tb_blob_type *type, size_t *len,
			uint32_t *count);

/* A numeric tensor read back from a serialized TensorProto (a blob), as
 * make_ndarray reads it: the values in row-major order as doubles (in the
 * arena), type the numeric type of its elements. */
#define TB_NUM_TENSOR_MAX_RANK 8
typedef struct tb_num_tensor {
	int rank;
	int64_t dims[TB_NUM_TENSOR_MAX_RANK];
	size_t count;
	double *v;
	tb_num_type type;
} tb_num_tensor;
/* 0; -EINVAL: not a numeric tensor, or its values do not fill its shape;
 * -ENOMEM. */
int tb_tensor_decode_numbers(tb_arena *a, const unsigned char *p, size_t n, tb_num_tensor *out);
/* The first string of a serialized DT_STRING TensorProto (borrowed from
 * the arena). 0 or -EINVAL. */
int tb_tensor_decode_string(tb_arena *a, const unsigned char *p, size_t n,
			    const unsigned char **s, size_t *len);

/* Exposed for tests. */
int tb_tensor_scalar(const tb_pb_tensor *t, tb_scalar *out);
double tb_half_to_double(uint16_t h);
double tb_bfloat16_to_double(uint16_t h);

#endif
