// Two hosts in one process (issue 12 item 4): each with its own providers, links and state. Nothing
// is shared: the same actor counts separately on each, a port or bucket of one host is not the
// other's, and stopping one host leaves the other serving.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpGet as get } from '../support/http.js';
import { createProvider } from '../../src/providers/registry.js';
import type { HttpServerProvider } from '../../src/providers/httpserver/provider.js';
import { signedC, testHost } from '../support/fixtures.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });


async function kvcounterHost(module: Uint8Array, backend: 'memory' | 'lmdb') {
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-two-hosts-'));
  dirs.push(dataDir);
  const { host } = testHost({ dataDir });
  const http = createProvider('httpserver') as HttpServerProvider;
  const kv = createProvider('keyvalue');
  await host.startProvider(http);
  await host.startProvider(kv);
  const actor = await host.startActor(module);
  await host.putLink({ actor_id: actor.id, provider_id: http.id, contract_id: http.contractId, link_name: 'default', values: { port: '0' } });
  await host.putLink({ actor_id: actor.id, provider_id: kv.id, contract_id: kv.contractId, link_name: 'default', values: { backend, bucket: 'shared-name' } });
  const port = http.listeners()[0]!.port;
  return { host, port, actorId: actor.id };
}

for (const backend of ['memory', 'lmdb'] as const) {
  test(`two hosts in one process keep their own providers, links and ${backend} data; stopping one leaves the other serving`, async () => {
    const module = await signedC('kvcounter', { caps: ['wasmcloud:keyvalue', 'wasmcloud:httpserver'] });
    const a = await kvcounterHost(module, backend);
    const b = await kvcounterHost(module, backend);
    assert.equal(a.actorId, b.actorId, 'the same actor runs on both');
    assert.notEqual(a.host.id, b.host.id);
    assert.notEqual(a.port, b.port);

    assert.deepEqual(await get(a.port, '/n'), { status: 200, body: '{"counter":1}' });
    assert.deepEqual(await get(a.port, '/n'), { status: 200, body: '{"counter":2}' });
    // the same bucket name on the other host is another host's data
    assert.deepEqual(await get(b.port, '/n'), { status: 200, body: '{"counter":1}' });
    assert.equal(a.host.links().length, 2);
    assert.equal(b.host.links().length, 2);
    assert.ok(a.host.links().every((l) => l.status.state === 'active'));

    await a.host.shutdown();
    await assert.rejects(get(a.port, '/n'), /ECONNREFUSED/);
    assert.deepEqual(await get(b.port, '/n'), { status: 200, body: '{"counter":2}' });
    assert.deepEqual(b.host.inventory().providers.map((p) => p.name).sort(), ['httpserver', 'keyvalue']);
    await b.host.shutdown();
  });
}
