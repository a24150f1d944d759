// runs.js - the run list: checkboxes, colours, regex filter, all/none.
//
// Run names come from directory names anyone can create: they are only ever
// set with textContent / attributes, never parsed as HTML.
// Colours are assigned in first-seen order (the order of data/runs) and stick
// for the life of the page, so a run keeps its colour when others appear.
// A run is drawn when it is checked and matches the run filter.

import { state } from './state.js';
import { userRegex } from './format.js';
import { setRunName } from './names.js';

// TensorBoard's palette first (reference §6.4), then more distinct hues and
// shades, 20 in all before a colour comes back; the dark palette holds
// lighter variants of the same hues, index for index. A run's colour can be
// picked by clicking its swatch (kept in the URL, state `colors`).
export const LIGHT = ['#425066', '#12b5cb', '#e52592', '#f9ab00', '#9334e6', '#7cb342', '#e8710a',
  '#1a73e8', '#d93025', '#00897b', '#8d6e63', '#afb42b', '#3949ab', '#2e7d32', '#ad1457',
  '#ff8a65', '#6a1b9a', '#0288d1', '#fdd835', '#90a4ae'];
export const DARK = ['#a4b3cc', '#4dd0e1', '#ff6eb4', '#fbc02d', '#b388ff', '#9ccc65', '#ff9e40',
  '#8ab4f8', '#f28b82', '#4db6ac', '#bcaaa4', '#dce775', '#9fa8da', '#81c784', '#f48fb1',
  '#ffab91', '#ce93d8', '#4fc3f7', '#fff176', '#cfd8dc'];

// what a run holds, named as its tab (runs_info `plugins`)
const PLUGIN_NAMES = {
  scalars: 'scalars', histograms: 'histograms', text: 'text', images: 'images', audio: 'audio',
  hparams: 'hparams', pr_curves: 'PR curves', custom_scalars: 'custom scalars', graphs: 'graph',
};

export class Runs {
  constructor(root, onChange) {
    this.root = root;
    this.onChange = onChange;
    this.all = [];
    this.loaded = false;
    this.index = new Map(); // run -> colour index, first-seen order
    this.dark = false;
    this.list = root.querySelector('.run-list');
    this.count = root.querySelector('.run-count');
    this.filterInput = root.querySelector('.run-filter');
    this.rows = new Map();
    this.info = new Map(); // run -> its W&B facts (data/runs_info)
    this.filterInput.value = state.get('runFilter');
    this.filterInput.addEventListener('input', () => {
      state.set({ runFilter: this.filterInput.value });
    });
    root.querySelector('.runs-all').addEventListener('click', () => this.setMatching(true));
    root.querySelector('.runs-none').addEventListener('click', () => this.setMatching(false));
    this.list.addEventListener('change', (e) => {
      const row = e.target.closest('.run-row');
      if (row && e.target.type === 'checkbox') this.toggle(row.dataset.run, e.target.checked);
    });
    // a click on a run's swatch picks its colour (one shared colour input)
    this.picker = document.createElement('input');
    this.picker.type = 'color';
    this.picker.className = 'run-color-input';
    this.picker.tabIndex = -1;
    this.picker.setAttribute('aria-hidden', 'true');
    root.append(this.picker);
    this.list.addEventListener('click', (e) => {
      const sw = e.target.closest('.swatch');
      if (!sw) return;
      e.preventDefault(); // not a checkbox toggle
      this.picking = sw.closest('.run-row').dataset.run;
      this.picker.value = this.color(this.picking);
      if (this.picker.showPicker) this.picker.showPicker();
      else this.picker.click();
    });
    this.picker.addEventListener('input', () => this.setColor(this.picking, this.picker.value));
    // double-click a run name: show only that run
    this.list.addEventListener('dblclick', (e) => {
      const row = e.target.closest('.run-row');
      if (!row) return;
      e.preventDefault();
      const only = row.dataset.run;
      state.set({ hidden: this.all.filter((r) => r !== only) });
    });
  }

  setRuns(runs) {
    this.all = runs;
    this.loaded = true;
    for (const r of runs) if (!this.index.has(r)) this.index.set(r, this.index.size);
    state.setRuns(runs);
    this.render();
  }

  /** W&B runs: display name, project, group and tags beside the name; a run without scalars: what it holds. */
  setInfo(list) {
    this.info = new Map(list.filter((r) => r.wandb).map((r) => [r.name, r.wandb]));
    this.holds = new Map(list.filter((r) => Array.isArray(r.plugins)).map((r) => [r.name, r.plugins]));
    for (const [run, row] of this.rows) this.describe(run, row);
  }

