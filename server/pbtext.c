/*
 * pbtext.c - Python's protobuf text format from protobuf-c descriptors.
 *
 * What Python prints is specified in pbtext.h; the details that make it
 * byte-exact live here, each next to the code that does it. The printer
 * allocates nothing but its output and, per map field, an index of its
 * entries sorted as Python's sorted() orders the keys.
 * Invariant: out->len never passes max: each field is written, then
 * checked, so a huge message stops early instead of filling memory.
 */
#include "pbtext.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- scalars --------------------------------------------------------- */

/* text_encoding.CEscape(bytes, as_utf8=False); runs of printable bytes
 * are copied whole (graphs are mostly names) */
void tb_pbtext_escape(tb_buf *out, const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		while (run < n && p[run] >= 32 && p[run] < 127 && p[run] != '"' && p[run] != '\'' &&
		       p[run] != '\\')
			run++;
		tb_buf_append(out, p + i, run - i);
		if (run == n)
			break;
		unsigned char c = p[run];
		i = run + 1;
		switch (c) {
		case '\t': tb_buf_puts(out, "\\t"); break;
		case '\n': tb_buf_puts(out, "\\n"); break;
		case '\r': tb_buf_puts(out, "\\r"); break;
		case '"': tb_buf_puts(out, "\\\""); break;
		case '\'': tb_buf_puts(out, "\\'"); break;
		case '\\': tb_buf_puts(out, "\\\\"); break;
		default: {
			char o[4] = { '\\', (char)('0' + (c >> 6)), (char)('0' + ((c >> 3) & 7)),
				      (char)('0' + (c & 7)) };
			tb_buf_append(out, o, 4);
		}
		}
	}
}

/* repr(d) for a finite d: the shortest digits that read back as d, in
 * fixed notation when the decimal exponent e is in [-5, 16), else as
 * d.ddde[+-]XX (Python's float_repr_style 'short'). */
static void repr_finite(tb_buf *out, double d)
{
	if (d == 0) {
		tb_buf_puts(out, signbit(d) ? "-0.0" : "0.0");
		return;
	}
	char tmp[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	/* tmp: [-]D[.DDD]e[+-]X...: split into sign, digits, exponent */
	const char *s = tmp;
	if (*s == '-') {
		tb_buf_putc(out, '-');
		s++;
	}
	char digits[24];
	int nd = 0;
	for (; *s && *s != 'e'; s++)
		if (*s != '.')
			digits[nd++] = *s;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	int e = atoi(s + 1);
	if (e < -4 || e >= 16) {
		tb_buf_putc(out, digits[0]);
		if (nd > 1) {
			tb_buf_putc(out, '.');
			tb_buf_append(out, digits + 1, (size_t)nd - 1);
		}
		tb_buf_printf(out, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
		return;
	}
	int point = e + 1; /* digits before the decimal point */
	if (point <= 0) {
		tb_buf_puts(out, "0.");
		for (int i = 0; i < -point; i++)
			tb_buf_putc(out, '0');
		tb_buf_append(out, digits, (size_t)nd);
	} else if (point >= nd) {
		tb_buf_append(out, digits, (size_t)nd);
		for (int i = nd; i < point; i++)
			tb_buf_putc(out, '0');
		tb_buf_puts(out, ".0");
	} else {
		tb_buf_append(out, digits, (size_t)point);
		tb_buf_putc(out, '.');
		tb_buf_append(out, digits + point, (size_t)(nd - point));
	}
}

/* str(d) */
void tb_pbtext_double(tb_buf *out, double d)
{
	if (isnan(d))
		tb_buf_puts(out, "nan");
	else if (isinf(d))
		tb_buf_puts(out, d < 0 ? "-inf" : "inf");
	else
		repr_finite(out, d);
}

/* A float field as TensorBoard prints it: repr of the float32 widened to
 * double (0.1f is 0.10000000149011612), as the recorded answers show:
 * the protobuf TensorBoard ran prints floats without the shortest-float32
 * rounding of older pure-Python text_format (ToShortestFloat). */
void tb_pbtext_float(tb_buf *out, float f)
{
	tb_pbtext_double(out, (double)f);
}

/* ---- fields ---------------------------------------------------------- */

typedef struct printer {
	tb_buf *out;
	size_t max;
} printer;

static int print_message(printer *p, const ProtobufCMessage *m, int indent);

static bool too_big(const printer *p)
{
	return p->out->oom || p->out->len > p->max;
}

static int status(const printer *p)
{
	return p->out->oom ? -ENOMEM : p->out->len > p->max ? -EFBIG : 0;
}

static size_t scalar_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	default:
		return 4;
	}
}

