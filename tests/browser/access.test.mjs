// access.test.mjs - the dashboard in Chromium behind tbserve's token login and
// over HTTPS (a self-signed certificate made here by openssl; the handshake is
// real, the browser is told to accept that certificate).
//
// With a token: the first visit carries ?token= and lands on the clean URL
// with the cookie set; a reload without the token still draws the charts and
// the live feed connects (the cookie goes with fetch, POST and EventSource);
// a fresh browser without the token gets the login page.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, TBSERVE, tempDir, launch, sleep } from './harness.mjs';

const LOGDIR = path.join(ROOT, 'tests/data/golden/logdir-small');

/** tbserve on 127.0.0.1 with extra flags; resolves with its port and banner. */
async function start(args, env = {}) {
  const proc = spawn(TBSERVE, ['--logdir', LOGDIR, '--host', '127.0.0.1', '--port', '0', '--reload_interval', '0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TBSERVE_TOKEN: '', ...env },
  });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  const t0 = Date.now();
  while (!/ at https?:\/\/[^ ]+:\d+\//.test(log) || !/loaded/.test(log)) {
    if (proc.exitCode !== null) throw new Error(`tbserve exited: ${log}`);
    if (Date.now() - t0 > 20000) throw new Error(`tbserve did not start: ${log}`);
    await sleep(50);
  }
  const port = Number(log.match(/ at https?:\/\/[^ ]+:(\d+)\//)[1]);
  const token = (log.match(/\?token=([0-9a-f]{48})\n/) || [])[1];
  return {
    port, token, log: () => log,
    async stop() {
      proc.kill('SIGTERM');
      await Promise.race([new Promise((r) => proc.once('exit', r)), sleep(3000)]);
    },
  };
}

/** The page has runs and at least one scalar chart drawn; the live feed is connected. */
async function dashboardWorks(page) {
  await page.waitForFunction(() => {
    const s = window.__tbserve && window.__tbserve.snapshot({ points: false });
    return s && s.runs.length > 5 && s.scalars.some((c) => c.drawn && c.series.length > 0) && s.live === 'live';
  }, null, { timeout: 20000 });
  const s = await page.evaluate(() => window.__tbserve.snapshot({ points: false }));
  assert.ok(s.runs.some((r) => r.name === 'baseline'), JSON.stringify(s.runs));
}

function watchErrors(page) {
  const errors = [];
  page.on('console', (m) => {
    const where = m.location()?.url || '';
    if (m.type() === 'error' && !/favicon\.ico$|\/x$/.test(where)) errors.push(`${m.text()} (${where})`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

describe('token login', () => {
  let server;
  before(async () => { server = await start(['--auth', 'token']); });
  after(async () => { await server?.stop(); });

  it('first visit with ?token=, then reloads without it', async () => {
    assert.ok(server.token, server.log());
    const base = `http://127.0.0.1:${server.port}/`;
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    const resp = await page.goto(`${base}?token=${server.token}`);
    assert.equal(resp.status(), 200);
    assert.equal(page.url(), base, 'redirected to the clean URL');
    await dashboardWorks(page);
    const cookies = await context.cookies();
    const c = cookies.find((x) => x.name === `tbserve-token-${server.port}`);
    assert.ok(c && c.httpOnly && c.sameSite === 'Strict', JSON.stringify(cookies));
    assert.equal(await page.evaluate(() => document.cookie), '', 'the page cannot read the token');
    await page.reload();
    assert.equal(page.url(), base);
    await dashboardWorks(page);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('a browser without the token gets the login page, and logs in through it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const resp = await page.goto(`http://127.0.0.1:${server.port}/`);
    assert.equal(resp.status(), 401);
    await page.fill('input[name=token]', server.token);
    await Promise.all([page.waitForNavigation(), page.click('button')]);
    assert.equal(page.url(), `http://127.0.0.1:${server.port}/`);
    await dashboardWorks(page);
    await context.close();
  });
});

describe('HTTPS', () => {
  let server;
  let dir;
  before(async () => {
    dir = tempDir('tbserve-tls-');
    const key = path.join(dir, 'key.pem');
    const crt = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', key, '-out', crt, '-days', '2', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    fs.chmodSync(key, 0o600);
    server = await start(['--tls_cert', crt, '--tls_key', key, '--auth', 'token']);
  });
  after(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the dashboard works over TLS with a token, and its cookie is Secure', async () => {
    const base = `https://127.0.0.1:${server.port}/`;
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const errors = watchErrors(page);
    const resp = await page.goto(`${base}?token=${server.token}`);
    assert.equal(resp.status(), 200);
    assert.equal(page.url(), base);
    const sec = await resp.securityDetails();
    assert.ok(sec && /TLS 1\.[23]/.test(sec.protocol), `protocol: ${JSON.stringify(sec)}`);
    await dashboardWorks(page);
    const c = (await context.cookies()).find((x) => x.name === `tbserve-token-${server.port}`);
    assert.ok(c && c.secure, 'Secure cookie');
    await page.reload();
    await dashboardWorks(page);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
