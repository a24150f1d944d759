// harness.mjs - what the browser tests share: a real tbserve on a temp logdir,
// Debian's Chromium driven by playwright-core, console-error collection.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const OUT = path.join(ROOT, 'tests/browser/out');
export const TBSERVE = path.resolve(ROOT, process.env.TBSERVE || 'build-test/server/tbserve');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// STATIC_DIR=static serves the page from disk (frontend work without a rebuild)
const STATIC_ARGS = process.env.STATIC_DIR ? ['--static_dir', path.resolve(ROOT, process.env.STATIC_DIR)] : [];

fs.mkdirSync(OUT, { recursive: true });

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function copyDir(src, dst) {
  fs.cpSync(src, dst, { recursive: true });
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const servers = new Set();
process.on('exit', () => {
  for (const p of servers) p.kill('SIGKILL');
});

/** Start tbserve (opts.binary, default TBSERVE) on logdir; resolves once it answers data/runs. */
export async function startServer(logdir, args = [], opts = {}) {
  if (!fs.existsSync(TBSERVE)) throw new Error(`no tbserve at ${TBSERVE} (build it, or set TBSERVE)`);
  const port = opts.port || await freePort(); // opts.port: e.g. a restart on the same port
  const proc = spawn(opts.binary || TBSERVE, ['--logdir', logdir, '--port', String(port), '--host', '127.0.0.1', ...STATIC_ARGS, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers.add(proc);
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  proc.on('exit', (code, sig) => {
    if (servers.has(proc)) console.log(`# tbserve on ${logdir} exited early (${code ?? sig}):\n${log}`);
  });
  const url = `http://127.0.0.1:${port}/`;
  const t0 = Date.now();
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`tbserve exited (${proc.exitCode}): ${log}`);
    try {
      const r = await fetch(`${url}data/runs`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() - t0 > 20000) throw new Error(`tbserve did not start: ${log}`);
    await sleep(50);
  }
  return {
    url,
    port,
    proc,
    log: () => log,
    async stop() {
      servers.delete(proc);
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      await Promise.race([new Promise((r) => proc.once('exit', r)), sleep(3000)]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Does this server have the live (server-sent events) endpoint? */
export async function hasLive(url) {
  const ac = new AbortController();
  try {
    const r = await fetch(`${url}data/live`, { signal: ac.signal });
    const ok = r.ok && (r.headers.get('content-type') || '').includes('text/event-stream');
    ac.abort();
    return ok;
  } catch {
    return false;
  }
}

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Playwright adds --headless and a fresh --user-data-dir itself
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A page that records console errors, uncaught exceptions and dialogs.
 * allow(msg) may excuse a console error (e.g. data/live's 404 on a server
 * without the live endpoint); quiet: ms to wait without touching the page
 * after it loads (for timing measurements).
 */
export async function openPage(browser, url, opts = {}) {
  const context = await browser.newContext({
    viewport: opts.viewport || { width: 1400, height: 900 },
    colorScheme: opts.colorScheme || 'light',
    deviceScaleFactor: opts.deviceScaleFactor || 1,
    isMobile: !!opts.isMobile,
    hasTouch: !!opts.isMobile,
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const errors = [];
  const dialogs = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const where = m.location()?.url || '';
    if (opts.allow && opts.allow(m.text(), where)) return;
    errors.push(`${m.text()} (${where})`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  await page.goto(url);
  // opts.quiet: no polling in the page while it loads (playwright's polling
  // injects a script whose evaluation would be timed with the page's own)
  if (opts.quiet) await sleep(opts.quiet);
  await page.waitForFunction(() => window.__tbserve !== undefined);
  return { page, context, errors, dialogs };
}

export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))] : NaN);
  return { n: s.length, p50: q(0.5), p95: q(0.95), max: s.length ? s[s.length - 1] : NaN };
}

export const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
