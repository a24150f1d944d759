// binary.test.mjs - the page's decoder of scalars_multirun?format=binary
// (static/api.js) on bodies built here from docs/api.md's layout, and on
// tbserve's own answers for every scalar tag of the real fixtures, compared
// point by point with the JSON answers to the same requests.
// Run: TBSERVE=build-test/server/tbserve node --test tests/browser/binary.test.mjs

import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, startServer, sleep } from './harness.mjs';
import { decodeScalarsBinary, num } from '../../static/api.js';

// what the page sends with every POST (tbserve refuses cross-site POSTs without it)
const XSRF = { 'X-XSRF-Protected': '1' };

/** A body in docs/api.md's layout: runs = [{name, wall, step, value, width}]. */
function encode(runs) {
  const parts = [];
  let len = 0;
  const push = (u8) => { parts.push(u8); len += u8.length; };
  const pad = () => { if (len % 8) push(new Uint8Array(8 - (len % 8))); };
  const u32 = (v) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, true); push(b); };
  push(new TextEncoder().encode('TBS1'));
  u32(runs.length);
  for (const r of runs) {
    const name = new TextEncoder().encode(r.name);
    u32(name.length);
    push(name);
    pad();
    u32(r.step.length);
    u32(r.width);
    for (const [arr, w] of [[r.wall, 8], [r.step, 8], [r.value, r.width]]) {
      const b = new Uint8Array(arr.length * w);
      const dv = new DataView(b.buffer);
      arr.forEach((v, i) => (w === 8 ? dv.setFloat64(i * w, v, true) : dv.setFloat32(i * w, v, true)));
      push(b);
    }
    pad();
  }
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out.buffer;
}

test('decodes every field of hand-built bodies', () => {
  const runs = [
    { name: 'ünïcødé/运行', wall: [1.5e9, 1.5e9 + 0.25], step: [0, 2 ** 40], value: [0.5, NaN], width: 4 },
    { name: 'e', wall: [], step: [], value: [], width: 8 },
    { name: 'abcdefgh', wall: [7], step: [3], value: [-Infinity], width: 8 },
    { name: 'f64', wall: [1, 2, 3], step: [1, 2, 3], value: [0.1, 1e300, Infinity], width: 8 },
  ];
  const got = decodeScalarsBinary(encode(runs));
  assert.deepEqual([...got.keys()], runs.map((r) => r.name));
  for (const r of runs) {
    const d = got.get(r.name);
    assert.ok(Array.isArray(d.wall) && Array.isArray(d.step) && Array.isArray(d.value), 'plain arrays (the page appends to them)');
    assert.deepEqual(d.wall, r.wall);
    assert.deepEqual(d.step, r.step);
    assert.deepEqual(d.value, r.width === 4 ? r.value.map(Math.fround) : r.value);
  }
  assert.equal(decodeScalarsBinary(encode([])).size, 0);
});

test('refuses what is not a body', () => {
  const good = encode([{ name: 'r', wall: [1, 2], step: [1, 2], value: [1, 2], width: 4 }]);
  assert.throws(() => decodeScalarsBinary(new ArrayBuffer(0)));
  assert.throws(() => decodeScalarsBinary(new TextEncoder().encode('{"r": []}').buffer), /not a binary/);
  assert.throws(() => decodeScalarsBinary(good.slice(0, good.byteLength - 16)), RangeError);
  const bad = good.slice(0);
  new DataView(bad).setUint32(20, 5, true); // the value width
  assert.throws(() => decodeScalarsBinary(bad), /value width/);
});

let server;
before(async () => {
  server = await startServer(path.join(ROOT, 'tests/data/real'));
  // tbserve answers while it loads: wait for the end of the initial load
  for (let t = 0; !/loaded \d+ runs/.test(server.log()); t += 50) {
    if (t > 60000) throw new Error(`tbserve did not finish loading: ${server.log()}`);
    await sleep(50);
  }
});
after(async () => {
  await server?.stop();
});

test("tbserve's binary answers carry the JSON answers' points (real fixtures)", async () => {
  const tags = await (await fetch(`${server.url}data/plugin/scalars/tags`)).json();
  const byTag = new Map();
  for (const [run, t] of Object.entries(tags)) for (const tag of Object.keys(t)) byTag.set(tag, [...(byTag.get(tag) || []), run]);
  assert.ok(byTag.size > 50, `scalar tags of the real fixtures: ${byTag.size}`);
  let points = 0;
  for (const [tag, runs] of byTag) {
    for (const query of ['', 'buckets=50', 'since_step=10']) {
      const body = new URLSearchParams([['tag', tag], ...runs.map((r) => ['runs', r])]);
      const base = `${server.url}data/plugin/scalars/scalars_multirun?${query}`;
      const json = await (await fetch(base, { method: 'POST', body, headers: XSRF })).json();
      const res = await fetch(`${base}${query ? '&' : ''}format=binary`, { method: 'POST', body, headers: XSRF });
      assert.equal(res.headers.get('content-type'), 'application/octet-stream');
      const bin = decodeScalarsBinary(await res.arrayBuffer());
      assert.deepEqual([...bin.keys()], Object.keys(json), `${tag} ${query}: runs`);
      for (const [run, rows] of Object.entries(json)) {
        const d = bin.get(run);
        assert.equal(d.step.length, rows.length, `${tag} ${run} ${query}: points`);
        rows.forEach(([w, s, v], i) => {
          assert.equal(d.wall[i], num(w), `${tag} ${run} wall[${i}]`);
          assert.equal(d.step[i], s, `${tag} ${run} step[${i}]`);
          assert.ok(Object.is(d.value[i], num(v)) || d.value[i] === num(v), `${tag} ${run} value[${i}]: ${d.value[i]} vs ${v}`);
        });
        points += rows.length;
      }
    }
  }
  assert.ok(points > 10000, `points compared: ${points}`);
});
