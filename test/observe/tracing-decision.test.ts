// The sampling decision is taken once where a trace enters a host and followed below it without
// being judged again (bench/observe.ts: what keeps 1 % sampling cheap). These tests hold the
// tracer to what that must not break: the context it passes on is plain W3C data on the wire, a
// decision travels to the next host (as the lattice carries it, in message headers), and another
// host's context is judged by that host's own sampler. Real tracers and the SDK's span pipeline,
// spans collected in memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { HostTracer } from '../../src/observe/tracing/host-tracer.js';
import { tracingConfigFromEnv } from '../../src/observe/tracing/config.js';
import { injectTraceHeaders, parseTraceparent, traceContextFromHeaders } from '../../src/observe/tracing/propagation.js';
import { actorEntity, CLI_ORIGIN, type Invocation } from '../../src/core/wire.js';
import { encodeInvocation, decodeInvocation } from '../../src/lattice/rpc/wire.js';

const ACTOR = `M${'A'.repeat(55)}`;

function tracer(sampler: string, ratio = '1') {
  const spans = new InMemorySpanExporter();
  const t = new HostTracer(tracingConfigFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: sampler, OTEL_TRACES_SAMPLER_ARG: ratio })!, { exporters: [spans] });
  t.start(`N${'B'.repeat(55)}`);
  return {
    t,
    async finished() { await t.flush(); return spans.getFinishedSpans(); },
  };
}

function invocation(traceContext: Record<string, string> | undefined, id = ''): Invocation {
  return { origin: CLI_ORIGIN, target: actorEntity(ACTOR), operation: 'HttpServer.HandleRequest', msg: new Uint8Array(0), id, ...(traceContext ? { traceContext } : {}) };
}

/** Through the lattice as the RPC sends it: traceparent/tracestate headers read back into a context. */
function overTheLattice(tc: Record<string, string>): Record<string, string> {
  const headers = new Map<string, string>();
  injectTraceHeaders(tc, (k, v) => headers.set(k, v));
  return traceContextFromHeaders((k) => headers.get(k))!;
}

test('an unsampled request: its invocation and host calls pass the same unsampled context on, as plain W3C fields', async () => {
  const a = tracer('parentbased_traceidratio', '0');
  try {
    const rt = a.t.request('GET', '/x', undefined, 'vendor=1', ACTOR);
    assert.equal(rt.end, undefined, 'nothing waits for the response of an unrecorded request');
    const tp = parseTraceparent(rt.traceContext.traceparent);
    assert.ok(tp, `a valid traceparent: ${rt.traceContext.traceparent}`);
    assert.equal(tp.sampled, false, 'the decision travels in the flags');
    const call = a.t.traceInvocation(invocation(rt.traceContext), ACTOR, 'a')!;
    const hostCall = a.t.traceHostCall(call, ACTOR, 'default', 'wasmcloud:keyvalue', 'KeyValue.Get')!;
    assert.equal(hostCall.traceContext.traceparent, rt.traceContext.traceparent, 'the same context all the way down');
    // on the wire (the lattice's msgpack, JSON) it is exactly the two W3C fields
    assert.deepEqual(Object.keys(hostCall.traceContext), ['traceparent', 'tracestate']);
    assert.deepEqual(JSON.parse(JSON.stringify(hostCall.traceContext)), { traceparent: rt.traceContext.traceparent, tracestate: 'vendor=1' });
    const back = decodeInvocation(encodeInvocation({ ...invocation(hostCall.traceContext), encoded_claims: '', host_id: 'N' }));
    assert.deepEqual(back.traceContext, { traceparent: rt.traceContext.traceparent, tracestate: 'vendor=1' });
    // without tracestate the key is absent, not undefined (the wire would refuse a nil)
    const bare = a.t.request('GET', '/x', undefined, undefined, ACTOR);
    assert.deepEqual(Object.keys(bare.traceContext), ['traceparent']);
    a.t.ended(hostCall, 'ok');
    a.t.ended(call, 'ok');
    // with an invocation id (for the log) the call still forwards the same context
    const withId = a.t.traceInvocation(invocation(bare.traceContext, 'inv-1'), ACTOR, 'a')!;
    assert.equal(withId.invocationId, 'inv-1');
    assert.equal(withId.traceContext.traceparent, bare.traceContext.traceparent);
    assert.deepEqual(await a.finished(), []);
  } finally {
    await a.t.shutdown();
  }
});

