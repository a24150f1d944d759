// format.js - numbers, steps and times as the dashboard prints them. Pure.

const SI = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'k']];

/** A value for a tooltip: 4 significant digits, exponent form when tiny/huge. */
export function formatValue(v) {
  if (typeof v !== 'number') return String(v);
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(3).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

/** An axis tick: short, with k/M suffixes for large values. */
export function formatTick(v) {
  if (!Number.isFinite(v)) return '';
  const a = Math.abs(v);
  if (a === 0) return '0';
  for (const [n, s] of SI) if (a >= n) return trim(v / n) + s;
  if (a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return trim(v);
}

function trim(v) {
  return String(Number(v.toPrecision(3)));
}

/** A step: integer with thin-space grouping (12 345). Not toLocaleString: ICU's first call costs ~50 ms. */
export function formatStep(s) {
  if (!Number.isFinite(s)) return String(s);
  const t = String(Math.round(Math.abs(s)));
  const g = t.length > 4 ? t.replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f') : t;
  return (s < 0 ? '−' : '') + g;
}

/** A duration in seconds: "950 ms", "42 s", "3 m 20 s", "2 h 05 m", "3 d 4 h". */
export function formatDuration(sec) {
  if (!Number.isFinite(sec)) return '';
  const neg = sec < 0 ? '−' : '';
  let s = Math.abs(sec);
  if (s < 1) return neg + Math.round(s * 1000) + ' ms';
  if (s < 60) return neg + trim(s) + ' s';
  s = Math.round(s);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${neg}${d} d ${h} h`;
  if (h) return `${neg}${h} h ${String(m).padStart(2, '0')} m`;
  return `${neg}${m} m ${String(s % 60).padStart(2, '0')} s`;
}

const pad2 = (n) => String(n).padStart(2, '0');

/** A wall time in ms since the epoch, local time: "2024-05-01 13:04:05". */
export function formatWall(ms) {
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** Natural comparison of tag names: digit runs compare as numbers. */
export function compareNatural(a, b) {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) || [];
  const pb = b.match(re) || [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d) return d;
      return x.length - y.length;
    }
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** A case-insensitive regex from user input; invalid → null (matches nothing). */
export function userRegex(text) {
  if (!text) return /(?:)/;
  try {
    return new RegExp(text, 'i');
  } catch {
    return null;
  }
}

/** Visible text of sanitised HTML (descriptions are shown as text, never as HTML). */
export function htmlToText(html) {
  if (!html) return '';
  const doc = new DOMParser().parseFromString(html, 'text/html');
  return (doc.body.textContent || '').trim();
}

/** About `count` round tick values (1, 2 or 5 × 10^k apart) inside [lo, hi]. */
export function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  const step = (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return out;
}
