// charts.js - the scalar chart: a thin wrapper around Chart.js.
//
// Chart.js (window.Chart, vendor/chart.umd.js) lays out and draws the frame:
// axes, ticks, grid, resizing; parsing, animation and its own events are off.
// The lines are stroked by a Chart.js plugin straight from the series arrays
// (drawLines): Chart.js's per-point element objects cost about a microsecond
// a point, 40-150 ms for a card of 20 runs, which the page cannot afford.
// Hover, the tooltip and drag-to-zoom are done on a transparent overlay
// canvas, so moving the mouse never redraws the chart: a hover frame is a
// binary search per run plus a few circles. This module knows nothing about the API or the page
// state; it draws what update() is given.

import { yExtent, indexRange, lowerBound } from './extent.js';
import { formatValue, formatTick, formatStep, formatDuration, formatWall } from './format.js';
import { setRunName } from './names.js';
import { linearTicks, timeTicks, numberLabeller, durationLabeller, wallLabeller } from './ticks.js';
import { fastLines } from './fastlines.js';

const Chart = window.Chart;
Chart.defaults.font.family = getComputedStyle(document.documentElement).getPropertyValue('--font').trim() || 'system-ui, sans-serif';
Chart.defaults.font.size = 11;

/** Hover work per frame in ms (the last 2000), read by the test hook. */
export const hoverTimes = [];

/** Colours of the current theme, read from the CSS custom properties. */
export function themeColors() {
  const cs = getComputedStyle(document.documentElement);
  const v = (name) => cs.getPropertyValue(name).trim();
  return { grid: v('--chart-grid'), text: v('--chart-text'), bg: v('--card-bg'), fg: v('--fg'), zoom: v('--zoom-fill') };
}

/**
 * Our own ticks on a Chart.js axis: `make(min, max, count)` → {values, step}
 * and `labeller(step, min, max)` → label function. Chart.js calls
 * afterBuildTicks before it asks the callback for labels, so the callback
 * sees the step of the ticks it labels. About one tick per `px` pixels.
 */
function ownTicks(horizontal, px, make, labeller) {
  let label = String;
  return {
    afterBuildTicks: (scale) => {
      const len = horizontal ? scale.width : scale.height;
      const count = Math.max(2, Math.min(10, Math.round((len || 300) / px)));
      const t = make(scale.min, scale.max, count);
      label = labeller(t.step, scale.min, scale.max);
      scale.ticks = t.values.map((value) => ({ value }));
    },
    callback: (v) => label(v),
  };
}

const maxAbs = (a, b) => Math.max(Math.abs(a), Math.abs(b));

/** Chart.js options of an x axis for a mode (step | relative | wall). */
export function xAxisOptions(mode, colors, min, max) {
  const own = mode === 'wall'
    ? ownTicks(true, 120, (a, b, n) => timeTicks(a, b, n, true), (step, a, b) => wallLabeller(step, b - a))
    : mode === 'relative'
      ? ownTicks(true, 100, (a, b, n) => timeTicks(a, b, n, false), (step, a, b) => durationLabeller(step, maxAbs(a, b)))
      : ownTicks(true, 100, (a, b, n) => linearTicks(a, b, n, 1), (step, a, b) => numberLabeller(step, maxAbs(a, b)));
  return {
    type: 'linear', min, max, bounds: 'data',
    grid: { color: colors.grid, drawTicks: false },
    border: { color: colors.grid },
    ticks: { color: colors.text, maxRotation: 0, padding: 6, autoSkip: false, callback: own.callback },
    afterBuildTicks: own.afterBuildTicks,
  };
}

export function yAxisOptions(log, colors, ext) {
  const own = log ? null
    : ownTicks(false, 45, (a, b, n) => linearTicks(a, b, n), (step, a, b) => numberLabeller(step, maxAbs(a, b)));
  return {
    type: log ? 'logarithmic' : 'linear',
    min: ext ? ext.min : undefined,
    max: ext ? ext.max : undefined,
    grid: { color: colors.grid, drawTicks: false },
    border: { display: false },
    ticks: {
      color: colors.text, padding: 6, autoSkip: false,
      ...(log ? { maxTicksLimit: 7, includeBounds: false, callback: logTick(ext) } : { callback: own.callback }),
    },
    afterBuildTicks: own ? own.afterBuildTicks : undefined,
  };
}

