// charts.test.mjs - the scalar charts a user reads at a glance (issue #11):
// smoothing over every stored point at any zoom, readable axes, long run
// names, filters, one-point series, outliers, sticky header, status line,
// PNG legend and URL state against remembered preferences.
//
// A generated logdir (tfrecord.mjs writes what real writers write) holds the
// cases; the axis checks also run on the real fixtures (tests/data) and the
// demo logdir (scripts/demo-logdir). Each check reads what the page drew
// through window.__tbserve or the canvas pixels.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT, OUT, TBSERVE, tempDir, copyDir, startServer, launch, openPage, sleep } from './harness.mjs';
import { eventRecord, scalarEventEncoder } from './tfrecord.mjs';
import { tensorboardSmoothing } from './tb_smoothing.mjs';
import { rng } from './rng.mjs';

const LONG_STEPS = 200000;
const GEN_LOGDIR = process.env.GEN_LOGDIR || path.join(path.dirname(TBSERVE), '../bench/gen_logdir');
export const LONG_NAMES = ['A', 'B', 'C', 'D'].map((s) => `tf0.x-filewriter__shekkizh_FCN.tensorflow__logs_run_${s}`);
const WALL0 = 1700000000;

/** Writes the test logdir; returns {noisy: float32 values of run `long`, tag `noisy`}. */
export function writeLogdir(dir) {
  const file = (run) => {
    fs.mkdirSync(path.join(dir, run), { recursive: true });
    return path.join(dir, run, `events.out.tfevents.${WALL0}.test.0`);
  };
  const rand = rng(7);
  // 200,000 noisy steps: the smoothed line must be TensorBoard's over all of them
  const enc = scalarEventEncoder(['noisy']);
  const noisy = new Float32Array(LONG_STEPS);
  const chunks = [eventRecord({ wall: WALL0, step: 0, fileVersion: 'brain.Event:2' })];
  for (let s = 0; s < LONG_STEPS; s++) {
    noisy[s] = Math.sin(s / 9000) + (rand() - 0.5) * 1.5;
    chunks.push(enc(WALL0 + s * 0.01, s, [noisy[s]]));
  }
  fs.writeFileSync(file('long'), Buffer.concat(chunks));
  // runs whose names differ only at the end; a narrow value range (the y
  // axis once printed 0.241 five times) and 0.5 s between steps
  LONG_NAMES.forEach((run, r) => {
    const recs = [eventRecord({ wall: WALL0, step: 0, fileVersion: 'brain.Event:2' })];
    for (let s = 0; s < 60; s++) {
      recs.push(eventRecord({ wall: WALL0 + s * 0.5, step: s * 10, scalars: { loss: 1.4 + 0.001 * Math.sin(s / 5 + r), narrow: 0.2410 + 0.0004 * ((s * 7 + r) % 11) / 10 } }));
    }
    // four noisy lines of 2,000 steps: a dense chart (one-pixel lines)
    for (let s = 0; s < 2000; s++) {
      recs.push(eventRecord({ wall: WALL0 + 30 + s * 0.01, step: s, scalars: { dense: Math.sin(s / 300 + r) + (rand() - 0.5) } }));
    }
    fs.writeFileSync(file(run), Buffer.concat(recs));
  });
  // add_hparams: one point per metric; a short Keras chart with extreme ends
  fs.writeFileSync(file('hparams_run'), Buffer.concat([
    eventRecord({ wall: WALL0, step: 0, fileVersion: 'brain.Event:2' }),
    eventRecord({ wall: WALL0 + 1, step: 0, scalars: { 'hparam/accuracy': 0.87 } }),
  ]));
  const keras = [3.0, 0.9, 0.8, 0.75, 0.7, 0.68, 0.66, 0.05];
  fs.writeFileSync(file('keras_train'), Buffer.concat([
    eventRecord({ wall: WALL0, step: 0, fileVersion: 'brain.Event:2' }),
    ...keras.map((v, s) => eventRecord({ wall: WALL0 + 60 * s, step: s, scalars: { epoch_loss: v } })),
  ]));
  // more runs for the palette: 25 in all
  for (let r = 0; r < 18; r++) {
    fs.writeFileSync(file(`sweep_${String(r).padStart(2, '0')}`), Buffer.concat([
      eventRecord({ wall: WALL0, step: 0, fileVersion: 'brain.Event:2' }),
      ...[0, 1, 2].map((s) => eventRecord({ wall: WALL0 + s, step: s, scalars: { sweep: r + s } })),
    ]));
  }
  return { noisy };
}

let server;
let browser;
let logdir;
let data;
let P;

const allow = (text, where) => /\/favicon\.ico$/.test(where);
const snap = (page, opts) => page.evaluate((o) => window.__tbserve.snapshot(o), opts || {});
const shot = (page, name) => page.screenshot({ path: path.join(OUT, `${name}.png`) });