  describe(run, row) {
    const w = this.info.get(run);
    const note = row.querySelector('.run-note');
    if (!w) {
      // a run of images, hparams, graphs, … is not a run "without data"
      const holds = this.holds?.get(run);
      if (!holds || holds.includes('scalars')) return;
      const what = holds.map((p) => PLUGIN_NAMES[p] || p).join(', ');
      note.textContent = what || 'no data yet';
      note.classList.add('run-holds');
      row.title = `${run}\n` + (what ? `holds ${what} (no scalars)` : 'no data yet');
      return;
    }
    const facts = [w.display_name, w.project && `project ${w.project}`, w.group && `group ${w.group}`,
      w.tags.length && `tags ${w.tags.join(', ')}`].filter(Boolean);
    row.title = `${run}\nW&B run ${w.run_id}` + (facts.length ? `: ${facts.join(' · ')}` : '');
    note.textContent = w.display_name || w.project;
  }

  /** What the runs hold, named ('images, graph'), from runs_info; '' when nothing or not known. */
  heldData() {
    const all = new Set();
    for (const list of this.holds?.values() || []) for (const p of list) all.add(p);
    return Object.keys(PLUGIN_NAMES).filter((p) => all.has(p)).map((p) => PLUGIN_NAMES[p]).join(', ');
  }

  /** What an empty log directory means, naming it (it may not exist yet: tbserve waits for it). */
  emptyText() {
    const where = this.logdir ? ` ${this.logdir}` : ' the log directory';
    return `tbserve watches${where}; if it does not exist yet, tbserve waits for it. ` +
      'Runs appear here as soon as a training job writes its first event file there.';
  }

  /** A run's colour: picked by the user (state `colors`), else the palette's. */
  color(run) {
    const picked = state.get('colors')[run];
    if (picked) return picked;
    return this.paletteColor(run);
  }

  paletteColor(run) {
    let i = this.index.get(run);
    if (i === undefined) {
      i = this.index.size;
      this.index.set(run, i);
    }
    const p = this.dark ? DARK : LIGHT;
    return p[i % p.length];
  }

  /** Pick a colour for a run; its palette colour clears the pick. */
  setColor(run, hex) {
    if (!run) return;
    const colors = { ...state.get('colors') };
    if (hex.toLowerCase() === this.paletteColor(run)) delete colors[run];
    else colors[run] = hex.toLowerCase();
    state.set({ colors });
  }

  setDark(dark) {
    this.dark = dark;
    this.render();
  }

  /** Runs that are drawn: checked and matching the filter, in data/runs order. */
  visible() {
    // asked for by every card on every redraw: kept until the runs, the
    // filter or the hidden set change (callers must not modify it)
    const filter = state.get('runFilter');
    const hiddenList = state.get('hidden');
    const sig = `${filter}\0${hiddenList.join('\0')}`;
    const memo = this.visibleMemo;
    if (memo && memo.all === this.all && memo.sig === sig) return memo.runs;
    const re = userRegex(filter);
    const hidden = new Set(hiddenList);
    const runs = this.all.filter((r) => !hidden.has(r) && re !== null && re.test(r));
    this.visibleMemo = { all: this.all, sig, runs };
    return runs;
  }

  matching() {
    const re = userRegex(state.get('runFilter'));
    return re ? this.all.filter((r) => re.test(r)) : [];
  }

  toggle(run, on) {
    const hidden = new Set(state.get('hidden'));
    if (on) hidden.delete(run);
    else hidden.add(run);
    state.set({ hidden: [...hidden] });
  }

  setMatching(on) {
    const hidden = new Set(state.get('hidden'));
    for (const r of this.matching()) {
      if (on) hidden.delete(r);
      else hidden.add(r);
    }
    state.set({ hidden: [...hidden] });
  }

  /** Rebuild the rows (cheap: one row per run, reused across renders). */
  render() {
    const hidden = new Set(state.get('hidden'));
    const re = userRegex(state.get('runFilter'));
    this.filterInput.classList.toggle('invalid', re === null);
    if (this.filterInput.value !== state.get('runFilter')) this.filterInput.value = state.get('runFilter');
    const frag = document.createDocumentFragment();
    let shown = 0;
    let checked = 0;
    for (const run of this.all) {
      let row = this.rows.get(run);
      if (!row) {
        row = document.createElement('label');
        row.className = 'run-row';
        row.dataset.run = run;
        row.title = run;
        const box = document.createElement('input');
        box.type = 'checkbox';
        const sw = document.createElement('span');
        sw.className = 'swatch';
        sw.title = 'Click to pick this run\'s colour';
        const name = document.createElement('span');
        name.className = 'run-name';
        setRunName(name, run);
        const note = document.createElement('span');
        note.className = 'run-note';
        row.append(box, sw, name, note);
        this.rows.set(run, row);
        this.describe(run, row);
      }
      const match = re !== null && re.test(run);
      const on = !hidden.has(run);
      row.hidden = !match;
      const box = row.firstChild;
      box.checked = on;
      const c = this.color(run);
      row.style.setProperty('--run-color', c);
      if (match) shown++;
      if (match && on) checked++;
      frag.append(row);
    }
    for (const [run, row] of this.rows) if (!this.all.includes(run)) { row.remove(); this.rows.delete(run); }
    this.list.replaceChildren(frag);
    this.count.textContent = this.all.length
      ? `${checked} of ${this.all.length} shown` + (shown < this.all.length ? ` · ${shown} match` : '')
      : 'no runs';
  }
}
