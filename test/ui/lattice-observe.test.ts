// The pure parts behind the lattice dashboard's observe extension: the request's fields, the reply's
// shape from a host's inventory, the failure ring and the log cursor, and how the dashboard merges
// its hosts' answers (traffic with a host per row and gaps, lanes/limits or "not reported", health
// from answers or events, a link's status per host and its summary).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureRing, observeReply, observeSubject, parseObserveRequest, type ObserveReply, type ObservedFailure } from '../../src/lattice/control/observe-reply.js';
import { LogStream } from '../../src/observe/logs/log-stream.js';
import { healthKey, logOfHost, mergeTraffic, observedActor, observedLink, observedProvider } from '../../src/ui/lattice-observe.js';
import { RateMeter } from '../../src/ui/traffic.js';
import type { ActorRow, LatticeHostRow, LinkRow } from '../../src/ui/snapshot.js';
import type { HostInventory } from '../../src/host/api.js';

const enc = (s: string) => new TextEncoder().encode(s);
const host = (id: string, friendlyName = `h-${id}`): LatticeHostRow => ({ id, friendlyName, labels: {}, version: '1', startedAt: 0 });

function reply(over: Partial<ObserveReply> = {}): ObserveReply {
  return { host_id: 'NA', stratus_observe: 1, calls: null, failures: [], failures_cursor: 0, actors: [], providers: [], links: [], logs: [], log_cursor: 0, log_missed: 0, ...over };
}

test('observe requests: an empty body asks for everything kept; wrong fields are refused by name', () => {
  assert.equal(observeSubject('wasmbus.ctl.default', 'NX'), 'wasmbus.ctl.default.stratus.observe.NX');
  assert.deepEqual(parseObserveRequest(new Uint8Array()), {});
  assert.deepEqual(parseObserveRequest(enc('{"log_after":3,"failures_after":0,"health":true}')), { log_after: 3, failures_after: 0, health: true });
  assert.throws(() => parseObserveRequest(enc('{"log_after":-1}')), /field "log_after" must be a whole number from 0/);
  assert.throws(() => parseObserveRequest(enc('{"health":"yes"}')), /field "health" must be true or false, got "yes"/);
  assert.throws(() => parseObserveRequest(enc('{"since":1}')), /unknown field "since"/);
});

test('an observe reply carries lanes, limits, health when asked, and link status as the host sees them', () => {
  const inv: HostInventory = {
    hostId: 'NA', uptimeSeconds: 5,
    actors: [{ id: 'MA', name: 'kv', count: 2, instances: 1, lane: 'worker', maxInstances: 8, maxMemoryPages: 256 } as HostInventory['actors'][number]],
    providers: [{ id: 'VP', name: 'keyvalue', contractId: 'wasmcloud:keyvalue', linkName: 'default' }],
    links: [{ id: 'l1', actor_id: 'MA', provider_id: 'VP', contract_id: 'wasmcloud:keyvalue', link_name: 'default', values: {}, status: { state: 'failed', reason: 'bad URL' } }],
  };
  const r = observeReply({ hostId: 'NA', inventory: inv, failures: { records: [], cursor: 0 }, health: [{ id: 'VP', name: 'keyvalue', contractId: 'wasmcloud:keyvalue', linkName: 'default', healthy: false, message: 'store closed' }] });
  assert.deepEqual(r.actors, [{ id: 'MA', count: 2, instances: 1, lane: 'worker', max_instances: 8, max_memory_pages: 256 }]);
  assert.deepEqual(r.providers, [{ id: 'VP', link_name: 'default', contract_id: 'wasmcloud:keyvalue', healthy: false, health: 'store closed' }]);
  assert.deepEqual(r.links, [{ actor_id: 'MA', provider_id: 'VP', contract_id: 'wasmcloud:keyvalue', link_name: 'default', state: 'failed', reason: 'bad URL' }]);
  assert.equal(r.calls, null, 'no figures: the host keeps none');
  assert.equal(r.logs, null, 'no logger');
  const noHealth = observeReply({ hostId: 'NA', inventory: inv, failures: { records: [], cursor: 0 } });
  assert.deepEqual(noHealth.providers, [{ id: 'VP', link_name: 'default', contract_id: 'wasmcloud:keyvalue' }]);
});

