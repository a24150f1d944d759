// state.js - the page state, mirrored into the URL and localStorage.
//
// The view (tab, filters, smoothing, axes, which runs are hidden, picked run
// colours) lives in the URL's query string so that a copied link reproduces
// it; preferences (smoothing, axes, outliers, histogram mode, theme,
// collapsed groups, sidebar width) are also kept in localStorage as the
// defaults for the next visit. The URL wins: a link that carries any view
// state is shown as the link says, with no remembered preference mixed in;
// only a bare URL takes the preferences, which are then written into the URL
// (so a copied link shows what this page shows) and listed by prefsApplied
// (the page says so). Only values that differ from the defaults are written.
// Subscribers get the set of keys that changed.

import { SMOOTHING_DEFAULT, SMOOTHING_MAX } from './smoothing.js';

const PREFS_KEY = 'tbserve.prefs.v1';

export const DEFAULTS = Object.freeze({
  tab: 'scalars',          // scalars | histograms | distributions | text | images | audio
  smoothing: SMOOTHING_DEFAULT,
  yScale: 'linear',        // linear | log
  xAxis: 'step',           // step | relative | wall
  ignoreOutliers: true,
  tagFilter: '',
  runFilter: '',
  histMode: 'offset',      // offset | overlay
  hidden: [],              // runs unchecked in the run list
  colors: {},              // run -> '#rrggbb' picked by the user
  theme: 'auto',           // auto | light | dark (localStorage only)
  collapsed: [],           // collapsed tag groups (localStorage only)
  sidebarWidth: 0,         // px, 0 = the stylesheet's (localStorage only)
  // images, audio, pins (pins.js): pinned cards are `<tab>:<card key>`
  pinned: [],
  imgBrightness: 1,        // CSS brightness() of every image, 0..3
  imgContrast: 1,          // CSS contrast() of every image, 0..3
  imgActual: false,        // images at their actual size, not fitted
  // HParams and Graphs views: see VIEW_KEYS below
  hpSort: '',              // '' = by name; `<column key>` ascending, `-<column key>` descending
  hpFilters: [],           // column filters, each JSON [column key, text]
  hpHidden: [],            // hidden column keys
  hpBrushes: [],           // axis brushes, each JSON [column key, {lo, hi} | {cats, lo, hi}]
  hpPlot: 'parcoords',     // parcoords | scatter | none
  graphRun: '',            // '' = the first run with a graph
  graphKind: '',           // a graph choice key (graphs.js graphChoices): op, c:<tag>, t:<tag>, p:<tag>
  graphNode: '',           // the selected op's name
});

const TABS = ['scalars', 'histograms', 'distributions', 'text', 'images', 'audio'];
TABS.push('prcurves', 'customscalars'); // PR curves and custom scalars
TABS.push('graphs'); // the Graphs tab (graphs.js)
TABS.push('hparams'); // the HParams tab
// key -> [URL parameter, kept in localStorage]
const URL_KEYS = {
  tab: 'tab', smoothing: 'smoothing', yScale: 'yScale', xAxis: 'xAxis',
  ignoreOutliers: 'outliers', tagFilter: 'tagFilter', runFilter: 'runFilter',
  histMode: 'histMode', hidden: 'hide', colors: 'color',
  pinned: 'pin', imgBrightness: 'brightness', imgContrast: 'contrast', imgActual: 'actualSize',
};
// URL parameters given once per value (`hide=a&hide=b`)
const LIST_KEYS = ['hidden', 'pinned'];
// ---- HParams and Graphs view state: sort, filters, hidden columns,
// brushes and plot of the HParams tab; run, graph and selected node of the
// Graphs tab. Lists of JSON strings are opaque here (hparams.js reads them).
const VIEW_KEYS = {
  hpSort: ['hpSort', (v) => (typeof v === 'string' ? v : undefined)],
  hpFilters: ['hpFilter', null],
  hpHidden: ['hpHide', null],
  hpBrushes: ['hpBrush', null],
  hpPlot: ['hpPlot', (v) => (['parcoords', 'scatter', 'none'].includes(v) ? v : undefined)],
  graphRun: ['graphRun', (v) => (typeof v === 'string' ? v : undefined)],
  graphKind: ['graph', (v) => (typeof v === 'string' ? v : undefined)],
  graphNode: ['graphNode', (v) => (typeof v === 'string' ? v : undefined)],
};
for (const [key, [param, check]] of Object.entries(VIEW_KEYS)) {
  URL_KEYS[key] = param;
  if (!check) LIST_KEYS.push(key);
}
const validateView = (key, v) => {
  const check = VIEW_KEYS[key][1];
  if (check) return check(v);
  return Array.isArray(v) ? v.filter((s) => typeof s === 'string') : undefined;
};
const PREF_KEYS = ['smoothing', 'yScale', 'xAxis', 'ignoreOutliers', 'histMode', 'theme', 'collapsed', 'sidebarWidth'];
// preferences that change what a link shows (theme, collapsed groups and the
// sidebar width are about this browser, not the view)
const VIEW_PREFS = ['smoothing', 'yScale', 'xAxis', 'ignoreOutliers', 'histMode'];

