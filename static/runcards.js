// runcards.js - tabs with one card per (tag, run): histograms, distributions, text.
//
// Shared by the three views: turns a tags answer into cards grouped by tag
// prefix, fetches a card's data the first time it comes on screen, refetches
// it when the live feed says that series changed, and draws only cards on
// screen. A subclass provides fetch(run, tag) and paint(card, data).

import { state } from './state.js';
import { Board } from './board.js';
import { userRegex } from './format.js';
import { pinButton } from './pins.js';

export class RunCardsView {
  /** opts: {tab, plugin, noun, hint} — plugin is the live feed's plugin name. */
  constructor(root, runs, opts) {
    this.root = root;
    this.runs = runs;
    this.opts = opts;
    this.tags = new Map(); // tag -> Set(run)
    this.cards = new Map(); // key -> card
    this.loaded = false;
    this.error = null;
    this.board = new Board(root, opts.tab, {
      create: (item) => this.createCard(item),
      visible: (item, el, on) => this.cardVisible(item.key, on),
      removed: (item) => this.dropCard(item.key),
    });
  }

  /** tagsAnswer: {run: {tag: …}} or {run: [tag, …]}. */
  setTags(tagsAnswer) {
    const sig = JSON.stringify(tagsAnswer);
    if (sig === this.tagsSig && !this.error) return; // nothing changed
    this.tagsSig = sig;
    const tags = new Map();
    for (const [run, v] of Object.entries(tagsAnswer || {})) {
      for (const tag of Array.isArray(v) ? v : Object.keys(v)) {
        if (!tags.has(tag)) tags.set(tag, new Set());
        tags.get(tag).add(run);
      }
    }
    this.tags = tags;
    this.loaded = true;
    this.error = null;
    this.layout();
    this.invalidateAll();
  }

  setError(msg) {
    this.error = msg;
    this.loaded = true;
    this.layout();
  }

  layout() {
    if (!this.runs.loaded) return; // drawn when the run list arrives
    const re = userRegex(state.get('tagFilter'));
    const order = new Map(this.runs.all.map((r, i) => [r, i]));
    const visible = this.runs.visible();
    const items = [];
    if (re) {
      for (const [tag, runs] of this.tags) {
        if (!re.test(tag)) continue;
        for (const run of visible) {
          if (runs.has(run)) items.push({ key: `${tag}\u0000${run}`, tag, run, order: order.get(run) });
        }
      }
    }
    const o = this.opts;
    let empty = null;
    if (this.error) empty = { title: `${o.noun} are not available`, text: this.error };
    else if (!this.tags.size) {
      empty = this.runs.all.length
        ? { title: `No ${o.noun.toLowerCase()} yet`, text: o.hint }
        : { title: 'No runs yet', text: this.runs.emptyText() };
    } else if (!re) empty = { title: 'Invalid tag filter', text: 'The filter is a regular expression; fix it to see tags again.' };
    else if (!visible.length) empty = { title: 'No runs selected', text: 'Tick one or more runs in the run list to see their data.' };
    else if (!items.length) empty = { title: 'Nothing matches', text: `No ${o.noun.toLowerCase()} tag of the selected runs matches the filter.` };
    this.board.update(items, empty);
  }

  createCard(item) {
    const el = document.createElement('article');
    el.className = `card ${this.opts.tab}-card`;
    el.dataset.tag = item.tag;
    el.dataset.run = item.run;
    const head = document.createElement('header');
    head.className = 'card-head';
    const title = document.createElement('h3');
    title.className = 'card-title';
    title.textContent = item.tag;
    title.title = item.tag;
    const run = document.createElement('span');
    run.className = 'card-run';
    const sw = document.createElement('span');
    sw.className = 'swatch';
    const name = document.createElement('span');
    name.textContent = item.run;
    run.title = item.run;
    run.append(sw, name);
    head.append(title, run, pinButton(this.opts.tab, item.key));
    const body = document.createElement('div');
    body.className = 'card-body';
    el.append(head, body);
    const card = { key: item.key, tag: item.tag, run: item.run, el, body, sw, onScreen: false, dirty: true, data: null, stale: true, gen: 0, state: {} };
    this.cards.set(item.key, card);
    this.paintColor(card);
    return el;
  }

  paintColor(card) {
    card.sw.style.background = this.runs.color(card.run);
    card.el.style.setProperty('--run-color', this.runs.color(card.run));
  }

  dropCard(key) {
    const card = this.cards.get(key);
    if (card) this.release(card);
    this.cards.delete(key);
  }

  /** Free what paint() made (subclasses with charts override). */
  release() {}

  cardVisible(key, on) {
    const card = this.cards.get(key);
    if (!card) return;
    card.onScreen = on;
    if (on && card.dirty) this.draw(card);
  }

  invalidateAll(refetch = false) {
    for (const card of this.cards.values()) {
      if (refetch) card.stale = true;
      card.dirty = true;
      this.paintColor(card);
      if (card.onScreen) this.draw(card);
    }
  }

  async draw(card) {
    const gen = ++card.gen;
    card.dirty = false;
    if (card.stale || !card.data) {
      card.stale = false;
      try {
        card.data = await this.fetch(card.run, card.tag, card);
      } catch (err) {
        card.data = null;
        card.body.textContent = `Could not load: ${err.message}`;
        return;
      }
    }
    if (gen !== card.gen || !this.cards.has(card.key)) return;
    if (!card.onScreen) { card.dirty = true; return; }
    this.paint(card, card.data);
  }

  /** A live `series` event for this plugin: false when the tag is new to us. */
  onSeries(ev) {
    const runs = this.tags.get(ev.tag);
    if (!runs || !runs.has(ev.run)) return false;
    const card = this.cards.get(`${ev.tag}\u0000${ev.run}`);
    if (card) {
      card.stale = true;
      card.dirty = true;
      if (card.onScreen) this.draw(card);
    }
    return true;
  }

  resync() {
    this.invalidateAll(true);
  }

  onState(changed) {
    if (['tagFilter', 'hidden', 'runFilter', 'collapsed', 'pinned'].some((k) => changed.has(k))) this.layout();
  }

  applyTheme() {
    this.invalidateAll(false);
  }

  describe() {
    return [...this.cards.values()].map((c) => ({
      tag: c.tag, run: c.run, onScreen: c.onScreen, painted: !!c.painted, items: c.data ? c.data.length : 0,
    }));
  }
}
