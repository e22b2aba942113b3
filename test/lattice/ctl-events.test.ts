// tier: full — starts nats-server
// Lattice events: CloudEvents 1.0 envelopes on wasmbus.evt / wasmbus.rpcevt, host_started,
// heartbeats (periodic and on ping), link events with source "n/a", invocation failures.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { fixture } from '../support/wat.js';
import {
  collect, echoActorFile, rawClient, requestText, startMember, startNats, watchEvents,
  type EventLog, type Member, type RunningServer,
} from './ctl-support.js';

const P = 'wasmbus.ctl.default';
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let nats: RunningServer;
let nc: NatsConnection;
let ev: EventLog;
let m: Member;
let dir: string;

before(async () => {
  nats = await startNats();
  nc = await rawClient(nats.url);
  ev = await watchEvents(nc);
  m = await startMember(nats.url, { labels: { zone: 'east' }, heartbeatMs: 300 });
  dir = mkdtempSync(join(tmpdir(), 'st-lctl-ev-'));
});

after(async () => {
  ev.close();
  await nc.close();
  await m.stop();
  await nats.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function checkEnvelope(e: any, type: string, source: string): void {
  assert.deepEqual(Object.keys(e).sort(), ['data', 'datacontenttype', 'id', 'source', 'specversion', 'time', 'type']);
  assert.equal(e.specversion, '1.0');
  assert.match(e.id, UUID4);
  assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.ok(Math.abs(Date.parse(e.time) - Date.now()) < 120_000, 'a current time');
  assert.equal(e.type, `com.wasmcloud.lattice.${type}`);
  assert.equal(e.source, source);
  assert.equal(e.datacontenttype, 'application/json');
  assert.equal(typeof e.data, 'object');
}

test('host_started when a host joins, with the CloudEvents envelope', async () => {
  const e = await ev.next((x) => x.type === 'com.wasmcloud.lattice.host_started' && x.source === m.host.id, 'host_started');
  checkEnvelope(e, 'host_started', m.host.id);
  assert.deepEqual(Object.keys(e.data).sort(), ['friendly_name', 'labels', 'uptime_seconds', 'version']);
  assert.deepEqual(e.data.labels, m.ctx.config.labels);
  const subject = ev.events.find((x) => x.json.id === e.id)!.subject;
  assert.equal(subject, 'wasmbus.evt.default');
});

test('a heartbeat arrives on ping.hosts, and every heartbeat interval', async () => {
  const before = ev.events.length;
  const pings = await collect(nc, `${P}.ping.hosts`, '', 500);
  assert.equal(pings.length, 1);
  const hb = await ev.next((x) => x.type === 'com.wasmcloud.lattice.host_heartbeat' && ev.events.findIndex((y) => y.json === x) >= before, 'heartbeat after ping');
  checkEnvelope(hb, 'host_heartbeat', m.host.id);
  assert.deepEqual(Object.keys(hb.data).sort(), ['actors', 'friendly_name', 'labels', 'providers', 'uptime_human', 'uptime_seconds', 'version']);
  assert.deepEqual(hb.data.actors, {});
  assert.deepEqual(hb.data.providers, []);
  // the member beats every 300 ms (30 s by default): more arrive without pings
  const count = () => ev.events.filter((x) => x.json.type === 'com.wasmcloud.lattice.host_heartbeat').length;
  const now = count();
  const end = Date.now() + 10_000;
  while (count() < now + 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  assert.ok(count() >= now + 2, 'periodic heartbeats');
});

test('heartbeat data lists running actors (by count) and providers', async () => {
  const { path, id } = await echoActorFile(dir, 'beating');
  assert.equal(await requestText(nc, `${P}.cmd.${m.host.id}.la`, `{"actor_ref":"file://${path}","count":2}`), '{"accepted":true,"error":""}');
  const hb = await ev.next((x) => x.type === 'com.wasmcloud.lattice.host_heartbeat' && x.data.actors[id] === 2, 'heartbeat with the actor');
  assert.deepEqual(hb.data.actors, { [id]: 2 });
  // invocation failures go to wasmbus.rpcevt with wasmCloud's fields only (the explanation stays in the log)
  await assert.rejects(m.host.call(id, 'Fail.Now', new TextEncoder().encode('boom')));
  const failed = await ev.next((x) => x.type === 'com.wasmcloud.lattice.invocation_failed', 'invocation_failed');
  checkEnvelope(failed, 'invocation_failed', m.host.id);
  assert.equal(ev.events.find((x) => x.json.id === failed.id)!.subject, 'wasmbus.rpcevt.default');
  assert.deepEqual(failed.data, {
    source: { public_key: '__WASH__', contract_id: '', link_name: '' }, dest: { public_key: id, contract_id: '', link_name: '' }, operation: 'Fail.Now', bytes: 4,
  });
  assert.equal(await requestText(nc, `${P}.cmd.${m.host.id}.sa`, `{"actor_ref":"${id}","count":0}`), '{"accepted":true,"error":""}');
});

test('linkdef_set and linkdef_deleted carry source "n/a" and the link definition', async () => {
  const { id } = await echoActorFile(dir, 'linkevents');
  const provider = (await import('../../src/claims/nkeys.js')).createKeyPair('service').publicKey;
  await m.host.putLink({ actor_id: id, provider_id: provider, contract_id: 'wasmcloud:keyvalue', link_name: 'default', values: { a: 'b' } });
  const set = await ev.next((x) => x.type === 'com.wasmcloud.lattice.linkdef_set' && x.data.actor_id === id, 'linkdef_set');
  checkEnvelope(set, 'linkdef_set', 'n/a');
  assert.deepEqual(Object.keys(set.data).sort(), ['actor_id', 'contract_id', 'id', 'link_name', 'provider_id', 'values']);
  assert.deepEqual(set.data.values, { a: 'b' });
  await m.host.deleteLink(id, 'wasmcloud:keyvalue', 'default');
  const del = await ev.next((x) => x.type === 'com.wasmcloud.lattice.linkdef_deleted' && x.data.actor_id === id, 'linkdef_deleted');
  checkEnvelope(del, 'linkdef_deleted', 'n/a');
  assert.equal(del.data.id, set.data.id);
});

test('a failed start names its error code in a header for Stratus clients; the JSON stays wasmCloud\'s', async () => {
  const unsigned = join(dir, 'unsigned.wasm');
  writeFileSync(unsigned, await fixture('echo'));
  const ref = `file://${unsigned}`;
  assert.equal(await requestText(nc, `${P}.cmd.${m.host.id}.la`, `{"actor_ref":"${ref}"}`), '{"accepted":true,"error":""}');
  const failed = await ev.next((x) => x.type === 'com.wasmcloud.lattice.actor_start_failed' && x.data.actor_ref === ref, 'actor_start_failed');
  checkEnvelope(failed, 'actor_start_failed', m.host.id);
  assert.deepEqual(Object.keys(failed.data).sort(), ['actor_ref', 'error']);
  assert.match(failed.data.error, /claims/);
  assert.equal(ev.events.find((x) => x.json.id === failed.id)!.headers!['Stratus-Error-Code'], 'NO_CLAIMS');
});
