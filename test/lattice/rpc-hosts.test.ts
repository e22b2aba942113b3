// tier: full — starts nats-server
// Several Hosts in one process on one real nats-server (-js), joined with only the rpc component:
// actor → actor by key and by call alias, actor → a real keyvalue provider on another host, load
// shared by a queue group, unknown targets, 1 MiB payloads through the object store both ways,
// draining, trace context, and the route's lifecycle.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { Objm } from '@nats-io/obj';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { decode, encode } from '../../src/codec/msgpack.js';
import { isStratusError, type StratusError } from '../../src/core/errors.js';
import { actorEntity, providerEntity, type Invocation, type LinkDefinition } from '../../src/core/wire.js';
import type { Host } from '../../src/host/host.js';
import type { CapabilityProvider } from '../../src/host/provider-contract.js';
import { createProvider } from '../../src/providers/registry.js';
import { startNats, type RunningServer } from '../support/servers.js';
import { hostCallPayload, signedC, signedFixture, testHost, text, until, utf8 } from '../support/fixtures.js';
import { httpGet as get } from '../support/http.js';
import type { HttpServerProvider } from '../../src/providers/httpserver/provider.js';
import { join, MemoryDirectory, type Member } from './rpc-support.js';

let nats: RunningServer;
const dirs: string[] = [];
const cluster = createKeyPair('cluster');
let prefixSeq = 0;

