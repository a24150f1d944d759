// app.js - the page shell: tabs, settings, run list, theme, live feed.
//
// Wires the modules together and owns nothing else: api.js fetches,
// state.js keeps the view in the URL and localStorage, runs.js draws the run
// list, scalars.js / histograms.js / distributions.js / text.js draw the
// tabs. Exposes a small read-only hook, window.__tbserve, that the browser
// tests use to see what is drawn.

import { api, LiveFeed, HttpError } from './api.js';
import { state } from './state.js';
import { Runs } from './runs.js';
import { ScalarsView } from './scalars.js';
import { HistogramsView } from './histograms.js';
import { DistributionsView } from './distributions.js';
import { TextView } from './text.js';
// PR curves and custom scalars
import { PrCurvesView } from './prcurves.js';
import { CustomScalarsView } from './customscalars.js';
import { ImagesView } from './images.js';
import { AudioView } from './audio.js';
import { GraphsView } from './graphs.js';
import { HParamsView } from './hparams.js';
import { hoverTimes } from './charts.js';
import { icon } from './icons.js';
import { userRegex } from './format.js';

const $ = (sel) => document.querySelector(sel);
const timings = { firstChart: null, firstChartPainted: null };
let draws = 0;

// ---- theme ---------------------------------------------------------------------

const darkQuery = matchMedia('(prefers-color-scheme: dark)');
const isDark = () => (state.get('theme') === 'auto' ? darkQuery.matches : state.get('theme') === 'dark');
function applyTheme() {
  document.documentElement.dataset.theme = isDark() ? 'dark' : 'light';
  const t = state.get('theme');
  const btn = $('.theme-toggle');
  btn.replaceChildren(icon(t === 'auto' ? 'auto' : t === 'dark' ? 'moon' : 'sun', 18));
  btn.title = `Theme: ${t === 'auto' ? 'follows the system' : t} (click to change)`;
}
applyTheme();

// ---- modules ---------------------------------------------------------------------

const runs = new Runs($('.runs'), () => {});
runs.dark = isDark();
const hooks = {
  firstChart(t) {
    timings.firstChart = t;
    requestAnimationFrame(() => {
      timings.firstChartPainted = performance.now();
      startLive();
    });
  },
  drawn() { draws++; },
};
const views = {
  scalars: new ScalarsView($('[data-view=scalars]'), runs, hooks),
  histograms: new HistogramsView($('[data-view=histograms]'), runs),
  distributions: new DistributionsView($('[data-view=distributions]'), runs),
  text: new TextView($('[data-view=text]'), runs),
};
const tagLoaders = {
  scalars: () => api.scalarTags(),
  histograms: () => api.histogramTags(),
  distributions: () => api.distributionTags().catch(() => api.histogramTags()),
  text: () => api.textTags(),
};

// PR curves and custom scalars: their views; each tab is shown once the
// logdir has its data (plugins_listing), and Custom Scalars takes the Scalars
// settings (smoothing, axes, outliers)
views.prcurves = new PrCurvesView($('[data-view=prcurves]'), runs);
views.customscalars = new CustomScalarsView($('[data-view=customscalars]'), runs);
tagLoaders.prcurves = () => api.prCurveTags();
tagLoaders.customscalars = () => api.customScalarsLayout();
for (const s of document.querySelectorAll('[data-for]')) {
  if (s.dataset.for.split(' ').includes('scalars')) s.dataset.for += ' customscalars';
}

// ---- images & audio, tabs shown only with data ----------------------------------