function logTick(ext) {
  const decades = ext ? Math.log10(ext.max / ext.min) : 10;
  return (v) => {
    const m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
    const r = Math.round(m * 1000) / 1000;
    if (r === 1 || (decades < 2 && (r === 2 || r === 5))) return formatTick(v);
    return '';
  };
}

/**
 * The first and last drawn value of every series (inside the zoomed range,
 * if any): "ignore outliers" never hides a series' own ends, which on a
 * short chart (a few Keras epochs) are often its most extreme points.
 */
function endpoints(series, xRange) {
  const out = [];
  for (const s of series) {
    const ys = s.smooth;
    const inside = (i) => Number.isFinite(ys[i]) && (!xRange || (s.x[i] >= xRange[0] && s.x[i] <= xRange[1]));
    let i = 0;
    while (i < ys.length && !inside(i)) i++;
    let j = ys.length - 1;
    while (j > i && !inside(j)) j--;
    if (i < ys.length) out.push(ys[i], ys[j]);
  }
  return out;
}

function withAlpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

/** Above this many points per pixel of plot width, lines are one pixel wide. */
const DENSE_POINTS_PER_PX = 4;

/**
 * Stroke every line inside the chart area. Points that are not finite, or not
 * positive on a log axis, are gaps. Consecutive points falling in the same
 * pixel column are merged into one vertical stroke through their min and max
 * (first and last kept), so a series denser than the screen costs one
 * segment per pixel and still shows every spike. A point with no finite
 * neighbour (a one-point series, e.g. add_hparams' metrics) is a dot, at
 * any density.
 */
/** Margin bands: the area between lo and hi, over the finite points only. */
function drawBands(chart, bands) {
  const { ctx, chartArea: a, scales } = chart;
  if (!a || !bands || !bands.length) return;
  const log = scales.y.type === 'logarithmic';
  const ok = (v) => Number.isFinite(v) && (!log || v > 0);
  ctx.save();
  ctx.beginPath();
  ctx.rect(a.left, a.top, a.right - a.left, a.bottom - a.top);
  ctx.clip();
  for (const b of bands) {
    const from = b.range ? b.range[0] : 0;
    const to = b.range ? b.range[1] : b.x.length;
    const idx = [];
    for (let i = from; i < to; i++) if (ok(b.lo[i]) && ok(b.hi[i])) idx.push(i);
    if (idx.length < 2) continue;
    ctx.beginPath();
    idx.forEach((i, k) => ctx[k ? 'lineTo' : 'moveTo'](scales.x.getPixelForValue(b.x[i]), scales.y.getPixelForValue(b.hi[i])));
    for (let k = idx.length - 1; k >= 0; k--) ctx.lineTo(scales.x.getPixelForValue(b.x[idx[k]]), scales.y.getPixelForValue(b.lo[idx[k]]));
    ctx.closePath();
    ctx.fillStyle = b.color;
    ctx.fill();
  }
  ctx.restore();
}

function drawLines(chart, lines, fast) {
  const { ctx, chartArea: a, scales } = chart;
  if (!a || !lines.length) return;
  const sx = scales.x;
  const sy = scales.y;
  const log = sy.type === 'logarithmic';
  // A dense chart (many runs, or more points than pixels) is drawn with
  // one-pixel lines: wider ones would merge into a blur, and on a screen of
  // device pixel ratio 1 a one-pixel stroke is what a canvas rasterises
  // fastest (Skia's hairline path, about a quarter of the time of a 1.6 px
  // stroke for 20 runs of 900 points).
  let points = 0;
  for (const line of lines) points += line.range ? line.range[1] - line.range[0] : line.x.length;
  const dense = points > DENSE_POINTS_PER_PX * (a.right - a.left);
  // while the smoothing slider is dragged: pixels written at once (fastlines.js)
  if (fast && fastLines(chart, lines, dense)) return;
  ctx.save();
  ctx.beginPath();
  ctx.rect(a.left, a.top, a.right - a.left, a.bottom - a.top);
  ctx.clip();
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  for (const line of lines) {
    const { x: xs, y: ys } = line;
    const from = line.range ? line.range[0] : 0;
    const to = line.range ? line.range[1] : xs.length;
    ctx.beginPath();
    ctx.strokeStyle = line.color;
    ctx.lineWidth = dense ? 1 : line.width;
    let pen = false;
    let alone = false; // the pen is down on a single point so far
    const dots = [];
    let col = NaN;
    let cx = 0;
    let lo = 0;
    let hi = 0;
    let last = 0;
    const flush = () => {
      if (!pen) return;
      if (lo !== hi) {
        ctx.lineTo(cx, lo);
        ctx.lineTo(cx, hi);
      }
      ctx.lineTo(cx, last);
    };
    for (let i = from; i < to; i++) {
      const y = ys[i];
      if (!Number.isFinite(y) || (log && y <= 0)) {
        flush();
        if (pen && alone) dots.push(cx, last);
        pen = false;
        col = NaN;
        continue;
      }
      const px = sx.getPixelForValue(xs[i]);
      const py = sy.getPixelForValue(y);
      const c = Math.round(px);
      if (pen && c === col) {
        alone = false;
        if (py < lo) lo = py;
        if (py > hi) hi = py;
        last = py;
        continue;
      }
      flush();
      alone = !pen;
      if (pen) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      pen = true;
      col = c;
      cx = px;
      lo = hi = last = py;
    }
    flush();
    if (pen && alone) dots.push(cx, last);
    ctx.stroke();
    if (dots.length) {
      ctx.fillStyle = line.color;
      const r = Math.max(2.5, line.width * 1.5);
      ctx.beginPath();
      for (let k = 0; k < dots.length; k += 2) {
        ctx.moveTo(dots[k] + r, dots[k + 1]);
        ctx.arc(dots[k], dots[k + 1], r, 0, 2 * Math.PI);
      }
      ctx.fill();
    }
  }
  ctx.restore();
}

