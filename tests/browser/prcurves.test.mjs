// prcurves.test.mjs - the PR Curves and Custom Scalars tabs in a real browser.
//
// tbserve (env TBSERVE, default build-test/server/tbserve) serves a copy of
// tests/data/golden/logdir-small plus `margin_run`, written here: a custom
// scalars layout with a margin chart over three scalar tags (logdir-small's
// own layout, from `v1_pb`, has only a multiline chart). A second server
// serves tests/data/real, whose PR curve has several steps. Checked through the
// page's hook window.__tbserve: tabs appear, no console error, the PR curve
// is drawn with one point per threshold, the slider (keyboard) changes the
// step, the readout names a threshold, the multiline chart holds the tags
// its regex matches and the margin chart a band. Screenshots go to
// tests/browser/out/.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, OUT, tempDir, copyDir, startServer, launch, openPage } from './harness.mjs';
import { eventRecord, record, scalarEventEncoder } from './tfrecord.mjs';

// ---- a tiny protobuf writer for the layout event -------------------------------------

function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
const len = (field, bytes) => [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
const str = (field, s) => len(field, [...Buffer.from(s, 'utf8')]);

/** Event{wall_time, step, summary{value{tag, metadata{plugin_data{custom_scalars}}, tensor}}} */
function layoutEvent(layoutBytes) {
  const tensor = [...varint((1 << 3) | 0), 7, ...len(2, []), ...len(8, layoutBytes)]; // DT_STRING, shape [], string_val
  const pluginData = [...str(1, 'custom_scalars')];
  const metadata = [...len(1, pluginData), ...varint((4 << 3) | 0), 2]; // data_class TENSOR
  const value = [...str(1, 'custom_scalars__config__'), ...len(9, metadata), ...len(8, tensor)];
  const summary = len(1, value);
  const wall = Buffer.alloc(8);
  wall.writeDoubleLE(1700000000);
  const ev = [0x09, ...wall, ...varint((2 << 3) | 0), 0, ...len(5, summary)];
  return record(Buffer.from(ev));
}

function marginLayout() {
  const series = [...str(1, 'acc/mean'), ...str(2, 'acc/lower'), ...str(3, 'acc/upper')];
  const margin = len(1, series);
  const chart = [...str(1, 'accuracy band'), ...len(3, margin)];
  const category = [...str(1, 'margins'), ...len(2, chart)];
  return len(2, category);
}

function writeMarginRun(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const enc = scalarEventEncoder(['acc/mean', 'acc/lower', 'acc/upper']);
  const parts = [eventRecord({ wall: 1700000000, step: 0, fileVersion: 'brain.Event:2' }), layoutEvent(marginLayout())];
  for (let s = 0; s < 50; s++) {
    const m = 0.5 + 0.4 * (1 - Math.exp(-s / 15));
    parts.push(enc(1700000000 + s, s, [m, m - 0.05 - 0.002 * s, m + 0.05 + 0.002 * s]));
  }
  fs.writeFileSync(path.join(dir, 'events.out.tfevents.1700000000.h5margin'), Buffer.concat(parts));
}

// ---- the tests ---------------------------------------------------------------------

const allow = (text, where) => /\/favicon\.ico$/.test(where) || /\/x$/.test(where) || /data\/live/.test(where);
const shot = (page, name) => page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
const snap = (page) => page.evaluate(() => window.__tbserve.snapshot({ points: false }));

let browser;
let small;
let real;
let logdir;

describe('PR curves and custom scalars', () => {
  before(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    logdir = path.join(tempDir('h5-logdir'), 'logdir-small');
    copyDir(path.join(ROOT, 'tests/data/golden/logdir-small'), logdir);
    writeMarginRun(path.join(logdir, 'margin_run'));
    small = await startServer(logdir);
    real = await startServer(path.join(ROOT, 'tests/data/real'));
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await small?.stop();
    await real?.stop();
    if (logdir) fs.rmSync(path.dirname(logdir), { recursive: true, force: true });
  });

  it('draws the PR curve of logdir-small with one point per threshold', async () => {
    const P = await openPage(browser, `${small.url}?tab=prcurves`, { allow });
    const { page } = P;
    await page.waitForFunction(() => !document.querySelector('[data-tab=prcurves]').hidden);
    await page.waitForFunction(() => window.__tbserve.snapshot().prcurves.some((c) => c.painted && c.points > 0), null, { timeout: 10000 });
    const card = (await snap(page)).prcurves.find((c) => c.painted);
    const answer = await (await fetch(`${small.url}data/plugin/pr_curves/pr_curves?run=${encodeURIComponent(card.run)}&tag=${encodeURIComponent(card.tag)}`)).json();
    assert.equal(card.points, answer[card.run].at(-1).thresholds.length);
    // the canvas holds pixels of the run's colour, not just the frame
    const inked = await page.evaluate(() => {
      const c = document.querySelector('.prcurves-card canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && Math.abs(d[i] - d[i + 1]) + Math.abs(d[i + 1] - d[i + 2]) > 60) n++;
      return n;
    });
    assert.ok(inked > 100, `coloured pixels drawn: ${inked}`);
    // pointing at the chart names a threshold
    const box = await page.locator('.prcurves-card canvas').first().boundingBox();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.3);
    await page.waitForFunction(() => window.__tbserve.snapshot().prcurves.some((c) => /^threshold /.test(c.readout)));
    assert.match((await snap(page)).prcurves[0].readout, /threshold [\d.]+ · precision [\d.]+ · recall [\d.]+ · TP \d+ · FP \d+ · TN \d+ · FN \d+/);
    await shot(page, 'h5-prcurves-small');
    assert.deepEqual(P.errors, []);
    await P.context.close();
  });

  it('moves through the steps of a real PR curve with the keyboard', async () => {
    const P = await openPage(browser, `${real.url}?tab=prcurves`, { allow });
    const { page } = P;
    await page.waitForFunction(() => window.__tbserve.snapshot().prcurves.some((c) => c.painted && c.steps > 1), null, { timeout: 15000 });
    let card = (await snap(page)).prcurves.find((c) => c.painted && c.steps > 1);
    // every step the server holds (10 written; the default purge rule keeps the last 5)
    const answer = await (await fetch(`${real.url}data/plugin/pr_curves/pr_curves?run=${encodeURIComponent(card.run)}&tag=${encodeURIComponent(card.tag)}`)).json();
    assert.equal(card.steps, answer[card.run].length);
    assert.equal(card.step, answer[card.run].at(-1).step);
    const last = card.step;
    const slider = page.locator('.pr-slider').first();
    await slider.focus();
    await page.keyboard.press('Home');
    await page.waitForFunction((s) => window.__tbserve.snapshot().prcurves.find((c) => c.steps > 1).step !== s, last);
    card = (await snap(page)).prcurves.find((c) => c.steps > 1);
    assert.equal(card.step, answer[card.run][0].step);
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((s) => window.__tbserve.snapshot().prcurves.find((c) => c.steps > 1).step === s, answer[card.run][1].step);
    assert.ok(card.points > 100);
    await shot(page, 'h5-prcurves-real');
    assert.deepEqual(P.errors, []);
    await P.context.close();
  });

  it('draws the custom scalars layout: the regex\'s tags and a margin band', async () => {
    const P = await openPage(browser, `${small.url}?tab=customscalars`, { allow });
    const { page } = P;
    await page.waitForFunction(() => !document.querySelector('[data-tab=customscalars]').hidden);
    await page.waitForFunction(() => {
      const cs = window.__tbserve.snapshot().customscalars;
      return cs.length === 2 && cs.every((c) => c.series.length > 0);
    }, null, { timeout: 15000 }).catch(async (err) => {
      throw new Error(`not drawn: ${JSON.stringify((await snap(page)).customscalars)} ${P.errors}`, { cause: err });
    });
    const cs = (await snap(page)).customscalars;
    assert.deepEqual(cs.map((c) => [c.category, c.title, c.kind]), [['margins', 'accuracy band', 'margin'], ['losses', 'loss', 'multiline']]);
    // multiline: every tag of every run that re.match('loss.*') accepts, as the server lists them
    const runs = await (await fetch(`${small.url}data/runs`)).json();
    const want = [];
    for (const run of runs) {
      const a = await (await fetch(`${small.url}data/plugin/custom_scalars/scalars?run=${encodeURIComponent(run)}&tag=loss.*`)).json();
      for (const [tag, ev] of Object.entries(a.tag_to_events)) want.push([tag, ev.length]);
    }
    const loss = cs[1].series.map((s) => [s.tag, s.n]);
    assert.ok(want.length > 3);
    assert.deepEqual(loss.sort(), want.sort());
    assert.ok(loss.every(([tag]) => tag.startsWith('loss')));
    // margin: the value line with its band
    assert.deepEqual(cs[0].series.map((s) => [s.run, s.tag, s.n, s.band]), [['margin_run', 'acc/mean', 50, true]]);
    await shot(page, 'h5-customscalars');
    assert.deepEqual(P.errors, []);
    await P.context.close();
  });
});