function validate(key, v) {
  switch (key) {
    case 'tab': return TABS.includes(v) ? v : undefined;
    case 'smoothing': {
      const x = Number(v);
      return Number.isFinite(x) ? Math.min(Math.max(x, 0), SMOOTHING_MAX) : undefined;
    }
    case 'yScale': return v === 'log' || v === 'linear' ? v : undefined;
    case 'xAxis': return ['step', 'relative', 'wall'].includes(v) ? v : undefined;
    case 'ignoreOutliers': return typeof v === 'boolean' ? v : v === '1' ? true : v === '0' ? false : undefined;
    case 'histMode': return v === 'offset' || v === 'overlay' ? v : undefined;
    case 'theme': return ['auto', 'light', 'dark'].includes(v) ? v : undefined;
    case 'tagFilter':
    case 'runFilter': return typeof v === 'string' ? v : undefined;
    case 'imgBrightness':
    case 'imgContrast': {
      const x = Number(v);
      return Number.isFinite(x) ? Math.min(Math.max(x, 0), 3) : undefined;
    }
    case 'imgActual': return typeof v === 'boolean' ? v : v === '1' ? true : v === '0' ? false : undefined;
    case 'hidden':
    case 'pinned':
    case 'collapsed': return Array.isArray(v) ? v.filter((s) => typeof s === 'string') : undefined;
    case 'colors': {
      if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
      const out = {};
      for (const [run, c] of Object.entries(v)) if (/^#[0-9a-f]{6}$/i.test(c)) out[run] = c.toLowerCase();
      return out;
    }
    case 'sidebarWidth': {
      const x = Number(v);
      return Number.isFinite(x) && x >= 0 && x <= 2000 ? Math.round(x) : undefined;
    }
    default: return key in VIEW_KEYS ? validateView(key, v) : undefined;
  }
}

function readPrefs() {
  try {
    const p = JSON.parse(localStorage.getItem(PREFS_KEY) || '{}');
    const out = {};
    for (const k of PREF_KEYS) {
      const v = validate(k, p[k]);
      if (v !== undefined) out[k] = v;
    }
    return out;
  } catch {
    return {};
  }
}

function readUrl() {
  const q = new URLSearchParams(location.search);
  const out = {};
  // `show=` lists the checked runs instead when most runs are unchecked
  if (q.has('show')) out.shown = q.getAll('show');
  for (const [key, param] of Object.entries(URL_KEYS)) {
    if (LIST_KEYS.includes(key)) {
      const all = q.getAll(param);
      if (all.length) out[key] = all;
      continue;
    }
    if (key === 'colors') {
      // color=RRGGBB:run (the hex first: run names may hold any character)
      const colors = {};
      for (const c of q.getAll(param)) {
        const m = /^([0-9a-fA-F]{6}):(.*)$/s.exec(c);
        if (m) colors[m[2]] = `#${m[1].toLowerCase()}`;
      }
      if (Object.keys(colors).length) out.colors = colors;
      continue;
    }
    if (!q.has(param)) continue;
    const v = validate(key, q.get(param));
    if (v !== undefined) out[key] = v;
  }
  return out;
}

class State {
  constructor() {
    const fromUrl = readUrl();
    const linked = Object.keys(fromUrl).length > 0;
    this.shown = fromUrl.shown || null; // resolved by setRuns()
    delete fromUrl.shown;
    const prefs = readPrefs();
    // a link with view state shows exactly that view: no remembered view
    // preference is mixed in (only this browser's theme, groups, sidebar)
    if (linked) for (const k of VIEW_PREFS) delete prefs[k];
    /** The view preferences from localStorage that apply (differ from the defaults). */
    this.prefsApplied = VIEW_PREFS.filter((k) => k in prefs && JSON.stringify(prefs[k]) !== JSON.stringify(DEFAULTS[k]));
    this.v = { ...DEFAULTS, ...prefs, ...fromUrl };
    this.runs = [];
    this.subs = [];
    this.urlTimer = 0;
    if (this.prefsApplied.length) this.writeUrl(); // the link shows what the page shows
  }

  /** Forget the remembered view preferences and show the defaults. */
  resetPrefs() {
    const patch = {};
    for (const k of VIEW_PREFS) patch[k] = DEFAULTS[k];
    this.prefsApplied = [];
    this.set(patch);
  }

  get(key) {
    return this.v[key];
  }

  /** Merge a patch; notify subscribers with the changed keys. */
  set(patch) {
    const changed = new Set();
    for (const [k, raw] of Object.entries(patch)) {
      const v = validate(k, raw);
      if (v === undefined) continue;
      if (JSON.stringify(this.v[k]) === JSON.stringify(v)) continue;
      this.v[k] = v;
      changed.add(k);
    }
    if (!changed.size) return;
    this.persist(changed);
    for (const fn of this.subs) fn(changed);
  }

  /** The runs the server lists; resolves a `show=` link into hidden runs. */
  setRuns(runs) {
    this.runs = runs;
    if (this.shown) {
      const shown = new Set(this.shown);
      this.shown = null;
      this.v.hidden = runs.filter((r) => !shown.has(r));
    }
  }

  subscribe(fn) {
    this.subs.push(fn);
  }

  persist(changed) {
    if (PREF_KEYS.some((k) => changed.has(k))) {
      const p = {};
      for (const k of PREF_KEYS) p[k] = this.v[k];
      try {
        localStorage.setItem(PREFS_KEY, JSON.stringify(p));
      } catch {
        /* private mode or full: preferences are a convenience */
      }
    }
    if (Object.keys(URL_KEYS).some((k) => changed.has(k))) {
      clearTimeout(this.urlTimer);
      this.urlTimer = setTimeout(() => this.writeUrl(), 150);
    }
  }

  writeUrl() {
    const q = new URLSearchParams();
    for (const [key, param] of Object.entries(URL_KEYS)) {
      const v = this.v[key];
      if (key === 'hidden') {
        if (v.length > this.runs.length / 2) {
          const hidden = new Set(v);
          for (const r of this.runs) if (!hidden.has(r)) q.append('show', r);
          if (!q.has('show')) q.set('show', '');
        } else {
          for (const r of v) q.append(param, r);
        }
        continue;
      }
      if (key === 'colors') {
        for (const [run, c] of Object.entries(v)) q.append(param, `${c.slice(1)}:${run}`);
        continue;
      }
      if (LIST_KEYS.includes(key)) { // pinned, and the list keys of VIEW_KEYS
        for (const p of v) q.append(param, p);
        continue;
      }
      if (JSON.stringify(v) === JSON.stringify(DEFAULTS[key])) continue;
      q.set(param, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
    }
    const s = q.toString();
    const next = location.pathname + (s ? `?${s}` : '') + location.hash;
    if (next !== location.pathname + location.search + location.hash) {
      history.replaceState(null, '', next);
    }
  }
}

export const state = new State();
