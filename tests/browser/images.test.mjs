// images.test.mjs - the Images and Audio tabs, pinning and tabs-only-with-data
// in a real browser against a real tbserve.
//
// Logdirs: the bundled demo logdir (scripts/demo-logdir); real fixtures with
// images (tests/data/real: TF1 MNIST summaries, tensorboardX, torch
// add_image, the TF object-detection API's 3-image batches), plus a run
// written here with a legacy Summary.Image of garbage bytes and a legacy
// Summary.Audio WAV clip; and a logdir whose one run holds only images.
// Every answer is tbserve's (one audio label is rewritten: see
// labelWithMarkup). Screenshots go to tests/browser/out/.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, OUT, tempDir, startServer, launch, sleep } from './harness.mjs';
import { fileVersion, scalarEvent, imageEvent, audioEvent, wav } from './media.mjs';

const REAL = path.join(ROOT, 'tests/data/real');
const DEMO = path.join(ROOT, 'scripts/demo-logdir');
const IMAGE_FIXTURES = ['tf1-filewriter__juniorliu95_tensorboatdtest', 'tensorboardX__SevenTae_tensorboardxVison',
  'torch__ZeroToMax-ZYZ_study_tensorboard', 'tf2-objdet__Harry0415_TF-OD-API'];
const HOSTILE = 'hostile <b>run</b>';
const GARBAGE = Buffer.from('\x89PNG\r\n\x1a\n this is not a PNG at all, only garbage bytes', 'latin1');
const LABEL = '<p>a <strong>sine</strong> at 440 Hz</p>';

let browser;
const cleanup = [];

const CLIP = wav(0.5);

/** The hostile run: a scalar, a garbage "PNG" (Summary.Image) and a WAV (Summary.Audio) at steps 0 and 1. */
function writeHostileRun(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const recs = [fileVersion(1700000000)];
  for (const step of [0, 1]) {
    const wall = 1700000000 + step;
    recs.push(scalarEvent(wall, step, 'loss', 1 / (step + 1)));
    recs.push(imageEvent(wall, step, 'garbage', GARBAGE));
    recs.push(audioEvent(wall, step, 'clip', CLIP, 8000, 4000));
  }
  fs.writeFileSync(path.join(dir, 'events.out.tfevents.1700000000.h2.0'), Buffer.concat(recs));
}

// ---- an audio label with markup ----------------------------------------------------

/**
 * TensorBoard's audio plugin (and tbserve) answer `label: ""`; older ones sent
 * the label's Markdown rendered to HTML. The page must show a label as text
 * whatever it holds: the hostile run's answer gets one with markup.
 */
async function labelWithMarkup(route) {
  const r = await route.fetch();
  const list = await r.json();
  for (const e of list) e.label = LABEL;
  return route.fulfill({ response: r, body: JSON.stringify(list) });
}

