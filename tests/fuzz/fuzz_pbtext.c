/*
 * fuzz_pbtext.c - the graphs plugin's decoding and printing: the first
 * byte picks GraphDef or RunMetadata, the rest is the serialized message,
 * checked for nesting and unpacked as api_graphs.c does, then (run
 * metadata) its function graphs merged, attributes over 8 bytes replaced
 * (limit_attr_size) and the result printed. Properties: the depth check
 * answers for anything; whatever unpacks prints, and the text is plain
 * ASCII with no control byte but newlines (every string is escaped).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "fuzz.h"
#include "graph.pb-c.h"
#include "graphs.h"
#include "pbtext.h"
#include "tblimits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool run_metadata = data[0] & 1;
	const ProtobufCMessageDescriptor *d = run_metadata ? &tbgraph__run_metadata__descriptor
							   : &tbgraph__graph_def__descriptor;
	int depth = tb_pbtext_depth(d, data + 1, size - 1, TB_MAX_PB_DEPTH);
	FUZZ_CHECK(depth >= -EBADMSG);
	if (depth < 0 || depth > TB_MAX_PB_DEPTH)
		return 0;
	tb_arena a;
	tb_arena_init(&a);
	ProtobufCMessage *m = protobuf_c_message_unpack(d, &a.pb, size - 1, data + 1);
	if (m) {
		Tbgraph__GraphDef *g = NULL;
		int rc = 0;
		if (run_metadata)
			rc = tb_graphs_merge(&a, (Tbgraph__RunMetadata *)m, &g);
		else
			g = (Tbgraph__GraphDef *)m;
		FUZZ_CHECK(rc == 0 || rc == TB_GRAPHS_EVERSIONS);
		if (!rc)
			FUZZ_CHECK(tb_graphs_limit_attrs(&a, g, 8, "_too_large_attrs") == 0);
		tb_buf out = TB_BUF_INIT;
		FUZZ_CHECK(tb_pbtext_print(&out, !rc ? &g->base : m, TB_MAX_GRAPH_TEXT) == 0);
		for (size_t i = 0; i < out.len; i++)
			FUZZ_CHECK(out.data[i] == '\n' || (out.data[i] >= 32 && out.data[i] < 127));
		tb_buf_release(&out);
	}
	tb_arena_release(&a);
	return 0;
}
