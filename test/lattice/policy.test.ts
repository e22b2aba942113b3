// tier: full — starts nats-server -js and builds AssemblyScript actors
// The policy service (reference §4.10): the host asks before starting actors and providers; an
// actor behind the messaging provider answers (examples/policy-service, as wasmCloud's example
// policy actor); decisions are cached and replaced by the changes topic; no responders and
// timeouts deny with the reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { buildCached, ROOT } from '../sdk/build-cache.js';
import { startNats, type RunningServer } from '../support/servers.js';
import { testHost, signedFixture, type LogLine } from '../support/fixtures.js';
import { createProvider } from '../../src/providers/registry.js';
import { isStratusError } from '../../src/core/errors.js';
import { PolicyService } from '../../src/lattice/policy.js';
import { createKeyPair } from '../../src/claims/nkeys.js';
import type { Host } from '../../src/host/host.js';

const TOPIC = 'wasmcloud.policy.evaluator';
const CHANGES = 'wasmcloud.policy.changes';
let nats: RunningServer;
let host: Host;
let logs: LogLine[];
let nc: NatsConnection;
let spy: NatsConnection;
let policy: PolicyService;
const asked: { action: string; target: string; requestId: string }[] = [];
const hostInfo = { publicKey: 'NHOST', issuer: 'CISSUER', latticeId: 'default', labels: {}, clusterIssuers: [] };

before(async () => {
  nats = await startNats();
  ({ host, logs } = testHost());
  nc = await connect({ servers: nats.url });
  spy = await connect({ servers: nats.url });
  // watch the questions (a plain subscriber, not a queue member: it never answers)
  spy.subscribe(TOPIC, { callback: (_e, m) => { const r = JSON.parse(new TextDecoder().decode(m.data)); asked.push({ action: r.action, target: r.target.publicKey, requestId: r.requestId }); } });
  await spy.flush();
  // the policy service itself starts before the host asks anyone
  const { wasm } = await buildCached(join(ROOT, 'examples', 'policy-service'));
  const policyActor = await host.startActor(wasm);
  const messaging = await host.startProvider(createProvider('messaging'));
  await host.putLink({ actor_id: policyActor.id, provider_id: messaging.id, contract_id: 'wasmcloud:messaging', link_name: 'default', values: { SUBSCRIPTION: TOPIC, URI: nats.url } });
  policy = new PolicyService(nc, { topic: TOPIC, changesTopic: CHANGES, timeoutMs: 1000, host: hostInfo, log: (level, text) => logs.push({ level, text }) });
  host.usePolicy(policy);
});
after(async () => {
  host?.usePolicy(undefined);
  policy?.close();
  await host?.shutdown();
  await nc?.close();
  await spy?.close();
  await nats?.dispose();
});

test('an actor the policy permits starts; the request carried wasmCloud\'s fields; the decision is cached', async () => {
  const before = asked.length;
  const module = await signedFixture('echo', { caps: ['wasmcloud:builtin:logging'] });
  const a = await host.startActor(module);
  await spy.flush();
  assert.equal(asked.length, before + 1);
  assert.deepEqual(asked.at(-1)!.action, 'start_actor');
  assert.equal(asked.at(-1)!.target, a.id);
  await host.stopActor(a.id);
  await host.startActor(module);
  await spy.flush();
  assert.equal(asked.length, before + 1, 'the second start used the cached decision');
});

let denied: Uint8Array;
test('an actor the policy denies does not start, and the error gives the policy\'s reason', async () => {
  denied = await signedFixture('hostcall', { caps: ['wasmcloud:httpclient'] });
  await assert.rejects(host.startActor(denied), (e) => isStratusError(e) && /Policy denied start actor of M[A-Z0-9]+: the HTTP client capability is not allowed on this lattice/.test(e.message));
  assert.ok(!host.inventory().actors.some((x) => x.caps.includes('wasmcloud:httpclient')));
});

