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
 * unsmoothed. Returns a new Float64Array, or `into` (a Float64Array of the
 * same length, overwritten: a slider drag smooths 1,200 series per event, and
 * allocating their arrays cost as much as smoothing them); `values` is not
 * modified.
 */
export function smooth(values, weight, into = null) {
  const n = values.length;
  const out = into && into.length === n ? into : new Float64Array(n);
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
  const debias = debiasTable(w, n);
  // counts below tableLen divide by the table's divisor, later ones by 1
  const last = tableLen - 1;
  const v = 1 - w;
  for (let i = 0; i < n; i++) {
    const y = values[i];
    if (y - y !== 0) { out[i] = y; continue; } // NaN or ±Infinity
    acc = acc * w + v * y;
    if (count < last) out[i] = acc / debias[++count];
    else out[i] = acc;
  }
  return out;
}

// 1 - w^count for count = 0, 1, …, computed with Math.pow as TensorBoard does,
// once per weight: a slider drag smooths 1,200 series at each weight, and
// Math.pow per point was most of it. The table grows to the longest series
// asked for, and stops where 1 - w^count is exactly 1 (once w^count is below
// half an ulp of 1 it stays there, so every later divisor is 1).
let tableW = NaN;
let table = new Float64Array(0);
let tableLen = 0; // entries 0 … tableLen-1 are set
let tableDone = false; // every divisor from tableLen on is exactly 1
function debiasTable(w, n) {
  if (w !== tableW) {
    tableW = w;
    tableLen = 1;
    tableDone = w === 1;
  }
  while (!tableDone && tableLen <= n) {
    const d = 1 - Math.pow(w, tableLen);
    if (d === 1) { tableDone = true; break; }
    if (tableLen >= table.length) {
      const t = new Float64Array(Math.max(256, 2 * table.length));
      t.set(table);
      table = t;
    }
    table[tableLen++] = d;
  }
  return table;
}
