// hpmodel.js - the HParams tab's data, pure: the rows and columns built
// from TensorBoard's experiment and session_groups answers, the column
// filters' little language, and the sort order. No DOM; unit-tested under
// node (tests/browser/hpmodel.test.mjs).

import { num } from './api.js';
import { formatValue, compareNatural } from './format.js';

/** A column filter from its text; null when the text is empty. */
export function parseFilter(text) {
  const t = String(text || '').trim();
  if (!t) return null;
  let m = /^(<=|>=|<|>|=|!=)\s*(-?[\d.]+(?:e[+-]?\d+)?)$/i.exec(t);
  if (m) {
    const x = Number(m[2]);
    const op = m[1];
    return (v) => typeof v === 'number' && (op === '<' ? v < x : op === '<=' ? v <= x : op === '>' ? v > x
      : op === '>=' ? v >= x : op === '=' ? v === x : v !== x);
  }
  m = /^(-?[\d.]+(?:e[+-]?\d+)?)\s*\.\.\s*(-?[\d.]+(?:e[+-]?\d+)?)$/i.exec(t);
  if (m) {
    const lo = Math.min(Number(m[1]), Number(m[2]));
    const hi = Math.max(Number(m[1]), Number(m[2]));
    return (v) => typeof v === 'number' && v >= lo && v <= hi;
  }
  const words = t.toLowerCase().split(/\s+/);
  return (v) => {
    if (v === null || v === undefined) return false;
    const s = (typeof v === 'number' ? `${formatValue(v)} ${v}` : String(v)).toLowerCase();
    return words.every((w) => s.includes(w));
  };
}

/** Missing values last in either direction; numbers before text. */
export function compareValues(a, b) {
  const ma = a === null || a === undefined || (typeof a === 'number' && Number.isNaN(a));
  const mb = b === null || b === undefined || (typeof b === 'number' && Number.isNaN(b));
  if (ma || mb) return ma && mb ? 0 : ma ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return compareNatural(String(a), String(b));
}

/** A metric's key: its tag and group. */
export function metricKey(m) {
  return JSON.stringify([m.tag, m.group || '']);
}

const STATUS = { STATUS_SUCCESS: 'success', STATUS_FAILURE: 'failed', STATUS_RUNNING: 'running', STATUS_UNKNOWN: 'unknown' };

function hparamValue(v) {
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number' || typeof v === 'string') return typeof v === 'string' && /^(NaN|-?Infinity)$/.test(v) ? num(v) : v;
  return v === null || v === undefined ? null : JSON.stringify(v);
}

/** The table's model from the experiment and session_groups answers. */
export function buildModel(experiment, answer) {
  const hparams = (experiment.hparamInfos || []).map((h) => h.name);
  const metrics = (experiment.metricInfos || []).map((m) => ({
    tag: m.name.tag, group: m.name.group || '',
    label: m.displayName || (m.name.group ? `${m.name.tag} (${m.name.group})` : m.name.tag),
  }));
  const hpSeen = new Set(hparams);
  const sessions = (answer.sessionGroups || []).map((g) => {
    const hp = {};
    for (const [k, v] of Object.entries(g.hparams || {})) {
      hp[k] = hparamValue(v);
      if (!hpSeen.has(k)) { hpSeen.add(k); hparams.push(k); }
    }
    const final = {};
    for (const mv of g.metricValues || []) final[metricKey(mv.name)] = num(mv.value);
    const statuses = [...new Set((g.sessions || []).map((s) => STATUS[s.status] || 'unknown'))];
    return {
      name: g.name,
      sessions: (g.sessions || []).map((s) => s.name),
      status: statuses.length === 1 ? statuses[0] : statuses.length ? 'mixed' : 'unknown',
      hp, final, min: {}, max: {},
    };
  });
  return { hparams, metrics, sessions };
}

/** Every column the table can show, in display order. */
export function allColumns(model) {
  const cols = [
    { key: 'name', label: 'Session', kind: 'name', get: (s) => s.name },
    { key: 'status', label: 'Status', kind: 'status', get: (s) => s.status },
  ];
  for (const h of model.hparams) cols.push({ key: `hp:${h}`, label: h, kind: 'hp', get: (s) => (h in s.hp ? s.hp[h] : null) });
  for (const m of model.metrics) {
    const k = metricKey(m);
    cols.push({ key: `final:${k}`, label: m.label, kind: 'final', metric: m, get: (s) => (k in s.final ? s.final[k] : null) });
    cols.push({ key: `min:${k}`, label: `${m.label} min`, kind: 'min', metric: m, get: (s) => (k in s.min ? s.min[k] : null) });
    cols.push({ key: `max:${k}`, label: `${m.label} max`, kind: 'max', metric: m, get: (s) => (k in s.max ? s.max[k] : null) });
  }
  return cols;
}
