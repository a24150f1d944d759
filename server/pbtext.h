/*
 * pbtext.h - protobuf text format, byte for byte as Python prints it.
 *
 * TensorBoard's graphs plugin answers str(message), i.e. Python protobuf's
 * text_format.MessageToString(message): fields in field-number order, only
 * those present (proto3: non-default; oneof: the set member; repeated: each
 * element on its own line), nested messages as "name {" ... "}" indented by
 * two spaces, map fields as one entry per key sorted by key (the last value
 * of a repeated key wins, as when Python parses; key and value always
 * print, even when default), strings and bytes escaped
 * as text_encoding.CEscape (octal for bytes < 0x20 and >= 0x7f), floats
 * and doubles as Python's repr of the double (a float32 widened first:
 * 0.1f prints 0.10000000149011612, as TensorBoard's recorded answers do),
 * enums by name, bools true/false. Unknown fields are not printed.
 *
 * protobuf-c has no printer: this one walks protobuf-c descriptors, so it
 * prints any message compiled by protoc-c (proto/graph.proto's GraphDef
 * and RunMetadata here). Nothing is allocated but the output buffer.
 */
#ifndef TB_PBTEXT_H
#define TB_PBTEXT_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

#include "buf.h"

/* Append msg's text format to out. 0; -EFBIG when out would grow past
 * max bytes (out then holds a truncated text); -ENOMEM. */
int tb_pbtext_print(tb_buf *out, const ProtobufCMessage *msg, size_t max);

/* Deepest message nesting of a serialized message of type d: its messages
 * within messages, as protobuf-c would unpack them. -EBADMSG on a malformed
 * wire form; stops counting past limit (returns limit + 1). Unpacking and
 * printing recurse once per level, so callers check this first. */
int tb_pbtext_depth(const ProtobufCMessageDescriptor *d, const unsigned char *p, size_t n,
		    int limit);

/* The scalar formats, for tests: Python's str() of a float32 field value
 * and of a double, and CEscape of bytes. */
void tb_pbtext_float(tb_buf *out, float f);
void tb_pbtext_double(tb_buf *out, double d);
void tb_pbtext_escape(tb_buf *out, const unsigned char *p, size_t n);

#endif
