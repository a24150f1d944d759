// ticks.js - axis ticks a reader can trust. Pure: no DOM, no Chart.js.
//
// Values sit 1, 2 or 5 × 10^k apart (durations and wall times at round
// units: 1 s, 15 s, 5 min, 1 h, 1 day, ...), and every label carries as many
// digits as its step needs, so neighbouring labels always differ: 0.2410,
// 0.2412, ... never 0.241 five times; 94k, 96k, ... never one "99k".

const SI = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'k']];

/** A round step (1, 2 or 5 × 10^k) giving about `count` intervals over `span`. */
export function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/** Digits after the point that a multiple of `step` needs. */
function decimals(step) {
  return Math.min(20, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)));
}

/** Multiples of `step` inside [min, max] (`origin` shifts the grid). */
function multiples(min, max, step, origin = 0) {
  const out = [];
  const d = decimals(step);
  for (let k = Math.ceil((min - origin) / step - 1e-9); ; k++) {
    const v = origin + k * step;
    if (v > max + step * 1e-9) break;
    out.push(origin ? v : Number((k * step).toFixed(d)));
    if (out.length > 1000) break;
  }
  return out;
}

/**
 * Ticks of a linear axis: {values, step}; minStep: the smallest step
 * allowed (1 for training steps, which are integers).
 */
export function linearTicks(min, max, count, minStep = 0) {
  if (!(max > min) || !Number.isFinite(max - min)) return { values: Number.isFinite(min) ? [min] : [], step: 1 };
  const step = Math.max(niceStep(max - min, count), minStep);
  return { values: multiples(min, max, step), step };
}

/** A labeller for values `step` apart on an axis reaching |maxAbs|. */
export function numberLabeller(step, maxAbs) {
  const big = SI.find(([n]) => maxAbs >= n);
  if (maxAbs >= 1e15 || (maxAbs > 0 && maxAbs < 1e-3)) {
    const e = Math.floor(Math.log10(maxAbs));
    const d = Math.min(20, Math.max(0, e - Math.floor(Math.log10(step) + 1e-9)));
    return (v) => (v === 0 ? '0' : v.toExponential(d).replace('e+', 'e'));
  }
  if (big) {
    const [n, s] = big;
    const d = decimals(step / n);
    return (v) => (v === 0 ? '0' : (v / n).toFixed(d) + s);
  }
  const d = decimals(step);
  return (v) => {
    const t = v.toFixed(d);
    return Number(t) === 0 ? '0' : t;
  };
}

// seconds
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
  43200, 86400, 172800, 604800];

/**
 * Ticks of a time axis: relative (seconds since the first point) or wall
 * (ms since the epoch, aligned to local midnight). {values, step} with step
 * in the axis' unit.
 */
export function timeTicks(min, max, count, wall) {
  const k = wall ? 1000 : 1;
  const span = (max - min) / k;
  if (!(span > 0)) return { values: [min], step: k };
  let step;
  if (span / count < 1) step = niceStep(span, count);
  else step = TIME_STEPS.find((s) => span / s <= count) || niceStep(span / 86400, count) * 86400;
  step *= k;
  // align to local time (minutes, hours and days start where the clock says)
  const origin = wall && step >= 60e3 ? new Date(min).getTimezoneOffset() * 60000 : 0;
  return { values: multiples(min, max, step, origin), step };
}

const pad2 = (n) => String(n).padStart(2, '0');

/** Labels of a relative-time axis with ticks `step` seconds apart. */
export function durationLabeller(step, maxAbs) {
  if (step < 1) {
    if (maxAbs >= 1) {
      const d = decimals(step);
      return (v) => `${v.toFixed(d)} s`;
    }
    const d = decimals(step * 1000);
    return (v) => `${(v * 1000).toFixed(d)} ms`;
  }
  return (sec) => {
    const neg = sec < 0 ? '−' : '';
    let s = Math.round(Math.abs(sec));
    if (s < 60) return `${neg}${s} s`;
    const d = Math.floor(s / 86400);
    const h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    s %= 60;
    if (d) return step >= 86400 ? `${neg}${d} d` : `${neg}${d} d ${h} h`;
    if (h) return step >= 3600 ? `${neg}${h} h` : `${neg}${h} h ${pad2(m)} m`;
    return step >= 60 ? `${neg}${m} min` : `${neg}${m} m ${pad2(s)} s`;
  };
}

/** Labels of a wall-time axis (ms) with ticks `step` ms apart over `span` ms. */
export function wallLabeller(step, span) {
  const date = (d) => `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  const hm = (d) => `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return (ms) => {
    const d = new Date(ms);
    if (step >= 86400e3) return span > 300 * 86400e3 ? `${d.getFullYear()}-${date(d)}` : date(d);
    if (step >= 60e3) return span > 86400e3 ? `${date(d)} ${hm(d)}` : hm(d);
    const s = `${hm(d)}:${pad2(d.getSeconds())}`;
    if (step >= 1000) return s;
    const frac = (ms / 1000 - Math.floor(ms / 1000)).toFixed(decimals(step / 1000)).slice(1);
    return s + frac;
  };
}
