// dashboard.test.mjs - the web dashboard in a real browser against a real tbserve.
//
// Starts tbserve (env TBSERVE, default build-test/server/tbserve) on a copy of
// tests/data/golden/logdir-small plus a run directory named
// `<img src=x onerror=alert(1)>`, drives Debian's Chromium with
// playwright-core, and checks what the page draws through the read-only hook
// window.__tbserve. Screenshots go to tests/browser/out/.
// The speed benchmark (20 runs × 20 tags × 20,000 points) is bench/dashboard.mjs.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, OUT, tempDir, copyDir, startServer, launch, openPage, hasLive, sleep } from './harness.mjs';
import { eventRecord } from './tfrecord.mjs';
import { tensorboardSmoothing } from './tb_smoothing.mjs';

const XSS = '<img src=x onerror=alert(1)>';
const FIXTURE = path.join(ROOT, 'tests/data/golden/logdir-small');

let server;
let browser;
let logdir;
let live = false;
let P; // {page, errors, dialogs}

// Chromium asks for /favicon.ico by itself, which tbserve answers 404 as
// TensorBoard does; data/live is 404 on a server without the live endpoint.
// Allowed console errors: the favicon probe; data/live on a server without it;
// the text fixture's own `<img src="x">`, which the sanitiser keeps as
// TensorBoard does (a relative image URL), so the browser asks for ./x.
const allowLive404 = (text, where) =>
  /\/favicon\.ico$/.test(where) || /\/x$/.test(where) || (!live && /data\/live/.test(where));
const shot = (page, name, opts = {}) => page.screenshot({ path: path.join(OUT, `${name}.png`), ...opts });
const snap = (page, opts) => page.evaluate((o) => window.__tbserve.snapshot(o), opts || {});

async function setInput(page, selector, value) {
  await page.fill(selector, String(value));
  await page.dispatchEvent(selector, 'change');
}

/** Scroll the scalar card of `tag` into view and wait until it is drawn. */
async function drawnCard(page, tag) {
  await page.evaluate((t) => {
    const el = [...document.querySelectorAll('.scalar-card')].find((c) => c.dataset.tag === t);
    el.scrollIntoView({ block: 'center' });
  }, tag);
  await page.waitForFunction((t) => {
    const c = window.__tbserve.snapshot({ points: false }).scalars.find((x) => x.tag === t);
    return c && c.drawn && c.onScreen && c.fresh && c.series.length > 0;
  }, tag, { timeout: 10000 }).catch(async (err) => {
    const c = (await snap(page, { points: false })).scalars.find((x) => x.tag === tag);
    throw new Error(`card ${tag} not drawn: ${JSON.stringify(c)}; errors: ${P.errors}`, { cause: err });
  });
  return (await snap(page)).scalars.find((c) => c.tag === tag);
}

async function api(p) {
  const r = await fetch(server.url + p);
  assert.equal(r.status, 200, p);
  return r.json();
}

