// tier: full — builds the echo example with asc, serves megabyte bodies over real HTTP
// Issue 17 §2 on the worker lane: the httpserver lends each large request buffer to the host and
// gets it back once the worker has copied it; the host lends each large result (a view of a
// worker's result area) and gets it back once the response is on the socket (host/lanes/loan.ts).
// Several large requests in flight at once, over and over, must each get their own body back:
// a buffer reused too early would hand one client another's bytes.
import { freePort } from '../support/servers.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildCached, isolateStratusHome, ROOT } from '../sdk/build-cache.js';
import { Host } from '../../src/host/host.js';
import type { HostApi } from '../../src/host/api.js';
import { createProvider } from '../../src/providers/registry.js';

isolateStratusHome();
const MiB = 1024 * 1024;
let host: HostApi;
let url = '';
const logs: string[] = [];

before(async () => {
  const { wasm } = await buildCached(join(ROOT, 'examples', 'echo'));
  host = new Host({ isolation: 'worker', rpcTimeoutMs: 60_000, log: (level, text) => logs.push(`${level} ${text}`) });
  // one instance: requests wait in the lane's queue holding their lent buffers, the case where a
  // buffer handed back too early would be overwritten by the next request of a similar size
  const echo = await host.startActor(wasm, { count: 1, maxInstances: 1 });
  const http = await host.startProvider(createProvider('httpserver'));
  const port = await freePort();
  await host.putLink({ actor_id: echo.id, provider_id: http.id, link_name: 'default', contract_id: 'wasmcloud:httpserver', values: { address: `127.0.0.1:${port}`, timeout_ms: '60000', request_timeout_ms: '300000', keepalive_timeout_ms: '120000' } });
  url = `http://127.0.0.1:${port}`;
});
after(() => host?.shutdown());

async function echoBack(body: Uint8Array): Promise<void> {
  const res = await fetch(`${url}/big`, { method: 'POST', body });
  const text = await res.text();
  assert.equal(res.status, 200, `status ${res.status} for a ${body.length}-byte body: ${text.slice(0, 200)}`);
  const back = Uint8Array.from((JSON.parse(text) as { body: number[] }).body);
  assert.equal(back.length, body.length);
  assert.ok(Buffer.from(back.buffer).equals(Buffer.from(body.buffer, body.byteOffset, body.length)), `a ${body.length}-byte body came back as other bytes`);
}

test('large bodies in flight together on the worker lane each come back as sent, round after round', async () => {
  for (let round = 0; round < 4; round++) {
    const sizes = [MiB, MiB + 17, 4 * MiB, MiB + 1000, 300 * 1024, MiB - 5];
    await Promise.all(sizes.map((n) => echoBack(new Uint8Array(randomBytes(n)))));
  }
  assert.deepEqual(logs.filter((l) => /trap|unreachable|memory|error/i.test(l)), []);
});
