// histograms.js - the Histograms tab (reference §6.7).
//
// Like TensorBoard, every histogram of a card is first re-binned into 30
// equal-width bins over the global min..max of all its steps (counts split in
// proportion to overlap). Two modes: "offset" stacks one filled slice per
// step along a time axis, oldest at the back (top), newest in front; "overlay"
// draws every step as a line on one baseline, older steps fainter. Drawn on a
// plain canvas: a ridgeline is not a Chart.js chart type.

import { api, num } from './api.js';
import { state } from './state.js';
import { RunCardsView } from './runcards.js';
import { themeColors } from './charts.js';
import { formatTick, formatStep, formatValue, niceTicks } from './format.js';

export const BINS = 30;

/** Re-bin [[wall, step, [[left, right, count], …]], …] to BINS common bins. Pure. */
export function rebin(events) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const [, , buckets] of events) {
    for (const [l, r] of buckets) {
      const a = num(l);
      const b = num(r);
      if (Number.isFinite(a)) lo = Math.min(lo, a);
      if (Number.isFinite(b)) hi = Math.max(hi, b);
    }
  }
  if (lo === Infinity) { lo = 0; hi = 1; }
  if (lo === hi) { lo -= 0.5; hi += 0.5; }
  const width = (hi - lo) / BINS;
  return {
    lo, hi,
    slices: events.map(([wall, step, buckets]) => {
      const bins = new Float64Array(BINS);
      for (const [l0, r0, c0] of buckets) {
        const l = num(l0);
        const r = num(r0);
        const c = num(c0);
        if (!Number.isFinite(c) || c === 0) continue;
        if (!(r > l)) {
          const k = Math.min(BINS - 1, Math.max(0, Math.floor((l - lo) / width)));
          bins[k] += c;
          continue;
        }
        const k0 = Math.max(0, Math.floor((l - lo) / width));
        const k1 = Math.min(BINS - 1, Math.floor((r - lo) / width));
        for (let k = k0; k <= k1; k++) {
          const bl = lo + k * width;
          const overlap = Math.min(r, bl + width) - Math.max(l, bl);
          if (overlap > 0) bins[k] += (c * overlap) / (r - l);
        }
      }
      return { wall: num(wall), step, bins };
    }),
  };
}

