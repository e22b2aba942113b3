// Traces (issue 15 item 3): a request with a W3C traceparent runs HTTP -> actor -> key-value; the
// spans reach an OTLP/HTTP receiver (a real server in the test, fed by the real exporter) as one
// trace under the incoming trace id, each span the child of the one before. On both lanes (a
// worker's host calls reach the dispatcher by another road), and across an actor-to-actor call.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createProvider } from '../../src/providers/registry.js';
import type { HttpServerProvider } from '../../src/providers/httpserver/provider.js';
import { tracingConfigFromEnv } from '../../src/observe/tracing/config.js';
import { CLI_ORIGIN } from '../../src/core/wire.js';
import { actorEntity } from '../../src/core/wire.js';
import { signedC, signedFixture, until, utf8 } from '../support/fixtures.js';
import { httpGet, observedHost } from './support.js';
import { KIND, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const receivers: OtlpReceiver[] = [];
after(async () => { for (const r of receivers) await r.close(); });

async function tracedHost(isolation: 'inline' | 'worker', sampler = 'parentbased_traceidratio', ratio = '0') {
  const receiver = await startOtlpReceiver();
  receivers.push(receiver);
  const tracing = tracingConfigFromEnv({
    OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'stratus-test',
    OTEL_TRACES_SAMPLER: sampler, OTEL_TRACES_SAMPLER_ARG: ratio,
  });
  const observed = observedHost({ tracing }, { isolation });
  return { ...observed, receiver };
}

const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');

function one(spans: ReceivedSpan[], pred: (s: ReceivedSpan) => boolean, what: string): ReceivedSpan {
  const found = spans.filter(pred);
  assert.equal(found.length, 1, `one ${what} span, got ${found.length}: ${JSON.stringify(spans.map((s) => s.name))}`);
  return found[0]!;
}

for (const lane of ['inline', 'worker'] as const) {
  test(`${lane} lane: HTTP -> actor -> key-value is one trace under the incoming traceparent, each span the child of the last`, async () => {
    const { host, obs, receiver, dispose } = await tracedHost(lane);
    try {
      const http = createProvider('httpserver') as HttpServerProvider;
      const kv = createProvider('keyvalue');
      await host.startProvider(http);
      await host.startProvider(kv);
      const counter = await host.startActor(await signedC('kvcounter', { name: 'kvcounter', caps: ['wasmcloud:httpserver', 'wasmcloud:keyvalue'] }));
      assert.equal(counter.lane, lane);
      await host.putLink({ actor_id: counter.id, provider_id: http.id, contract_id: http.contractId, link_name: 'default', values: { port: '0' } });
      await host.putLink({ actor_id: counter.id, provider_id: kv.id, contract_id: kv.contractId, link_name: 'default', values: { backend: 'memory' } });
      const port = http.listeners()[0]!.port;

      const traceId = hex(32);
      const parentId = hex(16);
      const r = await httpGet(port, '/traced', { traceparent: `00-${traceId}-${parentId}-01`, tracestate: 'vendor=abc' });
      assert.deepEqual([r.status, r.body], [200, '{"counter":1}']);
      await obs.tracer!.flush();
      await until(() => receiver.spans.length >= 3, 'three spans at the receiver');

      const spans = receiver.spans.filter((s) => s.traceId === traceId);
      assert.equal(spans.length, 3, JSON.stringify(receiver.spans.map((s) => [s.name, s.traceId])));
      const request = one(spans, (s) => s.name === 'GET', 'HTTP request');
      const invocation = one(spans, (s) => s.name === 'HttpServer.HandleRequest', 'invocation');
      const hostCall = one(spans, (s) => s.name === 'KeyValue.Increment', 'host call');
      assert.equal(request.parentSpanId, parentId, 'the request span is a child of the incoming traceparent');
      assert.equal(request.kind, KIND.SERVER);
      assert.equal(request.attributes['http.request.method'], 'GET');
      assert.equal(request.attributes['http.response.status_code'], 200);
      assert.equal(invocation.parentSpanId, request.spanId);
      assert.equal(invocation.attributes['stratus.actor.id'], counter.id);
      assert.equal(invocation.attributes['stratus.actor.name'], 'kvcounter');
      assert.equal(invocation.attributes['stratus.outcome'], 'ok');
      assert.equal(hostCall.parentSpanId, invocation.spanId);
      assert.equal(hostCall.kind, KIND.CLIENT);
      assert.equal(hostCall.attributes['stratus.contract'], 'wasmcloud:keyvalue');
      assert.equal(hostCall.attributes['stratus.link_name'], 'default');
      assert.equal(request.resource['service.name'], 'stratus-test');
      assert.equal(request.resource['stratus.host.id'], host.id);
      assert.deepEqual(receiver.rejected, []);

      // sampled 1 % of roots here at ratio 0: a request without a traceparent, or with an unsampled one, records nothing
      await httpGet(port, '/untraced');
      await httpGet(port, '/untraced', { traceparent: `00-${hex(32)}-${hex(16)}-00` });
      // a malformed traceparent starts a new (here unsampled) trace; the request is served as usual
      assert.equal((await httpGet(port, '/untraced', { traceparent: 'not-a-traceparent' })).status, 200);
      await obs.tracer!.flush();
      assert.equal(receiver.spans.length, 3, JSON.stringify(receiver.spans.map((s) => s.name)));
    } finally {
      await dispose();
    }
  });
}

test('an actor-to-actor call: the callee invocation is the child of the caller\'s host call; a failed call is marked', async () => {
  const { host, obs, receiver, dispose } = await tracedHost('inline', 'always_on');
  try {
    await host.startActor(await signedFixture('ponger', { name: 't-ponger', callAlias: 't/ponger' }));
    const pinger = await host.startActor(await signedFixture('pinger', { name: 't-pinger' }));
    const traceId = hex(32);
    const parentId = hex(16);
    await host.invoke({ origin: CLI_ORIGIN, target: actorEntity(pinger.id), operation: 'HttpServer.HandleRequest', msg: utf8('t/ponger'), id: '',
      traceContext: { traceparent: `00-${traceId}-${parentId}-01` } });
    await assert.rejects(host.invoke({ origin: CLI_ORIGIN, target: actorEntity(pinger.id), operation: 'X', msg: utf8('t/nobody'), id: '' }));
    await obs.tracer!.flush();
    await until(() => receiver.spans.length >= 5, 'five spans');

    const spans = receiver.spans.filter((s) => s.traceId === traceId);
    const caller = one(spans, (s) => s.name === 'HttpServer.HandleRequest' && s.attributes['stratus.actor.name'] === 't-pinger', 'caller invocation');
    const call = one(spans, (s) => s.kind === KIND.CLIENT, 'host call');
    const callee = one(spans, (s) => s.attributes['stratus.actor.name'] === 't-ponger', 'callee invocation');
    assert.equal(caller.parentSpanId, parentId);
    assert.equal(call.parentSpanId, caller.spanId);
    assert.equal(callee.parentSpanId, call.spanId);

    // always_on: a call without a trace context starts a new trace; its failure is on the span
    const failed = receiver.spans.filter((s) => s.traceId !== traceId);
    const root = one(failed, (s) => s.name === 'X', 'failed invocation');
    assert.equal(root.parentSpanId, undefined);
    assert.equal(root.status?.code, 2, 'status ERROR');
    assert.equal(root.attributes['stratus.outcome'], 'GUEST_ERROR');
  } finally {
    await dispose();
  }
});
