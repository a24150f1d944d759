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
import { ROOT, OUT, tempDir, copyDir, startServer, launch, openPage, sleep } from './harness.mjs';
import { eventRecord, scalarEventEncoder } from './tfrecord.mjs';
import { tensorboardSmoothing } from './tb_smoothing.mjs';
import { rng } from './rng.mjs';

const LONG_STEPS = 200000;
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

/** Wait until every card on screen is drawn and up to date. */
async function settled(page) {
  await sleep(50);
  await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).scalars
    .every((c) => !c.onScreen || (c.drawn && c.fresh)), null, { timeout: 20000 });
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

  for (const [name, dir] of [['fixtures', 'tests/data/golden/logdir-small'], ['demo', 'scripts/demo-logdir']]) {
    it(`labels differ and sit at round values on the ${name} logdir`, async () => {
      const tmp = tempDir(`tbui-axes-${name}-`);
      copyDir(path.join(ROOT, dir), tmp);
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