function rgba(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

export class HistogramsView extends RunCardsView {
  constructor(root, runs) {
    super(root, runs, {
      tab: 'histograms', plugin: 'histograms', noun: 'Histograms',
      hint: 'Log one with writer.add_histogram("weights", tensor, step) or tf.summary.histogram; it appears here by itself.',
    });
    this.ro = new ResizeObserver((entries) => {
      for (const e of entries) {
        const card = this.cards.get(e.target.closest('.card')?.dataset.key);
        if (card?.painted && card.onScreen) this.paint(card, card.data);
      }
    });
  }

  fetch(run, tag) {
    return api.histograms(run, tag);
  }

  onState(changed) {
    super.onState(changed);
    if (changed.has('histMode')) this.invalidateAll(false);
  }

  paint(card, data) {
    if (!card.canvas) {
      card.body.replaceChildren();
      card.canvas = document.createElement('canvas');
      card.canvas.className = 'hist-canvas';
      card.body.append(card.canvas);
      card.canvas.addEventListener('pointermove', (e) => {
        card.hoverY = e.offsetY;
        card.hoverX = e.offsetX;
        if (!card.raf) {
          card.raf = requestAnimationFrame(() => {
            card.raf = 0;
            this.paint(card, card.data);
          });
        }
      });
      card.canvas.addEventListener('pointerleave', () => {
        card.hoverY = null;
        this.paint(card, card.data);
      });
      this.ro.observe(card.body);
    }
    if (!data || !data.length) {
      card.canvas.hidden = true;
      card.body.dataset.empty = 'No histogram data';
      card.painted = true;
      return;
    }
    card.canvas.hidden = false;
    if (!card.model || card.modelFor !== data) {
      card.model = rebin(data);
      card.modelFor = data;
    }
    drawHistogram(card.canvas, card.model, {
      mode: state.get('histMode'), color: this.runs.color(card.run), colors: themeColors(),
      hoverY: card.hoverY, hoverX: card.hoverX,
    });
    card.painted = true;
  }

  release(card) {
    if (card.canvas) this.ro.unobserve(card.body);
  }
}

/** Draw a re-binned histogram series on a canvas sized to its box. */
export function drawHistogram(canvas, model, opts) {
  const dpr = window.devicePixelRatio || 1;
  const W = canvas.clientWidth || 300;
  const H = canvas.clientHeight || 240;
  if (canvas.width !== Math.round(W * dpr) || canvas.height !== Math.round(H * dpr)) {
    canvas.width = Math.round(W * dpr);
    canvas.height = Math.round(H * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, W, H);
  const { slices, lo, hi } = model;
  const offset = opts.mode === 'offset';
  const pad = { l: 12, r: offset ? 56 : 12, t: 10, b: 22 };
  if (!offset) pad.l = 44;
  const pw = W - pad.l - pad.r;
  const ph = H - pad.t - pad.b;
  let maxC = 0;
  for (const s of slices) for (const c of s.bins) maxC = Math.max(maxC, c);
  if (maxC === 0) maxC = 1;
  const n = slices.length;
  const binW = (hi - lo) / BINS;
  const xOf = (v) => pad.l + ((v - lo) / (hi - lo)) * pw;
  // offset: slice i's baseline; newest (last) at the bottom, oldest at the top
  const sliceH = offset ? ph * (n > 1 ? 0.4 : 0.95) : ph;
  const gap = offset && n > 1 ? (ph - sliceH) / (n - 1) : 0;
  const base = (i) => (offset ? pad.t + sliceH + gap * i : pad.t + ph);
  const yOf = (i, c) => base(i) - (c / maxC) * sliceH;
  const { colors } = opts;
  // hovered slice: nearest baseline (offset) or nearest curve at the cursor (overlay)
  let hover = -1;
  if (opts.hoverY != null && n) {
    if (offset) {
      let best = Infinity;
      for (let i = 0; i < n; i++) {
        const d = Math.abs(base(i) - opts.hoverY);
        if (d < best) { best = d; hover = i; }
      }
    } else {
      const k = Math.min(BINS - 1, Math.max(0, Math.floor(((opts.hoverX - pad.l) / pw) * BINS)));
      let best = Infinity;
      for (let i = 0; i < n; i++) {
        const d = Math.abs(yOf(i, slices[i].bins[k]) - opts.hoverY);
        if (d < best) { best = d; hover = i; }
      }
    }
  }
  // axes
  ctx.strokeStyle = colors.grid;
  ctx.fillStyle = colors.text;
  ctx.font = `11px ${getComputedStyle(canvas).fontFamily}`;
  ctx.lineWidth = 1;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const v of niceTicks(lo, hi, Math.max(2, Math.round(pw / 90)))) {
    const x = xOf(v);
    ctx.beginPath();
    ctx.moveTo(Math.round(x) + 0.5, pad.t);
    ctx.lineTo(Math.round(x) + 0.5, pad.t + ph);
    ctx.stroke();
    ctx.fillText(formatTick(v), x, pad.t + ph + 6);
  }
  if (offset) {
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    const every = Math.max(1, Math.ceil(n / 6));
    for (let i = n - 1; i >= 0; i -= every) ctx.fillText(formatStep(slices[i].step), pad.l + pw + 6, base(i));
  } else {
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const c of niceTicks(0, maxC, 4)) {
      const y = pad.t + ph - (c / maxC) * ph;
      ctx.fillText(formatTick(c), pad.l - 6, y);
    }
  }
  // slices, back to front
  const order = [];
  for (let i = 0; i < n; i++) order.push(i);
  for (const i of order) {
    const s = slices[i];
    const age = n > 1 ? i / (n - 1) : 1; // 0 oldest .. 1 newest
    ctx.beginPath();
    ctx.moveTo(xOf(lo), base(i));
    for (let k = 0; k < BINS; k++) ctx.lineTo(xOf(lo + (k + 0.5) * binW), yOf(i, s.bins[k]));
    ctx.lineTo(xOf(hi), base(i));
    if (offset) {
      ctx.closePath();
      ctx.fillStyle = colors.bg;
      ctx.fill();
      ctx.fillStyle = rgba(opts.color, 0.12 + 0.5 * age);
      ctx.fill();
      ctx.strokeStyle = i === hover ? colors.fg : rgba(opts.color, 0.55 + 0.45 * age);
      ctx.lineWidth = i === hover ? 2 : 1;
    } else {
      ctx.strokeStyle = i === hover ? colors.fg : rgba(opts.color, 0.15 + 0.85 * age);
      ctx.lineWidth = i === hover ? 2 : 1.2;
    }
    ctx.stroke();
  }
  if (hover >= 0) {
    const s = slices[hover];
    let label = `step ${formatStep(s.step)}`;
    if (opts.hoverX != null) {
      const k = Math.min(BINS - 1, Math.max(0, Math.floor(((opts.hoverX - pad.l) / pw) * BINS)));
      label += `   ${formatValue(lo + k * binW)} … ${formatValue(lo + (k + 1) * binW)}: ${formatValue(s.bins[k])}`;
    }
    ctx.font = `12px ${getComputedStyle(canvas).fontFamily}`;
    const w = ctx.measureText(label).width + 12;
    ctx.fillStyle = colors.bg;
    ctx.globalAlpha = 0.9;
    ctx.fillRect(pad.l, pad.t, w, 20);
    ctx.globalAlpha = 1;
    ctx.fillStyle = colors.fg;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(label, pad.l + 6, pad.t + 10);
  }
}