test('a decision published on the changes topic replaces the cached one', async () => {
  const module = denied;
  const req = asked.filter((x) => x.action === 'start_actor').at(-1)!;
  nc.publish(CHANGES, JSON.stringify({ requestId: req.requestId, permitted: true }));
  await nc.flush();
  let started;
  for (let i = 0; i < 50 && !started; i++) {
    started = await host.startActor(module).catch(() => undefined);
    if (!started) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(started, 'permitted after the change');
  await host.stopActor(started.id);
});

test('an update to a module the policy denies is refused with the policy\'s reason; the running revision keeps serving', async () => {
  const subject = createKeyPair('module').seed;
  const v1 = await host.startActor(await signedFixture('echo', { name: 'echo-upd', subject, rev: 1, caps: ['wasmcloud:builtin:logging'] }));
  const v2 = await signedFixture('echo', { name: 'echo-upd', subject, rev: 2, caps: ['wasmcloud:httpclient'] });
  await assert.rejects(host.updateActor(v2), (e) => isStratusError(e) && /Policy denied start actor of M[A-Z0-9]+: the HTTP client capability is not allowed on this lattice/.test(e.message));
  const running = host.inventory().actors.find((x) => x.id === v1.id)!;
  assert.equal(running.revision, 1);
  assert.equal(new TextDecoder().decode(await host.call(v1.id, 'Echo.Say', new TextEncoder().encode('still'))), 'still');
  await assert.rejects(host.updateActor(v2, { count: 0 }), /instance count must be a whole number ≥ 1, got 0/);
  await host.stopActor(v1.id);
});

test('providers are asked about too: the httpclient provider is denied, messaging was permitted', async () => {
  await assert.rejects(host.startProvider(createProvider('httpclient')), /Policy denied start provider of V[A-Z0-9]+: the HTTP client capability/);
  assert.ok(asked.some((x) => x.action === 'start_provider'));
});

test('no responders and timeouts deny, each explained, and are not cached', async () => {
  const silent = new PolicyService(nc, { topic: 'policy.nobody', timeoutMs: 500, host: hostInfo, log: () => undefined });
  const src = { publicKey: 'MX', contractId: '', linkName: '', capabilities: [], issuer: 'A', issuedOn: '', expired: false };
  const tgt = { publicKey: 'MX', contractId: '', linkName: '', issuer: 'A' };
  await assert.rejects(silent.decide('start_actor', src, tgt), /no policy service subscribes to policy\.nobody \(no responders\); denied by default/);
  assert.equal(silent.cached('start_actor', src, tgt), undefined);
  const deaf = spy.subscribe('policy.deaf', { callback: () => undefined }); // subscribed, never answers
  await spy.flush();
  const slow = new PolicyService(nc, { topic: 'policy.deaf', timeoutMs: 300, host: hostInfo, log: () => undefined });
  await assert.rejects(slow.decide('start_actor', src, tgt), /did not answer within 300 ms; denied by default/);
  deaf.unsubscribe();
});

test('WASMCLOUD_POLICY_TOPIC / --policy-* settings reach the lattice config (timeout defaults to the RPC timeout)', async () => {
  const { readHostSettings } = await import('../../src/lattice/config.js');
  const s = readHostSettings({ WASMCLOUD_POLICY_TOPIC: 'wasmcloud.policy.evaluator', WASMCLOUD_POLICY_CHANGES_TOPIC: 'wasmcloud.policy.changes', WASMCLOUD_RPC_TIMEOUT_MS: '3000' }, {});
  assert.deepEqual(s.lattice?.policy, { topic: 'wasmcloud.policy.evaluator', changesTopic: 'wasmcloud.policy.changes', timeoutMs: 3000 });
  const f = readHostSettings({}, { policyTopic: 'p.t', policyTimeoutMs: '250' });
  assert.deepEqual(f.lattice?.policy, { topic: 'p.t', timeoutMs: 250 });
  assert.equal(readHostSettings({}, { latticePrefix: 'x' }).lattice?.policy, undefined);
});
