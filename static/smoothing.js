// smoothing.js - TensorBoard's scalar smoothing, exactly (reference §6.1).
//
// A debiased exponential moving average over the points in the order they
// were received. Pure: no DOM, no Chart.js, no state, so node's test runner
// checks it against TensorBoard's algorithm (tests/browser/smoothing.test.mjs).
// Invariant: the output has the input's length and non-finite inputs (NaN,
// ±Infinity) come back unchanged at the same index.

/** The UI's range for the smoothing weight. */
export const SMOOTHING_MAX = 0.999;
export const SMOOTHING_DEFAULT = 0.6;

/** Clamp a weight as TensorBoard does: non-finite → 0, then into [0, 1]. */
export function clampWeight(weight) {
  const w = Number(weight);
  if (!Number.isFinite(w)) return 0;
  return Math.min(Math.max(w, 0), 1);
}

/**
 * Smooth a series of y values with TensorBoard's debiased EMA.
 *   acc = acc·w + (1−w)·y;  n += 1;  smoothed = acc / (1 − wⁿ)   (divisor 1 when w == 1)
 * Non-finite y values pass through and do not advance acc or n. A series whose
 * values are all equal (compared with ==, as TensorBoard does) is returned
 * unsmoothed. Returns a new Float64Array; `values` is not modified.
 */
export function smooth(values, weight) {
  const n = values.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const w = clampWeight(weight);
  const first = values[0];
  let constant = true;
  for (let i = 1; i < n; i++) {
    // eslint-disable-next-line eqeqeq -- TensorBoard compares with ==
    if (values[i] != first) { constant = false; break; }
  }
  if (constant) {
    for (let i = 0; i < n; i++) out[i] = values[i];
    return out;
  }
  let acc = 0;
  let count = 0;
  // once w^count is below half an ulp of 1, 1 - w^count is exactly 1 for
  // every later count (w^count only shrinks): the same bits without Math.pow
  let debiased = w === 1;
  for (let i = 0; i < n; i++) {
    const y = values[i];
    if (!Number.isFinite(y)) { out[i] = y; continue; }
    acc = acc * w + (1 - w) * y;
    count++;
    if (debiased) { out[i] = acc; continue; }
    const debias = 1 - Math.pow(w, count);
    if (debias === 1) debiased = true;
    out[i] = acc / debias;
  }
  return out;
}