/** A page on url recording console errors. */
async function open(url, query = '') {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
  await context.route((u) => u.pathname.endsWith('/data/plugin/audio/audio') && u.searchParams.get('run') === HOSTILE, labelWithMarkup);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => {
    const where = m.location()?.url || '';
    if (m.type() === 'error' && !/\/favicon\.ico$/.test(where)) errors.push(`${m.text()} (${where})`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  await page.goto(url + query);
  await page.waitForFunction(() => window.__tbserve !== undefined);
  return { page, context, errors };
}

const snap = (page) => page.evaluate(() => window.__tbserve.snapshot({ points: false }));
const shot = (page, name) => page.screenshot({ path: path.join(OUT, `${name}.png`) });

/** Wait until the card of run/tag in `tab` has shown an image/clip (scrolling it into view). */
async function shownCard(page, tab, run, tag, pred = (c) => c.shown) {
  for (let t0 = Date.now(); Date.now() - t0 < 15000; await sleep(100)) {
    const c = (await snap(page))[tab].find((x) => x.run === run && x.tag === tag);
    if (c && c.painted && pred(c)) return c;
    if (c && c.onScreen) continue;
    // (again) into view: cards above it may have grown meanwhile
    await page.evaluate(([t, r, g]) => {
      const el = [...document.querySelectorAll(`[data-view=${t}] .card`)].find((x) => x.dataset.run === r && x.dataset.tag === g);
      el?.scrollIntoView({ block: 'center' });
    }, [tab, run, tag]);
  }
  throw new Error(`${tab} card ${run} / ${tag} not shown: ${JSON.stringify((await snap(page))[tab].find((x) => x.run === run && x.tag === tag))}`);
}

/** Non-transparent, non-black pixels of the image a card shows, drawn to a canvas. */
function decodedPixels(page, run, tag) {
  return page.evaluate(([r, g]) => {
    const card = [...document.querySelectorAll('[data-view=images] .card')].find((c) => c.dataset.run === r && c.dataset.tag === g);
    const img = card?.querySelector('.images-media img');
    if (!img || !img.naturalWidth) return { width: 0, lit: 0 };
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let lit = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] && (d[i] || d[i + 1] || d[i + 2])) lit++;
    return { width: img.naturalWidth, height: img.naturalHeight, lit };
  }, [run, tag]);
}

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
  for (const f of cleanup.reverse()) await f();
});