views.images = new ImagesView($('[data-view=images]'), runs);
views.audio = new AudioView($('[data-view=audio]'), runs);
tagLoaders.images = () => api.imageTags();
tagLoaders.audio = () => api.audioTags();
/** The tabs a live `series` event of a plugin feeds. */
const SERIES_TABS = {
  scalars: ['scalars'], histograms: ['histograms', 'distributions'], text: ['text'], images: ['images'], audio: ['audio'],
  pr_curves: ['prcurves'], custom_scalars: ['customscalars'], hparams: ['hparams'],
  graphs: ['graphs'], graph_run_metadata: ['graphs'], graph_run_metadata_graph: ['graphs'],
  graph_keras_model: ['graphs'], graph_tagged_run_metadata: ['graphs'],
};
/** The plugins_listing entry of each tab whose name is not its plugin's. */
const TAB_PLUGIN = { prcurves: 'pr_curves', customscalars: 'custom_scalars' };

// A tab is shown only when its plugin has data (data/plugins_listing
// `enabled`, which the server derives from what the logdir holds); a tab
// whose data appears later shows up with the live feed. With no data at
// all, Scalars stays to say what to do. An open tab that has no data gives
// way to the first tab that has some (a logdir of images opens on Images).
let listing = null;
let listingTimer = 0;
function tabShown(tab) {
  const p = listing && listing[TAB_PLUGIN[tab] || tab];
  return !p || p.enabled !== false;
}
let listingAt = 0;
let infoTimer = 0;
async function loadListing() {
  listingAt = Date.now();
  try {
    listing = await api.pluginsListing();
  } catch {
    return; // keep the tabs as they are; the next live event retries
  }
  const buttons = [...document.querySelectorAll('.tabs [data-tab]')];
  const any = buttons.some((b) => tabShown(b.dataset.tab));
  for (const b of buttons) b.hidden = any ? !tabShown(b.dataset.tab) : b.dataset.tab !== 'scalars';
  const open = buttons.find((b) => b.dataset.tab === state.get('tab'));
  if (!open || open.hidden) {
    const first = buttons.find((b) => !b.hidden);
    if (first) state.set({ tab: first.dataset.tab });
  }
}
function listingSoon() {
  clearTimeout(listingTimer);
  listingTimer = setTimeout(loadListing, 300);
}
/** Refetch what each run holds (the run list says it for runs without scalars). */
function infoSoon() {
  clearTimeout(infoTimer);
  infoTimer = setTimeout(() => api.runsInfo().then((info) => {
    runs.setInfo(info.runs);
    if (views.scalars.loaded && !views.scalars.tags.size) views.scalars.layout(); // says what the runs hold
  }).catch(() => {}), 300);
}

// image settings (sidebar, Images tab)
{
  const bright = $('.img-brightness');
  const contrast = $('.img-contrast');
  const actual = $('.img-actual');
  const sync = () => {
    bright.value = String(state.get('imgBrightness'));
    contrast.value = String(state.get('imgContrast'));
    actual.checked = state.get('imgActual');
  };
  bright.addEventListener('input', () => state.set({ imgBrightness: Number(bright.value) }));
  contrast.addEventListener('input', () => state.set({ imgContrast: Number(contrast.value) }));
  actual.addEventListener('change', () => state.set({ imgActual: actual.checked }));
  $('.img-reset').addEventListener('click', () => state.set({ imgBrightness: 1, imgContrast: 1 }));
  state.subscribe(sync);
  sync();
}

// ---- graphs plugin (graphs.js): its view and its "tags" (graphs/info); its tab
// is shown by the plugins_listing rule above, as every tab.
views.graphs = new GraphsView($('[data-view=graphs]'), runs);
tagLoaders.graphs = async () => {
  const r = await fetch('data/plugin/graphs/info');
  if (!r.ok) throw new HttpError(r.status, 'data/plugin/graphs/info', await r.text().catch(() => ''));
  return r.json();
};
window.__tbserveGraphs = Object.freeze({
  describe: () => views.graphs.describe(),
  /** Draw a graph from a pbtxt body (the 10k-node benchmark); resolves once drawn. */
  showText: (text) => views.graphs.setText(text),
  reveal: (name) => views.graphs.reveal(views.graphs.model.ops.get(name)),
});

