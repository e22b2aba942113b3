// tier: full — a real `stratus up --ui` process, the AssemblyScript kvcounter built from source,
// Debian's chromium driven by playwright-core, real HTTP with curl.
//
// The walkthrough is done from the dashboard alone (start kvcounter, start both providers, link,
// then curl answers {"counter":1}); along the way: the failure of a call before the key-value link
// exists is shown with its explanation and fix, a link that its provider refuses is shown failed
// with the reason, changes made by the CLI appear without a reload, a name carrying HTML stays
// text, and no action (nor any read of the API) works without the token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { cli, freePort, kvcounterWasm, REPO, signedKvcounter, startHostProcess, tempHome, type HostProcess } from '../e2e/support.js';
import { signActorModule } from '../../src/claims/sign.js';

const run = promisify(execFile);
const XSS = '<img src=x onerror="window.__xss=1">';
/** Screenshots go to docs/ only when asked (UPDATE_UI_SCREENSHOTS=1), so a test run leaves the tree clean. */
const shots = () => (process.env.UPDATE_UI_SCREENSHOTS === '1' ? join(REPO, 'docs') : home.dir);

let home: ReturnType<typeof tempHome>;
let host: HostProcess;
let browser: Browser;
let page: Page;
let url: string;
let token: string;
let kvFile: string;
let xssFile: string;

async function curl(address: string): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', ['-s', '-w', '\n%{http_code}', address]);
  const i = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) };
}

/** The message the page shows after an action, once it is there. */
async function message(kind: 'info' | 'error'): Promise<string> {
  const m = page.locator(`#message.${kind}`);
  await m.waitFor();
  return m.innerText();
}

async function clearMessage(): Promise<void> {
  await page.evaluate(() => { const m = (globalThis as any).document.querySelector('#message'); m.hidden = true; m.className = ''; m.textContent = ''; });
}

async function putLink(actor: string, provider: string, values: string, linkName?: string): Promise<void> {
  await clearMessage();
  await page.selectOption('#put-link select[name=actor_id]', { label: actor });
  await page.selectOption('#put-link select[name=provider]', { label: provider });
  if (linkName !== undefined) await page.fill('#put-link input[name=link_name]', linkName);
  await page.fill('#put-link textarea[name=values]', values);
  await page.click('#put-link button[type=submit]');
}

