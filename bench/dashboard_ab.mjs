// bench/dashboard_ab.mjs - compare the first chart of two versions of the page.
//
//   TBSERVE=build-bench/server/tbserve node bench/dashboard_ab.mjs A_DIR B_DIR [loads]
//
// A_DIR and B_DIR are two copies of static/ (with vendor/chart.umd.js in
// them). Two tbserve instances serve them on bench/out/big-logdir (made by
// bench/dashboard.sh), and fresh pages alternate between them, so that the
// drift of a shared machine hits both alike. Prints, per side, the median
// first-chart time and the median of each step between the page's marks.
// Run bench/dashboard.sh once first (it builds tbserve and the logdir).

import path from 'node:path';
import { ROOT, startServer, launch, openPage, sleep } from '../tests/browser/harness.mjs';

const [dirA, dirB, loadsArg] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error('usage: node bench/dashboard_ab.mjs A_DIR B_DIR [loads]');
  process.exit(2);
}
const LOADS = Number(loadsArg || 15);
const BIG = path.join(ROOT, 'bench/out/big-logdir');
const LAST = ['run_19_lr0.0050', 'eval/f1', 19999]; // the generator's last run, tag and step

async function loaded(url) {
  for (;;) {
    try {
      const u = `${url}data/plugin/scalars/scalars?run=${LAST[0]}&tag=${encodeURIComponent(LAST[1])}&buckets=1`;
      const pts = await (await fetch(u)).json();
      if (pts.length && pts[pts.length - 1][1] === LAST[2]) return;
    } catch {
      /* not loaded yet */
    }
    await sleep(200);
  }
}

const servers = [];
for (const dir of [dirA, dirB]) servers.push(await startServer(BIG, ['--static_dir', path.resolve(dir)]));
for (const s of servers) await loaded(s.url);
const browser = await launch();
const runs = [[], []];
for (let i = 0; i < 2 * (LOADS + 1); i++) {
  const side = i % 2;
  const P = await openPage(browser, servers[side].url, { allow: () => true, quiet: 2500 });
  const marks = await P.page.evaluate(() => {
    const m = {};
    for (const e of performance.getEntriesByType('mark')) m[e.name] = e.startTime;
    m.painted = window.__tbserve.timings().firstChartPainted;
    return m;
  });
  if (i >= 2) runs[side].push(marks); // the first load of each side warms up
  await P.context.close();
}
await browser.close();
for (const s of servers) await s.stop();

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? Math.round(s[s.length >> 1]) : NaN;
};
for (let side = 0; side < 2; side++) {
  const r = runs[side];
  const step = (a, b) => median(r.map((m) => m[b] - m[a]));
  console.log(`${'AB'[side]} ${[dirA, dirB][side]}: first chart median ${median(r.map((m) => m.painted))} ms; ` +
    `tags ${median(r.map((m) => m['tb:tags']))}, tags→fetch ${step('tb:tags', 'tb:fetch')}, ` +
    `fetch→chart built ${step('tb:fetch', 'tb:chart')}, fetch→data ${step('tb:fetch', 'tb:data')}, ` +
    `data→drawn ${step('tb:data', 'tb:render')}, drawn→painted ${step('tb:render', 'painted')} ` +
    `[${r.map((m) => Math.round(m.painted)).join(' ')}]`);
}
