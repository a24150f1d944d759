// images.js - the Images tab: one card per (tag, run), a step slider over
// every sample the server keeps.
//
// A card fetches its step list (images?run&tag&sample) the first time it
// comes on screen (the board's IntersectionObserver), and then loads one
// image: the one at the slider's step. So a tag with 10,000 steps costs one
// JSON list and one image, and cards off screen cost nothing. The slider
// follows new steps while it is at the newest one (live feed), and keeps
// the user's step otherwise. Arrow keys move it (also when the image has
// focus). Bytes the browser cannot decode (garbage PNG) get a placeholder
// that says so, never a broken-image icon or a console error.
//
// Brightness, contrast and actual size are page settings (state.js; the
// sidebar's Images section), applied through CSS to every image at once.
// StepCardsView is shared with the Audio tab (audio.js).

import { state } from './state.js';
import { api } from './api.js';
import { RunCardsView } from './runcards.js';
import { formatStep, formatWall } from './format.js';

/** Cards of one run/tag with a step slider (and a sample slider when a step holds several). */
export class StepCardsView extends RunCardsView {
  constructor(root, runs, opts) {
    super(root, runs, opts);
    this.samples = new Map(); // `${tag}\0${run}` -> samples per step (tags answer)
  }

  /** tagsAnswer: {run: {tag: {displayName, description, samples}}}. */
  setTags(tagsAnswer) {
    this.samples = new Map();
    for (const [run, tags] of Object.entries(tagsAnswer || {})) {
      for (const [tag, info] of Object.entries(tags || {})) this.samples.set(`${tag}\u0000${run}`, Math.max(1, Number(info?.samples) || 1));
    }
    super.setTags(tagsAnswer);
  }

  fetch(run, tag, card) {
    return this.fetchSteps(run, tag, card?.state.sample || 0);
  }

  paint(card, data) {
    if (!card.ui) this.build(card);
    const ui = card.ui;
    const list = data || [];
    const st = card.state;
    const nSamples = this.samples.get(card.key) || 1;
    ui.sampleRow.hidden = nSamples < 2;
    ui.sample.max = String(nSamples - 1);
    ui.sample.value = String(st.sample || 0);
    ui.sampleLabel.textContent = `sample ${(st.sample || 0) + 1} of ${nSamples}`;
    if (!list.length) {
      ui.stepRow.hidden = true;
      ui.media.hidden = true;
      ui.caption.textContent = `No ${this.opts.noun.toLowerCase()} for this sample.`;
      card.painted = true;
      return;
    }
    ui.stepRow.hidden = list.length < 2;
    ui.media.hidden = false;
    // keep the step the user picked; follow the newest while at the newest
    let i = list.length - 1;
    if (st.step !== undefined && !st.latest) {
      const k = list.findIndex((e) => e.step >= st.step);
      i = k < 0 ? list.length - 1 : k;
    }
    ui.slider.max = String(list.length - 1);
    ui.slider.value = String(i);
    this.select(card, i);
    card.painted = true;
  }

  /** Show entry i of the card's step list. */
  select(card, i) {
    const list = card.data || [];
    const e = list[i];
    if (!e) return;
    card.state.index = i;
    card.state.step = e.step;
    card.state.latest = i === list.length - 1;
    card.ui.stepLabel.textContent = `step ${formatStep(e.step)}` + (list.length > 1 ? ` (${i + 1} of ${list.length})` : '');
    card.ui.stepLabel.title = formatWall(Number(e.wall_time) * 1000);
    this.show(card, e);
  }

