// graphs.mjs - how fast the Graphs tab opens a big graph: synthetic GraphDefs
// of 10,000 to 100,000 ops in nested name scopes (graphmodel.syntheticGraph),
// handed to the page as the pbtxt text the API answers, timed from the text
// to the second animation frame after the SVG is drawn (parse, scope tree,
// visible graph, dagre layout in the worker, SVG), scopes collapsed; then
// the time to expand one scope. Also the largest recorded real graph
// (7,660 ops, 7 MB) the same way.
//
//   TBSERVE=build-release/server/tbserve node bench/graphs.mjs
//
// Prints one line per case: best and median of 5 opens.

import fs from 'node:fs';
import path from 'node:path';
import { ROOT, startServer, launch, openPage, stats, round } from '../tests/browser/harness.mjs';
import { syntheticGraph } from '../static/graphmodel.js';

function toPbtxt(def) {
  const q = (s) => JSON.stringify(s);
  const parts = [];
  for (const n of def.node) {
    parts.push(`node {\n  name: ${q(n.name)}\n  op: ${q(n.op)}\n`);
    for (const i of n.input || []) parts.push(`  input: ${q(i)}\n`);
    for (const a of n.attr || []) parts.push(`  attr {\n    key: ${q(a.key)}\n    value {\n      type: ${a.value.type}\n    }\n  }\n`);
    parts.push('}\n');
  }
  return parts.join('');
}

const server = await startServer(path.join(ROOT, 'tests/data/golden/logdir-small'));
const browser = await launch();
try {
  const { page } = await openPage(browser, `${server.url}?tab=graphs`); // the tab shown, though this logdir has no graph
  const cases = [
    ['recorded keras graph (1284_graphs_graph.pbtxt)', fs.readFileSync(path.join(ROOT, 'tests/data/golden-real-plugins/1284_graphs_graph.pbtxt'), 'utf8')],
    ...[10000, 30000, 100000].map((n) => [`synthetic ${n} ops`, toPbtxt(syntheticGraph(n))]),
  ];
  for (const [name, text] of cases) {
    const times = [];
    let d;
    for (let k = 0; k < 5; k++) {
      times.push(await page.evaluate(async (t) => {
        const t0 = performance.now();
        await window.__tbserveGraphs.showText(t);
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        return performance.now() - t0;
      }, text));
      d = await page.evaluate(() => window.__tbserveGraphs.describe());
    }
    // expand the first collapsed scope, timed to its drawing
    const expand = await page.evaluate(async () => {
      const g = document.querySelector('.graph-node.scope');
      if (!g) return NaN;
      const t0 = performance.now();
      g.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }));
      g.dispatchEvent(new PointerEvent('pointerup', { bubbles: true }));
      while (window.__tbserveGraphs.describe().busy || !window.__tbserveGraphs.describe().expanded.length) await new Promise((r) => setTimeout(r, 1));
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now() - t0;
    });
    const s = stats(times);
    console.log(`${name}: ${(text.length / 1e6).toFixed(1)} MB, ${d.ops} ops, ${d.nodes} nodes drawn; open best ${round(Math.min(...times), 0)} ms, median ${round(s.p50, 0)} ms ` +
      `(last: parse ${round(d.timings.parse, 0)}, model ${round(d.timings.model, 0)}, layout ${round(d.layoutMs, 0)}); expand one scope ${round(expand, 0)} ms`);
  }
} finally {
  await browser.close();
  await server.stop();
}
