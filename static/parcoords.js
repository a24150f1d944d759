// parcoords.js - the HParams tab's two linked plots, drawn on canvas:
// parallel coordinates (one vertical axis per column, one polyline per
// session) and a scatter matrix (every pair of the first few axes).
//
// Both only draw and report brushes; the view (hparams.js) owns which rows
// pass the filters. An axis is numeric (linear, or log when every value is
// positive and they span two decades or more) or categorical (its distinct
// values, sorted, evenly spaced). A brush is kept in value space
// ({lo, hi} for numbers, {cats: Set} for categories), so it survives a
// resize or a redraw with other sessions. Canvas text is drawn with
// fillText: names never reach HTML. Drawing is one path per colour bin, so
// 5,000 sessions × 10 axes is a few milliseconds.

import { formatTick, niceTicks } from './format.js';

const PAD_TOP = 34;
const PAD_BOTTOM = 22;
const PAD_X = 56;
const GRAB = 14; // px either side of an axis where a drag starts a brush
const BINS = 12; // colour bins of the colouring axis

/** An axis over values (numbers, strings, booleans; null/NaN = missing). */
export function makeAxis(key, label, values) {
  const nums = [];
  let strings = false;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'number') { if (Number.isFinite(v)) nums.push(v); } else strings = true;
  }
  if (strings) {
    const cats = [...new Set(values.filter((v) => v !== null && v !== undefined && !(typeof v === 'number' && Number.isNaN(v))).map(String))]
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    const index = new Map(cats.map((c, i) => [c, i]));
    return {
      key, label, kind: 'cat', cats,
      // position in [0, 1] from the bottom; NaN for missing
      pos: (v) => {
        if (v === null || v === undefined) return NaN;
        const i = index.get(String(v));
        return i === undefined ? NaN : cats.length === 1 ? 0.5 : i / (cats.length - 1);
      },
    };
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of nums) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (!nums.length) { lo = 0; hi = 1; }
  const log = lo > 0 && hi / lo >= 100;
  const f = log ? Math.log10 : (x) => x;
  const a = f(lo);
  const span = f(hi) - a;
  return {
    key, label, kind: 'num', lo, hi, log,
    pos: (v) => (typeof v !== 'number' || !Number.isFinite(v) ? NaN : span > 0 ? (f(v) - a) / span : 0.5),
    value: (p) => (log ? 10 ** (a + p * span) : a + p * span),
  };
}

/** Does value v pass brush b on axis ax? */
export function inBrush(ax, b, v) {
  if (!b) return true;
  if (ax.kind === 'cat') return v !== null && v !== undefined && b.cats.has(String(v));
  return typeof v === 'number' && v >= b.lo && v <= b.hi;
}

/** The brush covering positions [p0, p1] (0 = bottom, 1 = top) of an axis. */
export function brushFromPos(ax, p0, p1) {
  const lo = Math.max(0, Math.min(p0, p1));
  const hi = Math.min(1, Math.max(p0, p1));
  if (ax.kind === 'cat') {
    const cats = new Set(ax.cats.filter((c) => { const p = ax.pos(c); return p >= lo - 1e-9 && p <= hi + 1e-9; }));
    return { cats, lo, hi };
  }
  return { lo: ax.value(lo), hi: ax.value(hi) };
}

function brushPos(ax, b) {
  if (ax.kind === 'cat') return [b.lo, b.hi];
  return [ax.pos(b.lo), ax.pos(b.hi)];
}

// An axis' positions of every row, computed once per axis (axes are rebuilt
// when their values change, so the axis object is the cache key).
const positionCache = new WeakMap();
function positions(ax, values) {
  let p = positionCache.get(ax);
  if (!p || p.values !== values) {
    p = { values, pos: Float64Array.from(values, (v) => ax.pos(v)) };
    positionCache.set(ax, p);
  }
  return p.pos;
}

