// tier: full — runs host processes (stratus up) and the CLI
// Failure cases over real HTTP on a real host (in this process, via the control API): each
// cause gets its own clear error, fixing the cause fixes the service, and the host keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runHost, type RunningHost } from '../../src/control/daemon.js';
import { controlRequest } from '../../src/control/client.js';
import type { ActorDescription, ProviderDescription } from '../../src/host/api.js';
import { counterOf, freePort, get, signedKvcounter, startRedis, tempHome } from './support.js';

interface Ctx { host: RunningHost; req: <T = any>(method: string, path: string, body?: unknown) => Promise<T>; logs: string[] }

async function withHost(fn: (c: Ctx) => Promise<void>): Promise<void> {
  const home = tempHome('fail');
  const logs: string[] = [];
  // Deadline above the default so a loaded test machine does not turn slow calls into timeouts.
  const host = await runHost({ home: home.dir, rpcTimeoutMs: 6000, log: (l, t) => logs.push(`${l} ${t}`) });
  try {
    await fn({ host, logs, req: (m, p, b) => controlRequest(m, p, b, host.paths.socket) });
  } finally {
    await host.stop();
    home.cleanup();
  }
}

async function providers(c: Ctx): Promise<{ http: ProviderDescription; kv: ProviderDescription }> {
  const http = await c.req<ProviderDescription>('POST', '/v1/providers', { name: 'httpserver' });
  const kv = await c.req<ProviderDescription>('POST', '/v1/providers', { name: 'keyvalue' });
  return { http, kv };
}

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what} never happened; last: ${JSON.stringify(last)}`);
}

test('missing claim, missing link and a stopped provider each give their own 500; fixing the cause fixes the service', async () => {
  await withHost(async (c) => {
    const { http, kv } = await providers(c);
    const dir = c.host.paths.home;
    const noKv = await c.req<ActorDescription>('POST', '/v1/actors', { path: await signedKvcounter(dir, ['wasmcloud:httpserver'], 'nokv') });
    const full = await c.req<ActorDescription>('POST', '/v1/actors', { path: await signedKvcounter(dir) });
    const [p1, p2] = [await freePort(), await freePort()];
    const link = (actor: string, provider: ProviderDescription, values: Record<string, string> = {}) =>
      c.req('PUT', '/v1/links', { actor_id: actor, provider_id: provider.id, contract_id: provider.contractId, values });
    await link(noKv.id, http, { port: String(p1) });
    await link(noKv.id, kv);
    await link(full.id, http, { port: String(p2) });

    // 1. actor not signed for keyvalue
    const denied = await get(`http://127.0.0.1:${p1}/bloggo`);
    assert.equal(denied.status, 500);
    assert.match(denied.body, /missing capability claim for wasmcloud:keyvalue/);

    // 2. claim present, no link
    const unlinked = await get(`http://127.0.0.1:${p2}/bloggo`);
    assert.equal(unlinked.status, 500);
    assert.match(unlinked.body, /missing link definition for wasmcloud:keyvalue/);
    assert.doesNotMatch(unlinked.body, /missing capability claim/);
    await link(full.id, kv);
    assert.deepEqual(await get(`http://127.0.0.1:${p2}/bloggo`), { status: 200, body: '{"counter": 1}' });

    // 3. provider stopped: the link stays, calls fail naming the provider, a restart brings it back
    await c.req('DELETE', `/v1/providers/${kv.id}?link_name=default`);
    const stopped = await get(`http://127.0.0.1:${p2}/bloggo`);
    assert.equal(stopped.status, 500);
    // the client sees wasmCloud's words; the host log names the provider
    assert.match(stopped.body, /Failed to perform RPC call: no provider is serving wasmcloud:keyvalue on link name default/);
    assert.doesNotMatch(stopped.body, new RegExp(kv.id));
    const links = await c.req<{ links: { contract_id: string; actor_id: string; status: { state: string } }[] }>('GET', '/v1/links');
    const kept = links.links.find((l) => l.actor_id === full.id && l.contract_id === 'wasmcloud:keyvalue');
    assert.equal(kept?.status.state, 'pending', 'link kept (pending) while the provider is down');
    await c.req('POST', '/v1/providers', { name: 'keyvalue' });
    // durable default backend: the count continues after the provider restart
    assert.deepEqual(await get(`http://127.0.0.1:${p2}/bloggo`), { status: 200, body: '{"counter": 2}' });

    // the control API reports bad requests clearly and the host keeps serving
    await assert.rejects(c.req('POST', '/v1/actors', { path: '/nonexistent/x.wasm' }), /cannot read actor module \/nonexistent\/x\.wasm/);
    await assert.rejects(c.req('POST', '/v1/providers', { name: 'blobstore' }), /unknown provider "blobstore"/);
    await assert.rejects(c.req('POST', `/v1/actors/${full.id}/scale`, { count: 0 }), /whole number from 1 to 1000/);
    await assert.rejects(link(full.id, http, { port: String(p1) }), new RegExp(`port ${p1} is already used by the httpserver link for actor ${noKv.id}`));
    assert.deepEqual(await get(`http://127.0.0.1:${p2}/bloggo`), { status: 200, body: '{"counter": 3}' });
  });
});

test('httpserver link deleted -> connection refused; link put again -> serving again', async () => {
  await withHost(async (c) => {
    const { http, kv } = await providers(c);
    const a = await c.req<ActorDescription>('POST', '/v1/actors', { path: await signedKvcounter(c.host.paths.home) });
    const port = await freePort();
    await c.req('PUT', '/v1/links', { actor_id: a.id, provider_id: kv.id, contract_id: kv.contractId, values: { backend: 'memory' } });
    await c.req('PUT', '/v1/links', { actor_id: a.id, provider_id: http.id, contract_id: http.contractId, values: { port: String(port) } });
    assert.equal((await get(`http://127.0.0.1:${port}/x`)).status, 200);
    await c.req('DELETE', '/v1/links', { actor_id: a.id, contract_id: http.contractId });
    await assert.rejects(get(`http://127.0.0.1:${port}/x`), /fetch failed/);
    await c.req('PUT', '/v1/links', { actor_id: a.id, provider_id: http.id, contract_id: http.contractId, values: { port: String(port) } });
    assert.deepEqual(await get(`http://127.0.0.1:${port}/x`), { status: 200, body: '{"counter": 2}' });
  });
});

test('Redis going away fails requests quickly with a clear error; when it comes back the service recovers', async () => {
  const redis = await startRedis();
  try {
    await withHost(async (c) => {
      const { http, kv } = await providers(c);
      const a = await c.req<ActorDescription>('POST', '/v1/actors', { path: await signedKvcounter(c.host.paths.home) });
      const port = await freePort();
      await c.req('PUT', '/v1/links', { actor_id: a.id, provider_id: kv.id, contract_id: kv.contractId, values: { URL: redis.url } });
      await c.req('PUT', '/v1/links', { actor_id: a.id, provider_id: http.id, contract_id: http.contractId, values: { port: String(port) } });
      const url = `http://127.0.0.1:${port}/bloggo`;
      assert.deepEqual(await get(url), { status: 200, body: '{"counter": 1}' });

      await redis.stop();
      const down = await get(url);
      assert.ok(down.status === 500 || down.status === 503, `status ${down.status}: ${down.body}`);
      assert.match(down.body, /redis/i);

      await redis.restart();
      // redis-server runs without persistence, so the count starts over once it is back
      const back = await eventually(() => get(url), (r) => r.status === 200, 'recovery after Redis restart');
      assert.ok(counterOf(back.body) >= 1);
    });
  } finally {
    await redis.dispose();
  }
});