/** Equal up to rounding: Chromium's and node's Math.pow may differ in the last bit. */
function close(actual, expected, msg) {
  assert.equal(actual.length, expected.length, `${msg}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!Number.isFinite(e)) assert.ok(Object.is(a, e), `${msg}[${i}]: ${a} vs ${e}`);
    else assert.ok(Math.abs(a - e) <= 1e-12 * Math.max(1, Math.abs(e)), `${msg}[${i}]: ${a} vs ${e}`);
  }
}

/**
 * A drawn series' smoothed values against TensorBoard's EMA over every point
 * the server holds (not just the drawn ones), at the drawn steps.
 */
async function checkSmoothed(s, tag, w) {
  const rows = await api(`data/plugin/scalars/scalars?run=${encodeURIComponent(s.run)}&tag=${encodeURIComponent(tag)}`);
  const all = tensorboardSmoothing(rows.map((r) => num(r[2])), w);
  const index = new Map();
  rows.forEach((r, i) => { if (!index.has(r[1])) index.set(r[1], i); });
  const expected = s.x.map((st) => all[index.get(st)]);
  const tol = rows.length === s.n ? 0 : 1e-9; // the server sums in C, the page in JS
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = s.smooth[i];
    if (!Number.isFinite(e)) assert.ok(Object.is(a, e), `${s.run}: smoothing ${w}[${i}]: ${a} vs ${e}`);
    else assert.ok(Math.abs(a - e) <= (tol || 1e-12) * Math.max(1, Math.abs(e)), `${s.run}: smoothing ${w}[${i}]: ${a} vs ${e}`);
  }
}

const num = (v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);

before(async () => {
  logdir = tempDir('tbui-browser-');
  copyDir(FIXTURE, logdir);
  fs.mkdirSync(path.join(logdir, XSS));
  const src = path.join(logdir, 'baseline', 'events.out.tfevents.1795322823.vm.21791.0');
  fs.copyFileSync(src, path.join(logdir, XSS, 'events.out.tfevents.1795322823.xss.0'));
  server = await startServer(logdir, ['--reload_interval', '1']);
  live = await hasLive(server.url);
  assert.ok(live, 'tbserve answers data/live with an event stream');
  console.log(`# tbserve ${server.url} on ${logdir}; live endpoint: ${live ? 'yes' : 'no (polling fallback)'}`);
  browser = await launch();
  P = await openPage(browser, server.url, { allow: allowLive404 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (logdir) fs.rmSync(logdir, { recursive: true, force: true });
});

describe('scalars', () => {
  it('lists every run and draws a chart for every tag, without console errors', async () => {
    const { page } = P;
    const runs = await api('data/runs');
    const tags = new Set(Object.values(await api('data/plugin/scalars/tags')).flatMap((t) => Object.keys(t)));
    await page.waitForFunction((n) => window.__tbserve.snapshot({ points: false }).runs.length === n, runs.length);
    await page.waitForFunction(() => window.__tbserve.timings().firstChartPainted !== null);
    await shot(page, 'scalars-light');
    const names = await page.$$eval('.run-row .run-name', (els) => els.map((e) => e.textContent));
    assert.deepEqual(names, runs);
    const cardTags = await page.$$eval('.scalar-card', (els) => els.map((e) => e.dataset.tag));
    assert.deepEqual(new Set(cardTags), tags);
    for (const tag of tags) {
      const c = await drawnCard(page, tag);
      assert.ok(c.series.length >= 1, `${tag}: drawn`);
    }
    assert.deepEqual(P.errors, []);
  });

  it('draws TensorBoard-smoothed data from the spike-preserving buckets', async () => {
    const { page } = P;
    const c = await drawnCard(page, 'loss');
    const runsWithLoss = Object.entries(await api('data/plugin/scalars/tags')).filter(([, t]) => 'loss' in t).map(([r]) => r);
    assert.deepEqual(new Set(c.series.map((s) => s.run)), new Set(runsWithLoss));
    for (const s of c.series) {
      const rows = await api(`data/plugin/scalars/scalars?run=${encodeURIComponent(s.run)}&tag=loss`);
      const steps = rows.map((r) => r[1]);
      const ys = rows.map((r) => num(r[2]));
      if (rows.length <= s.n) {
        assert.deepEqual(s.x, steps, `${s.run}: every point drawn`);
        assert.deepEqual(s.raw, ys, `${s.run}: values`);
      } else {
        // bucketed: a subset in order, with the first, last, min and max points
        const at = new Map(steps.map((st, i) => [st, ys[i]]));
        s.x.forEach((st, i) => assert.ok(Object.is(at.get(st), s.raw[i]), `${s.run}: step ${st} as served`));
        assert.equal(s.x[0], steps[0]);
        assert.equal(s.x[s.x.length - 1], steps[steps.length - 1]);
        const finite = ys.filter(Number.isFinite);
        assert.ok(s.raw.includes(Math.min(...finite)) && s.raw.includes(Math.max(...finite)), `${s.run}: spikes kept`);
        assert.ok(s.n <= 1400 * 2, `${s.run}: about two points per pixel (${s.n})`);
      }
      await checkSmoothed(s, 'loss', 0.6);
    }
    // NaN and ±Inf pass through smoothing (and are drawn as gaps)
    const nan = await drawnCard(page, 'simple');
    const s = nan.series.find((x) => x.run === 'nan_inf');
    assert.ok(s.raw.some((v) => !Number.isFinite(v)), 'nan_inf has non-finite values');
    close(s.smooth, tensorboardSmoothing(s.raw, 0.6), 'nan_inf');
  });

  it('smoothing changes what is drawn', async () => {
    const { page } = P;
    await setInput(page, '.smoothing-number', '0');
    await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).scalars.find((c) => c.tag === 'loss').datasets > 0);
    let c = await drawnCard(page, 'loss');
    await page.waitForFunction(() => {
      const x = window.__tbserve.snapshot().scalars.find((k) => k.tag === 'loss');
      return x.series.every((s) => s.smooth.every((v, i) => Object.is(v, s.raw[i])));
    });
    c = await drawnCard(page, 'loss');
    assert.equal(c.datasets, c.series.length, 'no faint raw line when smoothing is off');
    await setInput(page, '.smoothing-number', '0.95');
    await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).state.smoothing === 0.95);
    c = await drawnCard(page, 'loss');
    assert.equal(c.datasets, 2 * c.series.length, 'raw line behind the smoothed one');
    for (const s of c.series) await checkSmoothed(s, 'loss', 0.95);
    await page.waitForURL(/smoothing=0.95/);
    await shot(page, 'scalars-smoothing-0.95');
    await setInput(page, '.smoothing-number', '0.6');
  });

  it('log scale is a true log axis with gaps for non-positive values', async () => {
    const { page } = P;
    await page.click('[data-set="yScale=log"]');
    await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).state.yScale === 'log');
    const c = await drawnCard(page, 'tensor_f64');
    assert.equal(c.yType, 'logarithmic');
    assert.ok(c.yMin > 0, `log axis starts above 0 (${c.yMin})`);
    await shot(page, 'scalars-log');
    await page.waitForURL(/yScale=log/);
    await page.click('[data-set="yScale=linear"]');
    // cards on screen are redrawn at once; the others when scrolled to
    await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).scalars.every((c) => !c.onScreen || (c.fresh && c.yType === 'linear')));
  });

  it('x axis: step, relative and wall time', async () => {
    const { page } = P;
    let c = await drawnCard(page, 'loss');
    const base = c.series.find((s) => s.run === 'baseline');
    assert.equal(base.x[0], 0);
    await page.click('[data-set="xAxis=wall"]');
    await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).state.xAxis === 'wall');
    await page.waitForFunction(() => {
      const k = window.__tbserve.snapshot().scalars.find((x) => x.tag === 'loss');
      return k.series.find((s) => s.run === 'baseline').x[0] > 1e12;
    });
    c = await drawnCard(page, 'loss');
    const rows = await api('data/plugin/scalars/scalars?run=baseline&tag=loss');
    assert.equal(c.series.find((s) => s.run === 'baseline').x[0], rows[0][0] * 1000);
    await shot(page, 'scalars-wall');
    await page.click('[data-set="xAxis=relative"]');
    await page.waitForFunction(() => {
      const k = window.__tbserve.snapshot().scalars.find((x) => x.tag === 'loss');
      const s = k.series.find((r) => r.run === 'baseline');
      return s.x[0] === 0 && s.x[s.x.length - 1] < 1e6;
    });
    c = await drawnCard(page, 'loss');
    const s = c.series.find((r) => r.run === 'baseline');
    assert.ok(Math.abs(s.x[s.x.length - 1] - (rows[rows.length - 1][0] - rows[0][0])) < 1e-6);
    await page.click('[data-set="xAxis=step"]');
    await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).state.xAxis === 'step');
  });

  it('run filter, checkboxes and tag filter change what is drawn; the URL keeps them', async () => {
    const { page } = P;
    await page.fill('.run-filter', '^lr_0');
    await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).runs.filter((r) => r.drawn).length === 4);
    let c = await drawnCard(page, 'losses');
    assert.deepEqual(new Set(c.series.map((s) => s.run)), new Set(['lr_0.01/seed_1/losses_train', 'lr_0.01/seed_1/losses_val']));
    // uncheck one run
    await page.click('.run-row[data-run="lr_0.01/seed_1/losses_val"] input');
    await page.waitForFunction(() => {
      const k = window.__tbserve.snapshot({ points: false }).scalars.find((x) => x.tag === 'losses');
      return k.series.length === 1;
    });
    c = await drawnCard(page, 'losses');
    assert.deepEqual(c.series.map((s) => s.run), ['lr_0.01/seed_1/losses_train']);
    await shot(page, 'scalars-run-filter');
    await page.click('.runs-all');
    await page.fill('.run-filter', '');
    // tag filter (case-insensitive regex); '/' focuses it
    await page.click('.status-line'); // not the header: plugin tabs (PR Curves, …) sit there
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'tag-filter');
    await page.keyboard.type('^LOSS$|hparam');
    await page.waitForFunction(() => document.querySelectorAll('.scalar-card').length === 3);
    const tags = await page.$$eval('.scalar-card', (els) => els.map((e) => e.dataset.tag).sort());
    assert.deepEqual(tags, ['hparam/accuracy', 'hparam/loss', 'loss']);
    await page.waitForURL(/tagFilter=/);
    // a link reproduces the view
    const link = page.url();
    const Q = await openPage(browser, link, { allow: allowLive404 });
    await Q.page.waitForFunction(() => document.querySelectorAll('.scalar-card').length === 3);
    assert.equal(await Q.page.inputValue('.tag-filter'), '^LOSS$|hparam');
    await Q.context.close();
    await page.fill('.tag-filter', '');
    await page.waitForFunction(() => document.querySelectorAll('.scalar-card').length > 3);
  });

  it('tooltip lists runs nearest first; drag zooms, double-click resets', async () => {
    const { page } = P;
    await page.fill('.tag-filter', '^loss$');
    const c = await drawnCard(page, 'loss');
    const box = await page.locator('.scalar-card[data-tag="loss"] .chart-overlay').boundingBox();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await page.waitForSelector('.chart-tooltip:not([hidden])');
    const rows = await page.$$eval('.chart-tooltip tbody tr:not([hidden])', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
    assert.equal(rows.length, c.series.length);
    assert.deepEqual(await page.$$eval('.chart-tooltip th', (ths) => ths.map((t) => t.textContent)), ['', 'Run', 'Smoothed', 'Value', 'Step', 'Time', 'Relative']);
    assert.ok(rows.some((r) => r[1] === XSS), 'the XSS run is listed literally in the tooltip');
    await shot(page, 'scalars-tooltip');
    // drag-zoom over the middle third
    await page.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 4 });
    await page.mouse.move(box.x + box.width * 0.65, box.y + box.height * 0.5, { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).scalars.find((x) => x.tag === 'loss').zoomed);
    const z = await drawnCard(page, 'loss');
    assert.ok(z.xMax - z.xMin < (c.xMax - c.xMin) * 0.5, 'zoomed in');
    await shot(page, 'scalars-zoomed');
    await page.mouse.dblclick(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await page.waitForFunction(() => !window.__tbserve.snapshot({ points: false }).scalars.find((x) => x.tag === 'loss').zoomed);
  });

  it('downloads CSV, JSON and PNG; enlarges a card', async () => {
    const { page } = P;
    const card = page.locator('.scalar-card[data-tag="loss"]');
    const get = async (act) => {
      await card.locator('summary').click();
      const [dl] = await Promise.all([page.waitForEvent('download'), card.locator(`[data-act="${act}"]`).click()]);
      const file = path.join(OUT, `download-${dl.suggestedFilename()}`);
      await dl.saveAs(file);
      return fs.readFileSync(file);
    };
    const csv = (await get('csv')).toString();
    const json = JSON.parse((await get('json')).toString());
    // Both hold exactly the API's points of every run drawn in the card; the
    // CSV writes each number as JavaScript does (2.0 -> "2") and quotes run
    // names holding a comma, quote or line break.
    const runs = Object.keys(json);
    assert.ok(runs.includes('baseline'), runs.join());
    const field = (t) => (/[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t);
    const want = ['run,wall_time,step,value'];
    for (const r of runs) {
      const pts = await api(`data/plugin/scalars/scalars?run=${encodeURIComponent(r)}&tag=loss`);
      assert.deepEqual(json[r], pts, r);
      for (const [w, st, v] of pts) want.push(`${field(r)},${w},${st},${v}`);
    }
    assert.equal(csv, want.join('\r\n') + '\r\n');
    const png = await get('png');
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    await card.locator('[data-act="enlarge"]').click();
    await page.waitForFunction(() => document.querySelector('.scalar-card[data-tag="loss"]').classList.contains('card-wide'));
    await sleep(300);
    await shot(page, 'scalars-enlarged');
    await card.locator('[data-act="enlarge"]').click();
    await page.fill('.tag-filter', '');
  });

  it('a point appended to an event file appears live', async () => {
    const { page } = P;
    await page.fill('.tag-filter', '^tb/loss$');
    const c = await drawnCard(page, 'tb/loss');
    const s = c.series.find((x) => x.run === 'tb_writer');
    const lastStep = Math.max(...s.x);
    const step = lastStep + 7;
    const value = 0.123456;
    const run = path.join(logdir, 'tb_writer');
    const file = path.join(run, fs.readdirSync(run).filter((f) => f.includes('tfevents')).sort().pop());
    const wall = Date.now() / 1000;
    // let the feed settle (the polling fallback does a round trip per tick)
    await sleep(300);
    const t0 = Date.now();
    fs.appendFileSync(file, eventRecord({ wall, step, scalars: { 'tb/loss': value } }));
    const tSeen = await page.waitForFunction((st) => {
      const x = window.__tbserve.series('tb/loss', 'tb_writer');
      return x && x.step.includes(st) ? Date.now() : false;
    }, step, { polling: 'raf', timeout: 10000 }).then((h) => h.jsonValue());
    const latency = tSeen - t0;
    const budget = live ? 500 : 2000;
    console.log(`# live: appended point drawn after ${latency} ms (${live ? 'server-sent events' : 'polling fallback'}; budget ${budget} ms)`);
    const drawn = await page.evaluate(() => window.__tbserve.series('tb/loss', 'tb_writer'));
    const i = drawn.step.indexOf(step);
    assert.ok(Math.abs(drawn.raw[i] - value) < 1e-6);
    assert.ok(latency <= budget, `appeared after ${latency} ms (budget ${budget} ms)`);
    const status = await page.textContent('.live-label');
    assert.match(status, live ? /^Live$/ : /^Live \(polling\)$/);
    await shot(page, 'scalars-live');
    // pausing stops updates and shows it
    await page.click('.live-indicator');
    assert.equal(await page.textContent('.live-label'), 'Paused');
    await page.click('.live-indicator');
    await page.fill('.tag-filter', '');
  });
});