/** A colour ramp (blue → teal → yellow, readable on light and dark). */
function ramp(t) {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const x = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(x), stops.length - 2);
  const f = x - i;
  const c = stops[i].map((s, k) => Math.round(s + (stops[i + 1][k] - s) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
const RAMP = Array.from({ length: BINS }, (_, i) => ramp(i / (BINS - 1)));

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function setupCanvas(canvas, w, h) {
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return ctx;
}

function shortLabel(s, max) {
  return s.length > max ? `…${s.slice(-(max - 1))}` : s;
}

/**
 * Parallel coordinates. onBrush(key, brush|null) is called while a brush is
 * dragged and when it is cleared (a click on an axis).
 */
export class ParCoords {
  constructor(canvas, onBrush) {
    this.canvas = canvas;
    this.onBrush = onBrush;
    this.axes = [];
    this.rows = null; // {n, get(axisIndex, row) → value, pass: Uint8Array}
    this.brushes = new Map();
    this.highlight = -1;
    this.drag = null;
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', () => { this.drag = null; });
  }

  /** axes: from makeAxis; cols[i][row]: the value of axis i for a row; pass[row]: 1 if it passes every filter. */
  set(axes, cols, pass, brushes) {
    this.axes = axes;
    this.cols = cols;
    this.pass = pass;
    this.brushes = brushes;
  }

  geometry() {
    const w = this.canvas.parentElement.clientWidth || 800;
    const h = this.canvas.clientHeight || 300;
    const n = this.axes.length;
    const step = n > 1 ? (w - 2 * PAD_X) / (n - 1) : 0;
    // narrow axes: the labels alternate between two lines, each twice as wide
    const stagger = n > 2 && step < 110;
    const top = PAD_TOP + (stagger ? 12 : 0);
    return { w, h, step, stagger, top, x: (i) => (n > 1 ? PAD_X + i * step : w / 2), y: (p) => top + (1 - p) * (h - top - PAD_BOTTOM) };
  }

  draw() {
    const g = this.geometry();
    const ctx = setupCanvas(this.canvas, g.w, g.h);
    this.g = g;
    const n = this.axes.length;
    if (!n || !this.cols) return;
    const rows = this.cols[0].length;
    const colorAxis = n - 1; // the last axis (a metric when there is one) colours the lines
    const bins = Array.from({ length: BINS }, () => []);
    const pos = this.axes.map((ax, i) => positions(ax, this.cols[i]));
    let passing = 0;
    for (let r = 0; r < rows; r++) {
      if (!this.pass[r]) continue;
      passing++;
      const c = pos[colorAxis][r];
      bins[Number.isFinite(c) ? Math.round(c * (BINS - 1)) : 0].push(r);
    }
    const path = (list, c = ctx) => {
      c.beginPath();
      for (const r of list) {
        let pen = false;
        for (let i = 0; i < n; i++) {
          const p = pos[i][r];
          if (!Number.isFinite(p)) { pen = false; continue; }
          const X = g.x(i);
          const Y = g.y(p);
          if (pen) c.lineTo(X, Y); else c.moveTo(X, Y);
          pen = true;
        }
      }
      c.stroke();
    };
    // Every line, faint, is drawn once per data, size and theme into a
    // background canvas; a brush redraws only the lines that pass over it
    // (rasterising 5,000 polylines costs Chromium's software canvas
    // ~100 ms, a blit ~1 ms).
    if (passing < rows) {
      const faint = cssVar('--chart-grid') || '#ddd';
      const key = [g.w, g.h, window.devicePixelRatio || 1, faint, this.axes.map((a) => a.key).join('\u0000')].join('|');
      const bg = this.background;
      if (!bg || bg.key !== key || bg.cols.some((c, i) => c !== this.cols[i]) || bg.axes.some((a, i) => a !== this.axes[i])) {
        const canvas = bg ? bg.canvas : document.createElement('canvas');
        canvas.width = this.canvas.width;
        canvas.height = this.canvas.height;
        const bctx = canvas.getContext('2d');
        const dpr = window.devicePixelRatio || 1;
        bctx.setTransform(dpr, 0, 0, dpr, 0, 0);
        bctx.lineWidth = 1;
        bctx.strokeStyle = faint;
        path(Array.from({ length: rows }, (_, r) => r), bctx);
        this.background = { key, cols: this.cols.slice(), axes: this.axes.slice(), canvas };
      }
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.drawImage(this.background.canvas, 0, 0);
      ctx.restore();
    }
    ctx.lineWidth = 1;
    const alpha = rows > 1000 ? 0.35 : rows > 200 ? 0.6 : 0.9;
    ctx.globalAlpha = alpha;
    bins.forEach((list, b) => { ctx.strokeStyle = RAMP[b]; path(list); });
    ctx.globalAlpha = 1;
    if (this.highlight >= 0 && this.highlight < rows) {
      ctx.lineWidth = 3;
      ctx.strokeStyle = cssVar('--accent') || '#e8710a';
      path([this.highlight]);
      ctx.lineWidth = 1;
    }
    this.drawAxes(ctx, g);
  }

  drawAxes(ctx, g) {
    const text = cssVar('--chart-text') || '#555';
    const fg = cssVar('--fg') || '#222';
    ctx.font = '11px system-ui, sans-serif';
    const maxChars = Math.max(6, Math.floor((this.axes.length > 1 ? g.step * (g.stagger ? 2 : 1) : 200) / 6.5));
    // tick labels sit left of their axis: no wider than the gap to the axis before
    const tickChars = this.axes.length > 1 ? Math.max(3, Math.min(10, Math.floor((g.step - 8) / 6.5))) : 10;
    this.axes.forEach((ax, i) => {
      const X = g.x(i);
      ctx.strokeStyle = text;
      ctx.beginPath();
      ctx.moveTo(X, g.y(1));
      ctx.lineTo(X, g.y(0));
      ctx.stroke();
      ctx.fillStyle = fg;
      ctx.textAlign = 'center';
      const label = shortLabel(ax.label, maxChars);
      const half = ctx.measureText(label).width / 2 + 2;
      ctx.fillText(label, Math.min(Math.max(X, half), g.w - half), g.stagger && i % 2 ? 26 : 14); // the outer labels stay inside
      ctx.fillStyle = text;
      ctx.textAlign = 'right';
      const ticks = ax.kind === 'cat' ? ax.cats.map((c) => [ax.pos(c), c])
        : ax.log ? logTicks(ax.lo, ax.hi).map((t) => [ax.pos(t), formatTick(t)])
          : niceTicks(ax.lo, ax.hi, 5).map((t) => [ax.pos(t), formatTick(t)]);
      const every = Math.max(1, Math.ceil(ticks.length / 8));
      ticks.forEach(([p, s], k) => {
        if (k % every || !(p >= -1e-9 && p <= 1 + 1e-9)) return;
        ctx.fillText(shortLabel(String(s), i ? tickChars : Math.floor((PAD_X - 6) / 6.5)), X - 4, g.y(p) + 4);
      });
      const b = this.brushes.get(ax.key);
      if (b) {
        const [p0, p1] = brushPos(ax, b);
        ctx.fillStyle = cssVar('--zoom-fill') || 'rgba(26,115,232,0.15)';
        ctx.strokeStyle = cssVar('--focus') || '#1a73e8';
        const y0 = g.y(Math.max(p0, p1));
        const hgt = Math.max(2, g.y(Math.min(p0, p1)) - y0);
        ctx.fillRect(X - 7, y0, 14, hgt);
        ctx.strokeRect(X - 7, y0, 14, hgt);
      }
    });
  }

  axisAt(x) {
    if (!this.g) return -1;
    let best = -1;
    let dist = GRAB;
    this.axes.forEach((_, i) => {
      const d = Math.abs(this.g.x(i) - x);
      if (d <= dist) { dist = d; best = i; }
    });
    return best;
  }

  posAt(y) {
    const g = this.g;
    return 1 - (y - g.top) / (g.h - g.top - PAD_BOTTOM);
  }

  down(e) {
    const r = this.canvas.getBoundingClientRect();
    const i = this.axisAt(e.clientX - r.left);
    if (i < 0) return;
    this.canvas.setPointerCapture(e.pointerId);
    this.drag = { i, y0: e.clientY - r.top, moved: false };
    e.preventDefault();
  }

  move(e) {
    const r = this.canvas.getBoundingClientRect();
    if (!this.drag) {
      this.canvas.style.cursor = this.axisAt(e.clientX - r.left) >= 0 ? 'ns-resize' : '';
      return;
    }
    const y = e.clientY - r.top;
    if (Math.abs(y - this.drag.y0) < 3 && !this.drag.moved) return;
    this.drag.moved = true;
    const ax = this.axes[this.drag.i];
    this.onBrush(ax.key, brushFromPos(ax, this.posAt(this.drag.y0), this.posAt(y)));
  }

  up() {
    const d = this.drag;
    this.drag = null;
    if (d && !d.moved) this.onBrush(this.axes[d.i].key, null); // a click clears the axis' brush
  }

  /** Brush axis `key` programmatically between positions p0..p1 (tests, keyboard). */
  brushPositions(key, p0, p1) {
    const ax = this.axes.find((a) => a.key === key);
    if (ax) this.onBrush(key, brushFromPos(ax, p0, p1));
  }
}

function logTicks(lo, hi) {
  const out = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out.filter((t) => t >= lo * 0.999 && t <= hi * 1.001);
}

/**
 * A scatter matrix of the first `max` axes: below the diagonal every pair,
 * on it the axis name. Rows that fail the filters are drawn faint. A drag
 * in a cell brushes both of its axes (onBrush per axis).
 */
export class ScatterMatrix {
  constructor(canvas, onBrush, max = 5) {
    this.canvas = canvas;
    this.onBrush = onBrush;
    this.max = max;
    this.axes = [];
    this.drag = null;
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', () => { this.drag = null; });
    canvas.addEventListener('pointercancel', () => { this.drag = null; });
  }

  set(axes, cols, pass, brushes) {
    this.axes = axes.slice(0, this.max);
    this.cols = cols.slice(0, this.max);
    this.pass = pass;
    this.brushes = brushes;
  }

  draw() {
    const w = this.canvas.parentElement.clientWidth || 800;
    const k = this.axes.length;
    const cell = k ? Math.max(80, Math.min(150, Math.floor((w - 8) / k))) : 0;
    const h = Math.max(60, k * cell + 8);
    const ctx = setupCanvas(this.canvas, w, h);
    this.cell = cell;
    if (!k || !this.cols) return;
    const rows = this.cols[0].length;
    const pos = this.axes.map((ax, i) => positions(ax, this.cols[i]));
    const grid = cssVar('--border') || '#ccc';
    const text = cssVar('--chart-text') || '#555';
    const on = cssVar('--focus') || '#1a73e8';
    const off = cssVar('--chart-grid') || '#ddd';
    const size = rows > 1000 ? 2 : rows > 100 ? 3 : 5;
    ctx.font = '11px system-ui, sans-serif';
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        const x0 = 4 + b * cell;
        const y0 = 4 + a * cell;
        ctx.strokeStyle = grid;
        ctx.strokeRect(x0 + 0.5, y0 + 0.5, cell - 4, cell - 4);
        if (a === b) {
          ctx.fillStyle = text;
          ctx.textAlign = 'center';
          const ax = this.axes[a];
          ctx.fillText(shortLabel(ax.label, Math.floor(cell / 7)), x0 + cell / 2 - 2, y0 + cell / 2);
          const range = ax.kind === 'cat' ? `${ax.cats.length} value${ax.cats.length === 1 ? '' : 's'}` : `${formatTick(ax.lo)} … ${formatTick(ax.hi)}${ax.log ? ' (log)' : ''}`;
          ctx.fillText(shortLabel(range, Math.floor(cell / 6)), x0 + cell / 2 - 2, y0 + cell / 2 + 16);
          continue;
        }
        const inner = cell - 16;
        for (const pass of [0, 1]) {
          ctx.fillStyle = pass ? on : off;
          ctx.globalAlpha = pass && rows > 1000 ? 0.5 : 1;
          for (let r = 0; r < rows; r++) {
            if ((this.pass[r] ? 1 : 0) !== pass) continue;
            const px = pos[b][r];
            const py = pos[a][r];
            if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
            ctx.fillRect(x0 + 6 + px * inner - size / 2, y0 + 6 + (1 - py) * inner - size / 2, size, size);
          }
        }
        ctx.globalAlpha = 1;
      }
    }
    if (this.drag && this.drag.rect) {
      const { x, y, w: rw, h: rh } = this.drag.rect;
      ctx.fillStyle = cssVar('--zoom-fill') || 'rgba(26,115,232,0.15)';
      ctx.fillRect(x, y, rw, rh);
    }
  }

  down(e) {
    if (!this.cell) return;
    const r = this.canvas.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    const b = Math.floor((x - 4) / this.cell);
    const a = Math.floor((y - 4) / this.cell);
    if (a === b || a < 0 || b < 0 || a >= this.axes.length || b >= this.axes.length) return;
    this.canvas.setPointerCapture(e.pointerId);
    this.drag = { a, b, x, y };
    e.preventDefault();
  }

  move(e) {
    const d = this.drag;
    if (!d) return;
    const r = this.canvas.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    const inner = this.cell - 16;
    const px = (v, col) => (v - 4 - col * this.cell - 6) / inner;
    const ax = this.axes[d.b];
    const ay = this.axes[d.a];
    d.rect = { x: Math.min(d.x, x), y: Math.min(d.y, y), w: Math.abs(x - d.x), h: Math.abs(y - d.y) };
    this.onBrush(ax.key, brushFromPos(ax, px(d.x, d.b), px(x, d.b)));
    this.onBrush(ay.key, brushFromPos(ay, 1 - px(d.y, d.a), 1 - px(y, d.a)));
  }
}

