// Observing a host (issue 12 item 5): typed events and a telemetry sink, and observing does not
// switch the fast path off (an `invocation_failed` listener used to send every call through the
// promise path).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { isStratusError } from '../../src/core/errors.js';
import type { Outcome, TelemetrySink } from '../../src/host/events.js';
import { hostCallPayload, signedFixture, testHost, text, utf8 } from '../support/fixtures.js';

const records: { kind: string; actor: string; what: string; outcome: Outcome }[] = [];
const sink: TelemetrySink = {
  invocation: (actor, operation, outcome) => records.push({ kind: 'invocation', actor, what: operation, outcome }),
  hostCall: (actor, contract, _op, outcome) => records.push({ kind: 'hostCall', actor, what: contract, outcome }),
};
const { host } = testHost({ telemetry: sink });
after(() => host.shutdown());

test('with an invocation_failed listener, an inline call still answers without a promise, and failures are reported', async () => {
  const echo = await host.startActor(await signedFixture('echo', { name: 'observed-echo' }));
  const trap = await host.startActor(await signedFixture('trap', { name: 'observed-trap' }));
  const failed: { operation: string; code?: string; dest: { public_key: string } }[] = [];
  host.events.on('invocation_failed', (e) => failed.push(e));

  const now = host.callNow(echo.id, 'Echo.Say', utf8('fast'));
  assert.ok(now instanceof Uint8Array, 'the fast path is still taken while someone listens');
  assert.equal(text(now), 'fast');

  const bad = host.callNow(trap.id, 'Trap.Now', new Uint8Array(0));
  await assert.rejects(Promise.resolve(bad), (e) => isStratusError(e, 'TRAP'));
  await new Promise((r) => setImmediate(r));
  assert.ok(failed.some((f) => f.operation === 'Trap.Now' && f.code === 'TRAP' && f.dest.public_key === trap.id), JSON.stringify(failed));

  assert.ok(records.some((r) => r.kind === 'invocation' && r.actor === echo.id && r.what === 'Echo.Say' && r.outcome === 'ok'));
  assert.ok(records.some((r) => r.kind === 'invocation' && r.actor === trap.id && r.outcome === 'TRAP'));
  await host.stopActor(echo.id);
  await host.stopActor(trap.id);
});

test('a denied host call reaches the telemetry sink with its code and the event with a reference', async () => {
  const caller = await host.startActor(await signedFixture('hostcall', { name: 'observed-caller' }));
  const failed: { ref?: string; code?: string; error: string }[] = [];
  const off = host.events.on('invocation_failed', (e) => failed.push(e));
  await assert.rejects(host.call(caller.id, 'Run', hostCallPayload('default', 'wasmcloud:keyvalue', 'KeyValue.Get')), (e) => isStratusError(e, 'GUEST_ERROR'));
  off();
  assert.ok(records.some((r) => r.kind === 'hostCall' && r.actor === caller.id && r.what === 'wasmcloud:keyvalue' && r.outcome === 'MISSING_CLAIM'));
  const denial = failed.find((f) => f.code === 'MISSING_CLAIM');
  assert.match(denial?.ref ?? '', /^[0-9a-f]{8}$/);
  assert.match(denial?.error ?? '', /observed-caller/);
  await host.stopActor(caller.id);
});
