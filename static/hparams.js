// hparams.js - the HParams tab: a runs table with linked plots.
//
// One row per session group (TensorBoard's session_groups answer): its
// status, every hparam, and each metric's final value (from the server) with
// its min and max (read lazily from the metric's scalar series, one binary
// scalars_multirun request per metric tag with buckets=1: first, min, max
// and last of every run at once). Columns sort (click the header), filter
// (a text under it: `>0.1`, `<=5`, `0.1..0.5`, or words for text columns)
// and show or hide (the Columns menu). The parallel-coordinates plot and the
// scatter matrix (parcoords.js) draw every session; a drag on an axis
// brushes it, and brushes filter the table like the column filters do.
// With "Link to run selection" on, what passes the filters is what the other
// tabs draw: the runs of every other session are hidden (state `hidden`),
// so the Scalars tab shows exactly the filtered sessions. A row's checkbox
// shows or hides that session's runs.
//
// The rows, columns, filters and sort order are hpmodel.js (pure).
// Only the rows on screen exist in the DOM (fixed row height, a pool of
// row elements moved as the table scrolls), so 5,000 sessions sort and
// filter in milliseconds. Every name and value is set with textContent.
// The sort, filters, hidden columns, brushes and plot are in the URL
// (state.js hpSort, hpFilters, hpHidden, hpBrushes, hpPlot): a copied link
// reopens the same view.

import { api, flushBatches } from './api.js';
import { state } from './state.js';
import { formatValue, compareNatural } from './format.js';
import { makeAxis, inBrush, ParCoords, ScatterMatrix } from './parcoords.js';
import { parseFilter, compareValues, metricKey, buildModel, allColumns } from './hpmodel.js';

const ROW_H = 28;
const OVERSCAN = 8;
const WANDB_KEYS = 300; // config/summary entries shown per W&B run
const SELECTION_DELAY_MS = 150; // brushing pauses this long before the run selection follows
const MINMAX_CHUNK = 500; // runs per scalars_multirun request for min/max (TB_HTTP_MAX_PARAMS is 1024)

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function cellText(v) {
  if (v === null || v === undefined) return '';
  return typeof v === 'number' ? formatValue(v) : String(v);
}

/** [key, value] pairs from the URL's JSON strings (a malformed one is dropped). */
function pairs(list) {
  const out = [];
  for (const s of list) {
    try {
      const p = JSON.parse(s);
      if (Array.isArray(p) && p.length === 2 && typeof p[0] === 'string') out.push(p);
    } catch { /* a hand-edited link: ignore that entry */ }
  }
  return out;
}

/** A brush from the URL: {lo, hi} numbers, or {cats, lo, hi} for a category axis. */
function brushFromUrl(b) {
  if (!b || typeof b !== 'object' || !Number.isFinite(b.lo) || !Number.isFinite(b.hi)) return null;
  if (!('cats' in b)) return { lo: b.lo, hi: b.hi };
  return Array.isArray(b.cats) ? { cats: new Set(b.cats.map(String)), lo: b.lo, hi: b.hi } : null;
}

function brushToUrl(b) {
  return b.cats ? { cats: [...b.cats], lo: b.lo, hi: b.hi } : { lo: b.lo, hi: b.hi };
}

export class HParamsView {
  constructor(root, runs) {
    this.root = root;
    this.runs = runs;
    this.tags = new Map(); // metric label -> Set(session): what status() counts
    this.loaded = false;
    this.error = null;
    this.model = null;
    this.columns = [];
    this.hiddenCols = new Set(state.get('hpHidden'));
    this.filters = new Map(pairs(state.get('hpFilters')).filter(([, t]) => typeof t === 'string' && t.trim())); // column key -> text
    this.brushes = new Map(pairs(state.get('hpBrushes')).map(([k, b]) => [k, brushFromUrl(b)]).filter(([, b]) => b)); // column key -> brush (parcoords.js)
    const sort = state.get('hpSort');
    this.sort = sort ? { key: sort.replace(/^-/, ''), dir: sort.startsWith('-') ? -1 : 1 } : { key: 'name', dir: 1 };
    this.order = []; // indexes of the sessions that pass, in display order
    this.pass = new Uint8Array(0);
    this.values = new Map(); // column key -> values per session (cache)
    this.plot = state.get('hpPlot');
    this.link = true;
    this.detail = -1;
    this.timings = []; // ms per update (filter + sort + draw), newest last
    this.minmax = 'idle'; // idle | loading | done
    this.build();
  }

