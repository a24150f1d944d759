// smoothing.test.mjs - static/smoothing.js against TensorBoard's algorithm.
//
// Compared with TensorBoard's classicSmoothing as transcribed in
// tb_smoothing.mjs, plus hand-computed cases. Also covers the pure y-range helper (extent.js).
// Run: node --test tests/browser/smoothing.test.mjs

import test from 'node:test';
import assert from 'node:assert/strict';
import { smooth, clampWeight, SMOOTHING_DEFAULT, SMOOTHING_MAX } from '../../static/smoothing.js';
import { orderStats, yExtent, indexRange } from '../../static/extent.js';
import { tensorboardSmoothing } from './tb_smoothing.mjs';
import { rng } from './rng.mjs';

const tb = (ys, w) => tensorboardSmoothing(ys, w);

function same(actual, expected, msg) {
  assert.equal(actual.length, expected.length, `${msg}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) assert.ok(Number.isNaN(a), `${msg}[${i}]: expected NaN, got ${a}`);
    else assert.equal(a, e, `${msg}[${i}]`);
  }
}


test('defaults match TensorBoard', () => {
  assert.equal(SMOOTHING_DEFAULT, 0.6);
  assert.equal(SMOOTHING_MAX, 0.999);
});

test('hand-computed debiased EMA', () => {
  const out = smooth([1, 2, 3], 0.5);
  assert.equal(out[0], 1); // the first finite point is unchanged
  assert.ok(Math.abs(out[1] - 1.25 / 0.75) < 1e-15);
  assert.ok(Math.abs(out[2] - 2.125 / 0.875) < 1e-15);
});

test('weight 0 leaves the series alone; weight 1 is flat at 0', () => {
  same(smooth([3, 1, 4, 1, 5], 0), [3, 1, 4, 1, 5], 'w=0');
  same(smooth([3, 1, 4, 1, 5], 1), [0, 0, 0, 0, 0], 'w=1');
  same(smooth([3, 1, 4, 1, 5], 1), tb([3, 1, 4, 1, 5], 1), 'w=1 vs TB');
});

test('weights are clamped; non-finite weights mean 0', () => {
  assert.equal(clampWeight(-1), 0);
  assert.equal(clampWeight(2), 1);
  assert.equal(clampWeight(NaN), 0);
  assert.equal(clampWeight(Infinity), 0);
  assert.equal(clampWeight('0.25'), 0.25);
  for (const w of [-0.5, 1.5, NaN, Infinity, -Infinity]) {
    same(smooth([1, 5, 2, 8], w), tb([1, 5, 2, 8], w), `w=${w}`);
  }
});

test('NaN and ±Inf pass through and do not advance the average', () => {
  const ys = [NaN, 1, Infinity, 2, -Infinity, NaN, 3];
  const out = smooth(ys, 0.6);
  same(out, tb(ys, 0.6), 'vs TB');
  assert.ok(Number.isNaN(out[0]));
  assert.equal(out[1], 1);
  assert.equal(out[2], Infinity);
  assert.equal(out[4], -Infinity);
  // the finite points alone smooth the same as with the gaps removed
  const finite = smooth([1, 2, 3], 0.6);
  assert.equal(out[3], finite[1]);
  assert.equal(out[6], finite[2]);
});

test('constant series are returned unsmoothed', () => {
  same(smooth([2, 2, 2, 2], 0.9), [2, 2, 2, 2], 'constant');
  same(smooth([0, 0, 0], 0.999), [0, 0, 0], 'zeros');
  same(smooth([7], 0.6), [7], 'single point');
  same(smooth([], 0.6), [], 'empty');
  // all-NaN is not "constant" (NaN != NaN) but passes through anyway
  same(smooth([NaN, NaN], 0.6), [NaN, NaN], 'all NaN');
  same(smooth([Infinity, Infinity], 0.6), tb([Infinity, Infinity], 0.6), 'all Inf');
});

test('random series match TensorBoard exactly', () => {
  const r = rng(42);
  for (let trial = 0; trial < 300; trial++) {
    const n = 1 + Math.floor(r() * 400);
    const ys = [];
    for (let i = 0; i < n; i++) {
      const u = r();
      ys.push(u < 0.02 ? NaN : u < 0.03 ? Infinity : u < 0.04 ? -Infinity : (r() - 0.3) * 10 ** (r() * 6 - 3));
    }
    const w = [0, 0.6, r(), 0.999, 0.99, 1][trial % 6];
    same(smooth(ys, w), tb(ys, w), `trial ${trial} w=${w}`);
  }
});

test('one weight over series of growing length matches TensorBoard (divisors kept per weight)', () => {
  const r = rng(7);
  for (const w of [0.9, 0.999, 0.6, 0.999]) {
    for (const n of [3, 50, 2000, 10, 6000]) {
      const ys = Array.from({ length: n }, () => r() * 100 - 20);
      same(smooth(ys, w), tb(ys, w), `w=${w} n=${n}`);
    }
  }
});

test('the input is not modified and typed arrays work', () => {
  const ys = [5, 4, 3];
  smooth(ys, 0.6);
  assert.deepEqual(ys, [5, 4, 3]);
  same(smooth(Float64Array.from([5, 4, 3]), 0.6), tb([5, 4, 3], 0.6), 'typed');
});

test('order statistics by histogram match a sort', () => {
  const r = rng(11);
  const kinds = [
    (i) => r() * 10 - 5,                                  // uniform
    (i) => (i % 97 === 0 ? 1e12 : r()),                   // spikes: one bin holds nearly all
    (i) => Math.round(r() * 3),                           // few distinct values
    (i) => Math.exp(r() * 40) * (r() < 0.5 ? -1 : 1),     // wide, both signs
    (i) => 7,                                             // constant
    (i) => (i % 2 ? -Number.MAX_VALUE : Number.MAX_VALUE) * r(), // max - min overflows
  ];
  for (let trial = 0; trial < 240; trial++) {
    const n = 3 + Math.floor(r() * (trial % 3 ? 300 : 20000));
    const kind = kinds[trial % kinds.length];
    const v = Float64Array.from({ length: n }, (_, i) => kind(i));
    const sorted = Float64Array.from(v).sort();
    let min = Infinity;
    let max = -Infinity;
    for (const x of v) { if (x < min) min = x; if (x > max) max = x; }
    const a = Math.floor(r() * n);
    const b = a + Math.floor(r() * (n - a));
    const [va, vb] = orderStats(v, n, a, b, min, max);
    assert.equal(va, sorted[a], `trial ${trial} (kind ${trial % kinds.length}, n ${n}): rank ${a}`);
    assert.equal(vb, sorted[b], `trial ${trial} (kind ${trial % kinds.length}, n ${n}): rank ${b}`);
  }
});

test('y extent: outliers, padding, constants, log', () => {
  const ys = [];
  for (let i = 0; i < 100; i++) ys.push(i);
  ys[50] = 1e9; // an outlier
  const all = yExtent([ys], { ignoreOutliers: false });
  assert.equal(all.max, 1e9 + (1e9 - 0) * 0.05);
  const cut = yExtent([ys], { ignoreOutliers: true });
  // sorted values at ceil(0.05*99)=5 and floor(0.95*99)=94 are 5 and 95
  // (50 moved to the end as the outlier), padded by 5 % of 90
  assert.equal(cut.min, 5 - 90 * 0.05);
  assert.equal(cut.max, 95 + 90 * 0.05);
  assert.deepEqual(yExtent([[3, 3]], {}), { min: 0, max: 6 });
  assert.deepEqual(yExtent([[-2]], {}), { min: -4, max: 0 });
  assert.deepEqual(yExtent([[0, 0]], {}), { min: -1, max: 1 });
  assert.equal(yExtent([[NaN, Infinity]], {}), null);
  const log = yExtent([[-1, 0, 0.01, 100]], { log: true });
  assert.ok(Math.abs(Math.log10(log.min) - (-2 - 0.2)) < 1e-12);
  assert.ok(Math.abs(Math.log10(log.max) - (2 + 0.2)) < 1e-12);
  assert.equal(yExtent([[-1, 0]], { log: true }), null);
});

test('index range of a zoomed x window keeps the segments crossing it', () => {
  const xs = [0, 10, 20, 30, 40, 50];
  assert.deepEqual(indexRange(xs, 15, 35), [1, 5]);
  assert.deepEqual(indexRange(xs, -5, 100), [0, 6]);
});