describe('real fixtures with images, a garbage image and an audio clip', () => {
  let server;
  let P;
  const MNIST = 'tf1-filewriter__juniorliu95_tensorboatdtest/logstrain';
  const MNIST_TAG = 'input_reshape/input/image/0';
  const OBJDET = 'tf2-objdet__Harry0415_TF-OD-API/my_ssd_resnet50_v1_fpn/train';

  before(async () => {
    const logdir = tempDir('h2-images-');
    for (const f of IMAGE_FIXTURES) fs.symlinkSync(path.join(REAL, f), path.join(logdir, f));
    writeHostileRun(path.join(logdir, HOSTILE));
    server = await startServer(logdir);
    cleanup.push(async () => { await server.stop(); fs.rmSync(logdir, { recursive: true, force: true }); });
    P = await open(server.url, '?tab=images');
  });

  it('shows the Images and Audio tabs, and draws decoded pixels of real images', async () => {
    const { page } = P;
    await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).tabs.includes('images'));
    const s = await snap(page);
    assert.equal(s.tab, 'images');
    assert.ok(s.tabs.includes('audio'), `tabs: ${s.tabs}`);
    const c = await shownCard(page, 'images', MNIST, MNIST_TAG);
    assert.equal(c.shown.broken, false);
    assert.deepEqual([c.shown.width, c.shown.height], [28, 28]);
    const px = await decodedPixels(page, MNIST, MNIST_TAG);
    assert.ok(px.lit > 20, `MNIST digit drawn: ${JSON.stringify(px)}`);
    const cap = await page.evaluate(([r, g]) => [...document.querySelectorAll('[data-view=images] .card')]
      .find((x) => x.dataset.run === r && x.dataset.tag === g).querySelector('.media-caption').textContent, [MNIST, MNIST_TAG]);
    assert.match(cap, /^28×28 px · step \d/);
    // every image card of the fixtures: one per run/tag of the tags answer
    const tags = await page.evaluate(async () => (await fetch('data/plugin/images/tags')).json());
    const expected = Object.values(tags).reduce((n, t) => n + Object.keys(t).length, 0);
    assert.equal((await snap(page)).images.length, expected);
    await shot(page, 'images-real');
    assert.deepEqual(P.errors, []);
  });

  it('moves through every step with the slider and the arrow keys', async () => {
    const { page } = P;
    const c0 = await shownCard(page, 'images', MNIST, MNIST_TAG);
    assert.ok(c0.items > 1, `${c0.items} steps`);
    assert.equal(c0.index, c0.items - 1, 'starts at the newest step');
    const list = await page.evaluate(async ([r, g]) => (await fetch(`data/plugin/images/images?run=${encodeURIComponent(r)}&tag=${encodeURIComponent(g)}&sample=0`)).json(), [MNIST, MNIST_TAG]);
    const slider = page.locator(`[data-view=images] .card[data-run="${MNIST}"][data-tag="${MNIST_TAG}"] .steps input`);
    await slider.focus();
    await page.keyboard.press('ArrowLeft');
    const c1 = await shownCard(page, 'images', MNIST, MNIST_TAG, (c) => c.shown && c.shown.step !== null && c.index !== null);
    assert.equal(c1.index, c0.items - 2);
    await page.waitForFunction(([r, g, step]) => window.__tbserve.snapshot({ points: false }).images
      .find((x) => x.run === r && x.tag === g).shown?.step === step, [MNIST, MNIST_TAG, list[c0.items - 2].step]);
    await slider.fill('0');
    await page.waitForFunction(([r, g, step]) => window.__tbserve.snapshot({ points: false }).images
      .find((x) => x.run === r && x.tag === g).shown?.step === step, [MNIST, MNIST_TAG, list[0].step]);
    // the image itself has arrow keys too
    await page.locator(`[data-view=images] .card[data-run="${MNIST}"][data-tag="${MNIST_TAG}"] .images-media`).focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(([r, g, step]) => window.__tbserve.snapshot({ points: false }).images
      .find((x) => x.run === r && x.tag === g).shown?.step === step, [MNIST, MNIST_TAG, list[1].step]);
    assert.deepEqual(P.errors, []);
  });

  it('has a sample slider when a step holds several images', async () => {
    const { page } = P;
    const tag = 'train_input_images';
    await shownCard(page, 'images', OBJDET, tag);
    const row = page.locator(`[data-view=images] .card[data-run="${OBJDET}"][data-tag="${tag}"] .samples`);
    assert.equal(await row.isVisible(), true);
    await row.locator('input').fill('2');
    await page.waitForFunction(([r, g]) => {
      const c = window.__tbserve.snapshot({ points: false }).images.find((x) => x.run === r && x.tag === g);
      return c.sample === 2 && c.shown && !c.shown.broken && c.shown.width > 0;
    }, [OBJDET, tag]);
    const px = await decodedPixels(page, OBJDET, tag);
    assert.ok(px.lit > 100, JSON.stringify(px));
    assert.deepEqual(P.errors, []);
  });

  it('says a garbage image could not be decoded, without a console error', async () => {
    const { page } = P;
    const c = await shownCard(page, 'images', HOSTILE, 'garbage');
    assert.equal(c.shown.broken, true);
    const text = await page.locator(`[data-view=images] .card[data-tag="garbage"] .media-broken`).textContent();
    assert.match(text, /Could not decode this image/);
    // the run name is text, never markup
    assert.equal(await page.locator('[data-view=images] .card[data-tag="garbage"] .card-run b').count(), 0);
    await shot(page, 'images-garbage');
    assert.deepEqual(P.errors, []);
  });

  it('applies brightness, contrast and actual size to every image', async () => {
    const { page } = P;
    await page.locator('.img-brightness').fill('2');
    await page.locator('.img-actual').check();
    const look = await page.evaluate(() => {
      const img = document.querySelector('[data-view=images] .images-media img');
      return { filter: getComputedStyle(img).filter, actual: document.querySelector('[data-view=images]').classList.contains('actual-size') };
    });
    assert.match(look.filter, /brightness\(2\)/);
    assert.equal(look.actual, true);
    await page.waitForFunction(() => /brightness=2/.test(location.search) && /actualSize=1/.test(location.search));
    await page.locator('.img-reset').click();
    await page.locator('.img-actual').uncheck();
  });

  it('plays the audio clip: metadata loaded, duration > 0, label as plain text', async () => {
    const { page } = P;
    await page.locator('.tabs [data-tab=audio]').click();
    const c = await shownCard(page, 'audio', HOSTILE, 'clip', (x) => x.shown && x.shown.duration > 0);
    assert.ok(Math.abs(c.shown.duration - 0.5) < 0.01, `duration ${c.shown.duration}`);
    assert.equal(c.items, 2);
    const label = page.locator('[data-view=audio] .card[data-tag="clip"] .audio-label');
    assert.equal(await label.evaluate((el) => el.children.length), 0, 'the label is text, never HTML');
    assert.equal(await label.textContent(), 'a sine at 440 Hz');
    // the player plays the bytes written, with their recorded type
    const r = await fetch(server.url + await page.locator('[data-view=audio] .card[data-tag="clip"] audio').getAttribute('src'));
    assert.equal(r.headers.get('content-type'), 'audio/wav');
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(CLIP));
    await shot(page, 'audio');
    assert.deepEqual(P.errors, []);
  });

  it('pins an image card and a scalar card to the top; the pins survive a reload via the URL', async () => {
    const { page } = P;
    await page.locator('.tabs [data-tab=images]').click();
    const card = page.locator(`[data-view=images] .card[data-run="${OBJDET}"][data-tag="train_input_images"]`);
    await card.locator('.pin-btn').click();
    const firstGroup = (tab) => page.evaluate((t) => {
      const g = document.querySelector(`[data-view=${t}] .tag-group`);
      return { name: g.querySelector('.group-name').textContent, cards: [...g.querySelectorAll('.card')].map((c) => [c.dataset.run || '', c.dataset.tag]) };
    }, tab);
    assert.deepEqual(await firstGroup('images'), { name: 'Pinned', cards: [[OBJDET, 'train_input_images']] });
    await page.locator('.tabs [data-tab=scalars]').click();
    await page.waitForSelector('[data-view=scalars] .scalar-card');
    const tag = await page.locator('[data-view=scalars] .scalar-card').last().getAttribute('data-tag');
    await page.locator(`[data-view=scalars] .scalar-card[data-tag="${tag}"] .pin-btn`).click();
    assert.deepEqual(await firstGroup('scalars'), { name: 'Pinned', cards: [['', tag]] });
    await page.waitForFunction(() => new URLSearchParams(location.search).getAll('pin').length === 2, null, { timeout: 5000 })
      .catch((err) => { throw new Error(`pins not in the URL: ${page.url()}`, { cause: err }); });
    const link = page.url();
    await page.reload();
    await page.waitForFunction(() => window.__tbserve !== undefined);
    assert.equal(page.url(), link);
    await page.waitForSelector('[data-view=scalars] .pinned-group .scalar-card');
    assert.deepEqual(await firstGroup('scalars'), { name: 'Pinned', cards: [['', tag]] });
    assert.equal(await page.locator(`[data-view=scalars] .scalar-card[data-tag="${tag}"] .pin-btn`).getAttribute('aria-pressed'), 'true');
    await page.locator('.tabs [data-tab=images]').click();
    await page.waitForSelector('[data-view=images] .pinned-group .card');
    assert.deepEqual(await firstGroup('images'), { name: 'Pinned', cards: [[OBJDET, 'train_input_images']] });
    await shot(page, 'images-pinned');
    // unpinning puts the card back in its group
    await page.locator('[data-view=images] .pinned-group .pin-btn').click();
    assert.notEqual((await firstGroup('images')).name, 'Pinned');
    assert.deepEqual(P.errors, []);
  });
});

