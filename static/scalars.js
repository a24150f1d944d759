// scalars.js - the Scalars tab: one chart card per tag, every drawn run overlaid.
//
// Data: each (run, tag) series is fetched once with ?buckets=N (N = half the
// plot width in px, so about two points per pixel, spikes kept by the
// server's first/min/max/last buckets), then grown with ?since_step= when
// the live feed says it grew, and refetched when it says it was reset or when
// enough points were appended to be worth re-bucketing. A drag-zoom fetches
// buckets of just the zoomed step range. Only cards on screen fetch and draw;
// the others are marked dirty and catch up when scrolled to.
// Smoothing is TensorBoard's EMA over every stored point, whatever the zoom:
// computed here when the server sent every point of a series, and by the
// server (smoothing=, over all of them) when its buckets left points out.

import { api, HttpError, flushBatches } from './api.js';
import { state } from './state.js';
import { smooth } from './smoothing.js';
import { ScalarChart } from './charts.js';
import { Board } from './board.js';
import { iconButton, icon } from './icons.js';
import { formatStep, formatDuration, formatWall, htmlToText, userRegex } from './format.js';
import { downloadBlob, downloadDataUrl, fileName, csvField } from './download.js';
import { pinButton } from './pins.js';

const MAX_CHARTS = 48; // live Chart.js instances kept; older off-screen ones are freed
// Charts redrawn in one frame: after this many ms the rest wait for the next
// frame (at least one is drawn per frame), so that a setting dragged across
// cards of hundreds of runs never blocks the page for all of them at once.
const FRAME_BUDGET_MS = 12;
// While the smoothing slider is dragged, a card costs a few ms (fastlines.js)
// and the cards on screen should change together, in the frame after the
// event: a budget of two frames' time. It still splits a screen of many cards.
const DRAG_FRAME_BUDGET_MS = 32;

