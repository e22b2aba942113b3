// tier: full — starts nats-server and three host processes (stratus up)
// The seed's walkthrough split across three hosts of one lattice (issue 16): kvcounter on host A,
// the httpserver provider on host B, the keyvalue provider on host C, links put through host A;
// `curl` on B's port answers {"counter": 1}, then {"counter": 2}. Then host C (the store) is stopped
// gracefully: B's service fails with a clear error and comes back when C does, with its count.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { controlRequest } from '../../src/control/client.js';
import { createKeyPair } from '../../src/claims/nkeys.js';
import type { ActorDescription, ProviderDescription } from '../../src/host/api.js';
import { freePort, get, signedKvcounter, startHostProcess, tempHome, type HostProcess } from '../e2e/support.js';
import { startNats, type RunningServer } from '../support/servers.js';

let nats: RunningServer;
before(async () => { nats = await startNats(); });
after(async () => { await nats?.dispose(); });

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, limitMs = 30_000): Promise<T> {
  const end = Date.now() + limitMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await fn();
      if (ok(last)) return last;
    } catch (e) {
      last = e as T;
    }
    if (Date.now() > end) assert.fail(`${what} never happened; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('the seed walkthrough across three hosts: kvcounter on A, httpserver on B, keyvalue on C, links put through A', { timeout: 240_000 }, async () => {
  const cluster = createKeyPair('cluster').seed;
  const lattice = ['--lattice-prefix', `walk${process.pid}`, '--nats-host', '127.0.0.1', '--nats-port', String(nats.port), '--cluster-seed', cluster, '--allow-file-load'];
  const homes = [tempHome('walk-a'), tempHome('walk-b'), tempHome('walk-c')];
  const hosts: HostProcess[] = [];
  try {
    const [a, b, c] = await Promise.all(homes.map((h) => startHostProcess(h.dir, lattice)));
    hosts.push(a!, b!, c!);
    const req = <T>(h: HostProcess, m: string, p: string, body?: unknown) => controlRequest<T>(m, p, body, h.socket);

    const actor = await req<ActorDescription>(a!, 'POST', '/v1/actors', { path: await signedKvcounter(homes[0]!.dir) });
    const http = await req<ProviderDescription>(b!, 'POST', '/v1/providers', { name: 'httpserver' });
    const kv = await req<ProviderDescription>(c!, 'POST', '/v1/providers', { name: 'keyvalue' });
    const port = await freePort();
    // links go through host A, to providers that run on B and C
    await req(a!, 'PUT', '/v1/links', { actor_id: actor.id, provider_id: http.id, contract_id: http.contractId, values: { address: `127.0.0.1:${port}` } });
    await req(a!, 'PUT', '/v1/links', { actor_id: actor.id, provider_id: kv.id, contract_id: kv.contractId, values: { backend: 'lmdb' } });
    const url = `http://127.0.0.1:${port}/bloggo`;

    // B gets the httpserver link from the lattice's bucket and opens the port
    const first = await eventually(() => get(url), (r) => r.status === 200, 'the first answer through the lattice');
    assert.deepEqual(first, { status: 200, body: '{"counter": 1}' });
    assert.deepEqual(await get(url), { status: 200, body: '{"counter": 2}' });

    // every host sees both links active where their providers run
    const linksOnB = await req<{ links: { contract_id: string; status: { state: string } }[] }>(b!, 'GET', '/v1/links');
    assert.equal(linksOnB.links.find((l) => l.contract_id === 'wasmcloud:httpserver')?.status.state, 'active');
    const linksOnC = await req<{ links: { contract_id: string; status: { state: string } }[] }>(c!, 'GET', '/v1/links');
    assert.equal(linksOnC.links.find((l) => l.contract_id === 'wasmcloud:keyvalue')?.status.state, 'active');

    // the store's host stops gracefully: the service fails with a clear error, then recovers
    assert.equal(await c!.stop(), 0, c!.output());
    const down = await get(url);
    assert.equal(down.status, 500);
    assert.match(down.body, /Host send error .*(no host|not running|no provider)/i);
    const c2 = await startHostProcess(homes[2]!.dir, lattice);
    hosts[2] = c2;
    await req(c2, 'POST', '/v1/providers', { name: 'keyvalue' }).catch(() => undefined); // restored already, or started now
    const back = await eventually(() => get(url), (r) => r.status === 200, 'the service after the store host came back');
    assert.deepEqual(back, { status: 200, body: '{"counter": 3}' }, 'the count lives in host C\'s lmdb file');
  } finally {
    for (const h of hosts) await h.stop().catch(() => undefined);
    for (const h of homes) h.cleanup();
  }
});
