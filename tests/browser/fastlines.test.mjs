// fastlines.test.mjs - the slider's pixel rasteriser (static/fastlines.js)
// against the geometry of the lines it draws, without a browser.
// Run: node --test tests/browser/fastlines.test.mjs
//
// polyline() maps a point to pixel (round(x·xk + xc), round(y·yk + yc)), so
// with xk = yk = 1 and xc = yc = 0 pixel (i, j) stands for the point (i, j).

import test from 'node:test';
import assert from 'node:assert/strict';
import { polyline, pixelOf } from '../../static/fastlines.js';
import { rng } from './rng.mjs';

const W = 120;
const H = 60;
const PX = pixelOf('#ff8800');

/** Draw xs, ys (identity mapping) into a fresh buffer; returns [[i, j], …] written. */
function draw(xs, ys, { thick = false, log = false, w = W, h = H } = {}) {
  const buf = new Uint32Array(w * h);
  polyline(buf, w, h, xs, ys, 0, xs.length, 1, 0, 1, 0, log, PX, thick, 2.5);
  const out = [];
  for (let q = 0; q < buf.length; q++) {
    if (buf[q] === 0) continue;
    assert.equal(buf[q], PX >>> 0, 'only the line colour is written');
    out.push([q % w, Math.floor(q / w)]);
  }
  return out;
}

function distanceToPolyline(x, y, xs, ys) {
  let best = Infinity;
  for (let i = 0; i + 1 < xs.length; i++) {
    const dx = xs[i + 1] - xs[i];
    const dy = ys[i + 1] - ys[i];
    const len = dx * dx + dy * dy;
    const t = len ? Math.max(0, Math.min(1, ((x - xs[i]) * dx + (y - ys[i]) * dy) / len)) : 0;
    best = Math.min(best, Math.hypot(xs[i] + t * dx - x, ys[i] + t * dy - y));
  }
  return best;
}

test('pixelOf: opaque pixels of #rrggbb, null for anything else', () => {
  const bytes = new Uint8Array(new Uint32Array([pixelOf('#102030')]).buffer);
  assert.deepEqual([...bytes], [0x10, 0x20, 0x30, 255], 'r, g, b, alpha in memory order');
  for (const bad of ['red', '#fff', 'rgba(1,2,3,0.5)', '#12345g', null, 7]) assert.equal(pixelOf(bad), null, String(bad));
});

test('a horizontal line: one pixel per column, on its row', () => {
  const xs = Array.from({ length: 101 }, (_, i) => 10 + i);
  const px = draw(xs, xs.map(() => 30));
  assert.deepEqual(px, xs.map((x) => [x, 30]));
});

test('a vertical jump fills its column; a one-column step splits no pixel off the line', () => {
  const px = draw([10, 10, 11], [5, 40, 40]);
  for (let j = 5; j <= 40; j++) assert.ok(px.some(([i, jj]) => i === 10 && jj === j), `row ${j} of column 10`);
  for (const [i, j] of px) assert.ok(distanceToPolyline(i, j, [10, 10, 11], [5, 40, 40]) <= 1, `(${i}, ${j})`);
});

for (const [name, perPx, thick] of [['dense (one-pixel)', 3, false], ['sparse (thick)', 0.5, true], ['very sparse (thick)', 0.05, true]]) {
  test(`random lines, ${name}: every pixel near the line, every point drawn`, () => {
    const r = rng(perPx * 100);
    for (let trial = 0; trial < 20; trial++) {
      const n = Math.max(2, Math.round(W * perPx));
      const xs = Array.from({ length: n }, (_, i) => (i * (W - 1)) / (n - 1));
      const ys = xs.map(() => r() * (H - 1));
      const px = draw(xs, ys, { thick });
      // one-pixel lines: the pixels of a step lie in one of its two columns;
      // thick ones add the neighbour column or row
      const tol = thick ? 2 : 1.5;
      for (const [i, j] of px) {
        const d = distanceToPolyline(i, j, xs, ys);
        assert.ok(d <= tol, `trial ${trial}: pixel (${i}, ${j}) is ${d.toFixed(2)} px off the line`);
      }
      for (let k = 0; k < n; k++) {
        assert.ok(px.some(([i, j]) => Math.abs(i - xs[k]) <= 1 && Math.abs(j - ys[k]) <= 1), `trial ${trial}: point ${k} (${xs[k]}, ${ys[k]}) not drawn`);
      }
    }
  });
}

test('clipping: points far outside draw only the part inside, never wrap into the next row', () => {
  // from far left-above to far right-below through the buffer
  const xs = [-1e6, 1e6];
  const ys = [-1e6 * 0.01 + 30, 1e6 * 0.01 + 30];
  const px = draw(xs, ys);
  assert.ok(px.length >= W - 2, `${px.length} pixels`);
  for (const [i, j] of px) assert.ok(distanceToPolyline(i, j, xs, ys) <= 1.5, `(${i}, ${j})`);
  // a line entirely to the right, one below: nothing
  assert.deepEqual(draw([W + 5, W + 50], [10, 20]), []);
  assert.deepEqual(draw([5, 50], [H + 3, H + 9]), []);
  // just left of the first column, and past 2^32 (where | 0 would wrap to 5)
  assert.deepEqual(draw([-1.2, -1.1, -0.9], [10, 11, 12]), []);
  assert.deepEqual(draw([2 ** 32 + 5, 2 ** 32 + 5.5], [10, 11]), []);
  assert.deepEqual(draw([10, 11], [2 ** 32 + 5, 2 ** 32 + 6]), []);
  // a dense line running off the right edge: no pixel in the first columns
  const xs2 = Array.from({ length: 400 }, (_, i) => W - 40 + i * 0.5);
  const px2 = draw(xs2, xs2.map((_, i) => 10 + (i % 7)));
  assert.ok(px2.every(([i]) => i >= W - 41), 'nothing wrapped to the left edge');
});

test('hostile values: NaN, ±Infinity, ±MAX_VALUE, reversed x, log of non-positive', () => {
  const v = [NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, 1e308, 0, -1, 5, 20];
  const xs = [3, 90, 7, 40, 2, 100, 50, 60, 70, 10];
  for (const log of [false, true]) {
    for (const thick of [false, true]) {
      assert.doesNotThrow(() => draw(xs, v, { log, thick }));
      assert.doesNotThrow(() => draw(v, xs, { log, thick }));
    }
  }
  // a gap (NaN) splits the line: no pixel between 20 and 40
  const px = draw([10, 20, 30, 40, 50], [10, 10, NaN, 10, 10]);
  assert.ok(px.every(([i]) => i <= 20 || i >= 40), JSON.stringify(px.filter(([i]) => i > 20 && i < 40)));
});

test('an isolated point is a dot, in a gap too', () => {
  const px = draw([50], [30]);
  assert.ok(px.length >= 12, `${px.length} pixels`);
  for (const [i, j] of px) assert.ok(Math.hypot(i - 50, j - 30) <= 2.5, `(${i}, ${j})`);
  const gap = draw([10, 20, 30, 40, 50], [10, NaN, 30, NaN, 10]);
  assert.ok(gap.some(([i, j]) => i === 30 && j === 30) && gap.length >= 36, 'three dots');
});