/* One value of field f at v (a pointer to its storage), without name. */
static void print_value(printer *p, const ProtobufCFieldDescriptor *f, const void *v, int indent)
{
	tb_buf *o = p->out;
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
		tb_buf_printf(o, "%d", *(const int32_t *)v);
		break;
	case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
		tb_buf_printf(o, "%u", *(const uint32_t *)v);
		break;
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
		tb_buf_printf(o, "%lld", (long long)*(const int64_t *)v);
		break;
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
		tb_buf_printf(o, "%llu", (unsigned long long)*(const uint64_t *)v);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		tb_pbtext_float(o, *(const float *)v);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		tb_pbtext_double(o, *(const double *)v);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		tb_buf_puts(o, *(const protobuf_c_boolean *)v ? "true" : "false");
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		int n = *(const int *)v;
		const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, n);
		if (ev)
			tb_buf_puts(o, ev->name);
		else
			tb_buf_printf(o, "%d", n);
		break;
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)v;
		tb_buf_putc(o, '"');
		if (s)
			tb_pbtext_escape(o, (const unsigned char *)s, strlen(s));
		tb_buf_putc(o, '"');
		break;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = v;
		tb_buf_putc(o, '"');
		tb_pbtext_escape(o, b->data, b->len);
		tb_buf_putc(o, '"');
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *m = *(ProtobufCMessage *const *)v;
		tb_buf_puts(o, "{\n");
		if (m)
			print_message(p, m, indent + 2);
		for (int i = 0; i < indent; i++)
			tb_buf_putc(o, ' ');
		tb_buf_putc(o, '}');
		break;
	}
	}
}

static void print_field(printer *p, const ProtobufCFieldDescriptor *f, const void *v, int indent)
{
	for (int i = 0; i < indent; i++)
		tb_buf_putc(p->out, ' ');
	tb_buf_puts(p->out, f->name);
	tb_buf_puts(p->out, f->type == PROTOBUF_C_TYPE_MESSAGE ? " " : ": ");
	print_value(p, f, v, indent);
	tb_buf_putc(p->out, '\n');
}

/* Is a proto3 singular value at v its type's default? Floats by their
 * bits, as protobuf's reflection decides presence (-0.0 is present). */
static bool is_default(const ProtobufCFieldDescriptor *f, const void *v)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)v;
		return !s || !*s;
	}
	case PROTOBUF_C_TYPE_BYTES:
		return ((const ProtobufCBinaryData *)v)->len == 0;
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(ProtobufCMessage *const *)v == NULL;
	default: {
		static const unsigned char zero[8];
		return !memcmp(v, zero, scalar_size(f->type));
	}
	}
}

static bool is_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const char *base = (const char *)m;
	const void *v = base + f->offset;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL) {
		if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
			return *(void *const *)v != NULL;
		return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
	}
	if (f->label == PROTOBUF_C_LABEL_REQUIRED)
		return true;
	return !is_default(f, v);
}

/* ---- maps ------------------------------------------------------------ */

/* protoc-c turns map<K, V> name into a repeated NameEntry {key = 1;
 * value = 2} message, and flags nothing: this is how it looks. */
static bool is_map_entry(const ProtobufCMessageDescriptor *d)
{
	size_t n = strlen(d->name);
	return n > 5 && !strcmp(d->name + n - 5, "Entry") && d->n_fields == 2 &&
	       d->fields[0].id == 1 && !strcmp(d->fields[0].name, "key") &&
	       d->fields[1].id == 2 && !strcmp(d->fields[1].name, "value");
}

static int compare_keys(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
	const ProtobufCFieldDescriptor *k = &a->descriptor->fields[0];
	const void *x = (const char *)a + k->offset, *y = (const char *)b + k->offset;
	switch (k->type) {
	case PROTOBUF_C_TYPE_STRING: {
		/* Python compares str by code point: UTF-8 byte order */
		const char *s = *(char *const *)x, *t = *(char *const *)y;
		return strcmp(s ? s : "", t ? t : "");
	}
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64: {
		int64_t s = *(const int64_t *)x, t = *(const int64_t *)y;
		return (s > t) - (s < t);
	}
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: {
		uint64_t s = *(const uint64_t *)x, t = *(const uint64_t *)y;
		return (s > t) - (s < t);
	}
	case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32: {
		uint32_t s = *(const uint32_t *)x, t = *(const uint32_t *)y;
		return (s > t) - (s < t);
	}
	default: { /* int32 kinds and bool */
		int32_t s = *(const int32_t *)x, t = *(const int32_t *)y;
		return (s > t) - (s < t);
	}
	}
}