test('a sampled request on one host and its key-value call on the next are one trace (the context crosses as headers)', async () => {
  const a = tracer('parentbased_traceidratio', '0');
  const b = tracer('parentbased_traceidratio', '0');
  try {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const rt = a.t.request('GET', '/x', `00-${traceId}-00f067aa0ba902b7-01`, 'congo=t61', ACTOR);
    const call = a.t.traceInvocation(invocation(rt.traceContext), ACTOR, 'a')!;
    const hostCall = a.t.traceHostCall(call, ACTOR, 'default', 'wasmcloud:keyvalue', 'KeyValue.Get')!;
    const remote = b.t.traceInvocation(invocation(overTheLattice(hostCall.traceContext)), ACTOR, 'b')!;
    b.t.ended(remote, 'ok');
    a.t.ended(hostCall, 'ok');
    a.t.ended(call, 'ok');
    rt.end!(200);
    const [sa, sb] = [await a.finished(), await b.finished()];
    const req = sa.find((s) => s.name === 'GET')!;
    const inv = sa.find((s) => s.name === 'HttpServer.HandleRequest')!;
    const kv = sa.find((s) => s.name === 'KeyValue.Get')!;
    assert.equal(sa.length, 3);
    assert.equal(sb.length, 1, 'the next host follows the sampled flag');
    for (const s of [...sa, ...sb]) assert.equal(s.spanContext().traceId, traceId);
    assert.equal(req.parentSpanContext?.spanId, '00f067aa0ba902b7');
    assert.equal(inv.parentSpanContext?.spanId, req.spanContext().spanId);
    assert.equal(kv.parentSpanContext?.spanId, inv.spanContext().spanId);
    assert.equal(sb[0]!.parentSpanContext?.spanId, kv.spanContext().spanId, 'the remote invocation is the child of the host call');
    assert.equal(sb[0]!.spanContext().traceState?.serialize(), 'congo=t61');
  } finally {
    await a.t.shutdown();
    await b.t.shutdown();
  }
});

test('an unsampled decision crosses to the next host; a context another host made is judged by this host\'s sampler', async () => {
  const a = tracer('parentbased_traceidratio', '0');
  const follows = tracer('parentbased_always_on');
  const own = tracer('always_on');
  try {
    const rt = a.t.request('GET', '/x', undefined, undefined, ACTOR);
    const call = a.t.traceInvocation(invocation(rt.traceContext), ACTOR, 'a')!;
    // over the lattice, a parent-based host follows the unsampled flag
    follows.t.ended(follows.t.traceInvocation(invocation(overTheLattice(call.traceContext)), ACTOR, 'b'), 'ok');
    // two hosts in one process: the context object itself reaches the other host; it decides for itself
    const judged = own.t.traceInvocation(invocation(call.traceContext), ACTOR, 'c')!;
    own.t.ended(judged, 'ok');
    assert.deepEqual(await a.finished(), []);
    assert.deepEqual(await follows.finished(), []);
    const spans = await own.finished();
    assert.equal(spans.length, 1, 'always_on records a child of an unsampled parent');
    assert.equal(spans[0]!.spanContext().traceId, parseTraceparent(rt.traceContext.traceparent)!.traceId);
  } finally {
    await a.t.shutdown();
    await follows.t.shutdown();
    await own.t.shutdown();
  }
});

test('after the tracer shut down, a sampled context passes on without new spans', async () => {
  const a = tracer('always_on');
  const rt = a.t.request('GET', '/x', undefined, undefined, ACTOR);
  await a.t.shutdown();
  const call = a.t.traceInvocation(invocation(rt.traceContext), ACTOR, 'a')!;
  assert.equal(call.traceContext.traceparent, rt.traceContext.traceparent);
  a.t.ended(call, 'ok'); // must not throw nor end a span
  rt.end!(200);
});
