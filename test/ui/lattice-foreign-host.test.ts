// tier: full — nats-server, and a "host" that answers the control interface the way a wasmCloud
// OTP host does (ping, inventory, events) but has no Stratus observe extension.
//
// The lattice dashboard's source does not fail on such a host: its rows say "not reported" (lane
// and limits unknown, no figures: a gap), and its failed invocations are the ones it publishes on
// wasmbus.rpcevt (wasmCloud's fields), which the dashboard lists once the first poll found no
// observe extension there; its provider health comes from its health_check_* events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { LatticeCtlClient } from '../../src/lattice/control/client.js';
import { latticeSource } from '../../src/ui/lattice-source.js';
import type { Failure } from '../../src/ui/source.js';
import { startNats } from '../support/servers.js';
import { eventually } from './lattice-support.js';

const HOST = `N${'A'.repeat(55)}`;
const ACTOR = `M${'B'.repeat(55)}`;
const PROVIDER = `V${'C'.repeat(55)}`;
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const cloudEvent = (type: string, data: unknown) => ({ specversion: '1.0', id: String(Math.random()), source: HOST, type: `com.wasmcloud.lattice.${type}`, datacontenttype: 'application/json', time: new Date().toISOString(), data });

test('a host without the observe extension (a wasmCloud host) is shown as not reported; its rpcevt failures and health events are used', async () => {
  const nats = await startNats();
  const otp = await connect({ servers: nats.url });
  const nc = await connect({ servers: nats.url });
  try {
    const p = 'wasmbus.ctl.foreign';
    otp.subscribe(`${p}.ping.hosts`, { callback: (_e, m) => { m.respond(enc({ id: HOST, friendly_name: 'otp-host', labels: {}, uptime_seconds: 5, version: '0.63.0' })); } });
    otp.subscribe(`${p}.get.${HOST}.inv`, {
      callback: (_e, m) => { m.respond(enc({ host_id: HOST, labels: {}, actors: [{ id: ACTOR, name: 'echo', image_ref: 'x', instances: [{ instance_id: 'i', revision: 0, annotations: {} }] }], providers: [{ id: PROVIDER, name: 'kv', contract_id: 'wasmcloud:keyvalue', link_name: 'default', instance_id: 'p', annotations: {} }] })); },
    });
    otp.subscribe(`${p}.get.links`, { callback: (_e, m) => { m.respond(enc({ links: [] })); } });
    otp.subscribe(`${p}.get.claims`, { callback: (_e, m) => { m.respond(enc({ claims: [] })); } });
    await otp.flush();

    const client = new LatticeCtlClient(nc, { lattice: 'foreign', timeoutMs: 1000 });
    const source = latticeSource({ client, server: nats.url, sources: [] });
    const failures: Failure[] = [];
    const offFailures = source.failures((f) => failures.push(f));
    // a failure published before anyone polled: held until the first poll says what the host is
    await new Promise((r) => setTimeout(r, 300));
    otp.publish('wasmbus.rpcevt.foreign', enc(cloudEvent('invocation_failed', { source: { public_key: ACTOR, link_name: '', contract_id: '' }, dest: { public_key: '', link_name: 'default', contract_id: 'wasmcloud:keyvalue' }, operation: 'KeyValue.Get', bytes: 0 })));
    otp.publish('wasmbus.evt.foreign', enc(cloudEvent('health_check_failed', { public_key: PROVIDER, link_name: 'default' })));
    let changes = 0;
    const stopWatch = source.watch(() => { changes++; });
    try {
      await source.snapshot(); // pings: the poller now knows the host
      await eventually(async () => failures.length === 1, 'the host\'s rpcevt failure, once it is known not to answer', 15_000);
      assert.equal(failures[0]!.operation, 'KeyValue.Get');
      assert.equal(failures[0]!.source, ACTOR);

      const s = await source.snapshot();
      assert.equal(s.latticeHosts![0]!.observed, 'none');
      assert.equal(s.actors[0]!.reported, false, 'lane and limits: not reported');
      assert.deepEqual([s.providers[0]!.healthy, s.providers[0]!.hostId], [false, HOST], 'health from its health_check_failed event');
      const t = source.traffic!();
      assert.deepEqual(t.gaps, [{ hostId: HOST, hostName: 'otp-host', reason: 'not-reported' }]);
      assert.deepEqual(t.operations, []);
      assert.ok(changes > 0);
    } finally {
      stopWatch();
      offFailures();
    }
  } finally {
    await nc.close();
    await otp.close();
    await nats.dispose();
  }
});
