// api.js - every request the page makes, and the live feed.
//
// All URLs are relative (no leading '/'), so the page works under
// --path_prefix, behind a reverse proxy and through `ssh -L`. This module only
// fetches and decodes; it never touches the DOM.
// Scalar series arrive as binary arrays (scalars_multirun?format=binary) and
// are decoded into parallel arrays {wall, step, value}; NaN and ±Infinity are
// plain numbers there, while num() turns the JSON strings "NaN", "Infinity"
// and "-Infinity" of the other endpoints into numbers.

export class HttpError extends Error {
  constructor(status, url, body) {
    super(`${status} for ${url}: ${body.slice(0, 200)}`);
    this.status = status;
  }
}

export function url(path, params) {
  if (!params) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

// At most MAX_INFLIGHT data requests at a time, first come first served: a
// page of 6 charts × 20 runs asks for 120 series at once, and the first
// chart should not wait behind the last one's. (Browsers allow 6 connections
// per host; the live stream holds one.)
const MAX_INFLIGHT = 100;
let inflight = 0;
const waiting = [];

function slot() {
  if (inflight < MAX_INFLIGHT) {
    inflight++;
    return Promise.resolve();
  }
  return new Promise((resolve) => waiting.push(resolve));
}

function release() {
  const next = waiting.shift();
  if (next) next();
  else inflight--;
}

async function getJSON(path, params) {
  const u = url(path, params);
  await slot();
  try {
    const r = await fetch(u); // plain, so that index.html's preloads match
    if (!r.ok) throw new HttpError(r.status, u, await r.text().catch(() => ''));
    return await r.json();
  } finally {
    release();
  }
}

// ---- batching of scalar requests ----------------------------------------------------

const batches = new Map(); // tag + options → {tag, params, runs: Map(run → [{resolve, reject}])}

/** Send the batches collected so far now, instead of at the end of the task. */
export function flushBatches() {
  const all = [...batches.values()];
  batches.clear();
  for (const b of all) sendBatch(b);
}

function batched(run, tag, params) {
  const k = JSON.stringify([tag, params]);
  let b = batches.get(k);
  if (!b) {
    b = { tag, params, runs: new Map() };
    batches.set(k, b);
    queueMicrotask(() => { if (batches.get(k) === b) { batches.delete(k); sendBatch(b); } });
  }
  return new Promise((resolve, reject) => {
    if (!b.runs.has(run)) b.runs.set(run, []);
    b.runs.get(run).push({ resolve, reject });
  });
}

async function sendBatch(b) {
  const settle = (run, fn) => { for (const w of b.runs.get(run)) fn(w); };
  const u = url('data/plugin/scalars/scalars_multirun', { ...b.params, format: 'binary' });
  const body = new URLSearchParams([['tag', b.tag], ...[...b.runs.keys()].map((r) => ['runs', r])]);
  let result;
  await slot();
  try {
    const r = await fetch(u, { method: 'POST', body, headers: { 'X-XSRF-Protected': '1' } });
    if (!r.ok) throw new HttpError(r.status, u, await r.text().catch(() => ''));
    result = decodeScalarsBinary(await r.arrayBuffer());
  } catch (err) {
    for (const run of b.runs.keys()) settle(run, (w) => w.reject(err));
    return;
  } finally {
    release();
  }
  for (const run of b.runs.keys()) {
    const d = result.get(run);
    if (d) {
      settle(run, (w) => w.resolve(d));
    } else {
      const err = new HttpError(404, u, `No scalar data for run='${run}'`);
      settle(run, (w) => w.reject(err));
    }
  }
}

const MAGIC = 0x31534254; // "TBS1" read as a little-endian uint32
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const align8 = (n) => (n + 7) & ~7;

function floats(buf, dv, off, n, width) {
  if (LITTLE_ENDIAN) return Array.from(width === 8 ? new Float64Array(buf, off, n) : new Float32Array(buf, off, n));
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = width === 8 ? dv.getFloat64(off + 8 * i, true) : dv.getFloat32(off + 4 * i, true);
  return out;
}

const REDUCED = 0x100;  // buckets left points of the run out
const SMOOTHED = 0x200; // the server's smoothed values follow the values

/**
 * The body of scalars_multirun?format=binary (docs/api.md) → Map(run →
 * {wall, step, value, reduced, smooth}); smooth is null unless the request
 * asked for smoothing=. Throws on a body that is not one (a truncated body
 * makes the typed-array views throw).
 */
export function decodeScalarsBinary(buf) {
  const dv = new DataView(buf);
  if (buf.byteLength < 8 || dv.getUint32(0, true) !== MAGIC) throw new Error('not a binary scalars body');
  const count = dv.getUint32(4, true);
  const utf8 = new TextDecoder();
  const out = new Map();
  let off = 8;
  for (let k = 0; k < count; k++) {
    const len = dv.getUint32(off, true);
    const name = utf8.decode(new Uint8Array(buf, off + 4, len));
    off = align8(off + 4 + len);
    const n = dv.getUint32(off, true);
    const field = dv.getUint32(off + 4, true);
    const width = field & 0xff;
    if ((width !== 4 && width !== 8) || (field & ~(0xff | REDUCED | SMOOTHED))) throw new Error('bad value width in a binary scalars body');
    off += 8;
    const wall = floats(buf, dv, off, n, 8);
    const step = floats(buf, dv, off + 8 * n, n, 8);
    const value = floats(buf, dv, off + 16 * n, n, width);
    off = align8(off + 16 * n + width * n);
    let smooth = null;
    if (field & SMOOTHED) {
      smooth = floats(buf, dv, off, n, 8);
      off += 8 * n;
    }
    out.set(name, { wall, step, value, reduced: !!(field & REDUCED), smooth });
  }
  return out;
}

export function num(v) {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number(v);
}

export const api = {
  environment: () => getJSON('data/environment'),
  runs: () => getJSON('data/runs'),
  /** tbserve's run facts (W&B display name, project, group, tags): docs/api.md */
  runsInfo: () => getJSON('data/runs_info'),
  pluginsListing: () => getJSON('data/plugins_listing'),
  scalarTags: () => getJSON('data/plugin/scalars/tags'),
  /** opts: {buckets, minStep, maxStep, sinceStep, smoothing}. Calls made in the same
   * task for one tag with the same options are sent as one binary
   * scalars_multirun request (a chart of 20 runs: one request, not 20). */
  scalars(run, tag, opts = {}) {
    return batched(run, tag, {
      buckets: opts.buckets,
      min_step: opts.minStep,
      max_step: opts.maxStep,
      since_step: opts.sinceStep,
      smoothing: opts.smoothing,
    });
  },
  scalarsRaw: (run, tag) => getJSON('data/plugin/scalars/scalars', { run, tag }),
  scalarsCsv: async (run, tag) => {
    const r = await fetch(url('data/plugin/scalars/scalars', { run, tag, format: 'csv' }));
    if (!r.ok) throw new HttpError(r.status, 'scalars csv', '');
    return r.text();
  },
  histogramTags: () => getJSON('data/plugin/histograms/tags'),
  histograms: (run, tag) => getJSON('data/plugin/histograms/histograms', { run, tag }),
  distributionTags: () => getJSON('data/plugin/distributions/tags'),
  distributions: (run, tag) => getJSON('data/plugin/distributions/distributions', { run, tag }),
  textTags: () => getJSON('data/plugin/text/tags'),
  text: (run, tag) => getJSON('data/plugin/text/text', { run, tag }),
  // PR curves and custom scalars
  prCurveTags: () => getJSON('data/plugin/pr_curves/tags'),
  prCurves: (run, tag) => getJSON('data/plugin/pr_curves/pr_curves', { run, tag }).then((m) => m[run] || []),
  customScalarsLayout: () => getJSON('data/plugin/custom_scalars/layout'),
  /** {regex_valid, tag_to_events: {tag: [[wall, step, value], …]}} of the run's tags matching a Python regex */
  customScalars: (run, tag) => getJSON('data/plugin/custom_scalars/scalars', { run, tag }),
  // images and audio (TensorBoard's shapes, reference §4.7): a step list per
  // sample, each with the `query` its bytes are fetched with
  imageTags: () => getJSON('data/plugin/images/tags'),
  images: (run, tag, sample = 0) => getJSON('data/plugin/images/images', { run, tag, sample }),
  imageUrl: (query) => `data/plugin/images/individualImage?${query}`,
  audioTags: () => getJSON('data/plugin/audio/tags'),
  audio: (run, tag, sample = 0) => getJSON('data/plugin/audio/audio', { run, tag, sample }),
  audioUrl: (query) => `data/plugin/audio/individualAudio?${query}`,
  // ---- hparams ----------------------------------------------------------
  /** The hparams experiment and every session group with its metrics, asked
   * as TensorBoard's own page does (JSON POST bodies, X-XSRF-Protected):
   * {experiment, groups}. Filtering and sorting happen in the page. */
  async hparams() {
    const post = async (path, body) => {
      await slot();
      try {
        const r = await fetch(path, { method: 'POST', body: JSON.stringify(body), headers: { 'X-XSRF-Protected': '1', 'Content-Type': 'application/json' } });
        if (!r.ok) throw new HttpError(r.status, path, await r.text().catch(() => ''));
        return await r.json();
      } finally {
        release();
      }
    };
    // both at once: without colParams every group carries all its hparams
    const [experiment, groups] = await Promise.all([
      post('data/plugin/hparams/experiment', { experimentName: '', hparamsLimit: 1000, includeMetrics: true }),
      post('data/plugin/hparams/session_groups', {
        experimentName: '',
        allowedStatuses: ['STATUS_UNKNOWN', 'STATUS_SUCCESS', 'STATUS_FAILURE', 'STATUS_RUNNING'],
        colParams: [],
        startIndex: 0,
        sliceSize: 1000000,
        includeMetrics: true,
      }),
    ]);
    return { experiment, groups };
  },
};

/**
 * The live feed: server-sent events from data/live, with a polling fallback.
 *
 * handlers: onSeries(ev) for `series` events, onRuns(ev) for `runs` events,
 * onResync({mode}) after a (re)connection ('reset': refetch everything) or
 * on the first connection and each poll ('append': fetch what is new),
 * onStatus(status) with status one of
 *   'connecting' | 'live' | 'reconnecting' | 'polling' | 'paused'.
 * EventSource reconnects by itself after a dropped connection; when the
 * server has no data/live (the connection fails for good) the feed polls
 * every `pollMs` and tries the stream again every 30 s.
 */
export class LiveFeed {
  constructor(handlers, pollMs = 1000) {
    this.h = handlers;
    this.pollMs = pollMs;
    this.es = null;
    this.status = 'connecting';
    this.paused = false;
    this.everOpen = false;
    this.lostSince = false; // a resync is due at the next open
    this.pollTimer = 0;
    this.retryTimer = 0;
  }

  start() {
    if (this.paused) return;
    this.stop();
    this.setStatus(this.everOpen ? 'reconnecting' : 'connecting');
    let es;
    try {
      es = new EventSource('data/live');
    } catch {
      this.fallback();
      return;
    }
    this.es = es;
    es.onopen = () => {
      this.stopPolling();
      this.setStatus('live');
      // after a lost connection anything may have changed: refetch it all;
      // on the first open, only what was appended since the page loaded
      this.h.onResync({ mode: this.everOpen || this.lostSince ? 'reset' : 'append' });
      this.everOpen = true;
      this.lostSince = false;
    };
    es.addEventListener('series', (e) => this.dispatch(e, this.h.onSeries));
    es.addEventListener('runs', (e) => this.dispatch(e, this.h.onRuns));
    es.addEventListener('hello', () => {});
    es.onerror = () => {
      if (this.es !== es) return;
      this.lostSince = true;
      if (es.readyState === EventSource.CLOSED) this.fallback();
      else this.setStatus('reconnecting');
    };
  }

  dispatch(e, fn) {
    if (this.paused) return;
    let data;
    try {
      data = JSON.parse(e.data);
    } catch {
      return;
    }
    fn(data);
  }

  fallback() {
    this.closeStream();
    this.setStatus('polling');
    this.startPolling();
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.start(), 30000);
  }

  startPolling() {
    if (this.pollTimer) return;
    const tick = async () => {
      const t0 = performance.now();
      try {
        await this.h.onResync({ mode: 'append' });
      } catch {
        /* the next tick retries */
      }
      if (!this.pollTimer) return;
      // never spend more than a quarter of the time polling
      const spent = performance.now() - t0;
      this.pollTimer = setTimeout(tick, Math.max(this.pollMs, 4 * spent));
    };
    this.pollTimer = setTimeout(tick, this.pollMs);
  }

  stopPolling() {
    clearTimeout(this.pollTimer);
    this.pollTimer = 0;
  }

  closeStream() {
    if (this.es) {
      this.es.onerror = null;
      this.es.close();
      this.es = null;
    }
  }

  stop() {
    this.closeStream();
    this.stopPolling();
    clearTimeout(this.retryTimer);
  }

  pause() {
    this.paused = true;
    this.stop();
    this.setStatus('paused');
  }

  resume() {
    this.paused = false;
    this.lostSince = true;
    this.start();
  }

  setStatus(s) {
    this.status = s;
    this.h.onStatus(s);
  }
}