// The x extent of an x array, kept while the array is (scalars.js keeps its
// x arrays across redraws until the data changes; a slider drag reuses them).
const xExtents = new WeakMap();
function xExtentOf(xs) {
  let e = xExtents.get(xs);
  if (e && e.n === xs.length) return e;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (x < min) min = x;
    if (x > max) max = x;
  }
  e = { n: xs.length, min, max };
  xExtents.set(xs, e);
  return e;
}

/** The one tooltip element of the page (position: fixed, rows reused). */
class Tooltip {
  constructor() {
    this.el = document.createElement('div');
    this.el.className = 'chart-tooltip';
    this.el.hidden = true;
    this.el.setAttribute('role', 'tooltip');
    const table = document.createElement('table');
    const head = table.createTHead().insertRow();
    for (const h of ['', 'Run', 'Smoothed', 'Value', 'Step', 'Time', 'Relative']) {
      const th = document.createElement('th');
      th.textContent = h;
      head.append(th);
    }
    this.body = table.createTBody();
    this.more = document.createElement('div');
    this.more.className = 'tooltip-more';
    this.el.append(table, this.more);
    document.body.append(this.el);
    this.rows = [];
  }

  show(items, clientX, clientY, total) {
    const n = items.length;
    while (this.rows.length < n) {
      const tr = this.body.insertRow();
      const cells = [];
      for (let i = 0; i < 7; i++) cells.push(tr.insertCell());
      const sw = document.createElement('span');
      sw.className = 'swatch';
      cells[0].append(sw);
      const name = document.createElement('div');
      cells[1].append(name);
      this.rows.push({ tr, cells, sw, name });
    }
    for (let i = 0; i < this.rows.length; i++) {
      const r = this.rows[i];
      if (i >= n) { r.tr.hidden = true; continue; }
      const it = items[i];
      r.tr.hidden = false;
      r.tr.classList.toggle('nearest', i === 0);
      r.sw.style.background = it.color;
      setRunName(r.name, it.run);
      r.cells[2].textContent = formatValue(it.smoothed);
      r.cells[3].textContent = formatValue(it.value);
      r.cells[4].textContent = formatStep(it.step);
      r.cells[5].textContent = formatWall(it.wall * 1000);
      r.cells[6].textContent = formatDuration(it.relative);
    }
    this.more.textContent = total > n ? `+ ${total - n} more runs` : '';
    this.more.hidden = total <= n;
    this.el.hidden = false;
    const w = this.el.offsetWidth;
    const h = this.el.offsetHeight;
    let x = clientX + 16;
    let y = clientY + 16;
    if (x + w > innerWidth - 4) x = Math.max(4, clientX - w - 16);
    if (y + h > innerHeight - 4) y = Math.max(4, clientY - h - 16);
    this.el.style.transform = `translate(${x}px, ${y}px)`;
  }

  hide() {
    this.el.hidden = true;
  }
}

let tooltip = null;
const TOOLTIP_ROWS = 12;

