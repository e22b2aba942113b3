// tier: full — starts nats-server
// With telemetry on, a Messaging.Publish takes the general host-call path (not the borrowing one,
// src/host/dispatcher.ts hostCallBorrowing), so the sink sees every publish once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createProvider } from '../../src/providers/registry.js';
import type { Outcome, TelemetrySink } from '../../src/host/events.js';
import { MessagingCodec } from '../../src/codec/interfaces/messaging.js';
import { hostCallPayload, signedFixture, testHost } from '../support/fixtures.js';
import { startNats } from '../support/servers.js';

const seen: { actor: string; contract: string; operation: string; outcome: Outcome }[] = [];
const sink: TelemetrySink = { hostCall: (actor, contract, operation, outcome) => seen.push({ actor, contract, operation, outcome }) };
const { host } = testHost({ telemetry: sink });
after(() => host.shutdown());

test('a Messaging.Publish is counted once: with telemetry it takes the general path, not the borrowing one', async () => {
  const nats = await startNats();
  try {
    const msg = createProvider('messaging');
    await host.startProvider(msg);
    const actor = await host.startActor(await signedFixture('hostcall', { name: 'hc-pub', caps: ['wasmcloud:messaging'] }));
    await host.putLink({ actor_id: actor.id, provider_id: msg.id, contract_id: msg.contractId, link_name: 'default', values: { URI: nats.url } });
    for (let i = 0; i < 3; i++) {
      await host.call(actor.id, 'Run', hostCallPayload('default', 'wasmcloud:messaging', 'Messaging.Publish', MessagingCodec.Publish.encodeInput({ subject: 'tele.x', body: new Uint8Array([i]) })));
    }
    const mine = seen.filter((s) => s.actor === actor.id);
    assert.deepEqual(mine.map((s) => [s.contract, s.operation, s.outcome]), Array(3).fill(['wasmcloud:messaging', 'Messaging.Publish', 'ok']));
    await host.stopActor(actor.id);
  } finally {
    await nats.dispose();
  }
});