/** Scroll the card of `tag` into view and wait until it is drawn and up to date. */
async function drawnCard(page, tag) {
  await page.evaluate((t) => {
    const el = [...document.querySelectorAll('.scalar-card')].find((c) => c.dataset.tag === t);
    el.scrollIntoView({ block: 'center' });
  }, tag);
  await page.waitForFunction((t) => {
    const c = window.__tbserve.snapshot({ points: false }).scalars.find((x) => x.tag === t);
    return c && c.drawn && c.onScreen && c.fresh && c.series.length > 0;
  }, tag, { timeout: 20000 });
  return (await snap(page, { points: false })).scalars.find((c) => c.tag === tag);
}

/**
 * Wait until every card on screen is drawn and up to date (while the
 * smoothing slider is dragged: every card whose chart is in the viewport).
 */
async function settled(page) {
  await sleep(50);
  await page.waitForFunction(() => {
    const s = window.__tbserve.snapshot({ points: false });
    return s.scalars.every((c) => !c.onScreen || (c.drawn && c.fresh) || (s.state.dragging && !c.inView));
  }, null, { timeout: 20000 });
}

async function setSmoothing(page, w) {
  await page.fill('.smoothing-number', String(w));
  await page.dispatchEvent('.smoothing-number', 'change');
  await settled(page);
}

before(async () => {
  logdir = tempDir('tbui-charts-');
  data = writeLogdir(logdir);
  server = await startServer(logdir, ['--reload_interval', '0']);
  for (let t0 = Date.now(); !/loaded \d+ runs/.test(server.log());) {
    if (Date.now() - t0 > 30000) throw new Error(`not loaded: ${server.log()}`);
    await sleep(50);
  }
  browser = await launch();
  P = await openPage(browser, server.url, { allow });
  await P.page.waitForFunction(() => window.__tbserve.timings().firstChartPainted !== null);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (logdir) fs.rmSync(logdir, { recursive: true, force: true });
});

/** The drawn smoothed values of (tag, run) against TensorBoard's EMA over all stored points. */
async function checkSmoothed(page, tag, run, all, weight, what) {
  const s = await page.evaluate(([t, r]) => window.__tbserve.series(t, r), [tag, run]);
  assert.ok(s && s.n > 10, `${what}: drawn`);
  assert.ok(s.n < all.length / 10, `${what}: the chart got buckets, not every point (${s.n})`);
  const expected = tensorboardSmoothing(Array.from(all), weight);
  for (let k = 0; k < 10; k++) {
    const i = Math.floor((k + 0.5) * s.n / 10);
    const step = s.step[i];
    const e = expected[step];
    assert.ok(Math.abs(s.smooth[i] - e) <= 1e-6 * Math.max(1, Math.abs(e)),
      `${what}: smoothed at step ${step}: drawn ${s.smooth[i]}, TensorBoard ${e}`);
  }
}

describe('smoothing', () => {
  it('draws TensorBoard\'s EMA over every stored point, at any zoom and weight', async () => {
    const { page } = P;
    await setSmoothing(page, 0.6);
    await drawnCard(page, 'noisy');
    await checkSmoothed(page, 'noisy', 'long', data.noisy, 0.6, 'whole series');
    await shot(page, 'charts-smoothing');
    // drag-zoom into the middle
    const box = await page.locator('.scalar-card[data-tag="noisy"] .chart-overlay').boundingBox();
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 3 });
    await page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.5, { steps: 3 });
    await page.mouse.up();
    await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).scalars.find((x) => x.tag === 'noisy').zoomed);
    await drawnCard(page, 'noisy');
    await checkSmoothed(page, 'noisy', 'long', data.noisy, 0.6, 'zoomed');
    await setSmoothing(page, 0.95);
    await drawnCard(page, 'noisy');
    await checkSmoothed(page, 'noisy', 'long', data.noisy, 0.95, 'zoomed, weight 0.95');
    await page.mouse.dblclick(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await page.waitForFunction(() => !window.__tbserve.snapshot({ points: false }).scalars.find((x) => x.tag === 'noisy').zoomed);
    await drawnCard(page, 'noisy');
    await checkSmoothed(page, 'noisy', 'long', data.noisy, 0.95, 'unzoomed, weight 0.95');
    await setSmoothing(page, 0.6);
    assert.deepEqual(P.errors, []);
  });
});

/** Tick values 1, 2 or 5 × 10^k apart. */
function assertNice(values, what) {
  if (values.length < 2) return;
  const d = values[1] - values[0];
  for (let i = 2; i < values.length; i++) {
    assert.ok(Math.abs(values[i] - values[i - 1] - d) <= 1e-9 * Math.abs(d) + 1e-12, `${what}: even ticks ${values}`);
  }
  const m = d / Math.pow(10, Math.floor(Math.log10(d) + 1e-9));
  assert.ok([1, 2, 5, 10].some((x) => Math.abs(m - x) < 1e-6), `${what}: step ${d} is not 1, 2 or 5 × 10^k (${values})`);
}

