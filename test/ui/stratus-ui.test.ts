// tier: full — real `stratus up` processes.
//
// `stratus ui` against a host started without --ui: the host starts its dashboard on request
// (over the control socket), gives the same address and token when asked again, and says that it
// keeps no invocation figures; the dashboard stops with the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, startHostProcess, tempHome } from '../e2e/support.js';

test('stratus ui opens the dashboard of a running host, once', async () => {
  const home = tempHome('uicli');
  const host = await startHostProcess(home.dir);
  try {
    const first = await cli(home.dir, ['ui', '--address', '127.0.0.1:0', '-o', 'json']);
    assert.equal(first.code, 0, first.stderr);
    const d = JSON.parse(first.stdout) as { url: string; token: string };
    assert.match(d.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const again = await cli(home.dir, ['ui', '-o', 'json']);
    assert.deepEqual(JSON.parse(again.stdout), d, 'the running dashboard, same token');
    const text = await cli(home.dir, ['ui']);
    assert.match(text.stdout, new RegExp(`dashboard: ${d.url.replace(/[.]/g, '\\.')}\\n  token: ${d.token}`));

    const state = await fetch(`${d.url}api/state`, { headers: { 'x-stratus-token': d.token } });
    assert.equal(state.status, 200);
    const s = await state.json() as { metrics: boolean; host: { id: string } };
    assert.equal(s.metrics, false, 'started without --ui or --metrics: no invocation figures');
    assert.equal(s.host.id, host.view.id);
    assert.equal((await fetch(`${d.url}metrics`)).status, 404);
    const page = await fetch(d.url);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  } finally {
    await host.stop();
    home.cleanup();
  }
});

test('stratus ui without a host says how to start one', async () => {
  const home = tempHome('uinone');
  try {
    const r = await cli(home.dir, ['ui']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no Stratus host is running.*stratus up/);
  } finally {
    home.cleanup();
  }
});
