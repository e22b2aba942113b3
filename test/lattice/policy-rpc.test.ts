// tier: full — starts nats-server
// The policy service is asked before each inbound invocation a host serves for the lattice
// (reference §4.10): host A calls actors on host B; B's policy service (a NATS responder on the
// policy topic) permits one actor and denies the other.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { isStratusError } from '../../src/core/errors.js';
import { PolicyService } from '../../src/lattice/policy.js';
import { startNats, type RunningServer } from '../support/servers.js';
import { signedFixture, testHost, text, utf8 } from '../support/fixtures.js';
import { join, MemoryDirectory } from './rpc-support.js';

let nats: RunningServer;
let nc: NatsConnection;
before(async () => { nats = await startNats(); nc = await connect({ servers: nats.url }); });
after(async () => { await nc?.close(); await nats?.dispose(); });

test('inbound invocations: a permitted actor is served, a denied one is refused with the policy\'s reason, decisions are cached', async () => {
  const cluster = createKeyPair('cluster');
  const directory = new MemoryDirectory();
  const a = await join(testHost().host, nats.url, { prefix: 'policyrpc', clusterKey: cluster, directory });
  const b = await join(testHost().host, nats.url, { prefix: 'policyrpc', clusterKey: cluster, directory });
  try {
    const allowed = await b.host.startActor(await signedFixture('echo'));
    const denied = await b.host.startActor(await signedFixture('echo'));
    directory.addFrom(b.host);
    await b.rpc.flushed();
    const questions: { action: string; target: string; source: string }[] = [];
    nc.subscribe('policy.rpc', {
      callback: (_e, m) => {
        const r = JSON.parse(new TextDecoder().decode(m.data));
        questions.push({ action: r.action, target: r.target.publicKey, source: r.source.publicKey });
        const permitted = r.target.publicKey !== denied.id;
        m.respond(JSON.stringify({ requestId: r.requestId, permitted, ...(permitted ? {} : { message: 'this actor is quarantined' }) }));
      },
    });
    await nc.flush();
    const policy = new PolicyService(b.nc, { topic: 'policy.rpc', timeoutMs: 1000, host: { publicKey: b.host.id, issuer: cluster.publicKey, latticeId: 'policyrpc', labels: {}, clusterIssuers: [] }, log: () => undefined });
    b.host.usePolicy(policy);

    assert.equal(text(await a.host.call(allowed.id, 'Echo', utf8('hi'))), 'hi');
    await assert.rejects(a.host.call(denied.id, 'Echo', utf8('hi')), (e) => isStratusError(e) && /Policy denied perform invocation of M[A-Z0-9]+ from __WASH__: this actor is quarantined/.test(e.message));
    assert.deepEqual(questions.map((q) => q.action), ['perform_invocation', 'perform_invocation']);
    assert.equal(questions[0]!.target, allowed.id);
    // the same calls again: answered from the cache, no new question
    assert.equal(text(await a.host.call(allowed.id, 'Echo', utf8('again'))), 'again');
    await assert.rejects(a.host.call(denied.id, 'Echo', utf8('again')), /quarantined/);
    assert.equal(questions.length, 2);
    policy.close();
  } finally {
    b.host.usePolicy(undefined);
    for (const m of [a, b]) { await m.leave().catch(() => undefined); await m.host.shutdown(); }
  }
});