  // ---- skeleton -----------------------------------------------------------

  build() {
    this.msg = el('div', 'empty-state');
    this.msg.hidden = true;
    const bar = el('div', 'hp-bar');
    this.count = el('span', 'hp-count');
    const plots = el('div', 'segmented');
    plots.setAttribute('role', 'group');
    plots.setAttribute('aria-label', 'Plot');
    this.plotBtns = ['parcoords', 'scatter', 'none'].map((p) => {
      const b = el('button', '', { parcoords: 'Parallel coordinates', scatter: 'Scatter matrix', none: 'Table only' }[p]);
      b.type = 'button';
      b.dataset.plot = p;
      b.addEventListener('click', () => { this.plot = p; this.update(); });
      plots.append(b);
      return b;
    });
    const link = el('label', 'hp-link');
    this.linkBox = el('input');
    this.linkBox.type = 'checkbox';
    this.linkBox.checked = this.link;
    this.linkBox.addEventListener('change', () => { this.link = this.linkBox.checked; if (this.link) this.applySelection(); });
    link.append(this.linkBox, document.createTextNode(' Link to run selection'));
    link.title = 'The other tabs draw exactly the sessions that pass the filters and brushes';
    this.clearBtn = el('button', 'link-btn', 'Clear filters');
    this.clearBtn.type = 'button';
    this.clearBtn.addEventListener('click', () => { this.filters.clear(); this.brushes.clear(); this.buildHead(); this.filtersChanged(); });
    this.colMenu = el('details', 'menu hp-columns');
    const sum = el('summary', 'hp-btn', 'Columns');
    this.colList = el('div', 'menu-items hp-col-list');
    this.colMenu.append(sum, this.colList);
    this.colList.addEventListener('change', (e) => {
      const key = e.target.dataset.key;
      if (!key) return;
      if (e.target.checked) this.hiddenCols.delete(key); else this.hiddenCols.add(key);
      this.buildHead();
      this.update();
    });
    this.download = el('details', 'menu hp-download');
    const dsum = el('summary', 'hp-btn', 'Download');
    const ditems = el('div', 'menu-items');
    for (const f of ['csv', 'json']) {
      const b = el('button', '', f.toUpperCase());
      b.type = 'button';
      b.addEventListener('click', () => { this.download.open = false; this.save(f); });
      ditems.append(b);
    }
    this.download.append(dsum, ditems);
    bar.append(this.count, plots, link, this.clearBtn, this.colMenu, this.download);

    this.plotBox = el('div', 'hp-plot card');
    this.pcCanvas = el('canvas', 'hp-parcoords');
    this.smCanvas = el('canvas', 'hp-scatter');
    this.plotBox.append(this.pcCanvas, this.smCanvas);
    const onBrush = (key, b) => {
      if (b) this.brushes.set(key, b); else this.brushes.delete(key);
      this.filtersChanged();
    };
    this.parcoords = new ParCoords(this.pcCanvas, onBrush);
    this.scatter = new ScatterMatrix(this.smCanvas, onBrush);

    this.scroll = el('div', 'hp-scroll card');
    this.table = el('div', 'hp-table');
    this.table.setAttribute('role', 'table');
    this.head = el('div', 'hp-head');
    this.head.setAttribute('role', 'rowgroup');
    this.body = el('div', 'hp-body');
    this.body.setAttribute('role', 'rowgroup');
    this.table.append(this.head, this.body);
    this.scroll.append(this.table);
    this.pool = [];
    this.scroll.addEventListener('scroll', () => this.renderRows());
    this.body.addEventListener('change', (e) => {
      const row = e.target.closest('.hp-row');
      if (row && e.target.type === 'checkbox') this.toggleSession(Number(row.dataset.index), e.target.checked);
    });
    this.body.addEventListener('click', (e) => {
      const row = e.target.closest('.hp-row');
      if (!row || e.target.type === 'checkbox') return;
      this.showDetail(Number(row.dataset.index));
    });
    this.body.addEventListener('pointerover', (e) => {
      const row = e.target.closest('.hp-row');
      const i = row ? Number(row.dataset.index) : -1;
      if (i !== this.parcoords.highlight && this.plot === 'parcoords') { this.parcoords.highlight = i; this.parcoords.draw(); }
    });
    this.body.addEventListener('pointerleave', () => {
      if (this.parcoords.highlight < 0) return;
      this.parcoords.highlight = -1;
      if (this.plot === 'parcoords') this.parcoords.draw();
    });
    this.detailBox = el('div', 'hp-detail card');
    this.detailBox.hidden = true;
    this.content = el('div', 'hp-content');
    this.content.append(bar, this.plotBox, this.scroll, this.detailBox);
    this.root.append(this.msg, this.content);
    this.content.hidden = true;
    this.resizeObs = new ResizeObserver(() => { if (this.model && !this.root.hidden) this.drawPlot(); });
    this.resizeObs.observe(this.plotBox);
  }