/**
 * A scalar chart in `host` (a positioned element). onZoom([lo, hi] | null) is
 * called with an x range in the axis' units after a drag, null on double-click.
 */
export class ScalarChart {
  constructor(host, { onZoom }) {
    if (!tooltip) tooltip = new Tooltip();
    this.onZoom = onZoom;
    this.host = host;
    this.canvas = document.createElement('canvas');
    this.overlay = document.createElement('canvas');
    this.overlay.className = 'chart-overlay';
    host.append(this.canvas, this.overlay);
    this.series = [];
    this.view = null;
    this.drag = null;
    this.pending = null;
    this.colors = themeColors();
    this.lines = [];
    this.bands = [];
    this.chart = new Chart(this.canvas, {
      type: 'line',
      data: { datasets: [] },
      plugins: [{
        id: 'tbLines',
        beforeDatasetsDraw: (chart) => drawBands(chart, this.bands), // margin charts (customscalars.js)
        afterDatasetsDraw: (chart) => drawLines(chart, this.lines, this.fast),
      }],
      options: {
        animation: false,
        parsing: false,
        responsive: true,
        maintainAspectRatio: false,
        events: [],
        spanGaps: false,
        layout: { padding: { top: 6, right: 10 } },
        elements: { point: { radius: 0, hitRadius: 0 }, line: { borderWidth: 1.5, tension: 0, capBezierPoints: false } },
        scales: { x: xAxisOptions('step', this.colors), y: yAxisOptions(false, this.colors, null) },
        // Chart.js draws only the frame (axes, ticks, grid): its plugins for
        // datasets, legends and tooltips are switched off, not just hidden,
        // so that they do not run on every update. That includes decimation:
        // drawLines() merges each pixel column to its min and max itself,
        // which keeps spikes that Chart.js's LTTB would drop.
        plugins: { legend: false, tooltip: false, decimation: false, filler: false, title: false, subtitle: false, colors: false },
      },
    });
    this.bindEvents();
  }

  /**
   * series: [{run, color, x, raw, smooth, step, wall, wall0}] (x in axis units);
   * view: {log, xAxis, ignoreOutliers, smoothing, xRange, preview}
   * (preview: the smoothed lines only, without the faint raw ones)
   */
  update(series, view) {
    this.series = series;
    this.view = view;
    const log = view.log;
    let xmin = Infinity;
    let xmax = -Infinity;
    for (const s of series) {
      const e = xExtentOf(s.x);
      if (e.min < xmin) xmin = e.min;
      if (e.max > xmax) xmax = e.max;
    }
    if (xmin === Infinity) { xmin = 0; xmax = 1; }
    if (xmin === xmax) { xmin -= 1; xmax += 1; }
    if (view.xRange) [xmin, xmax] = view.xRange;
    const ranges = series.map((s) => (view.xRange ? indexRange(s.x, xmin, xmax) : null));
    // margin bands (customscalars.js) count in the vertical extent with the lines
    const banded = series.flatMap((s, i) => (s.band ? [i, i] : []));
    const bandArrays = series.flatMap((s) => (s.band ? [s.band.lo, s.band.hi] : []));
    const ext = yExtent([...series.map((s) => s.smooth), ...bandArrays], {
      ignoreOutliers: view.ignoreOutliers, log, keep: endpoints(series, view.xRange),
    }, view.xRange ? [...ranges, ...banded.map((i) => ranges[i])] : null);
    // The lines are drawn by the plugin below straight from the arrays: the
    // chart holds no datasets, so Chart.js builds no per-point objects.
    const smoothing = view.smoothing > 0;
    const lines = [];
    if (smoothing && !view.preview) {
      series.forEach((s, i) => lines.push({ x: s.x, y: s.raw, color: withAlpha(s.color, 0.25), width: 1, range: ranges[i] }));
    }
    series.forEach((s, i) => lines.push({ x: s.x, y: smoothing ? s.smooth : s.raw, color: s.color, width: 1.6, range: ranges[i] }));
    this.lines = lines;
    this.fast = !!view.preview;
    // a series with band {lo, hi} (value arrays beside its x) is shaded between them
    this.bands = series.flatMap((s, i) => (s.band ? [{ x: s.x, lo: s.band.lo, hi: s.band.hi, color: withAlpha(s.color, 0.18), range: ranges[i] }] : []));
    const o = this.chart.options;
    o.scales.x = xAxisOptions(view.xAxis, this.colors, xmin, xmax);
    o.scales.y = yAxisOptions(log, this.colors, ext || (log ? { min: 1, max: 10 } : { min: 0, max: 1 }));
    this.chart.update('none');
    this.extent = ext;
    this.clearOverlay();
  }

