// graphs.js - the Graphs tab: a run's op graph (or Keras conceptual graph, or
// a tagged run-metadata graph) with name scopes collapsed, expandable by
// click, searchable by node name, and a side panel with the selected node's
// op, device, attributes, inputs and outputs.
//
// The server answers protobuf text format; pbtxt.js parses it, graphmodel.js
// turns it into a scope tree and the visible (collapsed) graph, and
// graphlayout.js has dagre lay out only that, in a worker; graphstats.js reads
// a run metadata's per-node compute time and memory (boxes are shaded by
// it). Drawn as SVG with pan (drag) and zoom (wheel); boxes are buttons for
// the keyboard too. Every node name, op and attribute comes from
// a file anyone can write: they are set as textContent, never as HTML.
// The run, the graph and the selected op are in the URL (state.js graphRun,
// graphKind, graphNode): a copied link reopens the same graph and node.

import { url } from './api.js';
import { state } from './state.js';
import { parsePbtxt } from './pbtxt.js';
import { buildGraph, visibleGraph, searchOps, revealIn, attrText } from './graphmodel.js';
import { GraphLayout } from './graphlayout.js';
import { nodeStats, formatMicros, formatBytes } from './graphstats.js';

const SVG = 'http://www.w3.org/2000/svg';
// More visible nodes than this and one more expansion is refused: dagre's
// cost grows faster than linearly, and no one reads 3,000 boxes at once.
const MAX_VISIBLE = 3000;
const SEARCH_SHOWN = 50;
// Attributes, inputs and outputs listed in the side panel (a hostile node may hold millions).
const LIST_SHOWN = 500;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}
function clip(s, n) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

async function getText(path, params) {
  const u = url(path, params);
  const r = await fetch(u);
  const body = await r.text();
  if (!r.ok) throw new Error(`${r.status}: ${body.slice(0, 200)}`);
  return body;
}

/** The graphs a run offers, from one entry of graphs/info: [{key, label, params}]. */
export function graphChoices(run, entry) {
  const out = [];
  if (entry.run_graph) out.push({ key: 'op', label: 'Op graph', kind: 'graph', params: { run, conceptual: 'false' } });
  for (const [tag, t] of Object.entries(entry.tags || {})) {
    if (t.conceptual_graph) out.push({ key: `c:${tag}`, label: `${tag} (Keras model)`, kind: 'graph', params: { run, conceptual: 'true', tag } });
    if (t.op_graph) out.push({ key: `t:${tag}`, label: `${tag} (op graph from run metadata)`, kind: 'graph', params: { run, conceptual: 'false', tag } });
    // the run's op graph with this step's compute time and memory per node
    if (t.profile && entry.run_graph) out.push({ key: `p:${tag}`, label: `${tag} (op graph + run metadata)`, kind: 'profile', params: { run, conceptual: 'false' }, meta: { run, tag } });
  }
  return out;
}

export class GraphsView {
  constructor(root, runs) {
    this.root = root;
    this.runs = runs;
    this.tags = new Map(); // "run\0choice" -> choice, for the status line
    this.info = {};
    this.loaded = false;
    this.model = null;
    this.expanded = new Set();
    this.selected = null;
    this.layouter = new GraphLayout();
    this.drawn = { nodes: 0, edges: 0, ms: 0 };
    this.view = { x: 0, y: 0, k: 1 };
    this.build();
  }

