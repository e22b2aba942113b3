// tier: full — starts nats-server
//
// A trace across two hosts of a lattice (real NATS, each host with its own tracer): an actor on
// one host calls an actor on the other by its call alias. A sampled incoming traceparent gives one
// trace whose remote invocation is the child of the caller's host call; a request this host chose
// not to sample carries that decision to the other host, which records nothing although it would
// sample a new trace of its own (parentbased_always_on).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { actorEntity, CLI_ORIGIN } from '../../src/core/wire.js';
import { tracingConfigFromEnv } from '../../src/observe/tracing/config.js';
import { startNats, type RunningServer } from '../support/servers.js';
import { signedFixture, text, utf8 } from '../support/fixtures.js';
import { join, MemoryDirectory, type Member } from '../lattice/rpc-support.js';
import { observedHost, type ObservedHost } from './support.js';

let nats: RunningServer;
before(async () => { nats = await startNats(); });
after(async () => { await nats?.dispose(); });

function traced(sampler: string, ratio: string) {
  const spans = new InMemorySpanExporter();
  const tracing = tracingConfigFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: sampler, OTEL_TRACES_SAMPLER_ARG: ratio });
  return { spans, observed: observedHost({ tracing, spanExporters: [spans] }) };
}

test('two hosts of a lattice: one trace under a sampled traceparent; an unsampled decision is followed by the next host', async () => {
  const a = traced('parentbased_traceidratio', '0');
  const b = traced('parentbased_always_on', '1');
  const directory = new MemoryDirectory();
  const cluster = createKeyPair('cluster');
  const members: Member[] = [];
  const hosts: ObservedHost[] = [a.observed, b.observed];
  try {
    for (const h of hosts) members.push(await join(h.host, nats.url, { prefix: 'tracelat', clusterKey: cluster, directory }));
    await b.observed.host.startActor(await signedFixture('ponger', { name: 'l-ponger', callAlias: 'l/ponger' }));
    const pinger = await a.observed.host.startActor(await signedFixture('pinger', { name: 'l-pinger' }));
    directory.addFrom(b.observed.host);
    directory.addFrom(a.observed.host);

    const traceId = '5bf92f3577b34da6a3ce929d0e0e4736';
    const call = (traceContext?: Record<string, string>) => a.observed.host.invoke({
      origin: CLI_ORIGIN, target: actorEntity(pinger.id), operation: 'HttpServer.HandleRequest', msg: utf8('l/ponger'), id: '', ...(traceContext ? { traceContext } : {}),
    });
    assert.match(text(await call({ traceparent: `00-${traceId}-00f067aa0ba902b7-01` })), /pong/i);
    await a.observed.obs.tracer!.flush();
    await b.observed.obs.tracer!.flush();
    const sa = a.spans.getFinishedSpans(), sb = b.spans.getFinishedSpans();
    assert.equal(sa.length, 2, `the caller's invocation and host call: ${sa.map((s) => s.name).join(', ')}`);
    assert.equal(sb.length, 1, `the callee's invocation: ${sb.map((s) => s.name).join(', ')}`);
    const hostCall = sa.find((s) => s.kind === 2 /* CLIENT */)!;
    const caller = sa.find((s) => s !== hostCall)!;
    for (const s of [...sa, ...sb]) assert.equal(s.spanContext().traceId, traceId);
    assert.equal(caller.parentSpanContext?.spanId, '00f067aa0ba902b7');
    assert.equal(hostCall.parentSpanContext?.spanId, caller.spanContext().spanId);
    assert.equal(sb[0]!.parentSpanContext?.spanId, hostCall.spanContext().spanId, 'the remote invocation is the child of the host call');
    assert.equal(sb[0]!.attributes['stratus.actor.name'], 'l-ponger');

    // no traceparent: host A does not sample (ratio 0); host B would sample a new trace, but follows A
    a.spans.reset();
    b.spans.reset();
    assert.match(text(await call()), /pong/i);
    await a.observed.obs.tracer!.flush();
    await b.observed.obs.tracer!.flush();
    assert.deepEqual([a.spans.getFinishedSpans().length, b.spans.getFinishedSpans().length], [0, 0]);
  } finally {
    for (const m of members) await m.leave().catch(() => undefined);
    for (const h of hosts) await h.dispose();
  }
});
