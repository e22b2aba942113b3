// tier: full — nats-server -js, two `stratus up` processes in one lattice, chromium.
//
// A lattice member's dashboard lists every host of the lattice (from ping replies), this one marked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { cli, startHostProcess, tempHome } from '../e2e/support.js';
import { startNats } from '../support/servers.js';

test('the dashboard of a lattice member lists the lattice\'s hosts', async () => {
  const nats = await startNats();
  const a = tempHome('uila'), b = tempHome('uilb');
  const flags = ['-x', 'uitest', '--nats-port', String(nats.port), '--nats-connect-only'];
  const hostA = await startHostProcess(a.dir, [...flags, '--ui', '127.0.0.1:0', '--label', 'zone=<b>east</b>']);
  const hostB = await startHostProcess(b.dir, [...flags, '--label', 'zone=west']);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  try {
    const { url, token } = JSON.parse((await cli(a.dir, ['ui', '-o', 'json'])).stdout) as { url: string; token: string };
    const page = await browser.newPage();
    await page.goto(url);
    await page.fill('#token', token);
    await page.click('#login-form button');
    const rowB = page.locator(`#hosts tr[data-host="${hostB.view.id}"]`);
    await rowB.waitFor();
    assert.match(await rowB.innerText(), /zone=west/);
    const rowA = page.locator(`#hosts tr[data-host="${hostA.view.id}"]`);
    assert.match(await rowA.innerText(), /\(this host\)/);
    assert.match(await rowA.innerText(), /zone=<b>east<\/b>/, 'a label is shown as text');
    assert.equal(await page.locator('#hosts b').count(), 0);
    // and the API gives the same list
    const s = await (await fetch(`${url}api/state`, { headers: { 'x-stratus-token': token } })).json() as { latticeHosts?: { id: string }[] };
    assert.deepEqual(s.latticeHosts?.map((h) => h.id).sort(), [hostA.view.id, hostB.view.id].sort());
  } finally {
    await browser.close();
    await hostB.stop();
    await hostA.stop();
    await nats.stop();
    a.cleanup();
    b.cleanup();
  }
});