export class ScalarsView {
  constructor(root, runs, hooks) {
    this.root = root;
    this.runs = runs;
    this.hooks = hooks; // {firstChart(ms), drawn()}
    this.tags = new Map(); // tag -> {runs: Set, description}
    this.cache = new Map(); // run \0 tag -> entry
    this.cards = new Map(); // tag -> card
    this.pendingDraw = new Set();
    this.raf = 0;
    this.firstDrawn = false;
    // Until the page's first chart is drawn, it is the only card that
    // fetches and draws: the other cards' requests (a few ms of main thread
    // each) and their answers would be decoded and drawn before its frame
    // is painted. They start after that frame (holdOthers, releaseOthers).
    this.leader = null;
    // Whether a card's chart is inside the viewport itself: the board draws
    // cards up to 300 px before they scroll in, and a slider drag redraws
    // only the charts a user sees (the others on release, or as they scroll in).
    this.byHost = new WeakMap();
    this.viewIO = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const card = this.byHost.get(e.target);
        if (!card) continue;
        card.inView = e.isIntersecting;
        if (card.inView && card.onScreen && card.dirty) this.schedule(card);
      }
    });
    this.loaded = false;
    this.board = new Board(root, 'scalars', {
      create: (item) => this.createCard(item.tag),
      visible: (item, el, on) => this.cardVisible(item.tag, on),
      removed: (item) => this.dropCard(item.tag),
    });
  }

  // ---- tags and layout --------------------------------------------------------

  setTags(tagsByRun) {
    const sig = JSON.stringify(tagsByRun);
    if (sig === this.tagsSig) return; // a poll or reconnect that changed nothing
    this.tagsSig = sig;
    const tags = new Map();
    for (const [run, byTag] of Object.entries(tagsByRun)) {
      for (const [tag, info] of Object.entries(byTag)) {
        let t = tags.get(tag);
        if (!t) {
          t = { runs: new Set(), description: '' };
          tags.set(tag, t);
        }
        t.runs.add(run);
        if (!t.description && info && info.description) t.description = htmlToText(info.description);
      }
    }
    this.tags = tags;
    this.loaded = true;
    this.error = null;
    mark('tags');
    for (const [key, e] of this.cache) {
      if (!tags.get(e.tag)?.runs.has(e.run)) this.cache.delete(key);
    }
    this.layout();
    this.invalidateAll();
  }

  /** The server answered the tags request with an error: say so instead of the charts. */
  setError(msg) {
    this.error = msg;
    this.tagsSig = null;
    this.loaded = true;
    this.layout();
  }

  layout() {
    if (!this.runs.loaded) return; // drawn when the run list arrives
    if (this.error) {
      this.board.update([], { title: 'Scalars are not available', text: this.error });
      return;
    }
    const re = userRegex(state.get('tagFilter'));
    const visibleRuns = new Set(this.runs.visible());
    const items = [];
    let hiddenNoRuns = 0;
    for (const [tag, t] of this.tags) {
      if (!re || !re.test(tag)) continue;
      let any = false;
      for (const r of t.runs) if (visibleRuns.has(r)) { any = true; break; }
      if (!any) { hiddenNoRuns++; continue; }
      items.push({ key: tag, tag });
    }
    let empty = null;
    if (!this.tags.size) {
      const held = this.runs.heldData(); // what the runs hold instead (images, a graph, …)
      empty = !this.runs.all.length ? { title: 'No runs yet', text: this.runs.emptyText() }
        : held ? { title: 'No scalars in these runs', text: `The runs hold ${held}, but no scalar. Log one (e.g. writer.add_scalar("loss", value, step) or tf.summary.scalar) and it appears here by itself.` }
          : { title: 'No scalar data yet', text: 'None of the runs has logged a scalar. Log one (e.g. writer.add_scalar("loss", value, step) or tf.summary.scalar) and it appears here by itself.' };
    } else if (!re) {
      empty = { title: 'Invalid tag filter', text: 'The filter is a regular expression; fix it to see tags again.' };
    } else if (!visibleRuns.size) {
      empty = { title: 'No runs selected', text: 'Tick one or more runs in the run list (or clear the run filter) to draw their curves.' };
    } else if (hiddenNoRuns && !items.length) {
      empty = { title: 'No tags for the selected runs', text: 'The selected runs have no scalar tags matching the filter.' };
    } else if (!items.length) {
      empty = { title: 'No matching tags', text: `No tag matches “${state.get('tagFilter')}”. Press / to edit the filter.` };
    }
    this.board.update(items, empty);
    mark('layout');
    if (!this.firstDrawn) this.drawFirstScreen();
  }

  /**
   * Before the first chart: start fetching for the cards already in the
   * viewport now, instead of a frame later when the IntersectionObserver
   * reports them.
   */
  drawFirstScreen() {
    if (this.root.hidden) return;
    const h = innerHeight;
    for (const card of this.cards.values()) {
      if (card.chart || card.busy || !card.el.isConnected) continue;
      const r = card.el.getBoundingClientRect();
      if (r.height && r.bottom > 0 && r.top < h) {
        card.onScreen = true;
        card.lastVisible = performance.now();
        if (!this.leader) {
          this.leader = card;
          this.draw(card);
        } else {
          this.pendingDraw.add(card);
        }
      }
    }
  }

  /** Whether a card must wait for the page's first chart (see leader). */
  holdOthers(card) {
    return this.leader !== null && card !== this.leader;
  }

  /** The first chart is drawn (or failed): let the other cards go after its frame. */
  releaseOthers() {
    if (!this.leader) return;
    this.leader = null;
    requestAnimationFrame(() => setTimeout(() => {
      if (this.pendingDraw.size && !this.raf) this.flush();
    }, 0));
  }

  // ---- cards ------------------------------------------------------------------

  createCard(tag) {
    const el = document.createElement('article');
    el.className = 'card scalar-card';
    el.dataset.tag = tag;
    const head = document.createElement('header');
    head.className = 'card-head';
    const title = document.createElement('h3');
    title.className = 'card-title';
    title.title = tag;
    const slash = tag.indexOf('/');
    if (slash > 0) {
      const g = document.createElement('span');
      g.className = 'tag-prefix';
      g.textContent = tag.slice(0, slash + 1);
      title.append(g, document.createTextNode(tag.slice(slash + 1)));
    } else {
      title.textContent = tag;
    }
    head.append(title);
    const desc = this.tags.get(tag)?.description;
    if (desc) {
      const d = document.createElement('span');
      d.className = 'card-desc';
      d.title = desc;
      d.append(icon('info', 14));
      head.append(d);
    }
    const actions = document.createElement('div');
    actions.className = 'card-actions';
    const reset = iconButton('reset', 'Reset zoom (double-click the chart)', 'unzoom');
    reset.hidden = true;
    const menu = document.createElement('details');
    menu.className = 'menu';
    const sum = document.createElement('summary');
    sum.className = 'icon-btn';
    sum.title = 'Download';
    sum.setAttribute('aria-label', 'Download');
    sum.append(icon('download'));
    const items = document.createElement('div');
    items.className = 'menu-items';
    for (const [act, label] of [['csv', 'Data as CSV'], ['json', 'Data as JSON'], ['png', 'Chart as PNG']]) {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.act = act;
      b.textContent = label;
      items.append(b);
    }
    menu.append(sum, items);
    const enlarge = iconButton('expand', 'Enlarge', 'enlarge');
    actions.append(reset, pinButton('scalars', tag), menu, enlarge);
    head.append(actions);
    const host = document.createElement('div');
    host.className = 'chart-host';
    const foot = document.createElement('footer');
    foot.className = 'card-foot';
    el.append(head, host, foot);
    const card = { tag, el, host, foot, reset, enlarge, chart: null, onScreen: false, inView: true, dirty: true, zoom: null, gen: 0, lastVisible: 0, model: [] };
    this.byHost.set(host, card);
    this.viewIO.observe(host);
    actions.addEventListener('click', (e) => {
      const b = e.target.closest('[data-act]');
      if (b) this.action(card, b.dataset.act, menu);
    });
    this.cards.set(tag, card);
    return el;
  }

  dropCard(tag) {
    const card = this.cards.get(tag);
    if (card?.chart) card.chart.destroy();
    if (card) this.viewIO.unobserve(card.host);
    this.cards.delete(tag);
    if (card && card === this.leader) this.releaseOthers();
  }

  cardVisible(tag, on) {
    const card = this.cards.get(tag);
    if (!card) return;
    card.onScreen = on;
    if (on) {
      mark('visible');
      card.lastVisible = performance.now();
      if (card.dirty || !card.chart) this.schedule(card);
    }
  }

  async action(card, act, menu) {
    if (menu) menu.open = false;
    if (act === 'unzoom') return this.zoom(card, null);
    if (act === 'enlarge') {
      const wide = card.el.classList.toggle('card-wide');
      card.enlarge.replaceChildren(icon(wide ? 'shrink' : 'expand'));
      card.enlarge.title = wide ? 'Shrink' : 'Enlarge';
      if (wide) card.el.scrollIntoView({ block: 'nearest' });
      setTimeout(() => { card.dirty = true; card.force = true; this.schedule(card); }, 0);
      return;
    }
    const runs = this.drawnRuns(card.tag);
    if (act === 'png') {
      if (card.chart) downloadDataUrl(card.chart.toPNG(card.tag), fileName(card.tag, 'png'));
      return;
    }
    const all = await Promise.all(runs.map((r) => api.scalarsRaw(r, card.tag).catch(() => [])));
    if (act === 'json') {
      const obj = {};
      runs.forEach((r, i) => { obj[r] = all[i]; });
      downloadBlob(new Blob([JSON.stringify(obj)], { type: 'application/json' }), fileName(card.tag, 'json'));
    } else if (act === 'csv') {
      const lines = ['run,wall_time,step,value'];
      runs.forEach((r, i) => {
        for (const [w, s, v] of all[i]) lines.push(`${csvField(r)},${w},${s},${v}`);
      });
      downloadBlob(new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv' }), fileName(card.tag, 'csv'));
    }
  }

  drawnRuns(tag) {
    const t = this.tags.get(tag);
    if (!t) return [];
    return this.runs.visible().filter((r) => t.runs.has(r));
  }

  // ---- drawing ------------------------------------------------------------------

  /** Everything must be redrawn (a setting changed): on screen now, the rest when seen. */
  invalidateAll() {
    for (const card of this.cards.values()) {
      card.dirty = true;
      card.force = true;
      if (card.onScreen) this.schedule(card);
    }
  }

  schedule(card) {
    this.pendingDraw.add(card);
    if (!this.raf) this.raf = requestAnimationFrame(() => this.flush());
  }

  flush() {
    this.raf = 0;
    this.frameStart = performance.now();
    this.framed = 0;
    const cards = [...this.pendingDraw];
    this.pendingDraw.clear();
    for (const card of cards) {
      if (this.holdOthers(card)) this.pendingDraw.add(card);
      else if (card.onScreen && this.cards.get(card.tag) === card) {
        if (this.dragging && !card.inView && card.chart) card.dirty = true; // see viewIO
        else this.draw(card);
      }
    }
  }

  /** Buckets to ask for: one per two pixels of plot width. */
  buckets(card) {
    const w = card.host.clientWidth || 400;
    return Math.max(64, Math.ceil((w - 50) / 2));
  }

  async draw(card) {
    try {
      await this.fetchAndRender(card);
    } finally {
      if (card === this.leader) this.releaseOthers();
    }
  }

  async fetchAndRender(card) {
    const gen = ++card.gen;
    card.dirty = false;
    card.busy = true;
    const runs = this.drawnRuns(card.tag);

    const nb = this.buckets(card);
    const zoom = card.zoom;
    mark('fetch');
    const loading = Promise.all(runs.map((r) => this.ensure(r, card.tag, nb)));
    flushBatches(); // the request leaves now, before any chart work below
    // the page's first chart frame is built while its data is on the way
    // (the first Chart.js chart of a page costs tens of ms of cold code)
    if (!card.chart && !this.anyChart) {
      this.anyChart = true;
      queueMicrotask(() => {
        if (!card.chart && this.cards.get(card.tag) === card) this.createChart(card);
        mark('chart');
      });
    }
    try {
      await loading;
      mark('data');
      if (zoom) await this.ensureZoom(card, zoom, runs);
    } catch (err) {
      console.warn('tbserve: loading', card.tag, err);
    }
    if (gen !== card.gen || !this.cards.has(card.tag)) return; // superseded
    card.busy = false;
    if (!card.onScreen) { card.dirty = true; return; }
    // a live update or poll that brought nothing new draws nothing; card.force
    // (a setting changed) stays set until a render has happened
    const sig = runs.map((r) => `${r}:${this.cache.get(key(r, card.tag))?.version}`).join('|');
    if (!card.force && card.chart && sig === card.sig) return;
    if (this.framed && performance.now() - this.frameStart > (this.dragging ? DRAG_FRAME_BUDGET_MS : FRAME_BUDGET_MS)) {
      card.dirty = true; // this frame is spent: next one
      this.schedule(card);
      return;
    }
    this.framed++;
    card.sig = sig;
    card.force = false;
    this.render(card, runs);
  }

  /**
   * The x axis of a card: the user's choice, except that W&B system metrics
   * (system/... tags of W&B runs, sampled by wall clock, not by training step)
   * are drawn against wall time while the choice is the default, step.
   */
  xAxisFor(card, runs = this.drawnRuns(card.tag)) {
    const x = state.get('xAxis');
    if (x !== 'step' || !card.tag.startsWith('system/')) return x;
    const wandb = runs.filter((r) => this.cache.get(key(r, card.tag))?.loaded);
    return wandb.length && wandb.every((r) => this.runs.info.has(r)) ? 'wall' : x;
  }

  render(card, runs) {
    const xAxis = this.xAxisFor(card, runs);
    const w = state.get('smoothing');
    const zoom = card.zoom;
    const series = [];
    for (const run of runs) {
      const e = this.cache.get(key(run, card.tag));
      if (!e || !e.loaded) continue;
      const d = zoom?.data.get(run) || e;
      const n = d.step.length;
      const wall0 = e.wall.length ? e.wall[0] : 0;
      // the x values are kept with the data until it or the axis changes:
      // a slider drag redraws without building them again
      let m = d.xMemo;
      if (!m || m.axis !== xAxis || m.step !== d.step || m.n !== n || m.wall0 !== wall0) {
        const x = new Float64Array(n); // every pass over it is typed, none holey
        for (let i = 0; i < n; i++) {
          x[i] = xAxis === 'step' ? d.step[i] : xAxis === 'relative' ? d.wall[i] - wall0 : d.wall[i] * 1000;
        }
        m = d.xMemo = { axis: xAxis, step: d.step, n, wall0, x };
      }
      const x = m.x;
      series.push({
        run, color: this.runs.color(run), x, raw: d.value, smooth: smoothedValues(d, w),
        step: d.step, wall: d.wall, wall0,
      });
    }
    if (!card.chart) this.createChart(card);
    card.chart.update(series, {
      log: state.get('yScale') === 'log', xAxis, ignoreOutliers: state.get('ignoreOutliers'),
      smoothing: w, xRange: zoom ? zoom.xRange : null, preview: !!this.dragging,
    });
    card.model = series;
    card.reset.hidden = !zoom;
    this.footer(card, series, zoom);
    mark('render');
    if (!this.firstDrawn && series.length) {
      this.firstDrawn = true;
      this.hooks.firstChart(performance.now());
    }
    this.hooks.drawn();
  }

  createChart(card) {
    this.anyChart = true;
    this.freeCharts();
    card.chart = new ScalarChart(card.host, { onZoom: (r) => this.zoom(card, r) });
    card.foot.textContent = 'Loading…';
  }

  footer(card, series, zoom) {
    let pts = 0;
    for (const s of series) pts += s.x.length;
    const parts = [`${series.length} run${series.length === 1 ? '' : 's'}`];
    if (zoom) {
      const [a, b] = zoom.xRange;
      const x = this.xAxisFor(card);
      const f = x === 'step' ? formatStep : x === 'relative' ? formatDuration : formatWall;
      parts.push(`zoomed to ${f(a)} – ${f(b)}`);
    }
    parts.push(`${formatStep(pts)} point${pts === 1 ? '' : 's'} drawn`);
    const text = series.length ? parts.join(' · ') : 'No data for the selected runs yet.';
    if (card.foot.textContent !== text) card.foot.textContent = text; // unchanged: no relayout
  }

  /** Keep at most MAX_CHARTS Chart.js instances: free the longest-unseen off-screen ones. */
  freeCharts() {
    const live = [...this.cards.values()].filter((c) => c.chart);
    if (live.length < MAX_CHARTS) return;
    live.filter((c) => !c.onScreen).sort((a, b) => a.lastVisible - b.lastVisible)
      .slice(0, live.length - MAX_CHARTS + 1)
      .forEach((c) => { c.chart.destroy(); c.chart = null; c.dirty = true; c.force = true; });
  }

  // ---- zoom ---------------------------------------------------------------------

  zoom(card, range) {
    if (!range) {
      if (!card.zoom) return;
      card.zoom = null;
    } else {
      card.zoom = { xRange: range, data: new Map() };
    }
    card.dirty = true;
    card.force = true;
    this.schedule(card);
  }

  /** Fetch buckets of the zoomed step range for every run (padded by 5 %). */
  async ensureZoom(card, zoom, runs) {
    const nb = this.buckets(card);
    const xAxis = this.xAxisFor(card, runs);
    await Promise.all(runs.map(async (run) => {
      if (zoom.data.has(run)) return;
      const e = this.cache.get(key(run, card.tag));
      if (!e || !e.step.length) return;
      let [lo, hi] = zoom.xRange;
      let a;
      let b;
      if (xAxis === 'step') {
        a = lo;
        b = hi;
      } else {
        const wall0 = e.wall[0];
        const toX = (i) => (xAxis === 'relative' ? e.wall[i] - wall0 : e.wall[i] * 1000);
        a = Infinity;
        b = -Infinity;
        for (let i = 0; i < e.step.length; i++) {
          const x = toX(i);
          if (x >= lo && x <= hi) {
            a = Math.min(a, e.step[Math.max(0, i - 1)]);
            b = Math.max(b, e.step[Math.min(e.step.length - 1, i + 1)]);
          }
        }
        if (a === Infinity) return;
      }
      const pad = (b - a) * 0.05;
      const sw = serverWeight();
      const d = await api.scalars(run, card.tag, {
        buckets: nb, minStep: Math.floor(a - pad), maxStep: Math.ceil(b + pad), smoothing: sw,
      });
      d.smoothW = sw;
      zoom.data.set(run, d);
    }));
  }

  // ---- the series cache -----------------------------------------------------------

  /** Make sure (run, tag) is loaded and up to date; resolves when it is. */
  ensure(run, tag, nb) {
    const k = key(run, tag);
    let e = this.cache.get(k);
    if (!e) {
      e = { run, tag, wall: [], step: [], value: [], loaded: false, stale: 'reset', buckets: nb, appended: 0, inflight: null, again: false };
      this.cache.set(k, e);
    }
    if (nb > e.buckets * 1.3 && e.loaded) e.stale = 'reset'; // the card got wider
    if (!e.stale) return e.inflight || Promise.resolve();
    return this.refresh(e, nb);
  }

  refresh(e, nb) {
    if (e.inflight) {
      e.again = true;
      return e.inflight;
    }
    e.inflight = (async () => {
      do {
        e.again = false;
        const mode = e.stale;
        e.stale = null;
        if (!mode) continue;
        try {
          if (mode === 'reset' || !e.loaded || e.appended > 2 * e.buckets) {
            const nbk = Math.max(nb || 0, e.buckets);
            const sw = serverWeight();
            const d = await api.scalars(e.run, e.tag, { buckets: nbk, smoothing: sw });
            Object.assign(e, d, { loaded: true, buckets: nbk, appended: 0, smoothW: sw });
          } else {
            const last = e.step.length ? maxOf(e.step) : -1;
            // a reduced series keeps the server's smoothing for its new points
            const sw = e.reduced && e.smooth ? e.smoothW : undefined;
            const d = await api.scalars(e.run, e.tag, { sinceStep: last, smoothing: sw });
            for (let i = 0; i < d.step.length; i++) {
              e.wall.push(d.wall[i]);
              e.step.push(d.step[i]);
              e.value.push(d.value[i]);
              if (d.smooth) e.smooth.push(d.smooth[i]);
            }
            e.appended += d.step.length;
            if (!d.step.length) continue;
          }
        } catch (err) {
          if (err instanceof HttpError && err.status === 404) {
            Object.assign(e, { wall: [], step: [], value: [], loaded: true, reduced: false, smooth: null });
          } else {
            e.stale = e.stale || mode;
            throw err;
          }
        }
        e.version = (e.version || 0) + 1;
      } while (e.again || e.stale);
    })().finally(() => { e.inflight = null; });
    return e.inflight;
  }

  // ---- live -----------------------------------------------------------------------

  /** A `series` event from the live feed (plugin scalars). */
  onSeries(ev) {
    const t = this.tags.get(ev.tag);
    if (!t || !t.runs.has(ev.run)) return false; // unknown: the caller refetches tags
    const e = this.cache.get(key(ev.run, ev.tag));
    if (e) {
      if (ev.reset) e.stale = 'reset';
      else if (e.stale !== 'reset') e.stale = 'append';
    }
    const card = this.cards.get(ev.tag);
    if (card) {
      if (card.zoom && ev.reset) { card.zoom.data.delete(ev.run); card.force = true; }
      card.dirty = true;
      if (card.onScreen) this.schedule(card);
    }
    return true;
  }

  /** After a reconnection (reset) or on a poll tick (append): bring everything up to date. */
  resync(mode) {
    for (const e of this.cache.values()) if (e.stale !== 'reset') e.stale = mode;
    for (const card of this.cards.values()) {
      if (mode === 'reset' && card.zoom) { card.zoom.data.clear(); card.force = true; }
      card.dirty = true;
      if (card.onScreen) this.schedule(card);
    }
  }

  onState(changed) {
    if (changed.has('smoothing')) this.resmooth();
    if (['tagFilter', 'hidden', 'runFilter', 'collapsed', 'pinned'].some((k) => changed.has(k))) this.layout();
    if (changed.has('xAxis')) for (const c of this.cards.values()) c.zoom = null;
    if (['smoothing', 'yScale', 'xAxis', 'ignoreOutliers', 'hidden', 'runFilter', 'colors'].some((k) => changed.has(k))) this.invalidateAll();
  }

  /**
   * The smoothing weight changed: series the server reduced to buckets need
   * its smoothing of all their points again (the others are smoothed here).
   */
  resmooth() {
    const sw = serverWeight();
    for (const e of this.cache.values()) {
      if (e.loaded && e.reduced && e.smoothW !== sw && e.stale !== 'reset') e.stale = 'reset';
    }
    for (const c of this.cards.values()) {
      if (!c.zoom) continue;
      for (const [run, d] of c.zoom.data) if (d.reduced && d.smoothW !== sw) c.zoom.data.delete(run);
    }
  }

  applyTheme() {
    for (const c of this.cards.values()) {
      if (!c.chart) continue;
      if (c.onScreen) c.chart.applyTheme();
      else { c.chart.destroy(); c.chart = null; c.dirty = true; c.force = true; }
    }
  }

  /** One drawn series of a card (copies), for the test hook; null if not drawn. */
  seriesOf(tag, run) {
    const c = this.cards.get(tag);
    const s = c && c.model.find((m) => m.run === run);
    if (!s) return null;
    return { n: s.x.length, step: Array.from(s.step), x: Array.from(s.x), raw: Array.from(s.raw), smooth: Array.from(s.smooth) };
  }

  /** Read-only description of what is drawn, for the test hook (points: copy the arrays). */
  describe(points = true) {
    const cards = [];
    for (const [tag, c] of this.cards) {
      cards.push({
        tag, onScreen: c.onScreen, inView: c.inView, drawn: !!c.chart, zoomed: !!c.zoom, xAxis: this.xAxisFor(c),
        fresh: !c.dirty && !c.busy && !this.pendingDraw.has(c),
        ...(c.chart ? c.chart.describe() : {}),
        series: c.model.map((s) => ({
          run: s.run, color: s.color, n: s.x.length,
          ...(points ? { x: Array.from(s.x), raw: Array.from(s.raw), smooth: Array.from(s.smooth) } : {}),
        })),
      });
    }
    return cards;
  }
}