  applyTheme() {
    this.colors = themeColors();
    if (this.view) this.update(this.series, this.view);
  }

  resize() {
    this.chart.resize();
  }

  destroy() {
    this.chart.destroy();
    tooltip.hide();
    this.host.replaceChildren();
  }

  // ---- overlay: hover, tooltip, drag-zoom -----------------------------------

  bindEvents() {
    const ov = this.overlay;
    ov.addEventListener('pointermove', (e) => {
      this.pending = e;
      if (!this.raf) this.raf = requestAnimationFrame(() => this.frame());
    });
    ov.addEventListener('pointerleave', () => {
      this.pending = null;
      if (!this.drag) {
        this.clearOverlay();
        tooltip.hide();
      }
    });
    ov.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || !this.inArea(e.offsetX, e.offsetY)) return;
      ov.setPointerCapture(e.pointerId);
      this.drag = { x0: e.offsetX, x1: e.offsetX };
    });
    ov.addEventListener('pointerup', (e) => {
      const d = this.drag;
      this.drag = null;
      if (!d) return;
      const area = this.chart.chartArea;
      const a = Math.max(area.left, Math.min(d.x0, d.x1));
      const b = Math.min(area.right, Math.max(d.x0, d.x1));
      this.clearOverlay();
      if (b - a < 5) return;
      const sx = this.chart.scales.x;
      this.onZoom([sx.getValueForPixel(a), sx.getValueForPixel(b)]);
    });
    ov.addEventListener('dblclick', () => this.onZoom(null));
  }

  inArea(x, y) {
    const a = this.chart.chartArea;
    return a && x >= a.left && x <= a.right && y >= a.top && y <= a.bottom;
  }

  sizeOverlay() {
    const c = this.canvas;
    const ov = this.overlay;
    if (ov.width !== c.width || ov.height !== c.height) {
      ov.width = c.width;
      ov.height = c.height;
    }
    const ctx = ov.getContext('2d');
    const dpr = this.chart.currentDevicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return ctx;
  }

  clearOverlay() {
    const ctx = this.overlay.getContext('2d');
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.overlay.width, this.overlay.height);
  }

  frame() {
    this.raf = 0;
    const e = this.pending;
    if (!e) return;
    const t0 = performance.now();
    const ctx = this.sizeOverlay();
    ctx.clearRect(0, 0, this.overlay.width, this.overlay.height);
    if (this.drag) {
      this.drag.x1 = e.offsetX;
      this.drawDrag(ctx);
      tooltip.hide();
    } else if (this.inArea(e.offsetX, e.offsetY)) {
      this.hover(ctx, e);
    } else {
      tooltip.hide();
    }
    hoverTimes.push(performance.now() - t0);
    if (hoverTimes.length > 2000) hoverTimes.splice(0, 1000);
  }

  drawDrag(ctx) {
    const a = this.chart.chartArea;
    const x0 = Math.max(a.left, Math.min(this.drag.x0, this.drag.x1));
    const x1 = Math.min(a.right, Math.max(this.drag.x0, this.drag.x1));
    ctx.fillStyle = this.colors.zoom;
    ctx.fillRect(x0, a.top, x1 - x0, a.bottom - a.top);
  }

  /** Nearest point of every run, sorted by pixel distance to the cursor. */
  nearest(px, py) {
    const sx = this.chart.scales.x;
    const sy = this.chart.scales.y;
    const xv = sx.getValueForPixel(px);
    const log = this.view.log;
    const smoothing = this.view.smoothing > 0;
    const items = [];
    for (const s of this.series) {
      const n = s.x.length;
      if (!n) continue;
      let i = lowerBound(s.x, xv);
      if (i >= n) i = n - 1;
      if (i > 0 && Math.abs(s.x[i - 1] - xv) < Math.abs(s.x[i] - xv)) i--;
      const ys = smoothing ? s.smooth : s.raw;
      const y = ys[i];
      const ok = Number.isFinite(y) && !(log && y <= 0);
      const ppx = sx.getPixelForValue(s.x[i]);
      const ppy = ok ? sy.getPixelForValue(y) : py;
      const d = Math.hypot(ppx - px, ppy - py) + (ok ? 0 : 1e6);
      items.push({
        d, px: ppx, py: ppy, ok, run: s.run, color: s.color,
        smoothed: smoothing ? s.smooth[i] : s.raw[i], value: s.raw[i], step: s.step[i],
        wall: s.wall[i], relative: s.wall[i] - s.wall0,
      });
    }
    items.sort((a, b) => a.d - b.d);
    return items;
  }

  hover(ctx, e) {
    const items = this.nearest(e.offsetX, e.offsetY);
    if (!items.length) {
      tooltip.hide();
      return;
    }
    const a = this.chart.chartArea;
    ctx.save();
    ctx.beginPath();
    ctx.rect(a.left, a.top, a.right - a.left, a.bottom - a.top);
    ctx.clip();
    ctx.strokeStyle = this.colors.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(Math.round(items[0].px) + 0.5, a.top);
    ctx.lineTo(Math.round(items[0].px) + 0.5, a.bottom);
    ctx.stroke();
    const drawn = Math.min(items.length, 64);
    for (let k = drawn - 1; k >= 0; k--) {
      const it = items[k];
      if (!it.ok) continue;
      ctx.beginPath();
      ctx.arc(it.px, it.py, k === 0 ? 5 : 3, 0, 2 * Math.PI);
      ctx.fillStyle = it.color;
      ctx.fill();
      if (k === 0) {
        ctx.lineWidth = 2;
        ctx.strokeStyle = this.colors.bg;
        ctx.stroke();
      }
    }
    ctx.restore();
    tooltip.show(items.slice(0, TOOLTIP_ROWS), e.clientX, e.clientY, items.length);
  }

  /**
   * The chart as a PNG data URL on the card's background: the title above,
   * a legend of the drawn runs (colour and full name) below.
   */
  toPNG(title) {
    const src = this.canvas;
    const dpr = this.chart.currentDevicePixelRatio || 1;
    const head = Math.round(28 * dpr);
    const rowH = Math.round(18 * dpr);
    const font = `${Math.round(12 * dpr)}px ${Chart.defaults.font.family}`;
    const probe = document.createElement('canvas').getContext('2d');
    probe.font = font;
    // legend entries in columns as wide as the widest name (capped), row by row
    const names = this.series.map((s) => s.run);
    const widest = Math.min(src.width - 20 * dpr, Math.max(0, ...names.map((n) => probe.measureText(n).width)) + 24 * dpr);
    const cols = Math.max(1, Math.floor((src.width - 10 * dpr) / (widest + 10 * dpr)));
    const rows = Math.ceil(names.length / cols);
    const out = document.createElement('canvas');
    out.width = src.width;
    out.height = src.height + head + rows * rowH + (rows ? 8 * dpr : 0);
    const ctx = out.getContext('2d');
    ctx.fillStyle = this.colors.bg || '#fff';
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = this.colors.fg || '#000';
    ctx.font = `${Math.round(13 * dpr)}px ${Chart.defaults.font.family}`;
    ctx.textBaseline = 'middle';
    ctx.fillText(title, 10 * dpr, head / 2);
    ctx.drawImage(src, 0, head);
    ctx.font = font;
    this.series.forEach((s, k) => {
      const x = 10 * dpr + (k % cols) * (widest + 10 * dpr);
      const y = src.height + head + Math.floor(k / cols) * rowH + rowH / 2;
      ctx.fillStyle = s.color;
      ctx.fillRect(x, y - 5 * dpr, 10 * dpr, 10 * dpr);
      ctx.fillStyle = this.colors.fg || '#000';
      ctx.save();
      ctx.beginPath();
      ctx.rect(x, y - rowH / 2, widest, rowH);
      ctx.clip();
      ctx.fillText(s.run, x + 16 * dpr, y);
      ctx.restore();
    });
    return out.toDataURL('image/png');
  }

  /** What is drawn, for the test hook (read-only copy). */
  describe() {
    const sx = this.chart.scales.x;
    const sy = this.chart.scales.y;
    const labels = (scale) => scale.ticks.map((t) => t.label).filter((l) => l !== '' && l !== undefined);
    return {
      yType: sy.type, xMin: sx.min, xMax: sx.max, yMin: sy.min, yMax: sy.max,
      datasets: this.lines.length,
      area: { ...this.chart.chartArea }, dpr: this.chart.currentDevicePixelRatio || 1,
      xTicks: sx.ticks.map((t) => t.value), xLabels: labels(sx),
      yTicks: sy.ticks.map((t) => t.value), yLabels: labels(sy),
    };
  }
}
