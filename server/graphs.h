/*
 * graphs.h - what TensorBoard's graphs plugin does to a GraphDef before it
 * prints it, on protobuf-c messages unpacked into an arena.
 *
 *   graphs.c        graph_util.merge_graph_defs (run metadata's function
 *                   graphs as one graph) and process_graph.py's
 *                   prepare_graph_for_ui (attributes over a size limit
 *                   replaced by their names)
 *   keras_graph.c   keras_util.keras_model_to_graph_def (the conceptual
 *                   graph of a Keras model config)
 *
 * Ownership: everything built is allocated from the arena passed in, and
 * may point into the messages given (which must outlive the result);
 * nothing is freed piecemeal. Errors: 0 or a negative errno; codes that
 * are TensorBoard's own ValueErrors have a text from tb_graphs_error().
 */
#ifndef TB_GRAPHS_H
#define TB_GRAPHS_H

#include <stddef.h>

#include "arena.h"
#include "graph.pb-c.h"

/* The tag TensorBoard files a run's graph_def under (plugin "graphs"). */
#define TB_RUN_GRAPH_TAG "__run_graph__"

/* Function graphs of different GraphDef producers cannot be merged. */
#define TB_GRAPHS_EVERSIONS (-10001)
/* A Keras model config that is not JSON, or not a model. */
#define TB_GRAPHS_EKERAS (-10002)

/* Claim n bytes of TB_GRAPHS_MAX_IN_FLIGHT for a graph being unpacked and
 * printed: 0 (and *claimed = n), or -EBUSY when other requests hold the
 * budget (a lone request is always granted). Give it back with
 * tb_graphs_release(*claimed). */
int tb_graphs_claim(size_t n, size_t *claimed);
void tb_graphs_release(size_t claimed);

/* The message for one of the codes above. */
const char *tb_graphs_error(int rc);

/* The pre-optimization graphs of md's function graphs as one GraphDef:
 * one as it is, several with names prefixed "graph_N/" (functions
 * "graph_N_"). 0, TB_GRAPHS_EVERSIONS or -ENOMEM. */
int tb_graphs_merge(tb_arena *a, Tbgraph__RunMetadata *md, Tbgraph__GraphDef **out);

/* Each node attribute whose serialized AttrValue is over limit bytes is
 * removed and its name appended to the node's attribute large_key (a list
 * of strings). 0 or -ENOMEM. */
int tb_graphs_limit_attrs(tb_arena *a, Tbgraph__GraphDef *g, size_t limit, const char *large_key);

/* The GraphDef TensorBoard draws for a Keras model config (JSON, as
 * Keras's model.to_json() writes it). 0, TB_GRAPHS_EKERAS or -ENOMEM. */
int tb_keras_to_graph(tb_arena *a, const char *json, size_t len, Tbgraph__GraphDef **out);

#endif
