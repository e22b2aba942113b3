// The pure parts of the control interface and of lattice-mode `stratus ctl`: instance
// annotations, request bodies, references, positional arguments, connection settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { add, expand, includesAll, InstanceBook, reconcile, scaleGroup, take } from '../../src/lattice/control/instance-book.js';
import { parseLaunchActor, parseLinkDel, parseStopActor, parseStopHost } from '../../src/lattice/control/commands.js';
import { providerArchiveRef, resolveActorRef, resolveProviderRef } from '../../src/lattice/control/references.js';
import { cloudEvent, eventName } from '../../src/lattice/control/cloud-event.js';
import { hostSubscriptions, subjectTokens } from '../../src/lattice/control/subjects.js';
import { sortArgs } from '../../src/cli/lattice/args.js';
import { isLatticeMode, latticeSettings } from '../../src/cli/lattice/options.js';
import { builtinProvider } from '../../src/providers/registry.js';

const enc = (s: string) => new TextEncoder().encode(s);

test('instance groups: add, take by annotations, scale one group, reconcile with the host count', () => {
  let g = add([], { app: 'a' }, 2);
  g = add(g, {}, 1);
  g = add(g, { app: 'a' }, 1);
  assert.deepEqual(g, [{ annotations: { app: 'a' }, count: 3 }, { annotations: {}, count: 1 }]);
  assert.ok(includesAll({ app: 'a', x: 'y' }, { app: 'a' }));
  assert.ok(!includesAll({ app: 'a' }, { app: 'b' }));
  assert.ok(includesAll({}, {}));
  const t = take(g, 2, { app: 'a' });
  assert.equal(t.stopped, 2);
  assert.deepEqual(t.groups, [{ annotations: { app: 'a' }, count: 1 }, { annotations: {}, count: 1 }]);
  assert.deepEqual(take(g, 0, {}), { groups: [], stopped: 4 }, 'count 0 and no annotations: everything');
  assert.equal(take(g, 5, { app: 'z' }).stopped, 0);
  assert.deepEqual(scaleGroup(g, { app: 'a' }, 1), [{ annotations: {}, count: 1 }, { annotations: { app: 'a' }, count: 1 }]);
  assert.deepEqual(scaleGroup(g, { app: 'a' }, 0), [{ annotations: {}, count: 1 }]);
  // more instances than the book knows: the rest are untagged; fewer: untagged go first, then the newest
  assert.deepEqual(reconcile(g, 6), [{ annotations: { app: 'a' }, count: 3 }, { annotations: {}, count: 3 }]);
  assert.deepEqual(reconcile(g, 2), [{ annotations: { app: 'a' }, count: 2 }]);
  assert.deepEqual(expand([{ annotations: { a: '1' }, count: 2 }]), [{ a: '1' }, { a: '1' }]);
});

test('instance book: annotations for the next starts of an image ref, then none; each start booked as it happens', () => {
  const b = new InstanceBook();
  b.expectStarts('file:///x', { app: 'a' }, 2);
  assert.deepEqual(b.nextStart('file:///x', 'MX'), { app: 'a' });
  // booked at its actor_started, before the start command returns (an inventory in between shows it)
  assert.deepEqual(b.groups('MX', 1), [{ annotations: { app: 'a' }, count: 1 }]);
  assert.deepEqual(b.nextStart('file:///x', 'MX'), { app: 'a' });
  assert.deepEqual(b.nextStart('file:///x', 'MX'), {});
  assert.equal(b.finishStarts('file:///x', { app: 'a' }, 2), 0, 'both were booked by their events');
  assert.deepEqual(b.groups('MX', 2), [{ annotations: { app: 'a' }, count: 2 }]);
  // a start that returns before its events: what they did not book is left to the caller
  b.expectStarts('file:///z', { app: 'c' }, 3);
  b.nextStart('file:///z', 'MZ');
  assert.equal(b.finishStarts('file:///z', { app: 'c' }, 3), 2);
  assert.deepEqual(b.nextStart('file:///z', 'MZ'), {}, 'the expectation ended');
  assert.equal(b.finishStarts('file:///w', {}, 4), 4, 'untagged starts are never expected');
  b.expectStarts('file:///y', { app: 'b' }, 3);
  b.cancelStarts('file:///y', { app: 'b' });
  assert.deepEqual(b.nextStart('file:///y', 'MY'), {});
});

