// bench/dashboard.mjs - the dashboard's speed on a big logdir, measured in the browser.
// Run by bench/dashboard.sh (a release build); not part of the test command.
//
// 20 runs × 20 tags × 20,000 points (8 M points, ~180 MB of event files,
// generated once into tests/browser/out/big-logdir and reused). Measures,
// in a fresh page:
//   - first chart: ms from navigation start until the first chart has been
//     drawn and painted (target ≤ 300 ms), median of LOADS fresh loads
//   - hover: the work of each hover frame over a chart of 20 runs (binary
//     search per run, overlay redraw, tooltip) and the interval between
//     animation frames while the mouse moves (target < 16 ms)
// Then 300 runs × 4 tags × 500 steps (bench/out/many-logdir, from
// gen_logdir): first chart, a run filter, hover over a 300-run chart.
// Prints the numbers (docs/PERFORMANCE.md records them).
// TB_PERF_BUDGET=1 also fails when a target is missed.

import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { OUT, startServer, launch, openPage, stats, round, sleep, hasLive } from '../tests/browser/harness.mjs';
import { eventRecord, scalarEventEncoder } from '../tests/browser/tfrecord.mjs';
import { rng } from '../tests/browser/rng.mjs';

const RUNS = 20;
const TAGS = 20;
const POINTS = 20000;
const BIG = path.join(OUT, '../../../bench/out/big-logdir');
const STAMP = path.join(BIG, `.complete-v1-${RUNS}x${TAGS}x${POINTS}`);
const enforce = process.env.TB_PERF_BUDGET === '1';
// measured page loads (after one warm-up): the first-chart time varies by
// ±40 ms from load to load on a shared 2-core machine, so the median of a
// handful is what is compared with the target
const LOADS = 11;

const TAG_NAMES = [
  'loss/train', 'loss/val', 'accuracy/train', 'accuracy/val', 'lr', 'grad_norm/total',
  'grad_norm/encoder', 'grad_norm/decoder', 'gpu/memory_gb', 'gpu/util', 'throughput/samples_per_s',
  'throughput/tokens_per_s', 'perplexity/train', 'perplexity/val', 'weight_norm', 'loss/aux',
  'time/step_ms', 'time/data_ms', 'eval/bleu', 'eval/f1',
];


function generate() {
  if (fs.existsSync(STAMP)) return;
  fs.rmSync(BIG, { recursive: true, force: true });
  const t0 = Date.now();
  const enc = scalarEventEncoder(TAG_NAMES.slice(0, TAGS));
  for (let r = 0; r < RUNS; r++) {
    const dir = path.join(BIG, `run_${String(r).padStart(2, '0')}_lr${(0.1 / (r + 1)).toFixed(4)}`);
    fs.mkdirSync(dir, { recursive: true });
    const fd = fs.openSync(path.join(dir, `events.out.tfevents.1700000000.bench.${r}`), 'w');
    const rand = rng(r + 1);
    const wall0 = 1700000000 + r * 60;
    fs.writeSync(fd, eventRecord({ wall: wall0, step: 0, fileVersion: 'brain.Event:2' }));
    let chunk = [];
    const values = new Array(TAGS);
    for (let s = 0; s < POINTS; s++) {
      const decay = Math.exp(-s / (3000 + 300 * r));
      for (let k = 0; k < TAGS; k++) {
        const noise = (rand() - 0.5) * (0.1 + 0.05 * k);
        const spike = rand() < 0.0005 ? 5 * rand() : 0;
        values[k] = (1 + k * 0.1) * (0.2 + decay) + noise * (0.3 + decay) + spike;
      }
      chunk.push(enc(wall0 + s * 0.5 + rand() * 0.01, s, values));
      if (chunk.length === 2000) {
        fs.writeSync(fd, Buffer.concat(chunk));
        chunk = [];
      }
    }
    if (chunk.length) fs.writeSync(fd, Buffer.concat(chunk));
    fs.closeSync(fd);
  }
  fs.writeFileSync(STAMP, '');
  console.log(`# generated ${BIG} in ${Date.now() - t0} ms`);
}

let server;
let browser;