describe('a logdir whose only run holds images', () => {
  it('opens on Images, hides the other tabs, and lists the run with what it holds', async () => {
    const logdir = tempDir('h2-only-images-');
    const run = 'torch__ZeroToMax-ZYZ_study_tensorboard/runs/image_experiment';
    fs.mkdirSync(path.join(logdir, path.dirname(run)), { recursive: true });
    fs.symlinkSync(path.join(REAL, run), path.join(logdir, run));
    const server = await startServer(logdir, ['--reload_interval', '1']);
    cleanup.push(async () => { await server.stop(); fs.rmSync(logdir, { recursive: true, force: true }); });
    const { page, errors } = await open(server.url);
    await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).tab === 'images');
    const s = await snap(page);
    assert.deepEqual(s.tabs, ['images']);
    const c = await shownCard(page, 'images', run, 'Debug_Images/Random_Noise');
    assert.equal(c.shown.broken, false);
    assert.ok((await decodedPixels(page, run, 'Debug_Images/Random_Noise')).lit > 100);
    assert.equal(await page.locator(`.run-row[data-run="${run}"] .run-note`).textContent(), 'images');
    const text = await page.evaluate(() => document.body.innerText);
    assert.doesNotMatch(text, /no scalar data/i);
    await shot(page, 'images-only');
    // the arrow keys go through the shown tabs only
    await page.locator('.tabs [data-tab=images]').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal((await snap(page)).tab, 'images');
    // a run with audio appears: the Audio tab comes with the live feed
    const clip = path.join(logdir, 'speech');
    fs.mkdirSync(clip);
    fs.writeFileSync(path.join(clip, 'events.out.tfevents.1700000000.h2.0'),
      Buffer.concat([fileVersion(1700000000), audioEvent(1700000000, 0, 'clip', CLIP, 8000, 4000)]));
    await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).tabs.join() === 'images,audio', null, { timeout: 15000 });
    assert.equal(await page.locator('.run-row[data-run="speech"] .run-note').textContent(), 'audio');
    assert.deepEqual(errors, []);
  });
});

