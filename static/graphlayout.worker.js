// graphlayout.worker.js - lays out the visible graph with dagre, off the page's thread.
//
// A classic worker (importScripts): the page posts {id, nodes, clusters,
// edges} (nodes: {id, w, h, parent}; clusters: {id, parent}; edges: {v, w})
// and gets back {id, nodes: {id: {x, y, w, h}}, edges: [{v, w, points}],
// width, height} or {id, error}. It knows nothing of GraphDefs or the DOM.
/* global dagre */
importScripts('vendor/dagre.min.js');

function layout(req) {
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  g.setGraph({ rankdir: 'TB', nodesep: 18, ranksep: 36, edgesep: 8, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const c of req.clusters) g.setNode(c.id, { clusterLabelPos: 'top', paddingTop: 24 });
  for (const c of req.clusters) if (c.parent) g.setParent(c.id, c.parent);
  for (const n of req.nodes) {
    g.setNode(n.id, { width: n.w, height: n.h });
    if (n.parent) g.setParent(n.id, n.parent);
  }
  for (const e of req.edges) g.setEdge(e.v, e.w, { minlen: 1 });
  dagre.layout(g);
  const nodes = {};
  for (const id of g.nodes()) {
    const n = g.node(id);
    nodes[id] = { x: n.x, y: n.y, w: n.width, h: n.height };
  }
  const edges = g.edges().map((e) => ({ v: e.v, w: e.w, points: g.edge(e).points.map((p) => [p.x, p.y]) }));
  const gg = g.graph();
  return { nodes, edges, width: gg.width, height: gg.height };
}

self.onmessage = (ev) => {
  const req = ev.data;
  try {
    const t0 = performance.now();
    const out = layout(req);
    out.ms = performance.now() - t0;
    self.postMessage({ id: req.id, ...out });
  } catch (err) {
    self.postMessage({ id: req.id, error: String(err && err.message ? err.message : err) });
  }
};
