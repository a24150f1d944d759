// prcurves.js - the PR Curves tab: precision against recall, one card per
// run and tag.
//
// Each card holds every step the server sent; a slider (arrow keys move it
// one step) picks the step drawn, newest first. Moving the pointer over the
// chart names the nearest threshold with its precision, recall and counts
// beneath the chart. Drawn with Chart.js from the vendored bundle; every
// string is set as text.

import { api, num } from './api.js';
import { RunCardsView } from './runcards.js';
import { themeColors } from './charts.js';
import { formatStep, formatWall } from './format.js';

const Chart = window.Chart;

export class PrCurvesView extends RunCardsView {
  constructor(root, runs) {
    super(root, runs, {
      tab: 'prcurves', plugin: 'pr_curves', noun: 'PR curves',
      hint: 'Log one with writer.add_pr_curve("pr", labels, predictions, step) or tensorboard.plugins.pr_curve.summary; it appears here by itself.',
    });
  }

  fetch(run, tag) {
    return api.prCurves(run, tag);
  }

  release(card) {
    if (card.chart) card.chart.destroy();
    card.chart = null;
  }

  paint(card, data) {
    const steps = data || [];
    if (!steps.length) {
      card.body.replaceChildren();
      card.body.dataset.empty = 'No PR curve at any step';
      card.painted = true;
      return;
    }
    delete card.body.dataset.empty;
    if (!card.chart) this.build(card);
    const slider = card.slider;
    slider.max = String(steps.length - 1);
    slider.disabled = steps.length < 2;
    if (card.state.index === undefined || card.state.index >= steps.length) card.state.index = steps.length - 1;
    slider.value = String(card.state.index);
    this.show(card);
    card.painted = true;
  }

  build(card) {
    const host = document.createElement('div');
    host.className = 'chart-host pr-host';
    const canvas = document.createElement('canvas');
    host.append(canvas);
    const row = document.createElement('div');
    row.className = 'pr-step-row';
    const label = document.createElement('label');
    label.className = 'pr-step';
    const slider = document.createElement('input');
    slider.type = 'range';
    slider.min = '0';
    slider.step = '1';
    slider.className = 'pr-slider';
    slider.setAttribute('aria-label', `Step of ${card.tag} (${card.run})`);
    const stepText = document.createElement('span');
    stepText.className = 'pr-step-text';
    label.append(slider, stepText);
    row.append(label);
    const readout = document.createElement('div');
    readout.className = 'pr-readout muted';
    readout.textContent = 'Point at the curve to see a threshold.';
    card.body.replaceChildren(host, row, readout);
    Object.assign(card, { slider, stepText, readout });
    slider.addEventListener('input', () => {
      card.state.index = Number(slider.value);
      this.show(card);
    });
    const colors = themeColors();
    card.chart = new Chart(canvas, {
      type: 'scatter',
      data: { datasets: [{ data: [], showLine: true, borderWidth: 1.6, pointRadius: 0, pointHoverRadius: 4 }] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        events: ['mousemove', 'mouseout', 'touchmove'],
        interaction: { mode: 'nearest', intersect: false },
        plugins: { legend: false, tooltip: false, title: false },
        scales: {
          x: { type: 'linear', min: 0, max: 1, title: { display: true, text: 'Recall', color: colors.text }, grid: { color: colors.grid }, ticks: { color: colors.text } },
          y: { type: 'linear', min: 0, max: 1, title: { display: true, text: 'Precision', color: colors.text }, grid: { color: colors.grid }, ticks: { color: colors.text } },
        },
        onHover: (e, els) => this.hover(card, els),
      },
    });
  }

  /** Draw the step the slider names. */
  show(card) {
    const e = card.data[card.state.index];
    const color = this.runs.color(card.run);
    const ds = card.chart.data.datasets[0];
    const n = e.thresholds.length;
    ds.data = Array.from({ length: n }, (_, i) => ({ x: num(e.recall[i]), y: num(e.precision[i]) }));
    ds.borderColor = color;
    ds.backgroundColor = color;
    card.chart.update('none');
    card.shown = { step: e.step, points: n };
    card.stepText.textContent = `step ${formatStep(e.step)} · ${formatWall(num(e.wall_time) * 1000)}` +
      (card.data.length > 1 ? ` · ${card.state.index + 1} of ${card.data.length}` : '');
    if (card.hoverIndex !== undefined && card.hoverIndex < n) this.readout(card, card.hoverIndex);
  }

  hover(card, els) {
    if (!els.length) return;
    card.hoverIndex = els[0].index;
    this.readout(card, card.hoverIndex);
  }

  readout(card, i) {
    const e = card.data[card.state.index];
    const f = (v) => num(v).toPrecision(4);
    card.readout.classList.remove('muted');
    card.readout.textContent = `threshold ${f(e.thresholds[i])} · precision ${f(e.precision[i])} · recall ${f(e.recall[i])}` +
      ` · TP ${e.true_positives[i]} · FP ${e.false_positives[i]} · TN ${e.true_negatives[i]} · FN ${e.false_negatives[i]}`;
  }

  applyTheme() {
    for (const card of this.cards.values()) this.release(card);
    for (const card of this.cards.values()) card.body.replaceChildren();
    this.invalidateAll(false);
  }

  describe() {
    return [...this.cards.values()].map((c) => ({
      tag: c.tag, run: c.run, onScreen: c.onScreen, painted: !!c.painted, steps: c.data ? c.data.length : 0,
      step: c.shown ? c.shown.step : null, points: c.shown ? c.shown.points : 0,
      readout: c.readout ? c.readout.textContent : '',
    }));
  }
}