  // ---- data -------------------------------------------------------------

  /** data: {experiment, groups} from api.hparams() (see app.js). */
  setTags(data) {
    const sig = JSON.stringify(data);
    if (sig === this.sig && !this.error) return;
    this.sig = sig;
    this.error = null;
    this.loaded = true;
    this.model = buildModel(data.experiment, data.groups);
    this.tags = new Map(this.model.metrics.map((m) => [m.label, new Set()]));
    const known = new Set(allColumns(this.model).map((c) => c.key));
    for (const k of [...this.filters.keys()]) if (!known.has(k)) this.filters.delete(k);
    for (const k of [...this.brushes.keys()]) if (!known.has(k)) this.brushes.delete(k);
    for (const k of [...this.hiddenCols]) if (!known.has(k)) this.hiddenCols.delete(k);
    if (!known.has(this.sort.key)) this.sort = { key: 'name', dir: 1 };
    this.columns = allColumns(this.model);
    this.values.clear();
    this.mapRuns();
    this.buildHead();
    this.layout();
    this.loadMinMax();
  }

  setError(msg) {
    this.error = msg;
    this.loaded = true;
    this.layout();
  }

  /** Each session's runs: the session's own and those under it (its metric sub-runs). */
  mapRuns() {
    const byName = new Map(this.model.sessions.map((s, i) => [s.name, i]));
    this.sessionRuns = this.model.sessions.map(() => []);
    for (const run of this.runs.all) {
      const parts = run.split('/');
      for (let k = parts.length; k > 0; k--) {
        const i = byName.get(parts.slice(0, k).join('/'));
        if (i !== undefined) { this.sessionRuns[i].push(run); break; }
      }
    }
  }

  /** Min and max of every metric of every session, from its scalar series. */
  loadMinMax() {
    const model = this.model;
    if (!model.metrics.length || !model.sessions.length) { this.minmax = 'done'; return; }
    this.minmax = 'loading';
    const jobs = [];
    for (const m of model.metrics) {
      const k = metricKey(m);
      for (let c = 0; c < model.sessions.length; c += MINMAX_CHUNK) {
        const chunk = model.sessions.slice(c, c + MINMAX_CHUNK);
        jobs.push(...chunk.map((s) => {
          const sessions = s.sessions.length ? s.sessions : [s.name];
          return Promise.all(sessions.map((name) => api.scalars(m.group ? `${name}/${m.group}` : name, m.tag, { buckets: 1 })
            .then((d) => d, () => null)))
            .then((series) => {
              let lo = Infinity;
              let hi = -Infinity;
              for (const d of series) for (const v of d ? d.value : []) { if (v < lo) lo = v; if (v > hi) hi = v; }
              if (lo <= hi) { s.min[k] = lo; s.max[k] = hi; }
            });
        }));
        flushBatches(); // one request per chunk: the server takes at most 1024 form fields
      }
    }
    Promise.all(jobs).then(() => {
      if (this.model !== model) return;
      this.minmax = 'done';
      for (const key of [...this.values.keys()]) if (/^(min|max):/.test(key)) this.values.delete(key);
      this.update();
    });
  }

  colValues(col) {
    let v = this.values.get(col.key);
    if (!v) {
      v = this.model.sessions.map(col.get);
      this.values.set(col.key, v);
    }
    return v;
  }

  visibleColumns() {
    return this.columns.filter((c) => !this.hiddenCols.has(c.key));
  }

  // ---- filtering, sorting, selection --------------------------------------

