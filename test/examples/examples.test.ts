// tier: full — builds the examples and templates with asc and clang, runs the CLI
// Every example, built from source by the project's own build, run on the real Host
// (HostApi.call), including HTTP over a real socket and denied host calls.
import { freePort } from '../support/servers.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildCached, isolateStratusHome, ROOT } from '../sdk/build-cache.js';
import { Host } from '../../src/host/host.js';
import type { HostApi } from '../../src/host/api.js';
import { createProvider } from '../../src/providers/registry.js';
import { signActor } from '../../src/claims/sign.js';
import { isStratusError } from '../../src/core/errors.js';
import { encodeHttpRequest, decodeHttpResponse, type HttpRequest } from '../../src/codec/interfaces/httpserver.js';
import { PingpongCodec } from '../../src/codec/interfaces/pingpong.js';

isolateStratusHome();
const EX = join(ROOT, 'examples');
const modules: Record<string, Uint8Array> = {};
let host: HostApi;
const logs: string[] = [];

before(async () => {
  // sequential: the machine is small and asc is CPU-bound
  for (const [name, dir] of [['kvcounter', 'kvcounter'], ['echo', 'echo'], ['ponger', 'pingpong/ponger'], ['pinger', 'pingpong/pinger'], ['c-echo', 'c-echo']]) {
    modules[name] = (await buildCached(join(EX, dir))).wasm;
  }
  host = new Host({ log: (level, text) => logs.push(`${level} ${text}`) });
});
after(() => host?.shutdown());

function req(path: string, extra: Partial<HttpRequest> = {}): Uint8Array {
  return encodeHttpRequest({ method: 'GET', path, queryString: '', header: {}, body: new Uint8Array(0), ...extra });
}

async function http(actorId: string, path: string, extra: Partial<HttpRequest> = {}) {
  const res = decodeHttpResponse(await host.call(actorId, 'HttpServer.HandleRequest', req(path, extra)));
  return { status: res.statusCode, body: Buffer.from(res.body).toString('utf8'), header: res.header };
}


test('kvcounter: without a keyvalue link the host call is denied and the actor answers 500 with the error text', async () => {
  const kv = await host.startActor(modules.kvcounter);
  assert.deepEqual([...kv.caps].sort(), ['wasmcloud:httpserver', 'wasmcloud:keyvalue']);
  const r = await http(kv.id, '/bloggo');
  assert.equal(r.status, 500);
  assert.match(r.body, /^Host send error .*wasmcloud:keyvalue/);
});

test('kvcounter: counts per path through the keyvalue provider, {"counter": N} exactly', async () => {
  const kv = host.inventory().actors.find((a) => a.name === 'kvcounter')!;
  const provider = await host.startProvider(createProvider('keyvalue'));
  await host.putLink({ actor_id: kv.id, provider_id: provider.id, link_name: 'default', contract_id: 'wasmcloud:keyvalue', values: { backend: 'memory' } });
  assert.deepEqual(await http(kv.id, '/bloggo').then((r) => [r.status, r.body]), [200, '{"counter": 1}']);
  assert.deepEqual(await http(kv.id, '/bloggo').then((r) => [r.status, r.body]), [200, '{"counter": 2}']);
  assert.deepEqual(await http(kv.id, '/other/path').then((r) => [r.status, r.body]), [200, '{"counter": 1}']);
  // the health check answers without any registration in the actor
  assert.equal(Buffer.from(await host.call(kv.id, 'Actor.HealthRequest', Uint8Array.of(0x80))).toString('hex'), '81a76865616c746879c3');
});

test('kvcounter over real HTTP: curl-style GETs through the httpserver provider', async () => {
  const kv = host.inventory().actors.find((a) => a.name === 'kvcounter')!;
  const httpProvider = await host.startProvider(createProvider('httpserver'));
  const port = await freePort();
  await host.putLink({ actor_id: kv.id, provider_id: httpProvider.id, link_name: 'default', contract_id: 'wasmcloud:httpserver', values: { address: `127.0.0.1:${port}` } });
  const first = await fetch(`http://127.0.0.1:${port}/curl`);
  assert.equal(first.status, 200);
  assert.equal(await first.text(), '{"counter": 1}');
  const second = await fetch(`http://127.0.0.1:${port}/curl`);
  assert.equal(await second.text(), '{"counter": 2}');
});

test('kvcounter signed without the keyvalue claim is refused by the host: 500 with the claim error', async () => {
  const unpriv = signActor(modules.kvcounter, { name: 'kvcounter_unpriv', caps: ['wasmcloud:httpserver'] }).module;
  const a = await host.startActor(unpriv);
  const provider = host.inventory().providers.find((p) => p.contractId === 'wasmcloud:keyvalue')!;
  await host.putLink({ actor_id: a.id, provider_id: provider.id, link_name: 'default', contract_id: 'wasmcloud:keyvalue', values: { backend: 'memory' } }).catch(() => undefined);
  const r = await http(a.id, '/bloggo');
  assert.equal(r.status, 500);
  assert.match(r.body, /^Host send error /);
  assert.match(r.body, /claim/i);
});

test('echo: answers the request as JSON', async () => {
  const e = await host.startActor(modules.echo);
  const r = await http(e.id, '/bloggo', { method: 'POST', queryString: 'a=1', body: new TextEncoder().encode('hi') });
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body), { method: 'POST', path: '/bloggo', query_string: 'a=1', body: [104, 105] });
  assert.deepEqual(r.header, { 'content-type': ['application/json'] });
});

test('pingpong: pinger calls ponger by call alias; without ponger it answers 500 with the host error', async () => {
  const pinger = await host.startActor(modules.pinger);
  const missing = await http(pinger.id, '/');
  assert.equal(missing.status, 500);
  assert.match(missing.body, /^Host send error .*stratus\/ponger/);
  const ponger = await host.startActor(modules.ponger);
  assert.equal(ponger.callAlias, 'stratus/ponger');
  // ponger speaks the generated interface: empty input, bare msgpack string output
  assert.equal(PingpongCodec.Ping.decodeOutput(await host.call('stratus/ponger', 'Pingpong.Ping', new Uint8Array(0))), 'pong');
  const r = await http(pinger.id, '/');
  assert.deepEqual([r.status, r.body], [200, 'Ping pong']);
});

test('c-echo (clang, no SDK): echoes method, path, query and body; unknown ops are guest errors', async () => {
  const c = await host.startActor(modules['c-echo']);
  const r = await http(c.id, '/x', { method: 'PUT', queryString: 'a=1', body: new TextEncoder().encode('hello') });
  assert.deepEqual([r.status, r.body], [200, 'PUT /x?a=1\nhello']);
  assert.equal(Buffer.from(await host.call(c.id, 'Actor.HealthRequest', Uint8Array.of(0x80))).toString('hex'), '81a76865616c746879c3');
  await assert.rejects(host.call(c.id, 'Nope.Nope', new Uint8Array(0)), (e) => isStratusError(e, 'GUEST_ERROR') && /method not handled Nope\.Nope/.test(e.message));
  // and the actor keeps serving
  assert.equal((await http(c.id, '/again')).status, 200);
});