/** Every tag's chart in every x mode: labels unique on both axes, round values. */
async function checkAxes(page, name) {
  const tags = await page.$$eval('.scalar-card', (els) => els.map((e) => e.dataset.tag));
  assert.ok(tags.length > 0, `${name}: cards`);
  for (const mode of ['step', 'relative', 'wall']) {
    await page.click(`[data-set="xAxis=${mode}"]`);
    await settled(page);
    for (const tag of tags) {
      const c = await drawnCard(page, tag);
      const what = `${name}, ${mode} axis, "${tag}"`;
      assert.ok(c.xLabels.length >= 2, `${what}: x labels ${c.xLabels}`);
      assert.ok(c.yLabels.length >= 2, `${what}: y labels ${c.yLabels}`);
      assert.equal(new Set(c.xLabels).size, c.xLabels.length, `${what}: x labels repeat: ${c.xLabels}`);
      assert.equal(new Set(c.yLabels).size, c.yLabels.length, `${what}: y labels repeat: ${c.yLabels}`);
      if (c.yType === 'linear') assertNice(c.yTicks, `${what}: y`);
      if (mode === 'step') assertNice(c.xTicks, `${what}: x`);
    }
    await page.screenshot({ path: path.join(OUT, `charts-axes-${name}-${mode}.png`) });
  }
  await page.click('[data-set="xAxis=step"]');
  await settled(page);
}

/** Drag-zoom a card over [a, b] of its plot width. */
async function dragZoom(page, tag, a, b) {
  await drawnCard(page, tag);
  const box = await page.locator(`.scalar-card[data-tag="${tag}"] .chart-overlay`).boundingBox();
  await page.mouse.move(box.x + box.width * a, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * (a + b) / 2, box.y + box.height * 0.5, { steps: 3 });
  await page.mouse.move(box.x + box.width * b, box.y + box.height * 0.5, { steps: 3 });
  await page.mouse.up();
  await page.waitForFunction((t) => window.__tbserve.snapshot({ points: false }).scalars.find((x) => x.tag === t).zoomed, tag);
  return drawnCard(page, tag);
}

describe('axes', () => {
  it('labels differ and sit at round values on every axis, mode and zoom (generated logdir)', async () => {
    const { page } = P;
    await checkAxes(page, 'generated');
    // zoomed step ranges: 94k–102k once printed "99k"; narrow zooms must still differ
    for (const [a, b] of [[0.45, 0.52], [0.5, 0.515], [0.3, 0.9]]) {
      const c = await dragZoom(page, 'noisy', a, b);
      assert.equal(new Set(c.xLabels).size, c.xLabels.length, `zoomed x labels repeat: ${c.xLabels}`);
      assert.equal(new Set(c.yLabels).size, c.yLabels.length, `zoomed y labels repeat: ${c.yLabels}`);
      assertNice(c.xTicks, 'zoomed x');
      await page.dblclick('.scalar-card[data-tag="noisy"] .chart-overlay');
      await page.waitForFunction(() => !window.__tbserve.snapshot({ points: false }).scalars.find((x) => x.tag === 'noisy').zoomed);
    }
    assert.deepEqual(P.errors, []);
  });

  // 300 runs as gen_logdir writes them (PyTorch's layout, plausible curves)
  const make300 = (tmp) => execFileSync(GEN_LOGDIR, ['--runs', '300', '--tags', '4', '--steps', '60', '--hist-every', '0', tmp]);
  for (const [name, fill] of [
    ['fixtures', (tmp) => copyDir(path.join(ROOT, 'tests/data/golden/logdir-small'), tmp)],
    ['demo', (tmp) => copyDir(path.join(ROOT, 'scripts/demo-logdir'), tmp)],
    ['300-run', make300],
  ]) {
    it(`labels differ and sit at round values on the ${name} logdir`, async () => {
      const tmp = tempDir(`tbui-axes-${name}-`);
      fill(tmp);
      const s = await startServer(tmp, ['--reload_interval', '0']);
      const Q = await openPage(browser, s.url, { allow: (t, w) => allow(t, w) || /\/x$/.test(w) });
      try {
        await Q.page.waitForFunction(() => window.__tbserve.timings().firstChartPainted !== null, null, { timeout: 20000 });
        await checkAxes(Q.page, name);
        assert.deepEqual(Q.errors, []);
      } finally {
        await Q.context.close();
        await s.stop();
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });
  }
});

/** Pixels of the plot area of card `tag` within `tol` of colour `hex`. */
async function colourPixels(page, tag, hex, tol = 30) {
  return page.evaluate(([t, h, tl]) => {
    const c = window.__tbserve.snapshot({ points: false }).scalars.find((x) => x.tag === t);
    const a = c.area;
    const cv = document.querySelector(`.scalar-card[data-tag="${CSS.escape(t)}"] canvas`);
    const { data } = cv.getContext('2d').getImageData(a.left * c.dpr, a.top * c.dpr, (a.right - a.left) * c.dpr, (a.bottom - a.top) * c.dpr);
    const n = parseInt(h.slice(1), 16);
    const rgb = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - rgb[0]) + Math.abs(data[i + 1] - rgb[1]) + Math.abs(data[i + 2] - rgb[2]) <= tl) count++;
    }
    return count;
  }, [tag, hex, tol]);
}