test('request bodies: defaults, null as absent, strict fields', () => {
  assert.deepEqual(parseLaunchActor(enc('{"actor_ref":"file:///a.wasm","annotations":null}')), { actorRef: 'file:///a.wasm', count: 1, hostId: undefined, annotations: {} });
  assert.deepEqual(parseStopActor(enc(`{"actor_ref":"M${'A'.repeat(55)}","host_id":"N"}`)).count, 0);
  assert.deepEqual(parseStopHost(new Uint8Array()), {});
  assert.deepEqual(parseLinkDel(enc(`{"actor_id":"M${'A'.repeat(55)}","contract_id":"wasmcloud:x"}`)), { actorId: `M${'A'.repeat(55)}`, contractId: 'wasmcloud:x', linkName: 'default' });
  assert.throws(() => parseLaunchActor(enc('{"actor_ref":"x","extra":1}')), /unknown field "extra"/);
  assert.throws(() => parseLaunchActor(enc(`{"actor_ref":"${'x'.repeat(9000)}"}`)), /longer than 8192 characters/);
  assert.throws(() => parseLaunchActor(enc('{"actor_ref":"x","count":0}')), /from 1 to 65535, got 0/);
});

test('references: file:// only when allowed and absolute; built-in providers by name, id or published image', () => {
  assert.deepEqual(resolveActorRef('file:///tmp/a_s.wasm', true), { kind: 'file', path: '/tmp/a_s.wasm' });
  assert.throws(() => resolveActorRef('file:///tmp/a_s.wasm', false), /WASMCLOUD_ALLOW_FILE_LOAD=true/);
  assert.deepEqual(resolveActorRef('wasmcloud.azurecr.io/echo:0.3.4', false), { kind: 'oci', reference: 'wasmcloud.azurecr.io/echo:0.3.4' });
  assert.throws(() => resolveActorRef('bindle://example.com/echo/0.1.0', true), /neither a file:\/\/ reference nor an OCI reference/);
  assert.throws(() => resolveActorRef('echo.wasm', true), /neither a file:\/\/ reference nor an OCI reference/);
  const http = builtinProvider('httpserver')!;
  assert.equal(resolveProviderRef('httpserver').id, http.id);
  assert.equal(resolveProviderRef(http.id).name, 'httpserver');
  assert.equal(resolveProviderRef('wasmcloud.azurecr.io/httpserver:0.17.0').id, http.id);
  assert.throws(() => resolveProviderRef('wasmcloud.azurecr.io/kvredis:0.19.0'), /names no built-in provider; a provider archive is started from an OCI reference/);
  // provider archives: any other OCI reference, or a file:// .par.gz when file loads are allowed
  assert.deepEqual(providerArchiveRef('wasmcloud.azurecr.io/kvredis:0.19.0', false), { kind: 'oci', reference: 'wasmcloud.azurecr.io/kvredis:0.19.0' });
  assert.deepEqual(providerArchiveRef('file:///srv/greeter.par.gz', true), { kind: 'file', path: '/srv/greeter.par.gz' });
  assert.equal(providerArchiveRef('httpserver', true), undefined);
  assert.equal(providerArchiveRef('wasmcloud.azurecr.io/httpserver:0.17.0', true), undefined);
  assert.throws(() => providerArchiveRef('file:///srv/greeter.par.gz', false), /WASMCLOUD_ALLOW_FILE_LOAD=true/);
  assert.throws(() => providerArchiveRef('file://build/greeter.par.gz', true), /must name an absolute path/);
  assert.throws(() => providerArchiveRef('file:///srv/echo.wasm', true), /does not name a provider archive/);
  assert.throws(() => resolveProviderRef('logging'), /unknown provider "logging"/);
});