describe('safety', () => {
  it('the XSS run name shows literally and runs nothing', async () => {
    const { page, dialogs } = P;
    await page.fill('.tag-filter', '');
    await page.fill('.run-filter', 'onerror');
    await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).runs.filter((r) => r.drawn).length === 1);
    const row = await page.textContent(`.run-row:not([hidden]) .run-name`);
    assert.equal(row, XSS);
    await drawnCard(page, 'loss');
    const box = await page.locator('.scalar-card[data-tag="loss"] .chart-overlay').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector('.chart-tooltip:not([hidden])');
    await shot(page, 'xss-run');
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.deepEqual(dialogs, []);
    await page.mouse.move(0, 0);
    await page.fill('.run-filter', '');
  });
});

describe('histograms, distributions, text', () => {
  it('histograms: offset and overlay modes render', async () => {
    const { page } = P;
    const tags = await fetch(`${server.url}data/plugin/histograms/tags`);
    await page.click('[data-tab="histograms"]');
    if (tags.status !== 200) {
      await page.waitForSelector('[data-view="histograms"] .empty-state');
      assert.fail(`data/plugin/histograms/tags answered ${tags.status}`);
    }
    await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).histograms.some((c) => c.painted));
    await sleep(200);
    await shot(page, 'histograms-offset');
    await page.click('[data-set="histMode=overlay"]');
    await sleep(300);
    await shot(page, 'histograms-overlay');
    const h = (await snap(page, { points: false })).histograms;
    assert.ok(h.filter((c) => c.painted).every((c) => c.items > 0));
    await page.click('[data-set="histMode=offset"]');
    assert.match(page.url(), /tab=histograms/);
  });

  it('distributions render percentile bands', async () => {
    const { page } = P;
    await page.click('[data-tab="distributions"]');
    await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).distributions.some((c) => c.painted));
    await sleep(200);
    await shot(page, 'distributions');
    const bands = await page.evaluate(() => {
      const canvas = document.querySelector('.distributions-card canvas');
      return window.Chart.getChart(canvas).data.datasets.length;
    });
    assert.equal(bands, 9);
  });

  it('text renders the sanitised HTML, tables included, newest step first', async () => {
    const { page } = P;
    await page.click('[data-tab="text"]');
    await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).text.some((c) => c.painted));
    await page.waitForSelector('.text-html table');
    await shot(page, 'text', { fullPage: true });
    const steps = await page.$$eval('.text-card', (cards) => cards.map((c) => [...c.querySelectorAll('.text-step')].map((s) => Number(s.textContent.replace(/\D/g, '')))));
    for (const s of steps) assert.deepEqual(s, [...s].sort((a, b) => b - a));
    assert.equal(await page.locator('.text-html script').count(), 0);
    await page.click('[data-tab="scalars"]');
    assert.deepEqual(P.errors, []);
  });
});

