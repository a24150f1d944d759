// bench/images_page.mjs - the Images tab with a tag of 10,000 images and a
// board of 1,000 image cards, in Debian's Chromium. Run by
// bench/images_page.sh (a release build); not part of the test command.
//
// The logdir (bench/out/images-page, generated once): run `long`, tag
// `frames`, 10,000 steps of a 64×64 PNG; runs `r00`..`r49`, tags
// `grid/t00`..`grid/t19`, 20 steps of a 32×32 PNG each (1,000 cards).
// Measures: page load until the `frames` card shows its newest image; the
// time from an arrow key on its slider until the previous step's image is
// shown (100 presses); scrolling the 1,000-card board top to bottom at one
// screen per frame: frame gaps, and how many images were fetched (cards load
// only when on screen). Prints the numbers (docs/PERFORMANCE.md records them).

import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { OUT, startServer, launch, openPage, stats, round } from '../tests/browser/harness.mjs';
import { fileVersion, imageEvent, png } from '../tests/browser/media.mjs';

const DIR = path.join(OUT, '../../../bench/out/images-page');
const STEPS = 10000;
const PRESSES = 100;

function generate() {
  if (fs.existsSync(path.join(DIR, 'done'))) return;
  fs.rmSync(DIR, { recursive: true, force: true });
  const write = (run, recs) => {
    fs.mkdirSync(path.join(DIR, run), { recursive: true });
    fs.writeFileSync(path.join(DIR, run, 'events.out.tfevents.1700000000.bench.0'), Buffer.concat(recs));
  };
  const long = [fileVersion(1700000000)];
  for (let s = 0; s < STEPS; s++) {
    const c = (s * 37) % 256;
    long.push(imageEvent(1700000000 + s, s, 'frames', png(64, 64, (x, y) => [c, (x * 4 + s) % 256, (y * 4) % 256]), 64, 64));
  }
  write('long', long);
  for (let r = 0; r < 50; r++) {
    const recs = [fileVersion(1700000000)];
    for (let s = 0; s < 20; s++) {
      for (let t = 0; t < 20; t++) {
        recs.push(imageEvent(1700000000 + s, s, `grid/t${String(t).padStart(2, '0')}`, png(32, 32, (x, y) => [(r * 5) % 256, (t * 12) % 256, (x + y + s) % 256]), 32, 32));
      }
    }
    write(`r${String(r).padStart(2, '0')}`, recs);
  }
  fs.writeFileSync(path.join(DIR, 'done'), '');
}

let server;
let browser;
before(async () => {
  generate();
  server = await startServer(DIR);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const card = (page, run, tag) => page.evaluate(([r, t]) => window.__tbserve.snapshot({ points: false }).images.find((c) => c.run === r && c.tag === t), [run, tag]);

it('a tag of 10,000 images, a board of 1,000 image cards', async () => {
  const { page, errors } = await openPage(browser, `${server.url}?tab=images&tagFilter=frames`);
  await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).images.find((c) => c.tag === 'frames')?.shown);
  const loadMs = await page.evaluate(() => performance.now());
  const c0 = await card(page, 'long', 'frames');
  assert.equal(c0.items, STEPS);
  assert.equal(c0.shown.step, STEPS - 1);
  await page.locator('.card[data-tag="frames"] .steps input').focus();
  const lat = [];
  for (let i = 1; i <= PRESSES; i++) {
    const t0 = performance.now();
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((want) => window.__tbserve.snapshot({ points: false }).images.find((c) => c.tag === 'frames').shown?.step === want,
      STEPS - 1 - i, { polling: 'raf' });
    lat.push(performance.now() - t0);
  }
  const step = stats(lat);

  // the board: every card, scrolled through at one screen per frame
  await page.evaluate(() => { document.querySelector('.tag-filter').value = ''; });
  await page.fill('.tag-filter', 'grid');
  await page.waitForFunction(() => document.querySelectorAll('[data-view=images] .card').length === 1000);
  await page.waitForTimeout(500);
  const before = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('individualImage')).length);
  const scroll = await page.evaluate(() => new Promise((resolve) => {
    const gaps = [];
    let last = performance.now();
    const el = document.scrollingElement;
    const tick = () => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
      if (el.scrollTop + innerHeight >= el.scrollHeight - 2) { resolve({ gaps, height: el.scrollHeight }); return; }
      el.scrollTop += innerHeight;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }));
  await page.waitForTimeout(1500);
  const fetched = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('individualImage')).length) - before;
  const g = stats(scroll.gaps.slice(1));
  console.log(`# load until the 10,000-step card shows its newest image: ${round(loadMs)} ms`);
  console.log(`# arrow key → previous step's image shown (${PRESSES} presses): p50 ${round(step.p50)} ms, p95 ${round(step.p95)} ms, max ${round(step.max)} ms`);
  console.log(`# scrolling 1,000 cards (${scroll.height} px, ${scroll.gaps.length - 1} frames): frame gap p50 ${round(g.p50)} ms, p95 ${round(g.p95)} ms, max ${round(g.max)} ms; images fetched meanwhile: ${fetched} of 1,000 cards`);
  assert.deepEqual(errors, []);
});