/* An entry and its position: qsort is not stable, so ties are broken by
 * position and the last entry of a repeated key ends its run. */
typedef struct entry {
	const ProtobufCMessage *m;
	size_t pos;
} entry;

static int compare_entries(const void *a, const void *b)
{
	const entry *x = a, *y = b;
	int c = compare_keys(x->m, y->m);
	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static void print_entry(printer *p, const ProtobufCFieldDescriptor *f, const ProtobufCMessage *e,
			int indent)
{
	tb_buf *o = p->out;
	for (int i = 0; i < indent; i++)
		tb_buf_putc(o, ' ');
	tb_buf_puts(o, f->name);
	tb_buf_puts(o, " {\n");
	for (unsigned i = 0; i < 2; i++) {
		const ProtobufCFieldDescriptor *k = &e->descriptor->fields[i];
		const void *v = (const char *)e + k->offset;
		/* Python builds the entry with key and value set: both print,
		 * default or not (key: 0, value {}) */
		print_field(p, k, v, indent + 2);
	}
	for (int i = 0; i < indent; i++)
		tb_buf_putc(o, ' ');
	tb_buf_puts(o, "}\n");
}

static int print_map(printer *p, const ProtobufCFieldDescriptor *f, ProtobufCMessage *const *es,
		     size_t n, int indent)
{
	entry *sorted = malloc(n * sizeof *sorted);
	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		sorted[i] = (entry){ es[i], i };
	qsort(sorted, n, sizeof *sorted, compare_entries);
	for (size_t i = 0; i < n && !too_big(p); i++)
		if (i + 1 == n || compare_keys(sorted[i].m, sorted[i + 1].m))
			print_entry(p, f, sorted[i].m, indent);
	free(sorted);
	return status(p);
}

static int print_message(printer *p, const ProtobufCMessage *m, int indent)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *base = (const char *)m;
	/* protoc-c lists fields by number: Python's ListFields() order */
	for (unsigned i = 0; i < d->n_fields && !too_big(p); i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			if (is_present(m, f))
				print_field(p, f, base + f->offset, indent);
			continue;
		}
		size_t n = *(const size_t *)(base + f->quantifier_offset);
		const char *arr = *(char *const *)(base + f->offset);
		if (!n)
			continue;
		if (f->type == PROTOBUF_C_TYPE_MESSAGE && is_map_entry(f->descriptor)) {
			int rc = print_map(p, f, (ProtobufCMessage *const *)arr, n, indent);
			if (rc)
				return rc;
			continue;
		}
		size_t sz = scalar_size(f->type);
		for (size_t j = 0; j < n && !too_big(p); j++)
			print_field(p, f, arr + j * sz, indent);
	}
	return status(p);
}

int tb_pbtext_print(tb_buf *out, const ProtobufCMessage *msg, size_t max)
{
	printer p = { out, max };
	int rc = print_message(&p, msg, 0);
	return rc ? rc : status(&p);
}

/* ---- nesting depth of the wire form ---------------------------------- */

static int varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		unsigned char c = *(*p)++;
		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
	}
	return -EBADMSG;
}

static int depth(const ProtobufCMessageDescriptor *d, const unsigned char *p, size_t n, int level,
		 int limit)
{
	const unsigned char *end = p + n;
	int deepest = level;
	while (p < end) {
		uint64_t key, len;
		if (varint(&p, end, &key))
			return -EBADMSG;
		switch (key & 7) {
		case 0:
			if (varint(&p, end, &len))
				return -EBADMSG;
			break;
		case 1:
			if (end - p < 8)
				return -EBADMSG;
			p += 8;
			break;
		case 5:
			if (end - p < 4)
				return -EBADMSG;
			p += 4;
			break;
		case 2: {
			if (varint(&p, end, &len) || len > (uint64_t)(end - p))
				return -EBADMSG;
			const ProtobufCFieldDescriptor *f =
				key >> 3 <= UINT32_MAX ?
				protobuf_c_message_descriptor_get_field(d, (unsigned)(key >> 3)) : NULL;
			if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
				if (level + 1 > limit)
					return limit + 1;
				int sub = depth(f->descriptor, p, (size_t)len, level + 1, limit);
				if (sub < 0 || sub > limit)
					return sub;
				if (sub > deepest)
					deepest = sub;
			}
			p += len;
			break;
		}
		default: /* groups: nothing TensorFlow writes */
			return -EBADMSG;
		}
	}
	return deepest;
}

int tb_pbtext_depth(const ProtobufCMessageDescriptor *d, const unsigned char *p, size_t n,
		    int limit)
{
	return depth(d, p, n, 0, limit);
}