test('failure ring and log stream: a poller gets what came after its cursor, once', () => {
  const f = (n: number): ObservedFailure => ({ time: 't', source: 'S', dest: `D${n}`, operation: 'Op', error: 'e', code: 'C', ref: '' });
  const ring = new FailureRing(3);
  assert.deepEqual(ring.after(0), { records: [], cursor: 0 });
  ring.push(f(1)); ring.push(f(2));
  const a = ring.after(0);
  assert.deepEqual(a.records.map((x) => x.dest), ['D1', 'D2']);
  ring.push(f(3)); ring.push(f(4)); ring.push(f(5));
  const b = ring.after(a.cursor);
  assert.deepEqual(b.records.map((x) => x.dest), ['D3', 'D4', 'D5']);
  assert.deepEqual(ring.after(b.cursor).records, []);
  assert.deepEqual(ring.after(99).records.map((x) => x.dest), ['D3', 'D4', 'D5'], 'a cursor from a restarted host reads what is kept');

  const logs = new LogStream(4);
  const rec = (msg: string) => ({ time: 't', level: 'info' as const, msg });
  logs.push(rec('a')); logs.push(rec('b'));
  const l1 = logs.after(0);
  assert.deepEqual(l1.records.map((r) => r.msg), ['a', 'b']);
  assert.equal(l1.missed, 0);
  for (const m of ['c', 'd', 'e', 'f', 'g']) logs.push(rec(m));
  const l2 = logs.after(l1.cursor);
  assert.deepEqual(l2.records.map((r) => r.msg), ['d', 'e', 'f', 'g']);
  assert.equal(l2.missed, 1, '"c" was overwritten before it was read');
  const l3 = logs.after(l2.cursor, 10);
  assert.deepEqual(l3, { records: [], cursor: l2.cursor, missed: 0 });
  logs.push(rec('h')); logs.push(rec('i'));
  const l4 = logs.after(l3.cursor, 1);
  assert.deepEqual(l4.records.map((r) => r.msg), ['i']);
  assert.equal(l4.missed, 1, 'beyond the limit of one answer');
});

test('traffic of a lattice: every host\'s rows name it; a host without figures or without an answer is a gap', () => {
  const meter = new RateMeter();
  const figures = { operations: [{ actor: 'MA', operation: 'Op', count: 4, errors: 1, outcomes: { ok: 3, TIMEOUT: 1 }, p50Ms: 1, p99Ms: 2 }], hostCalls: [] };
  meter.tick(figures, 1000);
  const t = meter.tick({ ...figures, operations: [{ ...figures.operations[0]!, count: 10 }] }, 3000);
  assert.equal(t.operations[0]!.perSecond, 3);
  const merged = mergeTraffic([
    { host: host('NA'), reply: reply({ calls: figures }), traffic: t },
    { host: host('NB'), reply: reply() },
    { host: host('NC') },
  ]);
  assert.deepEqual(merged.operations.map((o) => [o.hostId, o.hostName, o.count, o.perSecond]), [['NA', 'h-NA', 10, 3]]);
  assert.deepEqual(merged.gaps, [{ hostId: 'NB', hostName: 'h-NB', reason: 'metrics-off' }, { hostId: 'NC', hostName: 'h-NC', reason: 'not-reported' }]);
});

test('actors, providers and links take what their hosts reported; a silent host\'s rows say so', () => {
  const row: ActorRow = { id: 'MA', name: 'kv', imageRef: '', callAlias: '', issuer: '', caps: [], tags: [], version: '', revision: 0, expires: '', notBefore: '', count: 1, instances: 1, maxInstances: 0, lane: '', maxMemoryPages: 0, hostId: 'NA' };
  const r = reply({ actors: [{ id: 'MA', count: 3, instances: 2, lane: 'worker', max_instances: 8, max_memory_pages: 16 }] });
  assert.deepEqual(observedActor(row, r), { ...row, count: 3, instances: 2, lane: 'worker', maxInstances: 8, maxMemoryPages: 16, reported: true });
  assert.equal(observedActor(row, undefined).reported, false);

  const prov = { id: 'VP', name: 'kv', contractId: 'c', linkName: 'default', hostId: 'NA' };
  const events = new Map([[healthKey('NA', 'VP', 'default'), { healthy: false, health: 'from an event' }]]);
  assert.deepEqual(observedProvider(prov, reply({ providers: [{ id: 'VP', link_name: 'default', contract_id: 'c', healthy: true, health: '' }] }), events), { ...prov, healthy: true, health: '' });
  assert.deepEqual(observedProvider(prov, undefined, events), { ...prov, healthy: false, health: 'from an event' }, 'a wasmCloud host: its health events');
  assert.deepEqual(observedProvider(prov, undefined, new Map()), prov, 'nothing known: unknown');

  const link: LinkRow = { id: 'l', actor_id: 'MA', provider_id: 'VP', contract_id: 'c', link_name: 'default', values: {}, status: { state: 'stored' } };
  const view = (state: string, reason?: string) => reply({ links: [{ actor_id: 'MA', provider_id: 'VP', contract_id: 'c', link_name: 'default', state, ...(reason ? { reason } : {}) }] });
  assert.deepEqual(observedLink(link, [{ host: host('NC') }]), link, 'no host said anything: stored');
  const active = observedLink(link, [{ host: host('NA'), reply: view('pending', 'waiting for provider VP') }, { host: host('NB'), reply: view('active') }]);
  assert.deepEqual(active.status, { state: 'active', reason: 'active on h-NB' });
  assert.deepEqual(active.hosts!.map((h) => [h.hostId, h.state]), [['NA', 'pending'], ['NB', 'active']]);
  const failed = observedLink(link, [{ host: host('NB'), reply: view('active') }, { host: host('NA'), reply: view('failed', 'bad URL') }]);
  assert.deepEqual(failed.status, { state: 'failed', reason: 'on h-NA: bad URL' });

  assert.equal(logOfHost({ time: 't', level: 'info', msg: 'm' }, 'NA').host, 'NA');
  assert.equal(logOfHost({ time: 't', level: 'info', msg: 'm', host: 'NZ' }, 'NA').host, 'NZ');
});