  /** A filter or brush changed: redraw in the next frame (a drag sends
   * several moves per frame), and move the run selection once the brushing
   * pauses (every other tab listens to it). */
  filtersChanged() {
    if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.update(); });
    if (!this.link) return;
    clearTimeout(this.selTimer);
    this.selTimer = setTimeout(() => { this.selTimer = 0; this.applySelection(); }, SELECTION_DELAY_MS);
  }

  /** Do now what filtersChanged() scheduled. */
  flush() {
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
      this.update();
    }
    if (this.selTimer) {
      clearTimeout(this.selTimer);
      this.selTimer = 0;
      this.applySelection();
    }
  }

  /** Recompute what passes and its order; redraw the table and (unless
   * opts.plot is false: a new sort order changes no line) the plot. */
  update(opts = {}) {
    if (!this.model) return;
    const t0 = performance.now();
    const n = this.model.sessions.length;
    const pass = new Uint8Array(n).fill(1);
    for (const [key, text] of this.filters) {
      const f = parseFilter(text);
      const col = this.columns.find((c) => c.key === key);
      if (!f || !col) continue;
      const vals = this.colValues(col);
      for (let i = 0; i < n; i++) if (pass[i] && !f(vals[i])) pass[i] = 0;
    }
    for (const [key, b] of this.brushes) {
      const col = this.columns.find((c) => c.key === key);
      const ax = col && this.axis(col);
      if (!ax) continue;
      const vals = this.colValues(col);
      for (let i = 0; i < n; i++) if (pass[i] && !inBrush(ax, b, vals[i])) pass[i] = 0;
    }
    this.pass = pass;
    const order = [];
    for (let i = 0; i < n; i++) if (pass[i]) order.push(i);
    const col = this.columns.find((c) => c.key === this.sort.key);
    if (col) {
      const vals = this.colValues(col);
      const dir = this.sort.dir;
      order.sort((a, b) => {
        const va = vals[a];
        const vb = vals[b];
        const missA = va === null || va === undefined || Number.isNaN(va);
        const missB = vb === null || vb === undefined || Number.isNaN(vb);
        if (missA || missB) return missA && missB ? a - b : missA ? 1 : -1;
        return dir * compareValues(va, vb) || a - b;
      });
    }
    this.order = order;
    this.renderCount();
    this.body.style.height = `${order.length * ROW_H}px`;
    this.renderRows(true);
    if (opts.plot !== false) this.drawPlot();
    this.syncHead();
    this.timings.push(performance.now() - t0);
    if (this.timings.length > 50) this.timings.shift();
    this.saveState();
  }

  /** Put what the table shows into the URL (state.js), so that a copied link reopens it. */
  saveState() {
    const sort = this.sort.key === 'name' && this.sort.dir > 0 ? '' : `${this.sort.dir < 0 ? '-' : ''}${this.sort.key}`;
    state.set({
      hpSort: sort,
      hpFilters: [...this.filters].map((p) => JSON.stringify(p)),
      hpHidden: [...this.hiddenCols],
      hpBrushes: [...this.brushes].map(([k, b]) => JSON.stringify([k, brushToUrl(b)])),
      hpPlot: this.plot,
    });
  }

  axisCache(col) {
    if (!this.axes) this.axes = new Map();
    const vals = this.colValues(col);
    let a = this.axes.get(col.key);
    if (!a || a.vals !== vals) {
      a = { vals, axis: makeAxis(col.key, col.label, vals) };
      this.axes.set(col.key, a);
    }
    return a.axis;
  }

  axis(col) {
    return col.kind === 'name' ? null : this.axisCache(col);
  }

  /** The plotted axes: the shown hparam columns, then the shown final metric
   * values (min and max stay in the table: they would double every axis).
   * The scatter matrix takes the first hparams and the first metrics. */
  plotColumns() {
    const cols = this.visibleColumns().filter((c) => (c.kind === 'hp' || c.kind === 'final')
      && this.colValues(c).some((v) => v !== null && v !== undefined));
    if (this.plot !== 'scatter') return cols;
    const metrics = cols.filter((c) => c.kind === 'final').slice(0, 2);
    return [...cols.filter((c) => c.kind === 'hp').slice(0, this.scatter.max - metrics.length), ...metrics];
  }

  drawPlot() {
    this.pcCanvas.hidden = this.plot !== 'parcoords';
    this.smCanvas.hidden = this.plot !== 'scatter';
    this.plotBox.hidden = this.plot === 'none';
    for (const b of this.plotBtns) b.setAttribute('aria-pressed', String(b.dataset.plot === this.plot));
    if (this.plot === 'none' || this.root.hidden) return;
    const cols = this.plotColumns();
    const axes = cols.map((c) => this.axis(c));
    const values = cols.map((c) => this.colValues(c));
    const p = this.plot === 'parcoords' ? this.parcoords : this.scatter;
    p.set(axes, values, this.pass, this.brushes);
    p.draw();
  }

  /** Show the runs of passing sessions, hide those of the others (other runs untouched). */
  applySelection() {
    if (!this.model) return;
    if (this.frame) { cancelAnimationFrame(this.frame); this.frame = 0; this.update(); }
    const hidden = new Set(state.get('hidden'));
    this.model.sessions.forEach((s, i) => {
      for (const r of this.sessionRuns[i]) if (this.pass[i]) hidden.delete(r); else hidden.add(r);
    });
    state.set({ hidden: [...hidden] });
  }

  toggleSession(i, on) {
    const hidden = new Set(state.get('hidden'));
    for (const r of this.sessionRuns[i]) if (on) hidden.delete(r); else hidden.add(r);
    state.set({ hidden: [...hidden] });
  }

  // ---- table ------------------------------------------------------------------

  gridColumns() {
    const widths = ['32px', ...this.visibleColumns().map((c) => (c.kind === 'name' ? '260px' : c.kind === 'status' ? '84px' : '112px'))];
    return widths.join(' ');
  }

  buildHead() {
    if (!this.model) return;
    const cols = this.visibleColumns();
    this.table.style.setProperty('--hp-cols', this.gridColumns());
    const row = el('div', 'hp-row hp-head-row');
    row.setAttribute('role', 'row');
    row.append(el('div', 'hp-cell hp-check'));
    for (const c of cols) {
      const cell = el('div', `hp-cell hp-th hp-${c.kind}`);
      cell.setAttribute('role', 'columnheader');
      cell.dataset.key = c.key;
      const b = el('button', 'hp-sort');
      b.type = 'button';
      b.title = `Sort by ${c.label} (click again to reverse)`;
      b.append(el('span', 'hp-label', c.label), el('span', 'hp-arrow'));
      b.addEventListener('click', () => {
        this.sort = this.sort.key === c.key ? { key: c.key, dir: -this.sort.dir } : { key: c.key, dir: c.kind === 'final' ? -1 : 1 };
        this.update({ plot: false });
      });
      const f = el('input', 'hp-filter');
      f.type = 'search';
      f.placeholder = c.kind === 'name' || c.kind === 'status' ? 'filter' : '>, <, a..b';
      f.setAttribute('aria-label', `Filter ${c.label}`);
      f.spellcheck = false;
      f.value = this.filters.get(c.key) || '';
      f.addEventListener('input', () => {
        if (f.value.trim()) this.filters.set(c.key, f.value); else this.filters.delete(c.key);
        this.filtersChanged();
      });
      cell.append(b, f);
      row.append(cell);
    }
    this.head.replaceChildren(row);
    for (const r of this.pool) r.remove();
    this.pool = [];
    // the column menu
    const items = [];
    for (const c of this.columns) {
      if (c.kind === 'name') continue;
      const lab = el('label', 'hp-col-item');
      const box = el('input');
      box.type = 'checkbox';
      box.dataset.key = c.key;
      box.checked = !this.hiddenCols.has(c.key);
      lab.append(box, document.createTextNode(` ${c.label}`));
      items.push(lab);
    }
    this.colList.replaceChildren(...items);
  }

  syncHead() {
    for (const th of this.head.querySelectorAll('.hp-th')) {
      const on = th.dataset.key === this.sort.key;
      th.setAttribute('aria-sort', on ? (this.sort.dir > 0 ? 'ascending' : 'descending') : 'none');
      th.querySelector('.hp-arrow').textContent = on ? (this.sort.dir > 0 ? ' ▲' : ' ▼') : '';
      th.classList.toggle('brushed', this.brushes.has(th.dataset.key));
    }
  }

  renderCount() {
    const n = this.model.sessions.length;
    const shown = this.order.length;
    this.count.textContent = `${shown === n ? n : `${shown} of ${n}`} session${n === 1 ? '' : 's'}` +
      (this.minmax === 'loading' ? ' · reading min/max…' : '');
    this.clearBtn.hidden = !this.filters.size && !this.brushes.size;
  }

  /** Place the pool of row elements over the rows now on screen. */
  renderRows(force) {
    if (!this.model) return;
    const top = Math.max(0, this.scroll.scrollTop - this.head.offsetHeight);
    const viewH = this.scroll.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const last = Math.min(this.order.length, Math.ceil((top + viewH) / ROW_H) + OVERSCAN);
    if (!force && first === this.first && last === this.last) return;
    this.first = first;
    this.last = last;
    const cols = this.visibleColumns();
    const vals = cols.map((c) => this.colValues(c));
    const hidden = new Set(state.get('hidden'));
    const need = last - first;
    while (this.pool.length < need) {
      const r = el('div', 'hp-row');
      r.setAttribute('role', 'row');
      const check = el('div', 'hp-cell hp-check');
      const box = el('input');
      box.type = 'checkbox';
      check.append(box);
      r.append(check);
      for (const c of cols) r.append(el('div', `hp-cell hp-${c.kind}`));
      this.body.append(r);
      this.pool.push(r);
    }
    for (let k = 0; k < this.pool.length; k++) {
      const r = this.pool[k];
      const at = first + k;
      if (at >= last) { r.hidden = true; continue; }
      r.hidden = false;
      const i = this.order[at];
      r.dataset.index = String(i);
      r.style.transform = `translateY(${at * ROW_H}px)`;
      r.classList.toggle('selected', i === this.detail);
      const box = r.firstChild.firstChild;
      const own = this.sessionRuns[i];
      box.disabled = !own.length;
      box.checked = own.length > 0 && own.some((run) => !hidden.has(run));
      box.title = own.length ? 'Draw this session\'s runs in the other tabs' : 'No run of this name holds data';
      for (let c = 0; c < cols.length; c++) {
        const cell = r.children[c + 1];
        const v = vals[c][i];
        let t = cellText(v);
        if (v === null && (cols[c].kind === 'min' || cols[c].kind === 'max') && this.minmax === 'loading') t = '…';
        if (cell.textContent !== t) cell.textContent = t;
        if (cols[c].kind === 'status') cell.dataset.status = v;
        if (cols[c].kind === 'name') cell.title = v;
      }
    }
  }

  showDetail(i) {
    this.detail = i;
    const s = this.model.sessions[i];
    const box = this.detailBox;
    const close = el('button', 'link-btn hp-detail-close', 'Close');
    close.type = 'button';
    close.addEventListener('click', () => { this.detail = -1; box.hidden = true; this.renderRows(true); });
    const only = el('button', 'hp-btn', 'Show only this session in Scalars');
    only.type = 'button';
    only.disabled = !this.sessionRuns[i].length;
    only.addEventListener('click', () => {
      const mine = new Set(this.sessionRuns[i]);
      state.set({ hidden: this.runs.all.filter((r) => !mine.has(r)), tab: 'scalars' });
    });
    const h = el('h3', 'hp-detail-title', s.name);
    const dl = el('dl', 'hp-kv');
    const add = (k, v) => dl.append(el('dt', '', k), el('dd', '', v));
    add('status', s.status);
    if (s.sessions.length > 1) add('sessions', s.sessions.join(', '));
    add('runs', this.sessionRuns[i].join(', ') || '(none holds data)');
    for (const hp of this.model.hparams) if (hp in s.hp) add(hp, cellText(s.hp[hp]));
    for (const m of this.model.metrics) {
      const k = metricKey(m);
      add(m.label, [`final ${cellText(s.final[k] ?? null) || '–'}`, `min ${cellText(s.min[k] ?? null) || '–'}`,
        `max ${cellText(s.max[k] ?? null) || '–'}`].join(' · '));
    }
    const wandb = [];
    for (const run of this.sessionRuns[i]) {
      const w = this.runs.info.get(run);
      if (w) wandb.push(...this.wandbDetail(run, w));
    }
    const head = el('div', 'hp-detail-head');
    head.append(h, only, close);
    box.replaceChildren(head, dl, ...wandb);
    box.hidden = false;
    this.renderRows(true);
  }

  /** A W&B run's facts, config and final summary (data/runs_info), as text. */
  wandbDetail(run, w) {
    const title = el('h4', 'hp-detail-sub', `W&B run ${w.run_id}` +
      [w.display_name, w.project && `project ${w.project}`, w.group && `group ${w.group}`,
        w.tags && w.tags.length && `tags ${w.tags.join(', ')}`].filter(Boolean).map((x) => ` · ${x}`).join(''));
    const out = [title];
    for (const [name, obj] of [['config', w.config], ['summary', w.summary]]) {
      const keys = Object.keys(obj || {}).sort(compareNatural);
      if (!keys.length) continue;
      const dl = el('dl', `hp-kv hp-wandb-${name}`);
      for (const k of keys.slice(0, WANDB_KEYS)) {
        const v = obj[k];
        dl.append(el('dt', '', `${name}.${k}`), el('dd', '', typeof v === 'string' ? v : JSON.stringify(v)));
      }
      if (keys.length > WANDB_KEYS) dl.append(el('dt', '', '…'), el('dd', '', `${keys.length - WANDB_KEYS} more`));
      out.push(dl);
    }
    return out;
  }

  /** The table as shown (passing rows, shown columns, in order) as a file. */
  save(format) {
    const cols = this.visibleColumns();
    const vals = cols.map((c) => this.colValues(c));
    const rows = this.order.map((i) => vals.map((v) => v[i]));
    let text;
    if (format === 'json') {
      text = JSON.stringify({ header: cols.map((c) => c.label), rows: rows.map((r) => r.map((v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))) });
    } else {
      const q = (v) => { const s = v === null || v === undefined ? '' : String(v); return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; };
      text = [cols.map((c) => q(c.label)).join(','), ...rows.map((r) => r.map(q).join(','))].join('\n') + '\n';
    }
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: format === 'json' ? 'application/json' : 'text/csv' }));
    a.download = `hparams.${format}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  // ---- the view interface app.js calls ----------------------------------------

  layout() {
    const empty = !this.model || !this.model.sessions.length;
    this.msg.hidden = !(this.error || (this.loaded && empty));
    this.content.hidden = !!this.error || empty;
    if (this.error) {
      this.msg.replaceChildren(el('h2', '', 'HParams'), el('p', '', this.error));
    } else if (empty) {
      this.msg.replaceChildren(el('h2', '', 'No hyperparameter sessions'),
        el('p', '', 'Log them with torch\'s writer.add_hparams(hparams, metrics), Lightning\'s logger, or hp.hparams() from tensorboard.plugins.hparams.api; they appear here by themselves.'));
    }
    if (!empty && !this.error) this.update();
  }

  onState(changed) {
    if (changed.has('hidden') && this.model) this.renderRows(true);
    if (changed.has('tab') && this.model) {
      this.flush(); // the tab shown next draws the selection as brushed
      if (state.get('tab') === 'hparams') this.update();
    }
  }

  onSeries() { return false; }

  resync(mode) {
    if (mode === 'reset' && this.model) this.loadMinMax();
  }

  applyTheme() {
    if (this.model) this.drawPlot();
  }

  /** Where the parallel-coordinates axes are, in canvas pixels (for the browser tests). */
  plotGeometry() {
    const g = this.parcoords.g;
    if (this.plot !== 'parcoords' || !g) return null;
    return { x: this.parcoords.axes.map((_, i) => g.x(i)), yTop: g.y(1), yBottom: g.y(0), keys: this.parcoords.axes.map((a) => a.key) };
  }

  /** What is drawn (for the browser tests). */
  describe() {
    this.flush();
    const rows = this.pool.filter((r) => !r.hidden)
      .sort((a, b) => parseFloat(a.style.transform.slice(11)) - parseFloat(b.style.transform.slice(11)));
    return {
      loaded: this.loaded,
      error: this.error,
      sessions: this.model ? this.model.sessions.length : 0,
      passing: this.order.length,
      domRows: rows.length,
      columns: this.visibleColumns().map((c) => c.key),
      sort: { ...this.sort },
      brushes: [...this.brushes.keys()],
      filters: Object.fromEntries(this.filters),
      plot: this.plot,
      axes: this.plot === 'none' ? [] : this.plotColumns().map((c) => c.key),
      minmax: this.minmax,
      order: this.order.slice(0, 50).map((i) => this.model.sessions[i].name),
      shownRows: rows.map((r) => [...r.children].slice(1).map((c) => c.textContent)),
      sessionRuns: this.sessionRuns ? Object.fromEntries(this.model.sessions.map((s, i) => [s.name, this.sessionRuns[i]])) : {},
      timings: this.timings.slice(),
      geometry: this.plotGeometry(),
    };
  }
}