test('subjects: the subscriptions OTP makes, and the tokens after the prefix', () => {
  const subs = hostSubscriptions('wasmbus.ctl.default', 'NHOST');
  assert.deepEqual(subs.filter((s) => s.queue).map((s) => s.subject), ['wasmbus.ctl.default.linkdefs.*', 'wasmbus.ctl.default.get.*']);
  assert.ok(subs.filter((s) => s.queue).every((s) => s.queue === 'wasmbus.ctl.default'));
  assert.deepEqual(subs.filter((s) => !s.queue).map((s) => s.subject).sort(), [
    'wasmbus.ctl.default.auction.>', 'wasmbus.ctl.default.cmd.NHOST.*', 'wasmbus.ctl.default.get.NHOST.inv', 'wasmbus.ctl.default.ping.hosts', 'wasmbus.ctl.default.registries.put',
  ]);
  assert.deepEqual(subjectTokens('wasmbus.ctl.default.cmd.N.la', 'wasmbus.ctl.default'), ['cmd', 'N', 'la']);
  assert.equal(subjectTokens('wasmbus.ctl.defaultx.ping.hosts', 'wasmbus.ctl.default'), undefined);
});

test('cloud events: envelope and event names', () => {
  const e = cloudEvent('host_started', 'NHOST', { a: 1 }, new Date('2026-01-02T03:04:05.678Z'), 'id-1');
  assert.deepEqual(e, { specversion: '1.0', id: 'id-1', time: '2026-01-02T03:04:05.678Z', type: 'com.wasmcloud.lattice.host_started', source: 'NHOST', datacontenttype: 'application/json', data: { a: 1 } });
  assert.equal(eventName(e.type), 'host_started');
  assert.equal(eventName('org.other.thing'), undefined);
});

test('ctl arguments are told apart by shape (wash order and Stratus order)', () => {
  const n = `N${'A'.repeat(55)}`, m = `M${'B'.repeat(55)}`, v = `V${'C'.repeat(55)}`;
  assert.deepEqual(sortArgs([n, m, 'file:///x.wasm', '3']), { hostIds: [n], actorIds: [m], providerIds: [], counts: [3], contractIds: [], other: ['file:///x.wasm'] });
  assert.deepEqual(sortArgs([v, 'default', 'wasmcloud:httpserver']), { hostIds: [], actorIds: [], providerIds: [v], counts: [], contractIds: ['wasmcloud:httpserver'], other: ['default'] });
});

test('lattice mode: chosen by a flag or WASMCLOUD_CTL_HOST / WASMCLOUD_LATTICE_PREFIX; settings as wash reads them', () => {
  assert.equal(isLatticeMode({}, {}), false);
  assert.equal(isLatticeMode({}, { WASMCLOUD_CTL_PORT: '4222' }), false, 'the port alone does not select it');
  assert.equal(isLatticeMode({ ctlPort: '4333' }, {}), true);
  assert.equal(isLatticeMode({}, { WASMCLOUD_LATTICE_PREFIX: 'blue' }), true);
  assert.deepEqual(latticeSettings({}, { WASMCLOUD_CTL_HOST: '10.0.0.1', WASMCLOUD_CTL_PORT: '4333', WASMCLOUD_LATTICE_PREFIX: 'blue' }),
    { server: 'nats://10.0.0.1:4333', lattice: 'blue', timeoutMs: 2000, timeoutGiven: false, jwt: undefined, seed: undefined, credsFile: undefined });
  assert.equal(latticeSettings({ ctlHost: 'nats://h:1' }, {}).server, 'nats://h:1');
  assert.equal(latticeSettings({ timeoutMs: '500' }, {}).timeoutGiven, true);
  assert.throws(() => latticeSettings({ ctlPort: '99999' }, {}), /at most 65535/);
  assert.throws(() => latticeSettings({ latticePrefix: 'a.b' }, {}), /one token of a NATS subject/);
  assert.throws(() => latticeSettings({ ctlJwt: 'x' }, {}), /--ctl-jwt needs --ctl-seed/);
  assert.throws(() => latticeSettings({ ctlCredsfile: 'f', ctlSeed: 's' }, {}), /either --ctl-credsfile or --ctl-seed/);
});