describe('a logdir whose only run holds a graph (no tab of this page shows graphs)', () => {
  it('stays on Scalars and says what the run holds, not "no scalar data"', async () => {
    const logdir = tempDir('h2-only-graph-');
    fs.symlinkSync(path.join(REAL, 'torch__ZeroToMax-ZYZ_study_tensorboard/runs/graph_experiment'), path.join(logdir, 'graph_experiment'));
    const server = await startServer(logdir);
    cleanup.push(async () => { await server.stop(); fs.rmSync(logdir, { recursive: true, force: true }); });
    const { page, errors } = await open(server.url);
    await page.waitForFunction(() => /No scalars in these runs/.test(document.querySelector('[data-view=scalars]').innerText));
    const s = await snap(page);
    assert.equal(s.tab, 'scalars');
    assert.ok(s.tabs.includes('scalars'));
    for (const t of ['histograms', 'distributions', 'text', 'images', 'audio']) assert.ok(!s.tabs.includes(t), `tab ${t} hidden`);
    const text = await page.locator('[data-view=scalars]').innerText();
    assert.match(text, /The runs hold graph, but no scalar/);
    assert.doesNotMatch(await page.evaluate(() => document.body.innerText), /no scalar data/i);
    assert.equal(await page.locator('.run-row[data-run="graph_experiment"] .run-note').textContent(), 'graph');
    assert.deepEqual(errors, []);
  });
});

describe('the demo logdir', () => {
  it('shows images from the demo runs and hides tabs without data', async () => {
    const server = await startServer(DEMO);
    cleanup.push(() => server.stop());
    const { page, errors } = await open(server.url);
    await page.waitForFunction(() => window.__tbserve.snapshot({ points: false }).tabs.includes('images'));
    const listing = await (await fetch(`${server.url}data/plugins_listing`)).json();
    const s = await snap(page);
    for (const t of ['scalars', 'histograms', 'distributions', 'text', 'images', 'audio']) {
      assert.equal(s.tabs.includes(t), listing[t].enabled, `tab ${t} shown iff plugins_listing enables it`);
    }
    assert.equal(s.tabs.includes('audio'), false, 'no audio in the demo');
    await page.locator('.tabs [data-tab=images]').click();
    const c = await shownCard(page, 'images', 'tf1-mnist/logstrain', 'input_reshape/input/image/3');
    assert.deepEqual([c.shown.width, c.shown.height, c.shown.broken], [28, 28, false]);
    assert.ok((await decodedPixels(page, 'tf1-mnist/logstrain', 'input_reshape/input/image/3')).lit > 20);
    const torch = await shownCard(page, 'images', 'pytorch/image_experiment', 'Debug_Images/Random_Noise');
    assert.equal(torch.shown.broken, false);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'images-demo');
    assert.deepEqual(errors, []);
  });
});