// ---- hparams tab ------------------------------------------------------------
// Its "tags" are the experiment and session groups; the tab is shown by the
// plugins_listing rule above, as every tab.
views.hparams = new HParamsView($('[data-view=hparams]'), runs);
tagLoaders.hparams = () => api.hparams();
window.__tbserveHparams = Object.freeze({ describe: () => views.hparams.describe(), brush: (key, p0, p1) => views.hparams.parcoords.brushPositions(key, p0, p1) });

// ---- loading -------------------------------------------------------------------------

let env = null;
async function loadRuns() {
  const list = await api.runs();
  const changed = !runs.loaded || list.length !== runs.all.length || list.some((r, i) => r !== runs.all[i]);
  if (changed) {
    runs.setRuns(list);
    infoSoon();
    for (const t of loadedTabs) if (views[t].loaded) views[t].onState(new Set(['hidden']));
    status();
  }
  return changed;
}

const tagTimers = {};
async function loadTags(tab) {
  try {
    views[tab].setTags(await tagLoaders[tab]());
  } catch (err) {
    // no answer at all (the server is restarting, the tunnel dropped): keep
    // what is drawn; the live feed reconnects and reloads everything
    if (!(err instanceof HttpError)) return;
    const msg = err.status === 501 ? 'This tbserve build does not serve them yet.' : `The server answered: ${err.message}`;
    views[tab].setError(msg);
  }
  status();
}

/** Refetch a tab's tags soon (coalesces bursts of live events). */
function tagsSoon(tab) {
  clearTimeout(tagTimers[tab]);
  tagTimers[tab] = setTimeout(() => loadTags(tab), 100);
}

const loadedTabs = new Set();
function ensureTab(tab) {
  if (loadedTabs.has(tab)) return;
  loadedTabs.add(tab);
  loadTags(tab);
}

let resyncs = 0;
async function reloadAll(mode) {
  const newRuns = await loadRuns().catch(() => false);
  // tabs with data: when the live feed first opens (what came meanwhile), on
  // a reconnection or new runs; while polling, every 10 s
  if (newRuns || mode !== 'append' || !resyncs++ || Date.now() - listingAt > 10000) listingSoon();
  await Promise.all([...loadedTabs].map((t) => loadTags(t)));
  if (mode) for (const t of loadedTabs) views[t].resync(mode);
}

// ---- live ----------------------------------------------------------------------------

const liveBtn = $('.live-indicator');
const LIVE_TEXT = {
  connecting: ['Connecting…', 'Connecting to the live feed'],
  live: ['Live', 'New points appear as they are written. Click to pause.'],
  reconnecting: ['Reconnecting…', 'The connection to tbserve was lost; retrying. Click to pause.'],
  polling: ['Live (polling)', 'The server has no live feed: checking for new data every second. Click to pause.'],
  paused: ['Paused', 'Live updates are paused. Click to resume.'],
};
const feed = new LiveFeed({
  onSeries(ev) {
    const tabs = SERIES_TABS[ev.plugin] || [];
    if (tabs.some((t) => !tabShown(t))) listingSoon(); // data for a hidden tab
    if (!runs.holds?.get(ev.run)?.includes(ev.plugin)) infoSoon(); // a run holds more
    for (const t of tabs) {
      if (!loadedTabs.has(t)) continue;
      if (!views[t].onSeries?.(ev)) tagsSoon(t);
    }
  },
  onRuns() {
    reloadAll(null);
  },
  onResync(opts) {
    return reloadAll(opts.mode);
  },
  onStatus(s) {
    liveBtn.dataset.status = s;
    liveBtn.querySelector('.live-label').textContent = LIVE_TEXT[s][0];
    liveBtn.title = LIVE_TEXT[s][1];
  },
}, 1000);
liveBtn.addEventListener('click', () => (feed.paused ? feed.resume() : feed.pause()));

// ---- tabs and settings ------------------------------------------------------------------

