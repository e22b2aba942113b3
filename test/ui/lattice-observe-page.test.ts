// tier: full — nats-server -js (stopped and started again on the same port), a `stratus up` lattice
// member with metrics, a `stratus ui -x` process that is not a member, the AssemblyScript kvcounter
// built from source, real HTTP, chromium driven by playwright-core.
//
// The lattice dashboard shows what a host's own dashboard shows, read through each Stratus host's
// observe extension (wasmbus.ctl.{lattice}.stratus.observe.{host}): invocation figures of an actor
// on the member after HTTP requests, the actor's lane and limits, provider health, link status per
// host, a failed invocation with its explanation and fix, the log filtered by actor. Then NATS is
// restarted under it: the page says it is reconnecting, and afterwards shows fresh figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { deployKvcounter, get, REPO, startHostProcess, tempHome } from '../e2e/support.js';
import { startNats } from '../support/servers.js';
import { builtinProvider } from '../../src/providers/registry.js';
import { eventually, latticeDashboard } from './lattice-support.js';

const KV = builtinProvider('keyvalue')!;
const HTTP = builtinProvider('httpserver')!;

test('stratus ui -x: figures, failures with their fix, the log by actor, health and lanes of a member; it survives a NATS restart', { timeout: 300_000 }, async () => {
  const nats = await startNats();
  const memberHome = tempHome('uiom'), outside = tempHome('uioo');
  const ctl = ['-x', 'uiobs', '--ctl-port', String(nats.port)];
  const member = await startHostProcess(memberHome.dir, ['-x', 'uiobs', '--nats-port', String(nats.port), '--nats-connect-only', '--metrics', '127.0.0.1:0']);
  const hostId = member.view.id;
  let ui: Awaited<ReturnType<typeof latticeDashboard>> | undefined;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  try {
    const { port, actorId } = await deployKvcounter(member.socket, memberHome.dir, {});
    const hit = async (n: number, status?: number) => {
      for (let i = 0; i < n; i++) {
        const r = await get(`http://127.0.0.1:${port}/hits`);
        if (status !== undefined) assert.equal(r.status, status, r.body);
      }
    };
    await hit(5, 200);

    ui = await latticeDashboard(outside.dir, [...ctl, '--address', '127.0.0.1:0']);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(ui.url);
    await page.fill('#token', ui.token);
    await page.click('#login-form button');
    await page.locator('#conn.live').waitFor();
    await page.locator('#nats.live', { hasText: 'NATS connected' }).waitFor();

    // invocation figures of the member's actor, with its host named
    const op = page.locator(`#operations tbody tr[data-host="${hostId}"][data-op="${actorId}/HttpServer.HandleRequest"]`);
    await op.waitFor({ timeout: 30_000 });
    const calls = async () => Number(await op.locator('td.count').innerText());
    await eventually(async () => (await calls()) >= 5, 'the five requests in the figures');
    assert.equal((await op.locator('td').first().innerText()).trim(), member.view.friendly_name, 'the row names its host');
    await page.locator(`#hostcalls tbody tr[data-host="${hostId}"]`, { hasText: 'wasmcloud:keyvalue' }).waitFor();
    await page.locator(`#hosts tr[data-host="${hostId}"] td.reports`, { hasText: 'figures, log, health' }).waitFor();
    assert.equal(await page.locator('#traffic-gaps').isHidden(), true, 'no host without figures');

    // the actor's lane and limits, the providers' health, each link's status on the member
    const actor = page.locator(`#actors tbody tr[data-actor="${actorId}"]`);
    await actor.locator('td.lane', { hasText: /inline|worker/ }).waitFor();
    assert.match(await actor.locator('td.limits').innerText(), /≤ \d+ instances, .*memory/);
    await page.locator(`#providers tbody tr[data-provider="${KV.id}/default"][data-host="${hostId}"]`, { hasText: 'healthy' }).waitFor();
    const httpLink = page.locator(`#links tbody tr[data-link="${actorId}/${HTTP.contractId}/default"]`);
    await httpLink.locator('.pill.active').waitFor();
    await httpLink.locator('td.status', { hasText: `active on ${member.view.friendly_name}` }).waitFor();
    await page.screenshot({ path: join(process.env.UPDATE_UI_SCREENSHOTS === '1' ? join(REPO, 'docs') : outside.dir, 'ui-lattice.png'), fullPage: true });

    // the keyvalue provider stopped from the page: requests fail, and the failure comes with the host's explanation and fix
    await page.locator(`#providers tbody tr[data-provider="${KV.id}/default"] button`, { hasText: 'Stop' }).click();
    await page.locator(`#providers tbody tr[data-provider="${KV.id}/default"]`).waitFor({ state: 'detached' });
    await hit(2);
    const failure = page.locator('#failures li', { hasText: 'PROVIDER_NOT_RUNNING' }).first();
    await failure.waitFor();
    assert.match(await failure.innerText(), /no host in lattice 'uiobs' runs provider [\s\S]*hint: start it on a host of the lattice/, 'the full explanation, with the fix');
    assert.match(await failure.innerText(), new RegExp(`on ${member.view.friendly_name}`), 'and the host it happened on');
    // the actor answered (a 500), its host call failed: the error is counted there
    await page.locator(`#hostcalls tbody tr[data-host="${hostId}"]`, { hasText: "wasmcloud:keyvalue" }).locator("td.reason").waitFor();

    // the log: lines of every host, then only those about the actor
    const lines = page.locator('#log div');
    await eventually(async () => (await lines.count()) > 0, 'log lines');
    const all = await lines.allInnerTexts();
    await page.selectOption('#log-actor', actorId);
    const about = await lines.allInnerTexts();
    assert.ok(about.length > 0 && about.length < all.length, `the filter keeps some lines and drops others (${about.length} of ${all.length})`);
    for (const l of about) assert.ok(l.includes(actorId) || l.includes('kvcounter'), `a line about the actor: ${l}`);
    await page.selectOption('#log-actor', '');

    // NATS restarted under the dashboard: the page says so, then shows fresh figures
    const before = await calls();
    const sawDown = page.locator('#nats.off', { hasText: 'reconnecting' }).waitFor({ timeout: 60_000 });
    await nats.restart();
    await sawDown;
    await page.locator('#nats.live').waitFor({ timeout: 60_000 });
    assert.equal(ui.exitCode(), null, 'stratus ui is still running');
    await hit(3);
    await eventually(async () => (await calls()) >= before + 3, 'figures after the restart', 60_000);
    assert.deepEqual(pageErrors, [], 'the page drew everything without a script error');
  } finally {
    await browser.close();
    const code: number | null = ui ? await ui.stop() : null;
    await member.stop();
    await nats.dispose();
    memberHome.cleanup();
    outside.cleanup();
    if (ui) assert.equal(code, 0, `stratus ui stops cleanly on SIGTERM:\n${ui.output()}`);
  }
});