/** A performance mark the first time each step of the first draw happens. */
const marked = new Set();
function mark(name) {
  if (marked.has(name)) return;
  marked.add(name);
  performance.mark(`tb:${name}`);
}

/** The smoothing= to ask the server for: the current weight, none when off. */
function serverWeight() {
  const w = state.get('smoothing');
  return w > 0 ? w : undefined;
}

/**
 * The smoothed values of a fetched series d at weight w: the server's when it
 * smoothed every stored point at this weight, else TensorBoard's EMA here
 * (exact when d holds every point; while the server's answer for a new
 * weight is on its way, an approximation over the points at hand). The local
 * result is kept until the weight or the points change.
 */
function smoothedValues(d, w) {
  if (d.smooth && d.smoothW === (w > 0 ? w : undefined) && d.smooth.length === d.value.length) return d.smooth;
  const c = d.localSmooth;
  if (c && c.w === w && c.n === d.value.length && c.v0 === d.value) return c.out;
  // the previous weight's array is overwritten (a card drawn with it is
  // being redrawn): no new array per series per slider event
  const out = smooth(d.value, w, c ? c.out : null);
  d.localSmooth = { w, n: d.value.length, v0: d.value, out };
  return out;
}

function key(run, tag) {
  return `${run}\u0000${tag}`;
}

function maxOf(a) {
  let m = -Infinity;
  for (const v of a) if (v > m) m = v;
  return m;
}