before(async () => { nats = await startNats(); });
after(async () => {
  await nats?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function newHost(): Host {
  const dataDir = mkdtempSync(pathJoin(tmpdir(), 'stratus-rpc-'));
  dirs.push(dataDir);
  return testHost({ dataDir }).host;
}

/** `n` hosts joined to a fresh lattice (its own prefix) with one directory and cluster key. */
async function lattice(n: number, o: { rpcTimeoutMs?: number } = {}) {
  const prefix = `rpct${++prefixSeq}`;
  const directory = new MemoryDirectory();
  const members: Member[] = [];
  for (let i = 0; i < n; i++) members.push(await join(newHost(), nats.url, { prefix, clusterKey: cluster, directory, rpcTimeoutMs: o.rpcTimeoutMs }));
  return {
    prefix, directory, members,
    async close() {
      for (const m of members) {
        await m.leave().catch(() => undefined);
        await m.host.shutdown();
      }
    },
  };
}

function served(host: Host): { ops: string[]; sources: string[] } {
  const out = { ops: [] as string[], sources: [] as string[] };
  host.events.on('invocation_succeeded', (e) => { out.ops.push(e.operation); out.sources.push(e.source.public_key); });
  return out;
}

async function rejection(p: Promise<unknown>): Promise<StratusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isStratusError(e), `expected a StratusError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

test('an actor on host A calls an actor on host B by public key and by call alias', async () => {
  const l = await lattice(2);
  const [a, b] = l.members as [Member, Member];
  try {
    const pinger = await a.host.startActor(await signedFixture('pinger'));
    const ponger = await b.host.startActor(await signedFixture('ponger', { callAlias: 'wasmcloud/ponger' }));
    l.directory.addFrom(b.host);
    await b.rpc.flushed();
    const onB = served(b.host);
    assert.equal(a.host.runsActor(ponger.id), false);

    const byKey = await a.host.call(pinger.id, 'Pingpong.Ping', utf8(ponger.id));
    assert.deepEqual([...byKey], [0xa4, ...utf8('pong')]);
    const byAlias = await a.host.call(pinger.id, 'Pingpong.Ping', utf8('wasmcloud/ponger'));
    assert.deepEqual([...byAlias], [0xa4, ...utf8('pong')]);
    // both went over the lattice, from the pinger on A
    assert.deepEqual(onB.ops, ['Pingpong.Ping', 'Pingpong.Ping']);
    assert.deepEqual(onB.sources, [pinger.id, pinger.id]);
    // the CLI path (host.call) by alias resolves through the directory too
    assert.deepEqual([...await a.host.call('wasmcloud/ponger', 'Pingpong.Ping', new Uint8Array(0))], [0xa4, ...utf8('pong')]);
  } finally {
    await l.close();
  }
});

test('an actor on host A calls a real keyvalue provider on host B (link on both hosts); an unlinked actor is refused there', async () => {
  const l = await lattice(2);
  const [a, b] = l.members as [Member, Member];
  try {
    const kv = createProvider('keyvalue');
    await b.host.startProvider(kv);
    const actor = await a.host.startActor(await signedFixture('hostcall', { caps: ['wasmcloud:keyvalue'] }));
    const link = { actor_id: actor.id, provider_id: kv.id, contract_id: kv.contractId, link_name: 'default', values: { backend: 'memory' } };
    await b.host.putLink(link);
    await a.host.putLink(link);
    await b.rpc.flushed();
    const onB = served(b.host);
    const inc = (value: number) => a.host.call(actor.id, 'Run', hostCallPayload('default', 'wasmcloud:keyvalue', 'KeyValue.Increment', encode({ key: 'lattice', value })));
    assert.equal(decode(await inc(5)), 5);
    assert.equal(decode(await inc(2)), 7);
    assert.deepEqual(onB.ops, ['KeyValue.Increment', 'KeyValue.Increment']);
    assert.equal(a.host.inventory().providers.length, 0, 'A runs no provider: the increments ran on B');

    // a second actor linked on A only: B's provider refuses it, as a wasmbus-rpc provider does
    const other = await a.host.startActor(await signedFixture('hostcall', { caps: ['wasmcloud:keyvalue'], name: 'other' }));
    await a.host.putLink({ ...link, actor_id: other.id });
    const failures: string[] = [];
    b.host.events.on('invocation_failed', (e) => failures.push(e.error));
    const e = await rejection(a.host.call(other.id, 'Run', hostCallPayload('default', 'wasmcloud:keyvalue', 'KeyValue.Increment', encode({ key: 'x', value: 1 }))));
    assert.match(e.message, new RegExp(`unlinked actor: '${other.id}'`));
    assert.equal(failures.length, 1);
    assert.match(failures[0]!, /unlinked actor/);
  } finally {
    await l.close();
  }
});

test('an actor running on two hosts shares the calls of a third (queue group per actor)', async () => {
  const l = await lattice(3);
  const [a, b, c] = l.members as [Member, Member, Member];
  try {
    const module = await signedFixture('echo');
    const echo = await b.host.startActor(module);
    await c.host.startActor(module);
    l.directory.addFrom(b.host);
    await b.rpc.flushed();
    await c.rpc.flushed();
    const onB = served(b.host);
    const onC = served(c.host);
    const N = 40;
    const replies = await Promise.all(Array.from({ length: N }, (_, i) => a.host.call(echo.id, 'Echo', utf8(`call ${i}`))));
    assert.deepEqual(replies.map(text), Array.from({ length: N }, (_, i) => `call ${i}`));
    assert.equal(onB.ops.length + onC.ops.length, N);
    assert.ok(onB.ops.length > 0 && onC.ops.length > 0, `both hosts served (B ${onB.ops.length}, C ${onC.ops.length})`);
  } finally {
    await l.close();
  }
});

test('a call to an actor or provider no host runs fails at once with an error naming it, the lattice and how to start it', async () => {
  const l = await lattice(1, { rpcTimeoutMs: 60_000 });
  const [a] = l.members as [Member];
  try {
    const nobody = createKeyPair('module').publicKey;
    const e = await rejection(a.host.call(nobody, 'Echo', utf8('x')));
    // a no-responders answer, not a timeout (the timeout here is a minute)
    assert.equal(e.code, 'ACTOR_NOT_RUNNING');
    assert.equal(e.notStarted, true);
    assert.match(e.message, new RegExp(`no host in lattice '${l.prefix}' runs actor ${nobody}`));
    assert.match(e.message, /stratus ctl start actor <module\.wasm> -x rpct\d+/);

    const alias = await rejection(a.host.call('nobody/here', 'Echo', utf8('x')));
    assert.equal(alias.code, 'UNKNOWN_TARGET');
    assert.match(alias.message, new RegExp(`Call alias not found: nobody/here on ${l.prefix}`));
    assert.match(alias.message, /stratus claims sign --call-alias nobody\/here/);

    // an actor's host call to an actor key nobody runs: the guest gets the error text
    const pinger = await a.host.startActor(await signedFixture('pinger'));
    const viaGuest = await rejection(a.host.call(pinger.id, 'Pingpong.Ping', utf8(nobody)));
    assert.match(viaGuest.message, new RegExp(`no host in lattice '${l.prefix}' runs actor ${nobody}`));

    // a provider linked but running nowhere
    const actor = await a.host.startActor(await signedFixture('hostcall', { caps: ['wasmcloud:keyvalue'] }));
    const provider = createKeyPair('service').publicKey;
    await a.host.putLink({ actor_id: actor.id, provider_id: provider, contract_id: 'wasmcloud:keyvalue', link_name: 'default', values: {} });
    const p = await rejection(a.host.call(actor.id, 'Run', hostCallPayload('default', 'wasmcloud:keyvalue', 'KeyValue.Get', encode('k'))));
    assert.match(p.message, new RegExp(`no host in lattice '${l.prefix}' runs provider ${provider} \\(wasmcloud:keyvalue, link name 'default'\\)`));
    assert.match(p.message, /stratus ctl start provider <name> --link-name default -x rpct\d+/);
  } finally {
    await l.close();
  }
});

test('1 MiB payloads travel through the object store both ways, and the objects are deleted', async () => {
  const l = await lattice(2);
  const [a, b] = l.members as [Member, Member];
  try {
    const echo = await b.host.startActor(await signedFixture('echo'));
    await b.rpc.flushed();
    const onB: number[] = [];
    b.host.events.on('invocation_succeeded', (e) => onB.push(e.bytes));
    const big = new Uint8Array(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    const reply = await a.host.call(echo.id, 'Echo', big);
    assert.equal(reply.length, big.length);
    assert.ok(Buffer.from(reply).equals(Buffer.from(big)), 'the echoed MiB is the same bytes');
    assert.deepEqual(onB, [big.length]);
    const os = await new Objm(a.nc).open(l.prefix);
    const left = (await os.list()).filter((o) => !o.deleted);
    assert.deepEqual(left.map((o) => o.name), [], 'request and response objects are gone');
  } finally {
    await l.close();
  }
});

test('an alias unknown at first is found once an actor with it starts elsewhere (a refusal is not cached)', async () => {
  const l = await lattice(2);
  const [a, b] = l.members as [Member, Member];
  try {
    const pinger = await a.host.startActor(await signedFixture('pinger'));
    const before = await rejection(a.host.call(pinger.id, 'Pingpong.Ping', utf8('wasmcloud/ponger')));
    assert.match(before.message, /Call alias not found: wasmcloud\/ponger/);
    await b.host.startActor(await signedFixture('ponger', { callAlias: 'wasmcloud/ponger' }));
    l.directory.addFrom(b.host);
    await b.rpc.flushed();
    assert.deepEqual([...await a.host.call(pinger.id, 'Pingpong.Ping', utf8('wasmcloud/ponger'))], [0xa4, ...utf8('pong')]);
  } finally {
    await l.close();
  }
});

/** A provider whose calls wait until the test opens the gate; it records what it was given. */
class GatedProvider implements CapabilityProvider {
  readonly id = createKeyPair('service').publicKey;
  readonly contractId = 'example:gated';
  readonly name = 'gated';
  readonly linkName = 'default';
  readonly seen: Invocation[] = [];
  private gate!: () => void;
  private opened = new Promise<void>((r) => { this.gate = r; });
  open(): void { this.gate(); }
  async start(): Promise<void> {}
  async putLink(): Promise<void> {}
  async deleteLink(): Promise<void> {}
  async handle(inv: Invocation): Promise<Uint8Array> {
    this.seen.push(inv);
    await this.opened;
    return utf8(`done ${inv.operation}`);
  }
  async health() { return { healthy: true, message: 'gate ok' }; }
  async shutdown(): Promise<void> {}
}

test('drain leaves the queue groups and resolves once the invocation in flight has answered', async () => {
  const l = await lattice(2);
  const [a, b] = l.members as [Member, Member];
  try {
    const gated = new GatedProvider();
    await b.host.startProvider(gated);
    const actor = await a.host.startActor(await signedFixture('hostcall', { caps: ['example:gated'] }));
    const link: Omit<LinkDefinition, 'id'> = { actor_id: actor.id, provider_id: gated.id, contract_id: gated.contractId, link_name: 'default', values: {} };
    await b.host.putLink(link);
    await a.host.putLink(link);
    await b.rpc.flushed();
    const order: string[] = [];
    b.host.events.on('invocation_succeeded', (e) => order.push(`B answered ${e.operation}`));
    const call = a.host.call(actor.id, 'Run', hostCallPayload('default', 'example:gated', 'Gated.Wait'));
    await until(() => gated.seen.length === 1, 'the call to reach the provider on B');
    const drained = b.rpc.drain!().then(() => order.push('drained'));
    // drain is waiting for the call in flight; nothing has answered yet
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(order, []);
    gated.open();
    await drained;
    assert.deepEqual(order, ['B answered Gated.Wait', 'drained']);
    assert.equal(text(await call), 'done Gated.Wait');
    // B left the queue group: a new call finds nobody
    const after = await rejection(a.host.call(actor.id, 'Run', hostCallPayload('default', 'example:gated', 'Gated.Wait')));
    assert.match(after.message, /no host in lattice '.*' runs provider/);
  } finally {
    await l.close();
  }
});

test('the trace context travels as the traceparent header and reaches the provider', async () => {
  const l = await lattice(2);
  const [a, b] = l.members as [Member, Member];
  try {
    const gated = new GatedProvider();
    gated.open();
    await b.host.startProvider(gated);
    const actorId = createKeyPair('module').publicKey;
    await b.host.putLink({ actor_id: actorId, provider_id: gated.id, contract_id: gated.contractId, link_name: 'default', values: {} });
    await b.rpc.flushed();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const inv: Invocation = {
      origin: actorEntity(actorId), target: providerEntity(gated.id, gated.contractId, 'default'), operation: 'Gated.Go', msg: utf8('x'), id: '',
      traceContext: { traceparent, tracestate: 'congo=t61rcWkgMzE' },
    };
    assert.equal(text(await a.rpc.route!.invoke(inv)), 'done Gated.Go');
    assert.deepEqual(gated.seen[0]!.traceContext, { traceparent, tracestate: 'congo=t61rcWkgMzE' });
    assert.equal(gated.seen[0]!.id, inv.id, 'the invocation id travels');
  } finally {
    await l.close();
  }
});

test('subscriptions follow actors and providers: the last instance leaves, a stopped component routes nothing', async () => {
  const l = await lattice(2);
  const [a, b] = l.members as [Member, Member];
  try {
    const echo = await b.host.startActor(await signedFixture('echo'), { count: 2 });
    const kv = createProvider('keyvalue');
    await b.host.startProvider(kv);
    const actorSubject = `wasmbus.rpc.${l.prefix}.${echo.id}`;
    const providerSubject = `wasmbus.rpc.${l.prefix}.${kv.id}.default`;
    assert.deepEqual(b.rpc.subjects().sort(), [actorSubject, providerSubject].sort());
    await b.host.scaleActor(echo.id, 1);
    assert.ok(b.rpc.subjects().includes(actorSubject), 'one instance left: still served');
    await b.host.stopActor(echo.id);
    await b.host.stopProvider(kv.id);
    assert.deepEqual(b.rpc.subjects(), []);
    await b.rpc.flushed();
    assert.equal((await rejection(a.host.call(echo.id, 'Echo', utf8('x')))).code, 'ACTOR_NOT_RUNNING');

    // an actor that was already running when the component started is served too
    await b.rpc.stop();
    const again = await b.host.startActor(await signedFixture('echo'));
    const fresh = await join(b.host, nats.url, { prefix: l.prefix, clusterKey: cluster, directory: l.directory });
    try {
      assert.deepEqual(fresh.rpc.subjects(), [`wasmbus.rpc.${l.prefix}.${again.id}`]);
      assert.equal(text(await a.host.call(again.id, 'Echo', utf8('hello'))), 'hello');
    } finally {
      await fresh.leave();
    }
    // A without its component: a target elsewhere is unknown again, said by the host itself
    await a.rpc.stop();
    assert.equal((await rejection(a.host.call(again.id, 'Echo', utf8('x')))).code, 'UNKNOWN_TARGET');
  } finally {
    await l.close();
  }
});


test('three hosts: HTTP on A → kvcounter on B → keyvalue on C, over real sockets (provider → actor and actor → provider across hosts)', async () => {
  const l = await lattice(3);
  const [a, b, c] = l.members as [Member, Member, Member];
  try {
    const http = createProvider('httpserver') as HttpServerProvider;
    await a.host.startProvider(http);
    const kv = createProvider('keyvalue');
    await c.host.startProvider(kv);
    const counter = await b.host.startActor(await signedC('kvcounter', { caps: ['wasmcloud:keyvalue', 'wasmcloud:httpserver'] }));
    const httpLink = { actor_id: counter.id, provider_id: http.id, contract_id: http.contractId, link_name: 'default', values: { port: '0' } };
    const kvLink = { actor_id: counter.id, provider_id: kv.id, contract_id: kv.contractId, link_name: 'default', values: { backend: 'memory' } };
    // no shared link store in this test: every host gets both links (the metadata engineer's bucket shares them)
    for (const m of [a, b, c]) {
      await m.host.putLink(httpLink);
      await m.host.putLink(kvLink);
    }
    for (const m of [a, b, c]) await m.rpc.flushed();
    const port = http.listeners()[0]!.port;
    assert.deepEqual(await get(port, '/bloggo'), { status: 200, body: '{"counter":1}' });
    assert.deepEqual(await get(port, '/bloggo'), { status: 200, body: '{"counter":2}' });
    assert.equal(a.host.inventory().actors.length, 0);
    assert.equal(b.host.inventory().providers.length, 0);
  } finally {
    await l.close();
  }
});

test('with a lattice joined, local calls keep the in-process fast path: an inline actor answers synchronously, a local provider serves its actor', async () => {
  const l = await lattice(2);
  const [a, b] = l.members as [Member, Member];
  try {
    const echo = await a.host.startActor(await signedFixture('echo'));
    const now = a.host.callNow(echo.id, 'Echo', utf8('here'));
    assert.ok(now instanceof Uint8Array, 'answered without a promise');
    assert.equal(text(now), 'here');
    // the same built-in provider (same key) on both hosts: A's actor uses A's, never B's
    const kvA = createProvider('keyvalue');
    const kvB = createProvider('keyvalue');
    await a.host.startProvider(kvA);
    await b.host.startProvider(kvB);
    const actor = await a.host.startActor(await signedFixture('hostcall', { caps: ['wasmcloud:keyvalue'] }));
    const link = { actor_id: actor.id, provider_id: kvA.id, contract_id: kvA.contractId, link_name: 'default', values: { backend: 'memory' } };
    await a.host.putLink(link);
    await b.host.putLink(link);
    await b.rpc.flushed();
    const onB = served(b.host);
    for (let i = 1; i <= 10; i++) {
      assert.equal(decode(await a.host.call(actor.id, 'Run', hostCallPayload('default', 'wasmcloud:keyvalue', 'KeyValue.Increment', encode({ key: 'local', value: 1 })))), i);
    }
    assert.deepEqual(onB.ops, []);
  } finally {
    await l.close();
  }
});