const currentUrl = (page) => page.evaluate(() => location.href);

/**
 * The smoothed points of a card's last series in the pixels of the
 * pixels() region (device px from the chart area's top-left): all of them,
 * and those inside the area.
 */
function geometry(k) {
  const a = k.area;
  const d = k.dpr;
  const x0 = Math.floor(a.left * d);
  const y0 = Math.floor(a.top * d);
  const s = k.series[k.series.length - 1];
  const all = [];
  const inside = [];
  for (let i = 0; i < s.x.length; i++) {
    const px = (a.left + (s.x[i] - k.xMin) / (k.xMax - k.xMin) * (a.right - a.left)) * d - x0;
    const py = (a.bottom - (s.smooth[i] - k.yMin) / (k.yMax - k.yMin) * (a.bottom - a.top)) * d - y0;
    all.push([px, py]);
    if (px >= -1 && px <= (a.right - a.left) * d + 1 && py >= -1 && py <= (a.bottom - a.top) * d + 1) inside.push([px, py]);
  }
  return { all, inside };
}

/** Distance from (x, y) to the polyline through pts. */
function distanceToPolyline(x, y, pts) {
  let best = Infinity;
  for (let i = 0; i + 1 < pts.length; i++) {
    const [ax, ay] = pts[i];
    const [bx, by] = pts[i + 1];
    const dx = bx - ax;
    const dy = by - ay;
    const len = dx * dx + dy * dy;
    const t = len ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len)) : 0;
    const ex = ax + t * dx - x;
    const ey = ay + t * dy - y;
    best = Math.min(best, Math.hypot(ex, ey));
  }
  return best;
}