function showTab() {
  const tab = state.get('tab');
  for (const b of document.querySelectorAll('.tabs [data-tab]')) {
    const on = b.dataset.tab === tab;
    b.setAttribute('aria-selected', String(on));
    b.tabIndex = on ? 0 : -1;
  }
  for (const v of document.querySelectorAll('[data-view]')) v.hidden = v.dataset.view !== tab;
  for (const s of document.querySelectorAll('[data-for]')) s.hidden = !s.dataset.for.split(' ').includes(tab);
  // a tab without settings (text) shows no empty settings panel
  const settings = $('.settings');
  settings.hidden = ![...settings.querySelectorAll('[data-for]')].some((el) => !el.hidden);
  ensureTab(tab);
  status();
}

$('.tabs').addEventListener('click', (e) => {
  const b = e.target.closest('[data-tab]');
  if (b) state.set({ tab: b.dataset.tab });
});
$('.tabs').addEventListener('keydown', (e) => {
  if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
  const tabs = [...document.querySelectorAll('.tabs [data-tab]')].filter((b) => !b.hidden);
  const i = tabs.findIndex((b) => b.dataset.tab === state.get('tab'));
  const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
  state.set({ tab: next.dataset.tab });
  next.focus();
});

const smoothRange = $('.smoothing-range');
const smoothNum = $('.smoothing-number');
const tagFilter = $('.tag-filter');
function syncControls() {
  const w = state.get('smoothing');
  smoothRange.value = String(w);
  if (document.activeElement !== smoothNum) smoothNum.value = String(w);
  for (const b of document.querySelectorAll('[data-set]')) {
    const [k, v] = b.dataset.set.split('=');
    b.setAttribute('aria-pressed', String(String(state.get(k)) === v));
  }
  $('.outliers').checked = state.get('ignoreOutliers');
  if (tagFilter.value !== state.get('tagFilter')) tagFilter.value = state.get('tagFilter');
  tagFilter.classList.toggle('invalid', userRegex(state.get('tagFilter')) === null);
}
// while the slider is dragged the charts draw only their smoothed lines (half
// the work with hundreds of runs); its release draws them whole again
smoothRange.addEventListener('input', () => {
  views.scalars.dragging = true;
  state.set({ smoothing: Number(smoothRange.value) });
});
smoothRange.addEventListener('change', () => {
  views.scalars.dragging = false;
  views.scalars.invalidateAll();
});
smoothNum.addEventListener('change', () => state.set({ smoothing: Number(smoothNum.value) }));
$('.outliers').addEventListener('change', (e) => state.set({ ignoreOutliers: e.target.checked }));
for (const b of document.querySelectorAll('[data-set]')) {
  b.addEventListener('click', () => {
    const [k, v] = b.dataset.set.split('=');
    state.set({ [k]: v });
  });
}
tagFilter.addEventListener('input', () => state.set({ tagFilter: tagFilter.value }));
$('.theme-toggle').addEventListener('click', () => {
  const order = ['auto', 'light', 'dark'];
  state.set({ theme: order[(order.indexOf(state.get('theme')) + 1) % 3] });
});
$('.reload').addEventListener('click', () => reloadAll('reset'));
$('.sidebar-toggle').addEventListener('click', () => document.body.classList.toggle('sidebar-open'));
$('.scrim').addEventListener('click', () => document.body.classList.remove('sidebar-open'));

document.addEventListener('keydown', (e) => {
  const t = e.target;
  const typing = t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t.isContentEditable;
  if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
    e.preventDefault();
    tagFilter.focus();
    tagFilter.select();
  } else if (e.key === 'Escape') {
    // Esc in a filter box clears the filter itself, not just the box
    if (t === tagFilter) state.set({ tagFilter: '' });
    if (t === runs.filterInput) state.set({ runFilter: '' });
    if (typing) t.blur();
    document.body.classList.remove('sidebar-open');
    for (const d of document.querySelectorAll('details.menu[open]')) d.open = false;
  }
});
// close download menus when clicking elsewhere
document.addEventListener('click', (e) => {
  for (const d of document.querySelectorAll('details.menu[open]')) if (!d.contains(e.target)) d.open = false;
});

