// distributions.js - the Distributions tab (reference §2.4, §6.7).
//
// Each step's histogram compressed (by the server) to 9 values at fixed basis
// points: min, −1.5σ, −1σ, −0.5σ, median, +0.5σ, +1σ, +1.5σ, max. Drawn over
// steps as 8 filled bands between consecutive lines, darker toward the
// median (opacity follows the band's nominal probability mass), with the
// median as a line. Chart.js draws it; the x axis follows the x-axis setting.

import { api, num } from './api.js';
import { state } from './state.js';
import { RunCardsView } from './runcards.js';
import { themeColors, xAxisOptions, yAxisOptions } from './charts.js';
import { formatValue, formatStep } from './format.js';

const LABELS = ['max', '+1.5σ', '+1σ', '+0.5σ', 'median', '−0.5σ', '−1σ', '−1.5σ', 'min'];
// opacity of the band between line i and i+1 (lines ordered max → min)
const BAND_ALPHA = [0.16, 0.27, 0.4, 0.55, 0.55, 0.4, 0.27, 0.16];

function rgba(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

export class DistributionsView extends RunCardsView {
  constructor(root, runs) {
    super(root, runs, {
      tab: 'distributions', plugin: 'histograms', noun: 'Distributions',
      hint: 'Distributions are computed from histograms: log one with writer.add_histogram("weights", tensor, step).',
    });
  }

  fetch(run, tag) {
    return api.distributions(run, tag);
  }

  onState(changed) {
    super.onState(changed);
    if (changed.has('xAxis') || changed.has('yScale')) this.invalidateAll(false);
  }

  paint(card, data) {
    const colors = themeColors();
    const color = this.runs.color(card.run);
    const xAxis = state.get('xAxis');
    const wall0 = data.length ? num(data[0][0]) : 0;
    const xOf = (row) => (xAxis === 'step' ? row[1] : xAxis === 'relative' ? num(row[0]) - wall0 : num(row[0]) * 1000);
    // lines from max (basis point 10000) down to min (0)
    const lines = [];
    for (let j = 8; j >= 0; j--) {
      lines.push(data.map((row) => ({ x: xOf(row), y: num(row[2][j][1]), step: row[1] })));
    }
    const single = data.length === 1; // one step: show its nine values as points
    const datasets = lines.map((pts, i) => ({
      label: LABELS[i],
      data: pts,
      borderColor: i === 4 ? color : 'transparent',
      borderWidth: i === 4 ? 1.6 : 0,
      pointRadius: single ? (i === 4 ? 4 : 3) : 0,
      pointBackgroundColor: rgba(color, i === 4 ? 1 : 0.5),
      fill: i === 0 ? false : { target: '-1' },
      backgroundColor: i === 0 ? 'transparent' : rgba(color, BAND_ALPHA[i - 1]),
    }));
    let xmin = Infinity;
    let xmax = -Infinity;
    let ymin = Infinity;
    let ymax = -Infinity;
    for (const p of lines[0]) { xmin = Math.min(xmin, p.x); xmax = Math.max(xmax, p.x); }
    for (const pts of lines) for (const p of pts) if (Number.isFinite(p.y)) { ymin = Math.min(ymin, p.y); ymax = Math.max(ymax, p.y); }
    if (xmin === Infinity) { xmin = 0; xmax = 1; }
    if (xmin === xmax) { xmin -= 1; xmax += 1; }
    const ext = ymin === Infinity ? null : ymin === ymax ? { min: ymin - 1, max: ymax + 1 }
      : { min: ymin - (ymax - ymin) * 0.05, max: ymax + (ymax - ymin) * 0.05 };
    const options = {
      animation: false,
      parsing: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      layout: { padding: { top: 6, right: 10 } },
      scales: { x: xAxisOptions(xAxis, colors, xmin, xmax), y: yAxisOptions(false, colors, ext) },
      plugins: {
        legend: { display: false },
        decimation: { enabled: false },
        filler: { propagate: false },
        tooltip: {
          backgroundColor: colors.bg, titleColor: colors.fg, bodyColor: colors.fg,
          borderColor: colors.grid, borderWidth: 1, displayColors: false,
          callbacks: {
            title: (items) => (items.length ? `step ${formatStep(items[0].raw.step)}` : ''),
            label: (item) => `${LABELS[item.datasetIndex]}: ${formatValue(item.raw.y)}`,
          },
        },
      },
    };
    if (!card.chart) {
      card.body.replaceChildren();
      const host = document.createElement('div');
      host.className = 'chart-host';
      const canvas = document.createElement('canvas');
      host.append(canvas);
      card.body.append(host);
      card.chart = new window.Chart(canvas, { type: 'line', data: { datasets }, options });
    } else {
      card.chart.data.datasets = datasets;
      card.chart.options = options;
      card.chart.update('none');
    }
    card.painted = true;
  }

  release(card) {
    if (card.chart) card.chart.destroy();
    card.chart = null;
  }
}