  build(card) {
    const ui = {};
    ui.media = document.createElement('div');
    ui.media.className = `${this.opts.tab}-media`;
    const row = (cls, label) => {
      const r = document.createElement('div');
      r.className = `step-row ${cls}`;
      const input = document.createElement('input');
      input.type = 'range';
      input.min = '0';
      input.step = '1';
      input.setAttribute('aria-label', label);
      const text = document.createElement('span');
      text.className = 'step-label';
      r.append(input, text);
      return [r, input, text];
    };
    [ui.stepRow, ui.slider, ui.stepLabel] = row('steps', 'Step');
    [ui.sampleRow, ui.sample, ui.sampleLabel] = row('samples', 'Sample');
    ui.caption = document.createElement('div');
    ui.caption.className = 'media-caption';
    ui.slider.addEventListener('input', () => this.select(card, Number(ui.slider.value)));
    ui.sample.addEventListener('change', () => {
      card.state.sample = Number(ui.sample.value);
      card.state.step = undefined;
      card.stale = true;
      this.draw(card);
    });
    // arrows step through the samples from anywhere in the card
    card.el.addEventListener('keydown', (ev) => {
      if (ev.target instanceof HTMLInputElement || !card.data?.length) return;
      const d = { ArrowLeft: -1, ArrowRight: 1, ArrowDown: -1, ArrowUp: 1, Home: -Infinity, End: Infinity }[ev.key];
      if (d === undefined) return;
      ev.preventDefault();
      const n = card.data.length;
      const i = Math.min(n - 1, Math.max(0, (card.state.index ?? n - 1) + d));
      ui.slider.value = String(i);
      this.select(card, i);
    });
    card.ui = ui;
    this.buildMedia(card);
    card.body.replaceChildren(ui.media, ui.stepRow, ui.sampleRow, ui.caption);
  }

  describe() {
    return [...this.cards.values()].map((c) => ({
      tag: c.tag, run: c.run, onScreen: c.onScreen, painted: !!c.painted, items: c.data ? c.data.length : 0,
      index: c.state.index ?? null, step: c.state.step ?? null, sample: c.state.sample || 0, shown: c.shown || null,
    }));
  }
}

export class ImagesView extends StepCardsView {
  constructor(root, runs) {
    super(root, runs, {
      tab: 'images', plugin: 'images', noun: 'Images',
      hint: 'Log one with writer.add_image("input", img, step), tf.summary.image or Keras TensorBoard(write_images=True); it appears here by itself.',
    });
    this.look();
  }

  fetchSteps(run, tag, sample) {
    return api.images(run, tag, sample);
  }

  /** Brightness, contrast and actual size: CSS on the whole tab. */
  look() {
    this.root.style.setProperty('--img-filter', `brightness(${state.get('imgBrightness')}) contrast(${state.get('imgContrast')})`);
    this.root.classList.toggle('actual-size', state.get('imgActual'));
  }

  onState(changed) {
    super.onState(changed);
    if (changed.has('imgBrightness') || changed.has('imgContrast') || changed.has('imgActual')) this.look();
  }

  buildMedia(card) {
    const frame = card.ui.media;
    frame.tabIndex = 0; // arrow keys step through the images
    frame.title = 'Arrow keys: previous / next step';
  }

  /**
   * Show entry e's image. The previous one stays until the new one is
   * decoded, and a card loads one image at a time: while the slider is
   * dragged over thousands of steps, each image shown is the newest one
   * asked for when the previous one arrived.
   */
  show(card, e) {
    const ui = card.ui;
    const src = api.imageUrl(e.query);
    if (ui.want === src) return;
    ui.want = src;
    ui.wantEntry = e;
    if (!ui.loading) this.load(card);
  }

  load(card) {
    const ui = card.ui;
    const e = ui.wantEntry;
    const src = ui.want;
    ui.loading = true;
    const img = new Image();
    img.alt = `${card.tag} at step ${e.step}`;
    img.decoding = 'async';
    img.src = src;
    const done = (ok) => {
      ui.loading = false;
      if (!this.cards.has(card.key)) return;
      const where = `step ${formatStep(e.step)} · ${formatWall(Number(e.wall_time) * 1000)}`;
      if (ok) {
        img.classList.toggle('upscaled', img.naturalWidth < 200);
        ui.media.replaceChildren(img);
        ui.caption.textContent = `${img.naturalWidth}×${img.naturalHeight} px · ${where}`;
        card.shown = { step: e.step, width: img.naturalWidth, height: img.naturalHeight, broken: false };
      } else {
        const p = document.createElement('div');
        p.className = 'media-broken';
        p.textContent = 'Could not decode this image: its bytes are not an image the browser reads (PNG, JPEG, GIF, BMP, WebP).';
        ui.media.replaceChildren(p);
        ui.caption.textContent = where;
        card.shown = { step: e.step, width: 0, height: 0, broken: true };
      }
      if (ui.want !== src) this.load(card); // the slider moved on meanwhile
    };
    img.decode().then(() => done(true), () => done(false));
  }
}
