// customscalars.js - the Custom Scalars tab: the layout the runs wrote
// (categories of charts), drawn with the Scalars tab's chart (charts.js
// ScalarChart) and the same smoothing, axis and outlier settings.
//
// A multiline chart draws, for every selected run, each scalar tag that one
// of its regexes matches; the regexes run on the server (Python `re`
// semantics, custom_scalars/scalars). A margin chart draws each series'
// value line with the band between its lower and upper tags shaded. Every
// name is set as text. A category is a collapsible section, in the layout's
// order, open unless the layout says closed.

import { api, num } from './api.js';
import { state } from './state.js';
import { ScalarChart } from './charts.js';
import { smooth } from './smoothing.js';
import { userRegex } from './format.js';

const PALETTE = ['#1a73e8', '#e8710a', '#1e8e3e', '#d93025', '#9334e6', '#12b5cb', '#e52592', '#f9ab00'];

/** Python re.escape of a tag, anchored at its end (re.match anchors the start). */
export function exactTag(tag) {
  return `${tag.replace(/[^A-Za-z0-9_]/gu, (c) => `\\${c}`)}$`;
}

export class CustomScalarsView {
  constructor(root, runs) {
    this.root = root;
    this.runs = runs;
    this.tags = new Map(); // chart title -> chart (for the status line)
    this.loaded = false;
    this.cards = [];
    this.cache = new Map(); // `${run}\0${regex}` -> Promise(tag_to_events)
  }

  setTags(layout) {
    const sig = JSON.stringify(layout);
    if (sig === this.sig && !this.error) return;
    this.sig = sig;
    this.layoutData = layout && layout.category ? layout : { category: [] };
    this.tags = new Map();
    for (const cat of this.layoutData.category) for (const ch of cat.chart || []) this.tags.set(`${cat.title}/${ch.title}`, ch);
    this.loaded = true;
    this.error = null;
    this.cache.clear();
    this.layout();
  }

  setError(msg) {
    this.error = msg;
    this.loaded = true;
    this.layout();
  }

  empty(title, text) {
    const box = document.createElement('div');
    box.className = 'empty-state';
    const h = document.createElement('h2');
    h.textContent = title;
    const p = document.createElement('p');
    p.textContent = text;
    box.append(h, p);
    this.root.replaceChildren(box);
  }

  destroyCharts() {
    for (const c of this.cards) if (c.chart) c.chart.destroy();
    this.cards = [];
  }

  layout() {
    if (!this.runs.loaded || !this.loaded) return;
    this.destroyCharts();
    if (this.error) return this.empty('Custom scalars are not available', this.error);
    const cats = this.layoutData.category;
    if (!cats.length) {
      return this.empty('No custom scalar layout yet',
        'Write one with tensorboard.summary.v1.custom_scalar_pb(layout) (or torch add_custom_scalars); its charts appear here.');
    }
    const re = userRegex(state.get('tagFilter')) || /(?:)/;
    const sections = [];
    cats.forEach((cat, ci) => {
      const sec = document.createElement('section');
      sec.className = 'tag-group cs-category';
      const head = document.createElement('button');
      head.type = 'button';
      head.className = 'group-head';
      const title = document.createElement('span');
      title.textContent = cat.title || '(untitled)';
      const count = document.createElement('span');
      count.className = 'group-count';
      head.append(title, count);
      const grid = document.createElement('div');
      grid.className = 'card-grid';
      const key = `customscalars:${ci}:${cat.title}`;
      const collapsed = new Set(state.get('collapsed'));
      const closed = collapsed.has(key) !== !!cat.closed; // the layout's default, toggled by the user
      sec.classList.toggle('collapsed', closed);
      head.setAttribute('aria-expanded', String(!closed));
      head.addEventListener('click', () => {
        const now = new Set(state.get('collapsed'));
        if (now.has(key)) now.delete(key); else now.add(key);
        state.set({ collapsed: [...now] });
      });
      let n = 0;
      for (const ch of cat.chart || []) {
        if (!re.test(ch.title || '')) continue;
        n++;
        grid.append(this.card(cat, ch));
      }
      count.textContent = String(n);
      sec.append(head, grid);
      sections.push(sec);
    });
    this.root.replaceChildren(...sections);
    this.drawAll();
  }

  card(cat, ch) {
    const el = document.createElement('article');
    el.className = 'card cs-card';
    const head = document.createElement('header');
    head.className = 'card-head';
    const h = document.createElement('h3');
    h.className = 'card-title';
    h.textContent = ch.title || '(untitled)';
    h.title = ch.multiline ? `regexes: ${(ch.multiline.tag || []).join(', ')}` : 'margin chart';
    head.append(h);
    const host = document.createElement('div');
    host.className = 'chart-host';
    const foot = document.createElement('div');
    foot.className = 'card-foot muted';
    foot.textContent = 'Loading…';
    el.append(head, host, foot);
    const card = { cat: cat.title, chart: null, spec: ch, host, foot, el, series: [] };
    this.cards.push(card);
    return el;
  }