describe('drawing', () => {
  it('draws a one-point series as a dot', async () => {
    const { page } = P;
    const c = await drawnCard(page, 'hparam/accuracy');
    assert.equal(c.series.length, 1);
    assert.equal(c.series[0].n, 1);
    const px = await colourPixels(page, 'hparam/accuracy', c.series[0].color);
    assert.ok(px >= 12, `one-point series: ${px} pixels of its colour drawn`);
    await page.locator('.scalar-card[data-tag="hparam/accuracy"]').screenshot({ path: path.join(OUT, 'charts-one-point.png') });
  });

  // the smoothing slider's fast lines (static/fastlines.js): epoch_loss has
  // 8 points (segments across many pixel columns), noisy 200,000 reduced to
  // about three per pixel (steps within a column), dense four such lines
  // (one-pixel lines: steps to the next column drawn in one column)
  it('draws the same smoothed lines while the slider is dragged as on its release', async () => {
    const { page } = P;
    for (const tag of ['epoch_loss', 'noisy', 'dense']) {
      await setSmoothing(page, 0.3);
      const c = await drawnCard(page, tag);
      assert.equal(c.series.length, tag === 'dense' ? 4 : 1);
      // the line drawn last (on top): its colour is never drawn over
      const hex = c.series[c.series.length - 1].color;
      // the pixels of the run's colour (at least half covered), and how many are partly covered
      const pixels = () => page.evaluate(([t, h]) => {
        const k = window.__tbserve.snapshot({ points: false }).scalars.find((x) => x.tag === t);
        const a = k.area;
        const cv = document.querySelector(`.scalar-card[data-tag="${CSS.escape(t)}"] canvas`);
        const x0 = Math.floor(a.left * k.dpr);
        const y0 = Math.floor(a.top * k.dpr);
        const w = Math.ceil(a.right * k.dpr) - x0;
        const hh = Math.ceil(a.bottom * k.dpr) - y0;
        const { data } = cv.getContext('2d').getImageData(x0, y0, w, hh);
        const n = parseInt(h.slice(1), 16);
        const rgb = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
        const near = [];
        let blended = 0;
        // the canvas is transparent under the lines: a line's pixels hold its
        // colour and their coverage in alpha (the faint raw line: alpha 0.25)
        for (let i = 0; i < data.length; i += 4) {
          const d = Math.abs(data[i] - rgb[0]) + Math.abs(data[i + 1] - rgb[1]) + Math.abs(data[i + 2] - rgb[2]);
          if (d <= 60 && data[i + 3] >= 128) near.push([(i / 4) % w, Math.floor(i / 4 / w)]);
          if (d <= 60 && data[i + 3] > 0 && data[i + 3] < 255) blended++;
        }
        return { near, blended };
      }, [tag, hex]);
      await page.evaluate(() => {
        const range = document.querySelector('.smoothing-range');
        range.value = '0.9';
        range.dispatchEvent(new Event('input', { bubbles: true }));
      });
      await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).state.smoothing === 0.9);
      await settled(page);
      const dragged = await pixels();
      // every pixel drawn lies within 2 px of the polyline through the
      // smoothed points, and every point has a drawn pixel within 2 px
      const k = (await snap(page)).scalars.find((x) => x.tag === tag);
      const { all, inside: pts } = geometry(k);
      const farFromLine = dragged.near.filter(([i, j]) => distanceToPolyline(i + 0.5, j + 0.5, all) > 2);
      const undrawn = pts.filter(([x, y]) => !dragged.near.some(([i, j]) => Math.abs(i + 0.5 - x) <= 2 && Math.abs(j + 0.5 - y) <= 2));
      assert.ok(pts.length >= 8, `${tag}: ${pts.length} points in the chart area`);
      assert.equal(farFromLine.length, 0, `${tag}: while dragging, ${farFromLine.length} pixels more than 2 px off the smoothed line, e.g. ${JSON.stringify(farFromLine.slice(0, 5))}`);
      assert.equal(undrawn.length, 0, `${tag}: while dragging, ${undrawn.length} smoothed points with no pixel drawn near, e.g. ${JSON.stringify(undrawn.slice(0, 5))}`);
      const card = page.locator(`.scalar-card[data-tag="${tag}"]`);
      await card.screenshot({ path: path.join(OUT, `charts-slider-dragged-${tag}.png`) });
      await page.dispatchEvent('.smoothing-range', 'change');
      await settled(page);
      const released = await pixels();
      await card.screenshot({ path: path.join(OUT, `charts-slider-released-${tag}.png`) });
      // the fast path writes whole pixels of the colour (no anti-aliasing): proof that it drew
      assert.equal(dragged.blended, 0, `${tag}: while dragging, no anti-aliased pixels of the run's colour`);
      assert.ok(released.blended > 0, `${tag}: on release, Chart.js strokes (anti-aliased) again`);
      assert.ok(dragged.near.length >= 100, `${tag}: while dragging, ${dragged.near.length} pixels drawn`);
      // every pixel drawn while dragging lies on the released line and the
      // other way round (for the sparse line: a dense one's anti-aliased
      // stroke covers most of its pixels by less than half, so the check
      // above, against the points themselves, is the one that holds there)
      if (tag !== 'epoch_loss') continue;
      const within = (p, set) => set.some((q) => Math.abs(p[0] - q[0]) <= 2 && Math.abs(p[1] - q[1]) <= 2);
      const off = (from, to) => from.filter((p) => !within(p, to));
      const stray = off(dragged.near, released.near);
      const missed = off(released.near, dragged.near);
      assert.ok(stray.length === 0, `${tag}: while dragging, ${stray.length} pixels off the released line, e.g. ${JSON.stringify(stray.slice(0, 5))}`);
      assert.ok(missed.length === 0, `${tag}: ${missed.length} pixels of the released line not drawn while dragging, e.g. ${JSON.stringify(missed.slice(0, 5))}`);
    }
    await setSmoothing(page, 0.6);
    assert.deepEqual(P.errors, []);
  });

  it('redraws while the slider is dragged only the charts in the viewport, the rest as they scroll in and on release', async () => {
    const { page } = P;
    await setSmoothing(page, 0.6);
    const input = (w) => page.evaluate((v) => {
      const range = document.querySelector('.smoothing-range');
      range.value = String(v);
      range.dispatchEvent(new Event('input', { bubbles: true }));
    }, w);
    const card = (t) => page.evaluate((tt) => window.__tbserve.snapshot({ points: false }).scalars.find((x) => x.tag === tt), t);
    // the last card, its chart 60 px below the viewport: inside the 300 px
    // the board draws ahead, so it is drawn, but not in view
    const tag = await page.evaluate(() => {
      const cards = document.querySelectorAll('.scalar-card');
      const el = cards[cards.length - 1];
      el.scrollIntoView({ block: 'center' });
      window.scrollBy(0, el.querySelector('.chart-host').getBoundingClientRect().top - innerHeight - 60);
      return el.dataset.tag;
    });
    await page.waitForFunction((t) => {
      const c = window.__tbserve.snapshot({ points: false }).scalars.find((x) => x.tag === t);
      return c && c.onScreen && c.inView === false && c.drawn && c.fresh;
    }, tag, { timeout: 20000 });
    await input(0.85);
    await settled(page);
    const inView = (await snap(page, { points: false })).scalars.filter((c) => c.onScreen && c.inView);
    assert.ok(inView.length > 0 && inView.every((c) => c.fresh), 'the charts in view are redrawn');
    assert.equal((await card(tag)).fresh, false, `${tag}, below the viewport, waits while the slider is dragged`);
    // scrolled in during the drag: drawn then
    await page.evaluate(() => window.scrollBy(0, 250));
    await page.waitForFunction((t) => {
      const c = window.__tbserve.snapshot({ points: false }).scalars.find((x) => x.tag === t);
      return c.inView && c.fresh;
    }, tag, { timeout: 20000 });
    await page.evaluate(() => window.scrollBy(0, -250));
    await page.waitForFunction((t) => window.__tbserve.snapshot({ points: false }).scalars.find((x) => x.tag === t).inView === false, tag);
    await input(0.7);
    await settled(page);
    assert.equal((await card(tag)).fresh, false, `${tag} waits again`);
    // the release draws every card on screen, in view or not
    await page.dispatchEvent('.smoothing-range', 'change');
    await settled(page);
    assert.equal((await card(tag)).fresh, true, `${tag} is drawn on release`);
    await setSmoothing(page, 0.6);
    await page.evaluate(() => window.scrollTo(0, 0));
    assert.deepEqual(P.errors, []);
  });

  it('shows every digit of the smoothing weight in its box', async () => {
    const { page } = P;
    await setSmoothing(page, 0.999);
    const fit = await page.evaluate(() => {
      const box = document.querySelector('.smoothing-number');
      return { value: box.value, scroll: box.scrollWidth, client: box.clientWidth };
    });
    assert.equal(fit.value, '0.999');
    assert.ok(fit.scroll <= fit.client, `"0.999" needs ${fit.scroll} px, the box shows ${fit.client}`);
    await setSmoothing(page, 0.6);
  });

  it('keeps every series\' own first and last point in view with "ignore outliers" on', async () => {
    const { page } = P;
    assert.equal(await page.isChecked('.outliers'), true, 'ignore outliers is on by default');
    const c = (await snap(page)).scalars.find((x) => x.tag === 'epoch_loss') || await drawnCard(page, 'epoch_loss');
    await drawnCard(page, 'epoch_loss');
    const d = (await snap(page)).scalars.find((x) => x.tag === 'epoch_loss');
    for (const s of d.series) {
      const first = s.smooth[0];
      const last = s.smooth[s.smooth.length - 1];
      for (const v of [first, last]) assert.ok(v >= d.yMin && v <= d.yMax, `${s.run}: endpoint ${v} outside [${d.yMin}, ${d.yMax}]`);
    }
    assert.ok(c);
    await page.locator('.scalar-card[data-tag="epoch_loss"]').screenshot({ path: path.join(OUT, 'charts-outliers.png') });
  });

  it('keeps the header, tabs and sidebar in view when the page scrolls', async () => {
    const { page } = P;
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await sleep(100);
    const r = await page.evaluate(() => {
      const box = (sel) => document.querySelector(sel).getBoundingClientRect().toJSON();
      return { scrolled: window.scrollY, top: box('.topbar'), tabs: box('.tabs'), side: box('.sidebar') };
    });
    assert.ok(r.scrolled > 300, `the page scrolled (${r.scrolled})`);
    assert.equal(r.top.top, 0, 'header at the top');
    assert.ok(r.tabs.bottom > 0 && r.tabs.top >= 0, 'tabs in view');
    assert.equal(Math.round(r.side.top), Math.round(r.top.bottom), 'sidebar right under the header');
    await shot(page, 'charts-scrolled');
    await page.evaluate(() => window.scrollTo(0, 0));
  });

  it('puts a legend of the drawn runs in the PNG download', async () => {
    const { page } = P;
    const c = await drawnCard(page, 'loss');
    const card = page.locator('.scalar-card[data-tag="loss"]');
    await card.locator('summary').click();
    const [dl] = await Promise.all([page.waitForEvent('download'), card.locator('[data-act=png]').click()]);
    const png = fs.readFileSync(await dl.path());
    fs.writeFileSync(path.join(OUT, 'charts-download.png'), png);
    const res = await page.evaluate(async ([b64, colors]) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const cv = document.querySelector('.scalar-card[data-tag="loss"] canvas');
      const band = document.createElement('canvas');
      band.width = img.width;
      band.height = img.height - cv.height; // title + legend: everything but the chart
      const ctx = band.getContext('2d');
      ctx.drawImage(img, 0, 0);
      ctx.clearRect(0, 0, band.width, 30); // not the title
      const { data } = ctx.getImageData(0, 0, band.width, band.height);
      const found = colors.map((h) => {
        const n = parseInt(h.slice(1), 16);
        for (let i = 0; i < data.length; i += 4) {
          if (Math.abs(data[i] - ((n >> 16) & 255)) + Math.abs(data[i + 1] - ((n >> 8) & 255)) + Math.abs(data[i + 2] - (n & 255)) < 12) return true;
        }
        return false;
      });
      return { found, extra: img.height - cv.height };
    }, [png.toString('base64'), c.series.map((s) => s.color)]);
    assert.ok(res.extra > 30 + 18 * c.series.length / 4, `room for a legend below the chart (${res.extra} px)`);
    assert.deepEqual(res.found, c.series.map(() => true), 'every run\'s colour is in the legend');
  });
});