darkQuery.addEventListener('change', () => {
  if (state.get('theme') === 'auto') themeChanged();
});
function themeChanged() {
  applyTheme();
  runs.setDark(isDark());
  for (const v of Object.values(views)) v.applyTheme();
}

state.subscribe((changed) => {
  if (changed.has('theme')) themeChanged();
  if (changed.has('sidebarWidth')) applySidebarWidth();
  if (changed.has('hidden') || changed.has('runFilter') || changed.has('colors')) runs.render();
  for (const [tab, v] of Object.entries(views)) if (loadedTabs.has(tab)) v.onState(changed);
  if (changed.has('tab')) showTab();
  syncControls();
  status();
});

function status() {
  const tab = state.get('tab');
  const v = views[tab];
  const el = $('.status-line');
  if (!v.loaded) { el.textContent = 'Loading…'; return; }
  // the tags the filter lets through, not every tag
  const re = userRegex(state.get('tagFilter'));
  const all = v.tags.size;
  let n = 0;
  if (re) for (const tag of v.tags.keys()) if (re.test(tag)) n++;
  const tags = n === all ? `${n} tag${n === 1 ? '' : 's'}` : `${n} of ${all} tags`;
  el.textContent = `${runs.visible().length} of ${runs.all.length} runs · ${tags}`;
}

// ---- remembered preferences ------------------------------------------------------------

const PREF_NAMES = { smoothing: 'smoothing', yScale: 'vertical axis', xAxis: 'horizontal axis', ignoreOutliers: 'outliers', histMode: 'histogram mode' };
function prefsNote() {
  const note = $('.prefs-note');
  const keys = state.prefsApplied;
  note.hidden = !keys.length;
  if (!keys.length) return;
  const list = keys.map((k) => `${PREF_NAMES[k]} ${String(state.get(k))}`).join(', ');
  note.querySelector('.prefs-text').textContent = `Settings remembered by this browser apply: ${list}.`;
}
$('.prefs-reset').addEventListener('click', () => {
  state.resetPrefs();
  prefsNote();
});
prefsNote();

// ---- sidebar width -----------------------------------------------------------------------

function applySidebarWidth() {
  const w = state.get('sidebarWidth');
  if (w) document.documentElement.style.setProperty('--sidebar-w', `${w}px`);
  else document.documentElement.style.removeProperty('--sidebar-w');
}
applySidebarWidth();
{
  const grip = $('.sidebar-resizer');
  const clampWidth = (w) => Math.round(Math.min(Math.max(w, 200), innerWidth * 0.6));
  grip.addEventListener('pointerdown', (e) => {
    grip.setPointerCapture(e.pointerId);
    grip.dataset.drag = '1';
    e.preventDefault();
  });
  grip.addEventListener('pointermove', (e) => {
    if (!grip.dataset.drag) return;
    const left = $('.sidebar').getBoundingClientRect().left;
    document.documentElement.style.setProperty('--sidebar-w', `${clampWidth(e.clientX - left)}px`);
  });
  const done = () => {
    if (!grip.dataset.drag) return;
    delete grip.dataset.drag;
    state.set({ sidebarWidth: $('.sidebar').getBoundingClientRect().width });
    window.dispatchEvent(new Event('resize')); // charts take the new width
  };
  grip.addEventListener('pointerup', done);
  grip.addEventListener('pointercancel', done);
  grip.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    const w = $('.sidebar').getBoundingClientRect().width + (e.key === 'ArrowRight' ? 20 : -20);
    state.set({ sidebarWidth: clampWidth(w) });
    applySidebarWidth();
    window.dispatchEvent(new Event('resize'));
  });
}