  build() {
    const bar = el('div', 'graph-bar');
    this.runSel = el('select', 'graph-run');
    this.runSel.setAttribute('aria-label', 'Run');
    this.kindSel = el('select', 'graph-kind');
    this.kindSel.setAttribute('aria-label', 'Graph');
    this.search = el('input', 'graph-search');
    Object.assign(this.search, { type: 'search', placeholder: 'Search nodes by name', spellcheck: false, autocomplete: 'off' });
    this.search.setAttribute('aria-label', 'Search nodes by name');
    const fit = el('button', 'graph-fit', 'Fit');
    fit.type = 'button';
    const collapse = el('button', 'graph-collapse', 'Collapse all');
    collapse.type = 'button';
    const searchBox = el('div', 'graph-search-box');
    this.results = el('ul', 'graph-results');
    this.results.hidden = true;
    searchBox.append(this.search, this.results);
    bar.append(this.runSel, this.kindSel, searchBox, fit, collapse);

    const main = el('div', 'graph-main');
    this.canvas = el('div', 'graph-canvas');
    this.svg = svg('svg', { class: 'graph-svg' });
    const defs = svg('defs');
    const marker = svg('marker', { id: 'graph-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'graph-arrow' }));
    defs.append(marker);
    this.stage = svg('g', { class: 'graph-stage' });
    this.svg.append(defs, this.stage);
    this.note = el('div', 'graph-note');
    this.canvas.append(this.svg, this.note);
    this.panel = el('aside', 'graph-panel');
    this.panel.setAttribute('aria-label', 'Selected node');
    main.append(this.canvas, this.panel);
    this.root.replaceChildren(bar, main);
    this.showPanel(null);

    this.runSel.addEventListener('change', () => {
      state.set({ graphRun: this.runSel.value, graphKind: '', graphNode: '' });
      this.pickRun(this.runSel.value);
    });
    this.kindSel.addEventListener('change', () => {
      state.set({ graphRun: this.run, graphKind: this.kindSel.value, graphNode: '' });
      this.load();
    });
    this.search.addEventListener('input', () => this.showResults());
    this.search.addEventListener('focus', () => this.showResults());
    // the list closes on a click elsewhere or on Escape (app.js blurs the box)
    document.addEventListener('pointerdown', (e) => {
      if (!searchBox.contains(e.target)) this.results.hidden = true;
    });
    this.search.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.results.hidden = true;
    });
    this.search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        const first = this.results.querySelector('button');
        if (first) first.click();
      }
    });
    fit.addEventListener('click', () => this.fit());
    collapse.addEventListener('click', () => {
      this.expanded.clear();
      this.relayout();
    });
    this.panZoom();
  }

  // ---- the shell's interface (app.js) ----------------------------------------------

  /** info: the answer of data/plugin/graphs/info. */
  setTags(info) {
    this.info = info || {};
    this.tags = new Map();
    for (const [run, entry] of Object.entries(this.info)) {
      for (const c of graphChoices(run, entry)) this.tags.set(`${run}\u0000${c.key}`, c);
    }
    this.loaded = true;
    this.error = null;
    this.fillRuns();
  }

  setError(msg) {
    this.error = msg;
    this.loaded = true;
    this.setNote(`Graphs are not available: ${msg}`);
  }

  layout() {}
  onState() {}
  onSeries() { return false; }
  invalidateAll() {}
  resync() {}
  applyTheme() {}

  describe() {
    return {
      run: this.runSel.value || null,
      graph: this.kindSel.value || null,
      ops: this.model ? this.model.ops.size : 0,
      nodes: this.drawn.nodes,
      edges: this.drawn.edges,
      layoutMs: this.drawn.ms,
      expanded: [...this.expanded],
      selected: this.selected ? this.selected.id : null,
      stats: this.stats ? this.stats.size : 0, // nodes with run-metadata statistics
      busy: !!(this.busy || this.loading), // a layout is running: what is drawn is about to change
      timings: this.timings || null,
    };
  }

  // ---- pickers and loading --------------------------------------------------------------

  fillRuns() {
    // in the run list's order (the server's JSON object order is not one)
    const order = new Map((this.runs.all || []).map((r, i) => [r, i]));
    const rank = (r) => (order.has(r) ? order.get(r) : Infinity);
    const runs = Object.keys(this.info).filter((r) => graphChoices(r, this.info[r]).length)
      .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    const linked = state.get('graphRun');
    const keep = runs.includes(this.runSel.value) ? this.runSel.value : runs.includes(linked) ? linked : runs[0];
    this.runSel.replaceChildren(...runs.map((r) => {
      const o = el('option', null, r);
      o.value = r;
      return o;
    }));
    if (!runs.length) {
      this.kindSel.replaceChildren();
      this.clear();
      this.setNote('No graphs in this logdir. Write one with writer.add_graph(model, input) (PyTorch), tf.summary.trace_export (TF2), the Keras TensorBoard callback (write_graph=True), or tf.summary.FileWriter(logdir, sess.graph) (TF1).');
      return;
    }
    this.runSel.value = keep;
    if (keep !== this.run) this.pickRun(keep);
  }

  pickRun(run) {
    this.run = run;
    const choices = graphChoices(run, this.info[run] || {});
    this.kindSel.replaceChildren(...choices.map((c) => {
      const o = el('option', null, c.label);
      o.value = c.key;
      return o;
    }));
    const linked = state.get('graphKind');
    if (run === state.get('graphRun') && choices.some((c) => c.key === linked)) this.kindSel.value = linked;
    this.load();
  }

  /** Fetch, parse and draw the picked graph (the latest pick wins). */
  async load(params) {
    const choice = params ? { params } : graphChoices(this.run, this.info[this.run] || {}).find((c) => c.key === this.kindSel.value);
    if (!choice) return;
    const seq = (this.loadSeq = (this.loadSeq || 0) + 1);
    this.loading = true;
    try {
      await this.fetchAndShow(choice, seq);
    } finally {
      if (seq === this.loadSeq) this.loading = false;
    }
  }

  async fetchAndShow(choice, seq) {
    this.clear();
    this.model = null;
    this.setNote('Loading the graph…');
    const t0 = performance.now();
    let text, meta = null;
    try {
      [text, meta] = await Promise.all([
        getText('data/plugin/graphs/graph', choice.params),
        choice.meta ? getText('data/plugin/graphs/run_metadata', choice.meta) : null,
      ]);
    } catch (err) {
      if (seq === this.loadSeq) this.setNote(`Could not load this graph (${err.message}).`);
      return;
    }
    if (seq !== this.loadSeq) return;
    await this.setText(text, t0);
    if (meta !== null && this.model) this.setRunMetadata(meta);
    // the node a link names (a pick of another run or graph cleared it)
    const node = this.model && seq === this.loadSeq && this.model.ops.get(state.get('graphNode'));
    if (node) await this.reveal(node);
  }

  /** Join a RunMetadata body's per-node stats to the drawn graph (side panel and heat). */
  setRunMetadata(text) {
    try {
      this.stats = nodeStats(parsePbtxt(text));
    } catch (err) {
      this.setNote(`The run metadata could not be read: ${err.message}`);
      return;
    }
    if (!this.stats.size) this.setNote('This run metadata holds no per-node statistics.');
    this.relayout();
  }

  /** Compute time and memory of an op, or summed over a scope. */
  statsOf(item) {
    if (!this.stats) return null;
    if (!item.isScope) return this.stats.get(item.name) || null;
    let micros = 0, bytes = 0, n = 0;
    const walk = (s) => {
      for (const c of s.children) {
        if (c.isScope) walk(c);
        else {
          const st = this.stats.get(c.name);
          if (st) { micros += st.micros; bytes += st.bytes; n++; }
        }
      }
    };
    walk(item);
    return n ? { micros, bytes, device: '' } : null;
  }

  /** Show a graph from its pbtxt body (also the tests' and benchmark's entry point). */
  setText(text, t0 = performance.now()) {
    const t1 = performance.now();
    let def;
    try {
      def = parsePbtxt(text);
    } catch (err) {
      this.setNote(`This graph could not be read: ${err.message}`);
      return Promise.resolve();
    }
    const t2 = performance.now();
    this.model = buildGraph(def);
    const t3 = performance.now();
    this.expanded = new Set();
    this.selected = null;
    this.stats = null;
    this.showPanel(null);
    this.timings = { fetch: t1 - t0, parse: t2 - t1, model: t3 - t2 };
    if (!this.model.ops.size) {
      this.clear();
      this.setNote('This graph has no nodes.');
      return Promise.resolve();
    }
    return this.relayout({ fit: true }).then(() => {
      this.timings.total = performance.now() - t0;
    });
  }

  clear() {
    this.stage.replaceChildren();
    this.drawn = { nodes: 0, edges: 0, ms: 0 };
  }

  setNote(text) {
    this.note.textContent = text || '';
    this.note.hidden = !text;
  }

  // ---- layout and drawing ------------------------------------------------------------------

  async relayout(opts = {}) {
    if (!this.model) return;
    const vis = visibleGraph(this.model, this.expanded);
    if (vis.nodes.length > MAX_VISIBLE) {
      if (opts.undo) this.expanded.delete(opts.undo);
      this.setNote(`Expanding that would show ${vis.nodes.length} nodes (at most ${MAX_VISIBLE} are drawn): expand a smaller scope inside it.`);
      return;
    }
    const model = this.model;
    this.setNote(vis.nodes.length > 300 ? `Laying out ${vis.nodes.length} nodes…` : '');
    const seq = (this.layoutSeq = (this.layoutSeq || 0) + 1);
    this.busy = true;
    let res;
    try {
      res = await this.layouter.run(vis);
    } catch (err) {
      this.setNote(`The layout failed: ${err.message}`);
      return;
    } finally {
      if (seq === this.layoutSeq) this.busy = false;
    }
    if (!res || model !== this.model) return; // superseded
    this.setNote('');
    this.draw(vis, res);
    if (opts.fit) this.fit();
    if (opts.center) this.center(opts.center);
  }

  draw(vis, res) {
    const items = new Map();
    for (const n of vis.nodes) items.set(n.item.id, n.item);
    const frag = document.createDocumentFragment();
    const clusterLayer = svg('g', { class: 'graph-clusters' });
    const edgeLayer = svg('g', { class: 'graph-edges' });
    const nodeLayer = svg('g', { class: 'graph-nodes' });
    for (const c of vis.clusters) {
      const p = res.nodes[c.item.id];
      if (!p) continue;
      const g = svg('g', { class: 'graph-cluster', 'data-id': c.item.id, tabindex: 0, role: 'button' });
      g.setAttribute('aria-label', `Scope ${c.item.label}: collapse`);
      g.append(svg('rect', { x: p.x - p.w / 2, y: p.y - p.h / 2, width: p.w, height: p.h, rx: 6 }));
      const t = svg('text', { x: p.x - p.w / 2 + 8, y: p.y - p.h / 2 + 14 });
      t.textContent = `▾ ${clip(c.item.label, 60)}`;
      g.append(t);
      const title = svg('title');
      title.textContent = `${c.item.chunk ? c.item.label : c.item.id.slice(0, -1)} (click to collapse)`;
      g.append(title);
      clusterLayer.append(g);
    }
    const byEnds = new Map(vis.edges.map((e) => [`${e.v}\u0000${e.w}`, e]));
    for (const e of res.edges) {
      const d = e.points.map((q, k) => `${k ? 'L' : 'M'}${q[0].toFixed(1)},${q[1].toFixed(1)}`).join('');
      const path = svg('path', { d, class: 'graph-edge', 'marker-end': 'url(#graph-arrow)' });
      const info = byEnds.get(`${e.v}\u0000${e.w}`);
      if (info && info.control) path.classList.add('control');
      if (info && info.count > 1) path.setAttribute('stroke-width', String(Math.min(4, 1 + Math.log2(info.count) / 2)));
      edgeLayer.append(path);
    }
    // heat: each box's compute time against the slowest box drawn
    const heat = new Map();
    let heatMax = 0;
    if (this.stats) {
      for (const n of vis.nodes) {
        const st = this.statsOf(n.item);
        if (st && st.micros) { heat.set(n.item.id, st.micros); heatMax = Math.max(heatMax, st.micros); }
      }
    }
    for (const n of vis.nodes) {
      const item = n.item;
      const p = res.nodes[item.id];
      if (!p) continue;
      const g = svg('g', { class: item.isScope ? 'graph-node scope' : 'graph-node op', 'data-id': item.id, tabindex: 0, role: 'button' });
      g.setAttribute('aria-label', item.isScope ? `Scope ${item.label}, ${item.ops} ops: expand` : `${item.name}${item.op ? `, ${item.op}` : ''}`);
      g.append(svg('rect', { x: p.x - p.w / 2, y: p.y - p.h / 2, width: p.w, height: p.h, rx: item.isScope ? 6 : p.h / 2 }));
      const t = svg('text', { x: p.x, y: item.isScope ? p.y - 2 : p.y + 4, 'text-anchor': 'middle' });
      t.textContent = clip(`${item.isScope ? '▸ ' : ''}${item.label}`, 32);
      g.append(t);
      if (heat.has(item.id)) {
        g.append(svg('rect', { x: p.x - p.w / 2, y: p.y - p.h / 2, width: p.w, height: p.h, rx: item.isScope ? 6 : p.h / 2,
          class: 'graph-heat', 'fill-opacity': ((0.6 * heat.get(item.id)) / heatMax).toFixed(3) }));
      }
      if (item.isScope) {
        const sub = svg('text', { x: p.x, y: p.y + 12, 'text-anchor': 'middle', class: 'sub' });
        sub.textContent = `${item.ops} op${item.ops === 1 ? '' : 's'}`;
        g.append(sub);
      }
      const title = svg('title');
      title.textContent = item.isScope ? `${item.chunk ? item.label : item.id.slice(0, -1)}: ${item.ops} ops (click to expand)` : `${item.name}${item.op ? ` (${item.op})` : ''}`;
      g.append(title);
      if (this.selected && this.selected.id === item.id) g.classList.add('selected');
      nodeLayer.append(g);
    }
    frag.append(clusterLayer, edgeLayer, nodeLayer);
    // the keyboard focus stays on the same node (or the scope just opened)
    const active = document.activeElement;
    const focusedId = active && this.stage.contains(active) ? active.getAttribute('data-id') : null;
    this.stage.replaceChildren(frag);
    if (focusedId) {
      const again = [...this.stage.querySelectorAll('[data-id]')].find((x) => x.getAttribute('data-id') === focusedId);
      if (again) again.focus({ preventScroll: true });
    }
    this.size = { w: res.width, h: res.height };
    this.positions = res.nodes;
    this.drawn = { nodes: vis.nodes.length, clusters: vis.clusters.length, edges: res.edges.length, ms: res.ms };
    this.items = items;
  }

  // ---- interaction -------------------------------------------------------------------------

  panZoom() {
    const apply = () => this.stage.setAttribute('transform', `translate(${this.view.x},${this.view.y}) scale(${this.view.k})`);
    this.applyView = apply;
    let drag = null;
    this.svg.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY, vx: this.view.x, vy: this.view.y, moved: false };
    });
    this.svg.addEventListener('pointermove', (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) this.svg.setPointerCapture(e.pointerId);
      drag.moved = true;
      this.view.x = drag.vx + dx;
      this.view.y = drag.vy + dy;
      apply();
    });
    const end = (e) => {
      const d = drag;
      drag = null;
      if (d && !d.moved && e.type === 'pointerup') this.clickAt(e.target);
    };
    this.svg.addEventListener('pointerup', end);
    this.svg.addEventListener('pointercancel', end);
    // keyboard: Tab moves between boxes, Enter or Space acts as a click
    this.svg.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      e.preventDefault();
      this.clickAt(e.target);
    });
    this.svg.addEventListener('wheel', (e) => {
      e.preventDefault();
      const r = this.svg.getBoundingClientRect();
      const mx = e.clientX - r.left, my = e.clientY - r.top;
      const k = Math.min(4, Math.max(0.02, this.view.k * Math.exp(-e.deltaY * 0.0015)));
      this.view.x = mx - ((mx - this.view.x) * k) / this.view.k;
      this.view.y = my - ((my - this.view.y) * k) / this.view.k;
      this.view.k = k;
      apply();
    }, { passive: false });
  }

  clickAt(target) {
    const g = target.closest && target.closest('[data-id]');
    if (!g) return;
    const id = g.getAttribute('data-id');
    if (g.classList.contains('graph-cluster')) {
      this.collapse(id);
      return;
    }
    const item = this.items && this.items.get(id);
    if (!item) return;
    if (item.isScope) this.expand(item);
    else this.select(item);
  }

  expand(scope) {
    this.expanded.add(scope.id);
    this.showPanel(scope);
    return this.relayout({ undo: scope.id, center: scope.id });
  }

  collapse(id) {
    for (const e of [...this.expanded]) if (e.startsWith(id)) this.expanded.delete(e);
    return this.relayout({ center: id });
  }

  select(item, opts = {}) {
    this.selected = item;
    if (!item.isScope) state.set({ graphRun: this.run || '', graphKind: this.kindSel.value, graphNode: item.name });
    this.showPanel(item);
    for (const s of this.stage.querySelectorAll('.graph-node.selected')) s.classList.remove('selected');
    const g = [...this.stage.querySelectorAll('.graph-node')].find((n) => n.getAttribute('data-id') === item.id);
    if (g) g.classList.add('selected');
    if (opts.center) this.center(item.id);
  }

  /** Find an op by name: open the scopes above it, draw, select and center it. */
  async reveal(op) {
    const before = this.expanded.size;
    revealIn(this.expanded, op);
    this.selected = op;
    if (this.expanded.size !== before || !(this.positions && this.positions[op.id])) await this.relayout({ center: op.id });
    this.select(op, { center: true });
  }

  fit() {
    if (!this.size) return;
    const r = this.svg.getBoundingClientRect();
    const k = Math.min(2, Math.max(0.02, Math.min(r.width / (this.size.w || 1), r.height / (this.size.h || 1)) * 0.95));
    this.view = { k, x: (r.width - this.size.w * k) / 2, y: Math.max(8, (r.height - this.size.h * k) / 2) };
    this.applyView();
  }

  center(id) {
    const p = this.positions && this.positions[id];
    if (!p) return;
    const r = this.svg.getBoundingClientRect();
    const k = Math.max(this.view.k, 0.6);
    this.view = { k, x: r.width / 2 - p.x * k, y: r.height / 2 - p.y * k };
    this.applyView();
  }

  showResults() {
    const q = this.search.value;
    const hits = this.model ? searchOps(this.model, q, SEARCH_SHOWN + 1) : [];
    this.results.replaceChildren(...hits.slice(0, SEARCH_SHOWN).map((op) => {
      const li = el('li');
      const b = el('button', 'graph-hit', op.name);
      b.type = 'button';
      b.title = op.op ? `${op.name} (${op.op})` : op.name;
      b.addEventListener('click', () => {
        this.results.hidden = true;
        this.reveal(op);
      });
      li.append(b);
      return li;
    }));
    if (q.trim() && !hits.length) this.results.append(el('li', 'muted', 'No node has that in its name.'));
    if (hits.length > SEARCH_SHOWN) this.results.append(el('li', 'muted', `Only the first ${SEARCH_SHOWN} are listed: type more.`));
    this.results.hidden = !q.trim();
  }

  // ---- the side panel ------------------------------------------------------------------------

  showPanel(item) {
    if (!item) {
      this.panel.replaceChildren(el('p', 'muted', 'Click a node to see its attributes, inputs and outputs; click a scope to open it, and its frame to close it.'));
      return;
    }
    const parts = [el('h3', 'graph-panel-name', item.isScope ? (item.chunk ? item.label : item.id.slice(0, -1)) : item.name)];
    const facts = el('dl', 'graph-facts');
    const fact = (k, v) => { if (v) facts.append(el('dt', null, k), el('dd', null, v)); };
    const st = this.statsOf(item);
    if (item.isScope) {
      fact('Scope', `${item.ops} ops, ${item.children.length} children`);
      if (st) fact('Compute time', formatMicros(st.micros));
      if (st && st.bytes) fact('Memory', formatBytes(st.bytes));
      parts.push(facts);
      this.panel.replaceChildren(...parts);
      return;
    }
    fact('Op', item.op || '(none)');
    fact('Device', item.device || (st && st.device) || '(not placed)');
    if (st) fact('Compute time', formatMicros(st.micros));
    if (st && st.bytes) fact('Memory', formatBytes(st.bytes));
    parts.push(facts);
    if (item.attrs.length) {
      parts.push(el('h4', null, `Attributes (${item.attrs.length})`));
      const table = el('table', 'graph-attrs');
      for (const a of item.attrs.slice(0, LIST_SHOWN)) {
        const tr = el('tr');
        tr.append(el('th', null, a.key), el('td', null, attrText(a.value)));
        table.append(tr);
      }
      parts.push(table);
      if (item.attrs.length > LIST_SHOWN) parts.push(el('p', 'muted', `and ${item.attrs.length - LIST_SHOWN} more`));
    }
    parts.push(this.linkList(`Inputs (${item.inputs.length})`, item.inputs));
    parts.push(this.linkList(`Outputs (${item.outputs.length})`, item.outputs));
    this.panel.replaceChildren(...parts);
  }

  linkList(title, list) {
    const box = el('div', 'graph-links');
    box.append(el('h4', null, title));
    const ul = el('ul');
    for (const x of list.slice(0, LIST_SHOWN)) {
      const li = el('li');
      const target = this.model.ops.get(x.name);
      const label = `${x.control ? '^' : ''}${x.name}${x.port ? `:${x.port}` : ''}`;
      if (target) {
        const b = el('button', 'link-btn', label);
        b.type = 'button';
        b.addEventListener('click', () => this.reveal(target));
        li.append(b);
      } else li.append(el('span', 'muted', `${label} (not in this graph)`));
      ul.append(li);
    }
    if (list.length > LIST_SHOWN) ul.append(el('li', 'muted', `and ${list.length - LIST_SHOWN} more`));
    box.append(ul);
    return box;
  }
}