describe('comfort', () => {
  it('dark mode follows the system and has a toggle', async () => {
    const D = await openPage(browser, server.url, { colorScheme: 'dark', allow: allowLive404 });
    await D.page.waitForFunction(() => window.__tbserve.timings().firstChartPainted !== null);
    assert.equal(await D.page.getAttribute('html', 'data-theme'), 'dark');
    await sleep(200);
    await shot(D.page, 'scalars-dark');
    const box = await D.page.locator('.scalar-card .chart-overlay').first().boundingBox();
    await D.page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.4);
    await D.page.waitForSelector('.chart-tooltip:not([hidden])');
    await shot(D.page, 'scalars-dark-tooltip');
    await D.page.click('[data-tab="histograms"]');
    await D.page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).histograms.some((c) => c.painted));
    await sleep(200);
    await shot(D.page, 'histograms-dark');
    await D.page.click('[data-tab="scalars"]');
    await D.page.click('.theme-toggle'); // auto -> light
    assert.equal(await D.page.getAttribute('html', 'data-theme'), 'light');
    await D.page.click('.theme-toggle'); // light -> dark
    assert.equal(await D.page.getAttribute('html', 'data-theme'), 'dark');
    assert.deepEqual(D.errors, []);
    await D.context.close();
  });

  it('is usable on a phone', async () => {
    const M = await openPage(browser, server.url, {
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, allow: allowLive404,
    });
    await M.page.waitForFunction(() => window.__tbserve.timings().firstChartPainted !== null);
    await sleep(200);
    await shot(M.page, 'phone');
    assert.equal(await M.page.isVisible('.sidebar-toggle'), true);
    await M.page.click('.sidebar-toggle');
    await sleep(300);
    await shot(M.page, 'phone-runs');
    await M.page.click('.run-row[data-run="baseline"] input');
    assert.deepEqual(M.errors, []);
    await M.context.close();
  });

  it('explains an empty logdir, then shows a run as soon as it is written', async () => {
    const empty = tempDir('tbui-empty-');
    const s2 = await startServer(empty, ['--reload_interval', '1']);
    const live2 = await hasLive(s2.url);
    const E = await openPage(browser, s2.url, { allow: (t, w) => /\/favicon\.ico$/.test(w) || (!live2 && /data\/live/.test(w)) });
    await E.page.waitForSelector('.empty-state');
    assert.match(await E.page.textContent('.empty-state h2'), /No runs yet/);
    await shot(E.page, 'empty-logdir');
    fs.mkdirSync(path.join(empty, 'fresh'));
    const recs = [eventRecord({ wall: 1700000000, step: 0, fileVersion: 'brain.Event:2' })];
    for (let i = 0; i < 50; i++) recs.push(eventRecord({ wall: 1700000000 + i, step: i, scalars: { 'Loss/train': 1 / (i + 1), 'Loss/val': 1.2 / (i + 1) } }));
    fs.writeFileSync(path.join(empty, 'fresh', 'events.out.tfevents.1700000000.test'), Buffer.concat(recs));
    await E.page.waitForFunction(() => document.querySelectorAll('.scalar-card').length === 2, null, { timeout: 10000 });
    const groups = await E.page.$$eval('.group-name', (els) => els.map((e) => e.textContent));
    assert.deepEqual(groups, ['Loss']);
    await E.page.click('.group-head');
    await E.page.waitForFunction(() => document.querySelector('.tag-group').classList.contains('collapsed'));
    await E.page.click('.group-head');
    assert.deepEqual(E.errors, []);
    await E.context.close();
    await s2.stop();
    fs.rmSync(empty, { recursive: true, force: true });
  });

  it('a W&B run folder is a run with its display name and project, and its history charts', async () => {
    const dir = tempDir('tbui-wandb-');
    const src = path.join(ROOT, 'tests/data/wandb/anish-sk_CS6910_Assignment1');
    copyDir(src, path.join(dir, 'wandb'));
    const s2 = await startServer(dir, ['--reload_interval', '1']);
    const live2 = await hasLive(s2.url);
    const W = await openPage(browser, s2.url, { allow: (t, w) => /\/favicon\.ico$/.test(w) || (!live2 && /data\/live/.test(w)) });
    const run = 'wandb/run-20210312_161650-nt1k6dl7';
    await W.page.waitForFunction((r) => [...document.querySelectorAll('.run-row')]
      .some((e) => e.dataset.run === r && e.querySelector('.run-note').textContent), run, { timeout: 10000 });
    const row = await W.page.$eval(`.run-row[data-run="${run}"]`, (e) => ({ note: e.querySelector('.run-note').textContent, title: e.title }));
    assert.equal(row.note, 'hl_4_bs_64_ac_relu_op_momentum');
    assert.match(row.title, /W&B run nt1k6dl7: hl_4_bs_64_ac_relu_op_momentum · project assignment1/);
    await W.page.waitForFunction(() => document.querySelectorAll('.scalar-card').length > 5, null, { timeout: 10000 });
    // system metrics are sampled by the clock: their charts default to wall time
    await W.page.evaluate(() => document.querySelector('.scalar-card[data-tag^="system/"]').scrollIntoView());
    await W.page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).scalars
      .some((c) => c.tag.startsWith('system/') && c.drawn), null, { timeout: 10000 });
    const axes = await W.page.evaluate(() => window.__tbserve.snapshot({ points: false }).scalars
      .filter((c) => c.drawn).map((c) => [c.tag, c.xAxis]));
    const sys = axes.filter(([t]) => t.startsWith('system/'));
    const rest = axes.filter(([t]) => !t.startsWith('system/'));
    assert.ok(sys.length && rest.length, JSON.stringify(axes));
    assert.deepEqual([...new Set(sys.map(([, x]) => x))], ['wall']);
    assert.deepEqual([...new Set(rest.map(([, x]) => x))], ['step']);
    assert.deepEqual(W.errors, []);
    await W.context.close();
    await s2.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reconnects by itself when the server restarts, and catches up', async () => {
    const dir = tempDir('tbui-restart-');
    fs.mkdirSync(path.join(dir, 'fresh'));
    const file = path.join(dir, 'fresh', 'events.out.tfevents.1700000000.test');
    const recs = [eventRecord({ wall: 1700000000, step: 0, fileVersion: 'brain.Event:2' })];
    for (let i = 0; i < 20; i++) recs.push(eventRecord({ wall: 1700000000 + i, step: i, scalars: { loss: 1 / (i + 1) } }));
    fs.writeFileSync(file, Buffer.concat(recs));
    const s1 = await startServer(dir);
    // while the server is down the browser logs failed connections
    const allow = (t, w) => /\/favicon\.ico$/.test(w) || /data\/live/.test(w) || /ERR_CONNECTION_REFUSED/.test(t);
    const R = await openPage(browser, s1.url, { allow });
    await R.page.waitForFunction(() => document.querySelector('.live-label').textContent === 'Live', null, { timeout: 10000 });
    await s1.stop();
    await R.page.waitForFunction(() => document.querySelector('.live-label').textContent === 'Reconnecting…', null, { timeout: 10000 });
    await shot(R.page, 'reconnecting');
    fs.appendFileSync(file, eventRecord({ wall: 1700000100, step: 20, scalars: { loss: 0.01 } }));
    const s2 = await startServer(dir, [], { port: s1.port });
    await R.page.waitForFunction(() => document.querySelector('.live-label').textContent === 'Live', null, { timeout: 20000 });
    await R.page.waitForFunction(() => {
      const x = window.__tbserve.series('loss', 'fresh');
      return x && x.step.includes(20);
    }, null, { timeout: 10000 });
    const drawn = await R.page.evaluate(() => window.__tbserve.series('loss', 'fresh'));
    assert.equal(drawn.step.length, 21);
    assert.deepEqual(R.errors, []);
    await R.context.close();
    await s2.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
