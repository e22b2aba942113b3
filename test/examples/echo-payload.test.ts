// tier: full — builds the echo example with asc, serves megabyte bodies over real HTTP
// Issue 17 §2: megabyte bodies pass through the AssemblyScript echo example on the real host
// (default 64 MiB per-actor memory cap, default httpserver limits) without any error, and the
// actor's memory stays a small multiple of what one request needs.
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
  // the machine may be loaded: generous deadlines (and a long keep-alive, so a pooled connection
  // is never closed under the client as it reuses it) keep this a test of errors, not of speed
  host = new Host({ rpcTimeoutMs: 60_000, log: (level, text) => logs.push(`${level} ${text}`) });
  const echo = await host.startActor(wasm);
  const http = await host.startProvider(createProvider('httpserver'));
  const port = await freePort();
  await host.putLink({ actor_id: echo.id, provider_id: http.id, link_name: 'default', contract_id: 'wasmcloud:httpserver', values: { address: `127.0.0.1:${port}`, timeout_ms: '60000', request_timeout_ms: '300000', keepalive_timeout_ms: '120000' } });
  url = `http://127.0.0.1:${port}`;
});
after(() => host?.shutdown());

async function echoBack(body: Uint8Array, path = '/big'): Promise<void> {
  const res = await fetch(url + path, { method: 'POST', body }).catch((e: Error & { cause?: Error }) => {
    throw new Error(`POST of ${body.length} bytes failed: ${e.message} (${e.cause?.message ?? 'no cause'})`);
  });
  const text = await res.text();
  assert.equal(res.status, 200, `status ${res.status} for a ${body.length}-byte body: ${text.slice(0, 200)}`);
  const json = JSON.parse(text) as { method: string; path: string; body: number[] };
  assert.equal(json.method, 'POST');
  assert.equal(json.path, path);
  assert.equal(json.body.length, body.length);
  // every byte comes back in order (compared without building a second million-element array)
  const back = Uint8Array.from(json.body);
  assert.ok(Buffer.from(back.buffer).equals(Buffer.from(body.buffer, body.byteOffset, body.length)), 'echoed bytes differ from the body sent');
}

test('1 MiB and 4 MiB bodies pass through the echo example over HTTP, repeatedly and mixed with small ones', async () => {
  // random bytes: the JSON answer of a 4 MiB body is ~15 MiB, inside the 16 MiB response limit
  const one = new Uint8Array(randomBytes(MiB));
  const four = new Uint8Array(randomBytes(4 * MiB));
  for (let round = 0; round < 3; round++) {
    await echoBack(one);
    await echoBack(four);
    await echoBack(new TextEncoder().encode('hi'), '/small');
  }
  assert.deepEqual(logs.filter((l) => /trap|unreachable|memory/i.test(l)), []);
});

test('concurrent 1 MiB bodies (several instances at once) all answer 200', async () => {
  const bodies = Array.from({ length: 6 }, () => new Uint8Array(randomBytes(MiB)));
  await Promise.all(bodies.map((b) => echoBack(b)));
  assert.deepEqual(logs.filter((l) => /trap|unreachable|memory/i.test(l)), []);
});

test('growing bodies on four connections at once (1 KiB, 64 KiB, 256 KiB, 1 MiB, then 4 MiB, as bench/payload sends them): all answer 200', { timeout: 300_000 }, async () => {
  for (const size of [1024, 64 * 1024, 256 * 1024, MiB, 4 * MiB, 4 * MiB]) {
    for (let round = 0; round < 3; round++) {
      await Promise.all(Array.from({ length: 4 }, () => echoBack(new Uint8Array(randomBytes(size)))));
    }
  }
  assert.deepEqual(logs.filter((l) => /trap|unreachable|memory/i.test(l)), []);
});
