// Metrics (issue 15 item 2): a host runs actors that answer, trap, make a refused host call, run
// out of time and move between lanes, and serves HTTP with a key-value backend; /metrics, scraped
// over HTTP, has exactly the series and values those calls make.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '@msgpack/msgpack';
import { isStratusError } from '../../src/core/errors.js';
import { createProvider } from '../../src/providers/registry.js';
import type { HttpServerProvider } from '../../src/providers/httpserver/provider.js';
import { serveMetrics } from '../../src/observe/metrics/metrics-server.js';
import { hostCallPayload, signedC, signedFixture, utf8 } from '../support/fixtures.js';
import { httpGet, observedHost, parseExposition } from './support.js';

const observed = observedHost({ metrics: true }, { rpcTimeoutMs: 1500 });
const { host, obs } = observed;
after(() => observed.dispose());

async function scrape(): Promise<{ series: Map<string, number>; text: string; contentType: string | null }> {
  const server = await serveMetrics(obs.metrics!, { host: '127.0.0.1', port: 0 });
  try {
    const res = await fetch(server.url);
    assert.equal(res.status, 200);
    const text = await res.text();
    return { series: parseExposition(text), text, contentType: res.headers.get('content-type') };
  } finally {
    await server.close();
  }
}

test('/metrics counts invocations by outcome, host calls by contract and outcome, lane moves, HTTP statuses and key-value operations by backend', async () => {
  const echo = await host.startActor(await signedFixture('echo', { name: 'm-echo' }));
  const trap = await host.startActor(await signedFixture('trap', { name: 'm-trap' }));
  const caller = await host.startActor(await signedFixture('hostcall', { name: 'm-caller' })); // no capability claims
  const looper = await host.startActor(await signedFixture('loop', { name: 'm-loop' }));

  assert.equal(new TextDecoder().decode(await host.call(echo.id, 'Echo.Say', utf8('a'))), 'a');
  await host.call(echo.id, 'Echo.Say', utf8('b'));
  await assert.rejects(host.call(echo.id, 'Fail', utf8('no')), (e) => isStratusError(e, 'GUEST_ERROR'));
  await assert.rejects(host.call(trap.id, 'Trap.Now', new Uint8Array(0)), (e) => isStratusError(e, 'TRAP'));
  await assert.rejects(host.call(caller.id, 'Run', hostCallPayload('default', 'wasmcloud:keyvalue', 'KeyValue.Get')), (e) => isStratusError(e, 'GUEST_ERROR'));
  // stopped by its fuel checks at a deadline shorter than the time slice: stays inline
  await assert.rejects(host.call(looper.id, 'Loop', new Uint8Array(0), undefined, { timeoutMs: 30 }), (e) => isStratusError(e, 'TIMEOUT'));
  // holds the host thread past its slice: moves to worker threads, re-run there, stopped at the deadline
  await assert.rejects(host.call(looper.id, 'Loop', new Uint8Array(0)), (e) => isStratusError(e, 'TIMEOUT'));

  const http = createProvider('httpserver') as HttpServerProvider;
  const kv = createProvider('keyvalue');
  await host.startProvider(http);
  await host.startProvider(kv);
  const counter = await host.startActor(await signedC('kvcounter', { name: 'm-counter', caps: ['wasmcloud:httpserver', 'wasmcloud:keyvalue'] }));
  await host.putLink({ actor_id: counter.id, provider_id: http.id, contract_id: http.contractId, link_name: 'default', values: { port: '0' } });
  await host.putLink({ actor_id: counter.id, provider_id: kv.id, contract_id: kv.contractId, link_name: 'default', values: { backend: 'memory' } });
  const port = http.listeners()[0]!.port;
  assert.deepEqual(await httpGet(port, '/a').then((r) => [r.status, r.body]), [200, '{"counter":1}']);
  assert.deepEqual(await httpGet(port, '/a').then((r) => [r.status, r.body]), [200, '{"counter":2}']);
  // without its key-value link the actor answers 500 (its host call is refused: MISSING_LINK)
  await host.deleteLink(counter.id, 'wasmcloud:keyvalue');
  assert.equal((await httpGet(port, '/a')).status, 500);
  // a direct key-value call through the host-call fixture, on lmdb
  const kvCaller = await host.startActor(await signedFixture('hostcall', { name: 'm-kv', caps: ['wasmcloud:keyvalue'] }));
  await host.putLink({ actor_id: kvCaller.id, provider_id: kv.id, contract_id: kv.contractId, link_name: 'default', values: {} });
  await host.call(kvCaller.id, 'Run', hostCallPayload('default', 'wasmcloud:keyvalue', 'KeyValue.Set', encode({ key: 'k', value: 'v', expires: 0 })));

  const { series, contentType } = await scrape();
  assert.equal(contentType, 'text/plain; version=0.0.4; charset=utf-8');
  const s = (name: string, labels: Record<string, string>) => {
    const key = `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
    assert.ok(series.has(key), `missing series ${key}`);
    return series.get(key);
  };

  assert.equal(s('stratus_host_info', { host_id: host.id }), 1);
  assert.equal(s('stratus_actor_info', { actor: echo.id, name: 'm-echo' }), 1);
  assert.equal(s('stratus_actor_instances', { actor: echo.id, lane: 'inline' }), 1);
  assert.equal(s('stratus_actor_instances', { actor: looper.id, lane: 'worker' }), 1);

  assert.equal(s('stratus_invocations_total', { actor: echo.id, operation: 'Echo.Say', outcome: 'ok' }), 2);
  assert.equal(s('stratus_invocations_total', { actor: echo.id, operation: 'Fail', outcome: 'GUEST_ERROR' }), 1);
  assert.equal(s('stratus_invocations_total', { actor: trap.id, operation: 'Trap.Now', outcome: 'TRAP' }), 1);
  assert.equal(s('stratus_invocations_total', { actor: trap.id, operation: 'Trap.Now', outcome: 'ok' }), 0);
  assert.equal(s('stratus_invocations_total', { actor: caller.id, operation: 'Run', outcome: 'GUEST_ERROR' }), 1);
  assert.equal(s('stratus_invocations_total', { actor: looper.id, operation: 'Loop', outcome: 'TIMEOUT' }), 2);
  assert.equal(s('stratus_invocations_total', { actor: counter.id, operation: 'HttpServer.HandleRequest', outcome: 'ok' }), 3);
  assert.equal(s('stratus_invocation_duration_seconds_count', { actor: echo.id, operation: 'Echo.Say' }), 2);
  assert.equal(s('stratus_invocation_duration_seconds_bucket', { actor: echo.id, operation: 'Echo.Say', le: '+Inf' }), 2);
  assert.equal(s('stratus_invocation_duration_seconds_count', { actor: looper.id, operation: 'Loop' }), 2);
  // the deadline is 1.5 s: the moved call took at least that long, the inline one at least 30 ms
  assert.equal(s('stratus_invocation_duration_seconds_bucket', { actor: looper.id, operation: 'Loop', le: '0.025' }), 0);
  assert.equal(s('stratus_invocation_duration_seconds_bucket', { actor: looper.id, operation: 'Loop', le: '1' }), 1);
  assert.ok(s('stratus_invocation_duration_seconds_sum', { actor: looper.id, operation: 'Loop' })! >= 1.5);

  assert.equal(s('stratus_host_calls_total', { actor: caller.id, contract: 'wasmcloud:keyvalue', outcome: 'MISSING_CLAIM' }), 1);
  assert.equal(s('stratus_host_calls_total', { actor: counter.id, contract: 'wasmcloud:keyvalue', outcome: 'ok' }), 2);
  assert.equal(s('stratus_host_calls_total', { actor: counter.id, contract: 'wasmcloud:keyvalue', outcome: 'MISSING_LINK' }), 1);
  assert.equal(s('stratus_lane_moves_total', { actor: looper.id, from: 'inline', to: 'worker' }), 1);

  assert.equal(s('stratus_http_requests_total', { actor: counter.id, status: '200' }), 2);
  assert.equal(s('stratus_http_requests_total', { actor: counter.id, status: '500' }), 1);
  assert.equal(s('stratus_keyvalue_operations_total', { backend: 'memory', operation: 'KeyValue.Increment', outcome: 'ok' }), 2);
  assert.equal(s('stratus_keyvalue_operations_total', { backend: 'lmdb', operation: 'KeyValue.Set', outcome: 'ok' }), 1);
  // the refused call never reached a backend: not counted as a key-value operation
  assert.equal([...series.keys()].filter((k) => k.startsWith('stratus_keyvalue_operations_total')).length, 2);

  assert.equal(s('stratus_provider_healthy', { provider: http.id, name: 'httpserver', link_name: 'default' }), 1);
  assert.equal(s('stratus_provider_healthy', { provider: kv.id, name: 'keyvalue', link_name: 'default' }), 1);
  // never labelled by request path
  assert.ok(![...series.keys()].some((k) => k.includes('/a')));
});

test('operation names a caller chooses are bounded per actor', async () => {
  const echo = await host.startActor(await signedFixture('echo', { name: 'm-many' }));
  for (let i = 0; i < 80; i++) await host.call(echo.id, `Op${i}`, utf8('x'));
  const { series } = await scrape();
  const ops = [...series.keys()].filter((k) => k.startsWith(`stratus_invocations_total{actor="${echo.id}"`));
  assert.equal(ops.length, 65, '64 operations, then one series for the rest');
  assert.equal(series.get(`stratus_invocations_total{actor="${echo.id}",operation="_other",outcome="ok"}`), 16);
});

test('/metrics answers only GET and HEAD on /metrics, and a taken port is a clear error', async () => {
  const server = await serveMetrics(obs.metrics!, { host: '127.0.0.1', port: 0 });
  try {
    const root = await fetch(`http://127.0.0.1:${server.port}/`);
    assert.equal(root.status, 404);
    assert.match(await root.text(), /served at \/metrics/);
    const post = await fetch(server.url, { method: 'POST' });
    assert.equal(post.status, 405);
    await assert.rejects(serveMetrics(obs.metrics!, { host: '127.0.0.1', port: server.port }),
      (e) => isStratusError(e, 'BAD_REQUEST') && /already in use/.test(e.message) && /--metrics HOST:PORT/.test(e.message));
  } finally {
    await server.close();
  }
});
