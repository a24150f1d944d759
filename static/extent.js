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
  const vals = new Float64Array(total);
  let n = 0;
  for (let a = 0; a < arrays.length; a++) {
    const arr = arrays[a];
    const r = ranges && ranges[a];
    const from = r ? r[0] : 0;
    const to = r ? r[1] : arr.length;
    for (let i = from; i < to; i++) {
      const v = arr[i];
      if (!Number.isFinite(v) || (log && v <= 0)) continue;
      vals[n++] = v;
    }
  }
  if (n === 0) return null;
  let lo;
  let hi;
  if (opts.ignoreOutliers && n > 2) {
    // the two order statistics of a sort, found without sorting (a slider
    // drag recomputes them for 150,000 values per chart)
    const v = vals.subarray(0, n);
    const a = Math.ceil(0.05 * (n - 1));
    const b = Math.floor(0.95 * (n - 1));
    select(v, a, 0, n - 1);
    lo = v[a];
    select(v, b, a, n - 1);
    hi = v[b];
  } else {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < n; i++) {
      if (vals[i] < lo) lo = vals[i];
      if (vals[i] > hi) hi = vals[i];
    }
  }
  for (const v of opts.keep || []) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return log ? padLog(lo, hi) : padLinear(lo, hi);
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
