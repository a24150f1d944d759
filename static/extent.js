// extent.js - the y range of a scalar chart (reference §6.2). Pure.
//
// TensorBoard computes the y range from the smoothed (drawn) lines only,
// ignores the 5 % most extreme values on each side when "ignore outliers" is
// on, pads the range by 5 % and widens a constant range. On a log axis only
// positive values count and the padding is done in log space.

/**
 * y range {min, max} of the finite values in `arrays` (arrays of numbers,
 * each optionally limited to indices [from, to) by `ranges[i]`), or null when
 * there is nothing to show.
 *   opts.ignoreOutliers: use the sorted values at ceil(0.05·(n−1)) and
 *                        floor(0.95·(n−1)) when n > 2
 *   opts.log:            a log10 axis: non-positive values are left out
 *   opts.keep:           values the range must hold even when they are
 *                        outliers (each series' own first and last point)
 */
export function yExtent(arrays, opts = {}, ranges = null) {
  const log = !!opts.log;
  let total = 0;
  for (let a = 0; a < arrays.length; a++) {
    const r = ranges && ranges[a];
    total += r ? Math.max(0, r[1] - r[0]) : arrays[a].length;
  }
  const vals = scratchOf(total);
  let n = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let a = 0; a < arrays.length; a++) {
    const arr = arrays[a];
    const r = ranges && ranges[a];
    const from = r ? r[0] : 0;
    const to = r ? r[1] : arr.length;
    for (let i = from; i < to; i++) {
      const v = arr[i];
      if (!Number.isFinite(v) || (log && v <= 0)) continue;
      vals[n++] = v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (n === 0) return null;
  if (opts.ignoreOutliers && n > 2) {
    const a = Math.ceil(0.05 * (n - 1));
    const b = Math.floor(0.95 * (n - 1));
    [lo, hi] = orderStats(vals, n, a, b, lo, hi);
  }
  for (const v of opts.keep || []) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return log ? padLog(lo, hi) : padLinear(lo, hi);
}

// One buffer for the values of every call (a slider drag asks for 150,000
// per chart per event): grown, never shrunk.
let scratch = new Float64Array(1024);
function scratchOf(n) {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  return scratch;
}

const BINS = 2048;
const counts = new Int32Array(BINS);

/**
 * The values a sort of v[0 … n-1] (all finite, within [min, max]) would put
 * at ranks a ≤ b, without sorting: a histogram of BINS equal bins finds the
 * bin of each rank in two passes, then select() orders only the values of
 * those two bins (all of them when one bin holds most values, as for a
 * series whose range is one huge spike: never worse than select over all).
 */
export function orderStats(v, n, a, b, min, max) {
  if (!(max > min)) return [min, min];
  const scale = BINS / (max - min);
  if (!Number.isFinite(scale) || scale === 0) {
    select(v, a, 0, n - 1);
    select(v, b, a, n - 1);
    return [v[a], v[b]];
  }
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const k = ((v[i] - min) * scale) | 0;
    counts[k < BINS ? k : BINS - 1]++;
  }
  // the bins holding ranks a and b, and how many values lie below each
  let ka = 0;
  let below = 0;
  while (below + counts[ka] <= a) below += counts[ka++];
  const belowA = below;
  let kb = ka;
  while (below + counts[kb] <= b) below += counts[kb++];
  const belowB = below;
  // gather the two bins' values to the front of v (a bin's values are
  // distinct slots: writing behind the read position never loses one)
  let na = 0;
  let m = 0;
  if (ka === kb) {
    for (let i = 0; i < n; i++) {
      const k = ((v[i] - min) * scale) | 0;
      if ((k < BINS ? k : BINS - 1) === ka) v[m++] = v[i];
    }
    select(v, a - belowA, 0, m - 1);
    const va = v[a - belowA];
    select(v, b - belowA, a - belowA, m - 1);
    return [va, v[b - belowA]];
  }
  for (let i = 0; i < n; i++) {
    const k = ((v[i] - min) * scale) | 0;
    if ((k < BINS ? k : BINS - 1) === ka) {
      const t = v[i];
      v[i] = v[m];
      v[m++] = t;
    }
  }
  na = m;
  for (let i = na; i < n; i++) {
    const k = ((v[i] - min) * scale) | 0;
    if ((k < BINS ? k : BINS - 1) === kb) v[m++] = v[i];
  }
  select(v, a - belowA, 0, na - 1);
  const va = v[a - belowA];
  select(v, b - belowB + na, na, m - 1);
  return [va, v[b - belowB + na]];
}

/** Reorder v[left..right] so that v[k] is the value a sort would put there (Hoare's select). */
export function select(v, k, left, right) {
  while (right > left) {
    const pivot = v[(left + right) >> 1];
    let i = left;
    let j = right;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) {
        const t = v[i];
        v[i] = v[j];
        v[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}

function padLinear(lo, hi) {
  if (lo === hi) {
    if (lo > 0) return { min: 0, max: 2 * lo };
    if (lo < 0) return { min: 2 * lo, max: 0 };
    return { min: -1, max: 1 };
  }
  const pad = (hi - lo) * 0.05;
  return { min: lo - pad, max: hi + pad };
}

function padLog(lo, hi) {
  let a = Math.log10(lo);
  let b = Math.log10(hi);
  if (a === b) { a -= 1; b += 1; }
  const pad = (b - a) * 0.05;
  return { min: Math.pow(10, a - pad), max: Math.pow(10, b + pad) };
}

/** First and last index (exclusive) of a sorted-ish x array inside [lo, hi]. */
export function indexRange(xs, lo, hi) {
  const n = xs.length;
  let from = lowerBound(xs, lo);
  let to = lowerBound(xs, hi);
  while (to < n && xs[to] <= hi) to++;
  if (from > 0) from--; // keep the segment entering the range
  if (to < n) to++;     // and the one leaving it
  return [from, to];
}

/** Index of the first x >= v (x assumed ascending; a restart only makes it approximate). */
export function lowerBound(xs, v) {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