before(async () => {
  home = tempHome('ui');
  mkdirSync(join(home.dir, 'mods'));
  kvFile = await signedKvcounter(join(home.dir, 'mods'));
  xssFile = join(home.dir, 'mods', 'xss_s.wasm');
  writeFileSync(xssFile, signActorModule(await kvcounterWasm(), { name: XSS, caps: ['wasmcloud:httpserver', 'wasmcloud:keyvalue'] }));
  host = await startHostProcess(home.dir, ['--ui', '127.0.0.1:0']);
  // `stratus ui` gives the running dashboard's address and token
  const r = await cli(home.dir, ['ui', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  ({ url, token } = JSON.parse(r.stdout) as { url: string; token: string });
  assert.match(host.output(), new RegExp(`token: ${token}`), 'stratus up --ui prints the token');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
});

after(async () => {
  await browser?.close();
  await host?.stop();
  home?.cleanup();
});

test('the API refuses requests without the token, and no action runs on GET', async () => {
  const noToken = await fetch(`${url}api/actions/start-actor`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ref: kvFile }) });
  assert.equal(noToken.status, 401);
  assert.match((await noToken.json() as { error: string }).error, /needs the dashboard token/);
  const wrong = await fetch(`${url}api/state`, { headers: { 'x-stratus-token': token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A') } });
  assert.equal(wrong.status, 401);
  const onGet = await fetch(`${url}api/actions/start-actor`, { headers: { 'x-stratus-token': token } });
  assert.equal(onGet.status, 405);
  const inv = await cli(home.dir, ['ctl', 'get', 'inventory', '-o', 'json']);
  assert.equal(JSON.parse(inv.stdout).actors.length, 0, 'nothing was started by the refused requests');
  // the token is not taken from the URL either
  assert.equal((await fetch(`${url}api/state?token=${token}`)).status, 401);
  // /metrics is served on the dashboard's address
  const metrics = await fetch(`${url}metrics`);
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /stratus_host_info\{host_id="N/);
});

test('the page asks for the token and refuses a wrong one', async () => {
  await page.goto(url);
  await page.locator('#login').waitFor();
  assert.equal(await page.locator('#main').isHidden(), true);
  await page.fill('#token', 'not-the-token');
  await page.click('#login-form button');
  await page.locator('#login-note', { hasText: 'needs the dashboard token' }).waitFor();
  assert.equal(await page.locator('#main').isHidden(), true);
  await page.fill('#token', token);
  await page.click('#login-form button');
  await page.locator('#main').waitFor();
  await page.locator('#conn.live').waitFor();
  assert.match(await page.locator('#host').innerText(), new RegExp(host.view.id));
});

test('the walkthrough from the dashboard alone: start kvcounter and providers, link, curl', async () => {
  const port = await freePort();
  await page.fill('#start-actor input[name=ref]', kvFile);
  await page.click('#start-actor button');
  assert.match(await message('info'), /started actor kvcounter \(M/);
  const row = page.locator('#actors tbody tr', { hasText: 'kvcounter' });
  await row.waitFor();
  assert.match(await row.innerText(), /wasmcloud:httpserver, wasmcloud:keyvalue/);
  assert.match(await row.locator('td.instances').innerText(), /1 live \/ 1 wanted/);

  for (const name of ['httpserver', 'keyvalue']) {
    await clearMessage();
    await page.selectOption('#start-provider select[name=name]', name);
    await page.click('#start-provider button');
    assert.match(await message('info'), new RegExp(`started provider ${name}`));
    await page.locator('#providers tbody tr', { hasText: name }).locator('.pill.ok').waitFor();
  }

  // option labels are "name (first characters of the key)"
  const actorLabel = await page.locator('#put-link select[name=actor_id] option', { hasText: 'kvcounter' }).first().innerText();
  await putLink(actorLabel, 'httpserver (default)', `address=127.0.0.1:${port}`);
  assert.match(await message('info'), /link wasmcloud:httpserver \(default\) for kvcounter: active/);
  await page.locator('#links tbody tr.active', { hasText: 'wasmcloud:httpserver' }).waitFor();

  // before the key-value link: the call fails, and the dashboard shows why and what to do
  const early = await curl(`http://127.0.0.1:${port}/bloggo`);
  assert.equal(early.status, 500);
  const failure = page.locator('#failures li', { hasText: 'MISSING_LINK' }).first();
  await failure.waitFor();
  assert.match(await failure.innerText(), /no link for actor M[A-Z2-7]{55} \(kvcounter\) on wasmcloud:keyvalue/);
  assert.match(await failure.innerText(), /stratus ctl link put/);

  await putLink(actorLabel, 'keyvalue (default)', '');
  assert.match(await message('info'), /link wasmcloud:keyvalue \(default\) for kvcounter: active/);

  const r = await curl(`http://127.0.0.1:${port}/bloggo`);
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(JSON.parse(r.body), { counter: 1 });

  // the invocation view fills in by itself: the operation, its count, and who called whom
  const op = page.locator('#operations tbody tr', { hasText: 'HttpServer.HandleRequest' });
  await op.locator('td.count', { hasText: '2' }).waitFor();
  await page.locator('#hostcalls tbody tr', { hasText: 'wasmcloud:keyvalue' }).waitFor();
  // the log tail, filtered to the actor
  await page.selectOption('#log-actor', { label: 'kvcounter' });
  await page.locator('#log div').first().waitFor();
  for (const line of await page.locator('#log div').allInnerTexts()) assert.match(line, /kvcounter|M[A-Z2-7]{10}/);
  await page.screenshot({ path: join(shots(), 'ui-overview.png'), fullPage: true });
  await page.locator('#operations').screenshot({ path: join(shots(), 'ui-invocations.png') });
});

test('a link its provider refuses is shown failed, with the reason', async () => {
  // hold a port, then link to it under a link name whose provider is not running yet: pending
  const busy: Server = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  const port = (busy.address() as { port: number }).port;
  try {
    const actorLabel = await page.locator('#put-link select[name=actor_id] option', { hasText: 'kvcounter' }).first().innerText();
    await putLink(actorLabel, 'httpserver (default)', `address=127.0.0.1:${port}`, 'second');
    assert.match(await message('info'), /\(second\) for kvcounter: pending/);
    const linkRow = page.locator('#links tbody tr', { hasText: 'second' });
    await linkRow.locator('.pill.pending').waitFor();
    assert.match(await linkRow.innerText(), /waiting for provider/);
    // starting that provider delivers the link, which it refuses: the port is taken
    await clearMessage();
    await page.selectOption('#start-provider select[name=name]', 'httpserver');
    await page.fill('#start-provider input[name=link_name]', 'second');
    await page.click('#start-provider button');
    await linkRow.locator('.pill.failed').waitFor();
    assert.match(await linkRow.locator('.reason').innerText(), new RegExp(`${port}`));
    await page.locator('#links').screenshot({ path: join(shots(), 'ui-failed-link.png') });
  } finally {
    busy.close();
  }
  // an action the host refuses shows the CLI's text and its fix
  await clearMessage();
  const row = page.locator('#actors tbody tr', { hasText: 'kvcounter' });
  await row.locator('input[type=number]').fill('0');
  await row.locator('button', { hasText: 'Scale' }).click();
  const err = await message('error');
  assert.match(err, /count must be a whole number >= 1, got "0"/);
  assert.match(err, /fix: to remove an actor, stop it/);
});

test('changes made elsewhere appear without a reload', async () => {
  let loads = 0;
  page.on('load', () => { loads++; });
  const started = await cli(home.dir, ['ctl', 'start', 'actor', xssFile, '-o', 'json']);
  assert.equal(started.code, 0, started.stderr);
  const id = (JSON.parse(started.stdout) as { id: string }).id;
  const row = page.locator(`#actors tbody tr[data-actor="${id}"]`);
  await row.waitFor();
  const scaled = await cli(home.dir, ['ctl', 'scale', 'actor', id, '3']);
  assert.equal(scaled.code, 0, scaled.stderr);
  await row.locator('td.instances', { hasText: '/ 3 wanted' }).waitFor();
  assert.equal(loads, 0, 'the page was not reloaded');
});

test('names and values carrying HTML are shown as text', async () => {
  const id = (await page.locator('#actors tbody tr', { hasText: '<img' }).getAttribute('data-actor'))!;
  assert.match(id, /^M[A-Z2-7]{55}$/);
  const label = await page.locator('#put-link select[name=actor_id] option', { hasText: '<img' }).first().innerText();
  await putLink(label, 'keyvalue (default)', `backend=memory\nnote=${XSS}`, XSS.slice(0, 20));
  await page.locator('#links tbody tr', { hasText: 'note=<img' }).waitFor();
  assert.equal(await page.locator('#actors tbody tr', { hasText: XSS }).count(), 1, 'the name is shown verbatim');
  assert.equal(await page.locator('img').count(), 0, 'no element was made from a name or value');
  assert.equal(await page.evaluate(() => (globalThis as any).window.__xss), undefined);
  // the log tail carries the name too (the actor's start line)
  await page.selectOption('#log-actor', { label: XSS });
  assert.equal(await page.locator('#log img').count(), 0);
});

test('page size and load time (reported, not asserted)', async (t) => {
  let bytes = 0;
  for (const path of ['', 'app.js', 'app.css']) bytes += (await (await fetch(url + path)).arrayBuffer()).byteLength;
  const started = Date.now();
  await page.reload();
  await page.locator('#actors tbody tr[data-actor]').first().waitFor();
  const drawn = Date.now() - started;
  const nav = await page.evaluate(() => {
    const n = (globalThis as any).performance.getEntriesByType('navigation')[0];
    return { domContentLoaded: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) };
  });
  t.diagnostic(`page: ${bytes} bytes (html + js + css, uncompressed); DOMContentLoaded ${nav.domContentLoaded} ms, load ${nav.load} ms, host drawn ${drawn} ms after reload`);
  assert.ok(bytes > 0);
});