before(async () => {
  generate();
  const t0 = Date.now();
  server = await startServer(BIG, ['--reload_interval', '5']);
  // wait until every point of every run is loaded
  for (;;) {
    const runs = await (await fetch(`${server.url}data/runs`)).json();
    if (runs.length === RUNS) {
      const lasts = await Promise.all(runs.map(async (r) => {
        const u = `${server.url}data/plugin/scalars/scalars?run=${encodeURIComponent(r)}&tag=${encodeURIComponent(TAG_NAMES[TAGS - 1])}&buckets=1`;
        const res = await fetch(u);
        if (!res.ok) return -1;
        const pts = await res.json();
        return pts.length ? pts[pts.length - 1][1] : -1;
      }));
      if (lasts.every((s) => s === POINTS - 1)) break;
    }
    if (Date.now() - t0 > 600000) throw new Error('big logdir did not load in 10 minutes');
    await sleep(250);
  }
  console.log(`# tbserve loaded ${RUNS * TAGS * POINTS} points in ${Date.now() - t0} ms; live endpoint: ${await hasLive(server.url) ? 'yes' : 'no'}`);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

it(`first chart and hover with ${RUNS} runs × ${TAGS} tags × ${POINTS} points`, async () => {
  const allow = (text, where) => /\/favicon\.ico$/.test(where) || /data\/live/.test(where);
  // a warm-up load (the OS file cache, the server's first requests), then the measured ones
  const firsts = [];
  let page;
  let P;
  for (let i = 0; i < 1 + LOADS; i++) {
    if (P) await P.context.close();
    P = await openPage(browser, server.url, { allow, quiet: 3000 });
    page = P.page;
    await page.waitForFunction(() => window.__tbserve.timings().firstChartPainted !== null, null, { timeout: 60000 });
    const t = await page.evaluate(() => ({ ...window.__tbserve.timings(), nav: performance.getEntriesByType('navigation')[0].toJSON() }));
    if (i > 0) firsts.push(t);
  }
  const first = stats(firsts.map((t) => t.firstChartPainted));
  const dcl = stats(firsts.map((t) => t.nav.domContentLoadedEventEnd));
  const afterLoad = stats(firsts.map((t) => t.firstChartPainted - t.nav.loadEventEnd));
  const min = Math.min(...firsts.map((t) => t.firstChartPainted));
  console.log(`# first chart painted: median ${round(first.p50)} ms, min ${round(min)}, p95 ${round(first.p95)}, max ${round(first.max)} ms ` +
    `after navigation start (DOMContentLoaded ${round(dcl.p50)} ms; median ${round(afterLoad.p50)} ms after the load event; ${firsts.length} loads)`);
  await page.screenshot({ path: path.join(OUT, 'big-logdir.png') });

  // hover: synthetic mouse moves across the first chart, 20 runs overlaid
  await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).scalars.filter((c) => c.drawn).length >= 2);
  const card = await page.evaluate(() => {
    const c = window.__tbserve.snapshot({ points: false }).scalars.find((x) => x.drawn && x.onScreen);
    return { tag: c.tag, runs: c.series.length, points: c.series.reduce((a, s) => a + s.n, 0) };
  });
  const box = await page.locator(`.scalar-card[data-tag="${card.tag}"] .chart-overlay`).boundingBox();
  await page.evaluate(() => {
    window.__frames = [];
    let last = performance.now();
    const loop = (t) => {
      window.__frames.push(t - last);
      last = t;
      if (window.__frames.length < 100000 && !window.__stopFrames) requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  });
  const before = (await page.evaluate(() => window.__tbserve.hoverTimes())).length;
  const moves = 300;
  for (let i = 0; i < moves; i++) {
    const f = i / (moves - 1);
    await page.mouse.move(box.x + box.width * (0.08 + 0.84 * f), box.y + box.height * (0.3 + 0.4 * Math.sin(f * 12)));
  }
  await sleep(100);
  const { hover, frames } = await page.evaluate(() => {
    window.__stopFrames = true;
    return { hover: window.__tbserve.hoverTimes(), frames: window.__frames.slice(1) };
  });
  await page.screenshot({ path: path.join(OUT, 'big-logdir-hover.png') });
  const h = stats(hover.slice(before));
  const fr = stats(frames);
  console.log(`# hover over "${card.tag}" (${card.runs} runs, ${card.points} points drawn): work per frame ` +
    `p50 ${round(h.p50, 2)} ms, p95 ${round(h.p95, 2)} ms, max ${round(h.max, 2)} ms over ${h.n} frames; ` +
    `frame interval p50 ${round(fr.p50)} ms, p95 ${round(fr.p95)} ms, max ${round(fr.max)} ms`);
  console.log(`# machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`);
  assert.deepEqual(P.errors, []);
  assert.ok(h.n > 50, 'hover frames were measured');
  if (enforce) {
    assert.ok(first.p50 <= 300, `first chart after ${first.p50} ms (target 300 ms)`);
    assert.ok(h.p95 < 16, `hover work p95 ${h.p95} ms (target 16 ms)`);
    assert.ok(fr.p95 < 20, `frame interval p95 ${fr.p95} ms while hovering`);
  }
  await P.context.close();
});

// Many runs: 300 runs × 4 tags × 500 steps (gen_logdir, ~146,000 points per
// chart). No target in the issue beyond "stays usable"; the numbers go to
// docs/PERFORMANCE.md.
const MANY = path.join(OUT, '../../../bench/out/many-logdir');
const GEN = process.env.GEN_LOGDIR || path.join(path.dirname(process.env.TBSERVE || ''), '../bench/gen_logdir');

it('300 runs: first chart, a run filter, hover', async () => {
  if (!fs.existsSync(path.join(MANY, '.complete'))) {
    fs.rmSync(MANY, { recursive: true, force: true });
    execFileSync(GEN, ['--runs', '300', '--tags', '4', '--steps', '500', '--hist-every', '0', MANY]);
    fs.writeFileSync(path.join(MANY, '.complete'), '');
  }
  const many = await startServer(MANY, ['--reload_interval', '5']);
  try {
    for (let t0 = Date.now(); !/loaded \d+ runs/.test(many.log());) {
      if (Date.now() - t0 > 60000) throw new Error('300 runs did not load in a minute');
      await sleep(50);
    }
    const allow = (text, where) => /\/favicon\.ico$/.test(where) || /data\/live/.test(where);
    const firsts = [];
    let P;
    for (let i = 0; i < 4; i++) {
      if (P) await P.context.close();
      P = await openPage(browser, many.url, { allow, quiet: 3000 });
      await P.page.waitForFunction(() => window.__tbserve.timings().firstChartPainted !== null, null, { timeout: 60000 });
      if (i > 0) firsts.push(await P.page.evaluate(() => window.__tbserve.timings().firstChartPainted));
    }
    const page = P.page;
    const snap = await page.evaluate(() => window.__tbserve.snapshot({ points: false }));
    assert.equal(snap.runs.length, 300);
    const drawn = snap.scalars.find((c) => c.drawn && c.onScreen);
    assert.equal(drawn.series.length, 300, 'every run is drawn');
    // a run filter that leaves a quarter of the runs (gen_logdir cycles 4 learning rates)
    const d0 = await page.evaluate(() => window.__tbserve.draws());
    const t0 = performance.now();
    await page.fill('.run-filter', 'lr1e-3');
    await page.waitForFunction((d) => window.__tbserve.draws() > d, d0);
    const filterMs = performance.now() - t0;
    const left = (await page.evaluate(() => window.__tbserve.snapshot({ points: false })))
      .scalars.find((c) => c.tag === drawn.tag).series.length;
    await page.fill('.run-filter', '');
    await page.waitForFunction((t) => window.__tbserve.snapshot({ points: false }).scalars.find((c) => c.tag === t).series.length === 300, drawn.tag);
    // hover over the 300-run chart
    const box = await page.locator(`.scalar-card[data-tag="${drawn.tag}"] .chart-overlay`).boundingBox();
    const before = (await page.evaluate(() => window.__tbserve.hoverTimes())).length;
    for (let i = 0; i < 150; i++) {
      const f = i / 149;
      await page.mouse.move(box.x + box.width * (0.08 + 0.84 * f), box.y + box.height * 0.5);
    }
    await sleep(100);
    const h = stats((await page.evaluate(() => window.__tbserve.hoverTimes())).slice(before));
    const first = stats(firsts);
    console.log(`# 300 runs × 4 tags × 500 steps: first chart median ${round(first.p50)} ms (max ${round(first.max)}; ${firsts.length} loads); ` +
      `a run filter leaving ${left} runs redrew in ${round(filterMs)} ms; hover work p50 ${round(h.p50, 2)} ms, p95 ${round(h.p95, 2)} ms over ${h.n} frames`);
    await page.screenshot({ path: path.join(OUT, 'many-runs.png') });
    assert.deepEqual(P.errors, []);
    assert.equal(left, 75);
    assert.ok(h.n > 20, 'hover frames were measured');
    await P.context.close();
  } finally {
    await many.stop();
  }
});