describe('runs', () => {
  it('gives 20 runs 20 different colours', async () => {
    const s = await snap(P.page, { points: false });
    assert.ok(s.runs.length >= 20);
    const colours = s.runs.slice(0, 20).map((r) => r.color);
    assert.equal(new Set(colours).size, 20, `palette repeats: ${colours}`);
  });

  it('shortens long run names in the middle, full name on hover, in the list and the tooltip', async () => {
    const { page } = P;
    const rows = await page.evaluate((names) => names.map((n) => {
      const row = [...document.querySelectorAll('.run-row')].find((r) => r.dataset.run === n);
      const list = document.querySelector('.run-list').getBoundingClientRect();
      const tail = row.querySelector('.name-tail');
      const head = row.querySelector('.name-head');
      return {
        title: row.querySelector('.run-name').title || row.title,
        tail: tail ? tail.textContent : null,
        tailInside: tail ? tail.getBoundingClientRect().right <= list.right + 0.5 : false,
        cut: head ? head.scrollWidth > head.clientWidth : false,
      };
    }), LONG_NAMES);
    rows.forEach((r, i) => {
      assert.equal(r.title, LONG_NAMES[i]);
      assert.ok(r.tail && LONG_NAMES[i].endsWith(r.tail) && r.tail.endsWith(`run_${'ABCD'[i]}`), `tail ${r.tail}`);
      assert.ok(r.tailInside, `${LONG_NAMES[i]}: the end is visible`);
      assert.ok(r.cut, `${LONG_NAMES[i]}: cut in the middle`);
    });
    // the tooltip over the chart of these runs shows their ends too
    await drawnCard(page, 'loss');
    const box = await page.locator('.scalar-card[data-tag="loss"] .chart-overlay').boundingBox();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await page.waitForSelector('.chart-tooltip:not([hidden])');
    const tips = await page.$$eval('.chart-tooltip tbody tr:not([hidden])', (trs) => trs.map((tr) => {
      const cell = tr.cells[1];
      const tail = cell.querySelector('.name-tail');
      const r = cell.getBoundingClientRect();
      return { title: cell.querySelector('[title]')?.title, tail: tail?.textContent, visible: tail ? tail.getBoundingClientRect().right <= r.right + 0.5 : false };
    }));
    assert.equal(tips.length, 4);
    for (const t of tips) {
      assert.ok(LONG_NAMES.includes(t.title), `tooltip row names its run in full on hover: ${t.title}`);
      assert.ok(t.visible && /run_[ABCD]$/.test(t.tail), `tooltip shows the end of the name: ${t.tail}`);
    }
    await shot(page, 'charts-long-names');
    await page.mouse.move(0, 0);
  });

  it('lets the sidebar be resized', async () => {
    const { page } = P;
    const w0 = (await page.locator('.sidebar').boundingBox()).width;
    const grip = await page.locator('.sidebar-resizer').boundingBox();
    await page.mouse.move(grip.x + grip.width / 2, grip.y + 200);
    await page.mouse.down();
    await page.mouse.move(grip.x + grip.width / 2 + 80, grip.y + 200, { steps: 4 });
    await page.mouse.move(grip.x + grip.width / 2 + 150, grip.y + 200, { steps: 4 });
    await page.mouse.up();
    const w1 = (await page.locator('.sidebar').boundingBox()).width;
    assert.ok(Math.abs(w1 - w0 - 150) <= 4, `sidebar ${w0} → ${w1} px`);
    await shot(page, 'charts-wide-sidebar');
    await page.evaluate(() => document.documentElement.style.removeProperty('--sidebar-w'));
  });

  it('keeps a picked run colour in the URL', async () => {
    const { page } = P;
    const run = 'keras_train';
    await page.click(`.run-row[data-run="${run}"] .swatch`);
    await page.$eval('.run-color-input', (el) => {
      el.value = '#123456';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForFunction((r) => window.__tbserve.snapshot({ points: false }).runs.find((x) => x.name === r).color === '#123456', run);
    await page.keyboard.press('Escape'); // closes the browser's colour chooser
    assert.equal(await page.isChecked(`.run-row[data-run="${run}"] input`), true, 'the click picked a colour, it did not hide the run');
    await page.waitForFunction(() => location.search.includes('color='));
    const url = await currentUrl(page);
    assert.ok(new URL(url).searchParams.getAll('color').includes(`123456:${run}`), url);
    const Q = await openPage(browser, url, { allow });
    const again = (await snap(Q.page, { points: false })).runs.find((x) => x.name === run);
    assert.equal(again.color, '#123456', 'the link keeps the colour');
    await Q.context.close();
  });
});

describe('filters', () => {
  for (const [box, key, value] of [['.tag-filter', 'tagFilter', 'loss'], ['.run-filter', 'runFilter', 'sweep']]) {
    it(`Esc in ${box} clears the box, the filter and the URL`, async () => {
      const { page } = P;
      const all = await page.$$eval('.scalar-card', (els) => els.length);
      await page.fill(box, value);
      await page.waitForFunction((k) => new URLSearchParams(location.search).has(k), key);
      await page.focus(box);
      await page.keyboard.press('Escape');
      await page.waitForFunction((k) => !new URLSearchParams(location.search).has(k), key, { timeout: 3000 }).catch(() => {});
      const after = await page.evaluate(([b, k]) => ({
        box: document.querySelector(b).value,
        url: new URLSearchParams(location.search).get(k),
        cards: document.querySelectorAll('.scalar-card').length,
        runs: window.__tbserve.snapshot({ points: false }).runs.filter((r) => r.drawn).length,
        total: window.__tbserve.snapshot({ points: false }).runs.length,
      }), [box, key]);
      assert.equal(after.box, '');
      assert.equal(after.url, null, `URL still has ${key}=`);
      assert.equal(after.cards, all, 'every tag is shown again');
      assert.equal(after.runs, after.total, 'every run is drawn again');
    });
  }

  it('counts the tags the filter leaves in the status line', async () => {
    const { page } = P;
    await page.fill('.tag-filter', 'loss');
    await page.waitForFunction(() => document.querySelectorAll('.scalar-card').length < 6);
    await sleep(50);
    const r = await page.evaluate(() => ({ text: document.querySelector('.status-line').textContent, cards: document.querySelectorAll('.scalar-card').length }));
    const m = /(\d+)(?: of \d+)? tags?\b/.exec(r.text);
    assert.ok(m, r.text);
    assert.equal(Number(m[1]), r.cards, `status "${r.text}" with ${r.cards} cards`);
    await page.fill('.tag-filter', '');
  });
});

describe('preferences', () => {
  /** A page whose localStorage remembers smoothing 0.9 and the wall-time axis. */
  async function withPrefs(url) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addInitScript(() => {
      localStorage.setItem('tbserve.prefs.v1', JSON.stringify({ smoothing: 0.9, xAxis: 'wall' }));
    });
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => window.__tbserve !== undefined);
    await sleep(300);
    return { context, page };
  }

  it('a link with view state shows that view, not remembered preferences', async () => {
    const { context, page } = await withPrefs(`${server.url}?tagFilter=loss`);
    const s = (await snap(page, { points: false })).state;
    assert.equal(s.smoothing, 0.6, 'smoothing: the default, as the link says');
    assert.equal(s.xAxis, 'step');
    assert.equal(await page.isVisible('.prefs-note'), false);
    await context.close();
  });

  it('a bare URL takes them, says so, and writes them into the URL', async () => {
    const { context, page } = await withPrefs(server.url);
    const s = (await snap(page, { points: false })).state;
    assert.equal(s.smoothing, 0.9);
    assert.equal(s.xAxis, 'wall');
    assert.equal(await page.isVisible('.prefs-note'), true, 'the page says local preferences apply');
    assert.match(await page.textContent('.prefs-note'), /smoothing 0\.9/);
    const q = new URL(await currentUrl(page)).searchParams;
    assert.equal(q.get('smoothing'), '0.9');
    assert.equal(q.get('xAxis'), 'wall');
    await page.screenshot({ path: path.join(OUT, 'charts-prefs-note.png') });
    await page.click('.prefs-reset');
    assert.equal((await snap(page, { points: false })).state.smoothing, 0.6);
    assert.equal(await page.isVisible('.prefs-note'), false);
    await context.close();
  });
});

describe('command line on the page', () => {
  it('names a log directory that does not exist yet, and says tbserve waits for it', async () => {
    const missing = path.join(tempDir('tbui-missing-'), 'not', 'there', 'yet');
    const s = await startServer(missing, ['--reload_interval', '1']);
    const Q = await openPage(browser, s.url, { allow: (t, w) => allow(t, w) || /data\/live/.test(w) });
    try {
      await Q.page.waitForSelector('.empty-state');
      await Q.page.waitForFunction((m) => document.querySelector('.empty-state').textContent.includes(m), missing, { timeout: 5000 });
      assert.match(await Q.page.textContent('.empty-state'), /does not exist yet, tbserve waits for it/);
      await Q.page.screenshot({ path: path.join(OUT, 'charts-missing-logdir.png') });
      assert.deepEqual(Q.errors, []);
    } finally {
      await Q.context.close();
      await s.stop();
    }
  });
});
