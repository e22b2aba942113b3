// Every host call reaches the telemetry sink once, with its outcome, link name and duration: a
// successful builtin or provider call as well as a refused or failed one (before this, only
// denied and failed host calls were reported, so "host calls by contract and outcome" could not
// count the successful ones).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '@msgpack/msgpack';
import { createProvider } from '../../src/providers/registry.js';
import type { Outcome, TelemetrySink } from '../../src/host/events.js';
import { hostCallPayload, signedFixture, testHost } from '../support/fixtures.js';

interface Seen { actor: string; contract: string; operation: string; outcome: Outcome; linkName?: string; seconds?: number }
const seen: Seen[] = [];
const sink: TelemetrySink = {
  hostCall: (actor, contract, operation, outcome, linkName, seconds) => seen.push({ actor, contract, operation, outcome, linkName, seconds }),
};
const { host } = testHost({ telemetry: sink });
after(() => host.shutdown());

test('successful builtin and provider host calls reach the telemetry sink with outcome ok', async () => {
  const kv = createProvider('keyvalue');
  await host.startProvider(kv);
  const actor = await host.startActor(await signedFixture('hostcall', { name: 'hc-ok', caps: ['wasmcloud:builtin:numbergen', 'wasmcloud:keyvalue'] }));
  await host.putLink({ actor_id: actor.id, provider_id: kv.id, contract_id: kv.contractId, link_name: 'default', values: { backend: 'memory' } });

  await host.call(actor.id, 'Run', hostCallPayload('default', 'wasmcloud:builtin:numbergen', 'NumberGen.Random32'));
  await host.call(actor.id, 'Run', hostCallPayload('default', 'wasmcloud:keyvalue', 'KeyValue.Increment', encode({ key: 'k', value: 1 })));

  const mine = seen.filter((s) => s.actor === actor.id);
  assert.deepEqual(mine.map((s) => [s.contract, s.operation, s.outcome, s.linkName]), [
    ['wasmcloud:builtin:numbergen', 'NumberGen.Random32', 'ok', 'default'],
    ['wasmcloud:keyvalue', 'KeyValue.Increment', 'ok', 'default'],
  ]);
  for (const s of mine) assert.ok(typeof s.seconds === 'number' && s.seconds >= 0, `a duration in seconds: ${s.seconds}`);
  await host.stopActor(actor.id);
});

test('a failed provider host call is reported once, with the failure code', async () => {
  const actor = await host.startActor(await signedFixture('hostcall', { name: 'hc-bad', caps: ['wasmcloud:keyvalue'] }));
  const kv = host.inventory().providers.find((p) => p.name === 'keyvalue')!;
  await host.putLink({ actor_id: actor.id, provider_id: kv.id, contract_id: kv.contractId, link_name: 'default', values: { backend: 'memory' } });
  await assert.rejects(host.call(actor.id, 'Run', hostCallPayload('default', 'wasmcloud:keyvalue', 'KeyValue.NoSuchThing')));
  const mine = seen.filter((s) => s.actor === actor.id);
  assert.deepEqual(mine.map((s) => [s.contract, s.operation, s.outcome]), [['wasmcloud:keyvalue', 'KeyValue.NoSuchThing', 'BAD_REQUEST']]);
  await host.stopActor(actor.id);
});