  fetchRegex(run, regex) {
    const k = `${run}\u0000${regex}`;
    if (!this.cache.has(k)) this.cache.set(k, api.customScalars(run, regex).catch((err) => ({ error: err.message })));
    return this.cache.get(k);
  }

  /** [{run, tag, events, band?}] of a chart for the selected runs. */
  async gather(spec) {
    const out = [];
    const runs = this.runs.visible();
    if (spec.multiline) {
      for (const run of runs) {
        const seen = new Set();
        for (const regex of spec.multiline.tag || []) {
          const a = await this.fetchRegex(run, regex);
          if (a.error) throw new Error(a.error);
          if (!a.regex_valid) throw new Error(`invalid regex ${regex}`);
          for (const [tag, events] of Object.entries(a.tag_to_events)) {
            if (seen.has(tag)) continue;
            seen.add(tag);
            out.push({ run, tag, events });
          }
        }
      }
    } else if (spec.margin) {
      for (const run of runs) {
        for (const s of spec.margin.series || []) {
          const [v, lo, hi] = await Promise.all([s.value, s.lower, s.upper].map((t) => this.fetchRegex(run, exactTag(t || ''))));
          const ev = v.tag_to_events?.[s.value];
          if (!ev) continue;
          const byStep = (a, t) => new Map((a.tag_to_events?.[t] || []).map((e) => [e[1], num(e[2])]));
          const l = byStep(lo, s.lower);
          const u = byStep(hi, s.upper);
          out.push({ run, tag: s.value, events: ev, band: { lo: ev.map((e) => l.get(e[1]) ?? NaN), hi: ev.map((e) => u.get(e[1]) ?? NaN) } });
        }
      }
    }
    return out;
  }

  async drawAll() {
    const gen = (this.gen = (this.gen || 0) + 1);
    for (const card of this.cards) {
      let parts;
      try {
        parts = await this.gather(card.spec);
      } catch (err) {
        card.foot.textContent = `Could not load: ${err.message}`;
        continue;
      }
      if (gen !== this.gen) return;
      card.parts = parts;
      this.render(card);
    }
  }

  render(card) {
    const xAxis = state.get('xAxis');
    const w = state.get('smoothing');
    const multiTag = new Set(card.parts.map((p) => p.tag)).size > 1;
    card.series = card.parts.map((p, i) => {
      const ev = p.events;
      const wall = ev.map((e) => num(e[0]));
      const step = ev.map((e) => e[1]);
      const raw = ev.map((e) => num(e[2]));
      const wall0 = wall.length ? wall[0] : 0;
      const x = ev.map((e, k) => (xAxis === 'step' ? step[k] : xAxis === 'relative' ? wall[k] - wall0 : wall[k] * 1000));
      const color = multiTag ? PALETTE[i % PALETTE.length] : this.runs.color(p.run);
      return {
        run: multiTag ? `${p.run}: ${p.tag}` : p.run, tag: p.tag, color, x, raw, smooth: smooth(raw, w), step, wall, wall0,
        ...(p.band ? { band: p.band } : {}),
      };
    });
    if (!card.chart) card.chart = new ScalarChart(card.host, { onZoom: () => {} });
    card.chart.update(card.series, {
      log: state.get('yScale') === 'log', xAxis, ignoreOutliers: state.get('ignoreOutliers'), smoothing: w, xRange: null, preview: false,
    });
    const tags = new Set(card.series.map((s) => s.tag));
    card.foot.textContent = card.series.length
      ? `${card.series.length} line${card.series.length === 1 ? '' : 's'} · ${tags.size} tag${tags.size === 1 ? '' : 's'}${card.spec.margin ? ' · shaded: lower to upper' : ''}`
      : 'No scalar of the selected runs matches this chart.';
  }

  invalidateAll() {
    for (const c of this.cards) if (c.parts) this.render(c);
  }

  onState(changed) {
    if (['hidden', 'runFilter', 'tagFilter', 'collapsed'].some((k) => changed.has(k))) this.layout();
    else if (['smoothing', 'xAxis', 'yScale', 'ignoreOutliers', 'colors'].some((k) => changed.has(k))) this.invalidateAll();
  }

  /** Live events name scalar tags; the regexes may match new ones: refetch all. */
  onSeries() {
    return true;
  }

  resync() {
    this.cache.clear();
    this.drawAll();
  }

  applyTheme() {
    for (const c of this.cards) if (c.chart) c.chart.applyTheme();
  }

  describe() {
    return this.cards.map((c) => ({
      category: c.cat, title: c.spec.title, kind: c.spec.margin ? 'margin' : 'multiline',
      series: c.series.map((s) => ({ run: s.run, tag: s.tag, n: s.x.length, band: !!s.band })),
    }));
  }
}
