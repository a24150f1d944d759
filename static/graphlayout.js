// graphlayout.js - the page's side of the layout worker: one request at a
// time per GraphLayout, the newest wins (a layout that a later click made
// stale is dropped, never drawn).
//
// Node sizes are decided here (from label lengths), so the worker stays a
// pure function of the visible graph.

const WORKER_URL = 'graphlayout.worker.js';

export const NODE_H = 26;
export const SCOPE_H = 36;
const CHAR_W = 7;

export function nodeSize(item) {
  const text = item.isScope ? `${item.label}  ${item.ops}` : item.label;
  const w = Math.min(240, Math.max(item.isScope ? 90 : 60, text.length * CHAR_W + 28));
  return { w, h: item.isScope ? SCOPE_H : NODE_H };
}

export class GraphLayout {
  constructor() {
    this.worker = null;
    this.seq = 0;
    this.pending = new Map();
  }

  ensureWorker() {
    if (this.worker) return this.worker;
    this.worker = new Worker(WORKER_URL);
    this.worker.onmessage = (ev) => {
      const p = this.pending.get(ev.data.id);
      if (!p) return;
      this.pending.delete(ev.data.id);
      if (ev.data.error) p.reject(new Error(ev.data.error));
      else p.resolve(ev.data);
    };
    this.worker.onerror = (ev) => {
      ev.preventDefault();
      const err = new Error(`the layout worker failed: ${ev.message || 'could not load'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.worker.terminate();
      this.worker = null;
    };
    return this.worker;
  }

  /** Lay out {nodes, clusters, edges} from graphmodel.visibleGraph; resolves null when superseded. */
  run(vis) {
    const id = ++this.seq;
    for (const [pid, p] of this.pending) { p.resolve(null); this.pending.delete(pid); }
    const req = {
      id,
      nodes: vis.nodes.map((n) => ({ id: n.item.id, parent: n.parent, ...nodeSize(n.item) })),
      clusters: vis.clusters.map((c) => ({ id: c.item.id, parent: c.parent })),
      edges: vis.edges.map((e) => ({ v: e.v, w: e.w })),
    };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ensureWorker().postMessage(req);
    });
  }

  stop() {
    if (this.worker) this.worker.terminate();
    this.worker = null;
  }
}
