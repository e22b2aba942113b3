// tier: full — nats-server -js, a `stratus up` lattice member, a `stratus ui -x` process that is not
// a member, the AssemblyScript kvcounter built from source, chromium driven by playwright-core.
//
// `stratus ui -x <lattice>` serves the dashboard of a lattice through its control interface alone
// (as wash ui does): the page lists the lattice's host; an actor started from the page runs on
// that host (auction, file:// reference), scaling and stopping it from the page changes what the
// host runs (as `stratus ctl get inventory` sees it), a link put and deleted from the page is in
// the lattice and then not (`stratus ctl link query`), and the token rules are those of a host's
// dashboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { cli, signedKvcounter, startHostProcess, tempHome } from '../e2e/support.js';
import { freePort, startNats } from '../support/servers.js';
import { eventually, latticeDashboard } from './lattice-support.js';

test('stratus ui -x: the dashboard of a lattice from outside it lists the host, and its actions take effect there', async () => {
  const nats = await startNats();
  const memberHome = tempHome('uilm'), outside = tempHome('uilo');
  const ctl = ['-x', 'uilat', '--ctl-port', String(nats.port)];
  const member = await startHostProcess(memberHome.dir, ['-x', 'uilat', '--nats-port', String(nats.port), '--nats-connect-only', '--allow-file-load', '--label', 'zone=<i>east</i>']);
  let ui: Awaited<ReturnType<typeof latticeDashboard>> | undefined;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  try {
    const kvFile = await signedKvcounter(outside.dir);
    ui = await latticeDashboard(outside.dir, [...ctl, '--address', '127.0.0.1:0']);
    assert.match(ui.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    // the same token rules as a host's dashboard: nothing without it, reads included
    assert.equal((await fetch(`${ui.url}api/state`)).status, 401);
    assert.equal((await fetch(`${ui.url}api/actions/stop-actor`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 401);

    const page = await browser.newPage();
    await page.goto(ui.url);
    await page.fill('#token', ui.token);
    await page.click('#login-form button');
    await page.locator('#conn.live').waitFor();
    // (the stream's headers can arrive before its first picture is drawn)
    await page.locator('#host-title', { hasText: 'lattice uilat' }).waitFor();
    const hostRow = page.locator(`#hosts tr[data-host="${member.view.id}"]`);
    await hostRow.waitFor();
    assert.match(await hostRow.innerText(), /zone=<i>east<\/i>/, 'a label is shown as text');
    assert.equal(await page.locator('#hosts i').count(), 0);

    // start: the lattice auctions the actor; the member bids (it may load file:// references) and runs it
    await page.fill('#start-actor input[name=ref]', kvFile);
    await page.click('#start-actor button[type=submit]');
    await page.locator('#message.info', { hasText: `host ${member.view.id} accepted the start` }).waitFor();
    const row = page.locator(`#actors tbody tr[data-host="${member.view.id}"]`, { hasText: 'kvcounter' });
    await row.waitFor({ timeout: 60_000 });
    assert.match(await row.innerText(), /wasmcloud:httpserver/, 'its claims come from the lattice');
    await row.locator('td.instances', { hasText: '1 live / 1 wanted' }).waitFor();
    const actorId = await row.getAttribute('data-actor');
    // (docs/ui-lattice.png is made by lattice-observe-page.test.ts, with invocations flowing)
    await page.screenshot({ path: join(outside.dir, 'ui-lattice.png'), fullPage: false });
    assert.match(actorId ?? '', /^M[A-Z2-7]{55}$/);

    // scale from the page: the host runs two instances (seen by the lattice CLI, not the page)
    await row.locator('input[type=number]').fill('2');
    await row.locator('button', { hasText: 'Scale' }).click();
    await page.locator('#message.info', { hasText: 'scaled actor kvcounter to 2' }).waitFor();
    const instances = async () => {
      const r = await cli(outside.dir, ['ctl', 'get', 'inventory', member.view.id, ...ctl, '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { actors: { id: string; instances: unknown[] }[] }).actors.find((a) => a.id === actorId)?.instances.length ?? 0;
    };
    await eventually(async () => (await instances()) === 2, 'the member runs two instances');
    await row.locator('td.instances', { hasText: '2 live / 2 wanted' }).waitFor();

    // a link put from the page is stored in the lattice (as `stratus ctl link query` sees it); deleted from the page, it is gone
    const linked = async () => {
      const r = await cli(outside.dir, ['ctl', 'link', 'query', ...ctl, '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { links: { actor_id: string; contract_id: string; values: Record<string, string> }[] }).links
        .filter((l) => l.actor_id === actorId && l.contract_id === 'wasmcloud:keyvalue');
    };
    const actorOption = await page.locator('#put-link select[name=actor_id] option', { hasText: 'kvcounter' }).first().innerText();
    await page.selectOption('#put-link select[name=actor_id]', { label: actorOption });
    await page.selectOption('#put-link select[name=provider]', { label: 'keyvalue (default, not running)' });
    await page.fill('#put-link textarea[name=values]', 'backend=memory');
    await page.click('#put-link button[type=submit]');
    await page.locator('#message.info', { hasText: 'stored' }).waitFor();
    await eventually(async () => (await linked()).length === 1, 'the lattice has the link');
    assert.deepEqual((await linked())[0]!.values, { backend: 'memory' });
    const linkRow = page.locator('#links tbody tr', { hasText: 'wasmcloud:keyvalue' });
    await linkRow.waitFor();
    await linkRow.locator('button', { hasText: 'Delete' }).click();
    await eventually(async () => (await linked()).length === 0, 'the lattice has the link no more');
    await linkRow.waitFor({ state: 'detached' });

    // a refusal comes back with the host's words
    await page.fill('#start-actor input[name=ref]', '/nowhere/missing.wasm');
    await page.click('#start-actor button[type=submit]');
    await page.locator('#message.error', { hasText: 'no host of lattice "uilat" bid' }).waitFor();

    // stop from the page: the actor leaves the host, and the page
    await row.locator('button', { hasText: 'Stop' }).click();
    await eventually(async () => (await instances()) === 0, 'the member runs the actor no more');
    await page.locator('#actors tbody td.empty').waitFor();
  } finally {
    await browser.close();
    const code: number | null = ui ? await ui.stop() : null;
    await member.stop();
    await nats.stop();
    memberHome.cleanup();
    outside.cleanup();
    if (ui) assert.equal(code, 0, `stratus ui stops cleanly on SIGTERM:\n${ui.output()}`);
  }
});

test('stratus ui -x without a NATS server says where it looked', async () => {
  const home = tempHome('uilx');
  try {
    const r = await cli(home.dir, ['ui', '-x', 'demo', '--ctl-port', String(await freePort())]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cannot reach the lattice's NATS server at nats:\/\/127\.0\.0\.1:\d+/);
  } finally {
    home.cleanup();
  }
});