// ---- start ------------------------------------------------------------------------------

// A logdir on object storage that cannot be read (missing bucket, refused
// credentials, store unreachable) is named in a banner until it recovers;
// what was loaded stays on the page.
const SOURCE_CHECK_MS = 10000;
let sourceBanner = false;
function showSourceErrors(e) {
  const banner = $('.banner');
  const bad = (e.sources || []).filter((s) => s.error);
  if (bad.length) {
    banner.textContent = bad.map((s) => `Cannot read ${s.location}: ${s.error}`).join(' · ') +
      ' — what was loaded stays shown; loading resumes when it can.';
    banner.hidden = false;
    sourceBanner = true;
  } else if (sourceBanner) {
    banner.hidden = true;
    sourceBanner = false;
  }
}

async function start() {
  syncControls();
  ensureTab('scalars'); // always: its tags are preloaded by index.html
  loadListing(); // which tabs have data
  showTab();
  const banner = $('.banner');
  try {
    const [e] = await Promise.all([api.environment(), loadRuns()]);
    env = e;
    document.title = e.window_title || 'tbserve';
    if (e.window_title) $('.window-title').textContent = e.window_title;
    if (!e.data_location) {
      banner.textContent = 'tbserve was started without a log directory. Restart it with --logdir /path/to/runs (a directory that holds one subdirectory per run with tfevents files).';
      banner.hidden = false;
    } else {
      $('.logdir').textContent = e.data_location;
      $('.logdir').title = `Log directory: ${e.data_location}`;
      runs.logdir = e.data_location;
      if (!runs.all.length) for (const t of loadedTabs) views[t].layout(); // the empty page names it
      showSourceErrors(e);
      setInterval(() => api.environment().then(showSourceErrors, () => {}), SOURCE_CHECK_MS);
    }
  } catch (err) {
    banner.textContent = `Cannot reach tbserve (${err.message}). The page retries when the live feed reconnects.`;
    banner.hidden = false;
  }
  status();
  // the poll interval of the fallback follows the server's reload interval
  const ri = Number(env?.debug?.flags?.reload_interval);
  if (Number.isFinite(ri) && ri > 0) feed.pollMs = Math.min(5000, Math.max(500, (ri * 1000) / 2));
  // the live stream holds a connection: open it once the first charts are
  // drawn (or after a second, when there is nothing to draw)
  setTimeout(startLive, 1000);
}

let liveStarted = false;
function startLive() {
  if (liveStarted) return;
  liveStarted = true;
  feed.start();
}

window.__tbserve = Object.freeze({
  /** What is drawn now (copies; changing them changes nothing). */
  snapshot(opts = {}) {
    const tab = state.get('tab');
    const scalars = views.scalars.describe(opts.points !== false);
    return {
      tab,
      live: feed.status,
      runs: ((drawn) => runs.all.map((r) => ({ name: r, color: runs.color(r), drawn: drawn.has(r) })))(new Set(runs.visible())), // one lookup, not one per run
      scalars,
      histograms: views.histograms.describe(),
      distributions: views.distributions.describe(),
      text: views.text.describe(),
      // PR curves and custom scalars
      prcurves: views.prcurves.describe(),
      customscalars: views.customscalars.describe(),
      images: views.images.describe(),
      audio: views.audio.describe(),
      pinned: state.get('pinned').slice(),
      tabs: [...document.querySelectorAll('.tabs [data-tab]')].filter((b) => !b.hidden).map((b) => b.dataset.tab),
      state: { smoothing: state.get('smoothing'), yScale: state.get('yScale'), xAxis: state.get('xAxis'), ignoreOutliers: state.get('ignoreOutliers'), dragging: !!views.scalars.dragging },
      draws,
    };
  },
  series: (tag, run) => views.scalars.seriesOf(tag, run),
  timings: () => ({ ...timings }),
  hoverTimes: () => hoverTimes.slice(),
  draws: () => draws,
});

start();
