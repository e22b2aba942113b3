// Host calls end to end: builtins, providers (claim + link + running provider), actor-to-actor,
// and the byte-exact kvcounter vectors of reference §6.2 produced by a C actor.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { signedFixture, signedC, testHost, utf8, text, hostCallPayload, until } from '../support/fixtures.js';
import { MemoryKv } from '../support/fixtures-provider.js';
import { decode, encode } from '../../src/codec/msgpack.js';
import { isStratusError } from '../../src/host/errors.js';
import { linkDefinitionId } from '../../src/claims/linkdef-id.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const { host, logs } = testHost();
after(() => host.shutdown());

const KV = 'wasmcloud:keyvalue';
// §6.2: HttpRequest for /bloggo, the Increment host-call payload and kvcounter's response
const REQUEST = Buffer.from('85a66d6574686f64a3474554a470617468a72f626c6f67676fab7175657279537472696e67a0a668656164657280a4626f6479c400', 'hex');
const INCREMENT = '82a36b6579af636f756e7465723a3a626c6f67676fa576616c756501';
const RESPONSE = '83a4626f6479c40d7b22636f756e746572223a317da668656164657280aa737461747573436f6465ccc8';

test('C kvcounter: exact §6.2 bytes through claim + link + provider', async () => {
  const kv = new MemoryKv();
  await host.startProvider(kv);
  const actor = await host.startActor(await signedC('kvcounter', { caps: [KV, 'wasmcloud:httpserver'] }));
  const link = await host.putLink({ actor_id: actor.id, provider_id: kv.id, contract_id: KV, link_name: 'default', values: { a: '1' } });
  assert.equal(link.id, linkDefinitionId(actor.id, KV, 'default'));
  assert.equal(kv.linkPuts.length, 1);

  const out = await host.call(actor.id, 'HttpServer.HandleRequest', REQUEST);
  assert.equal(hex(out), RESPONSE);
  assert.equal(kv.calls.length, 1);
  assert.equal(kv.calls[0]!.operation, 'KeyValue.Increment');
  assert.equal(hex(kv.calls[0]!.payload), INCREMENT);
  assert.equal(kv.calls[0]!.actorId, actor.id);

  // other integer encodings of the reply are accepted (§6.2): d2 00000001 -> counter 1
  kv.nextReply = Buffer.from('d200000007', 'hex');
  const again = decode<{ body: Uint8Array; statusCode: number }>(await host.call(actor.id, 'HttpServer.HandleRequest', REQUEST));
  assert.equal(text(again.body), '{"counter":7}');

  // same values: no-op; changed values: re-put
  await host.putLink({ actor_id: actor.id, provider_id: kv.id, contract_id: KV, link_name: 'default', values: { a: '1' } });
  assert.equal(kv.linkPuts.length, 1);
  await host.putLink({ actor_id: actor.id, provider_id: kv.id, contract_id: KV, link_name: 'default', values: { a: '2' } });
  assert.equal(kv.linkPuts.length, 2);
  assert.deepEqual(host.links().map((l) => l.values), [{ a: '2' }]);

  // unknown op -> guest error text from the C actor
  await assert.rejects(host.call(actor.id, 'HttpServer.Nope', REQUEST), (e) => isStratusError(e, 'GUEST_ERROR') && /method not handled HttpServer.Nope/.test(e.message));

  // delete the link: the actor now gets MISSING_LINK text through __host_error and answers 500
  await host.deleteLink(actor.id, KV);
  assert.equal(kv.linkDeletes.length, 1);
  const denied = decode<{ body: Uint8Array; statusCode: number }>(await host.call(actor.id, 'HttpServer.HandleRequest', REQUEST));
  assert.equal(denied.statusCode, 500);
  assert.match(text(denied.body), /^\{"error":"Host send error Invocation not authorized: missing link definition for wasmcloud:keyvalue on default/);
  await host.stopActor(actor.id);
  await host.stopProvider(kv.id);
});

test('provider calls: MISSING_CLAIM, MISSING_LINK, PROVIDER_NOT_RUNNING are distinct', async () => {
  const kv = new MemoryKv({ linkName: 'second' });
  await host.startProvider(kv);
  const noClaim = await host.startActor(await signedFixture('hostcall', { name: 'noclaim' }));
  const withClaim = await host.startActor(await signedFixture('hostcall', { name: 'withclaim', caps: [KV] }));
  const inc = hostCallPayload('second', KV, 'KeyValue.Increment', encode({ key: 'k', value: 2 }));

  await assert.rejects(host.call(noClaim.id, 'Run', inc), (e) => isStratusError(e, 'GUEST_ERROR')
    && e.message.startsWith('Invocation not authorized: missing capability claim for wasmcloud:keyvalue')
    && e.message.includes('stratus claims sign --keyvalue') && e.message.includes('(noclaim)'));
  await assert.rejects(host.call(withClaim.id, 'Run', inc), (e) => isStratusError(e, 'GUEST_ERROR')
    && e.message.startsWith('Invocation not authorized: missing link definition for wasmcloud:keyvalue on second')
    && e.message.includes('stratus ctl link put'));

  await host.putLink({ actor_id: withClaim.id, provider_id: kv.id, contract_id: KV, link_name: 'second', values: {} });
  assert.equal(decode(await host.call(withClaim.id, 'Run', inc)), 2);
  assert.equal(decode(await host.call(withClaim.id, 'Run', inc)), 4);
  assert.equal(kv.calls[0]!.linkName, 'second');
  // a link exists but no claim: still MISSING_CLAIM (a link never grants a capability)
  await host.stopProvider(kv.id, 'second');
  assert.equal(kv.shutdowns, 1);
  await assert.rejects(host.call(withClaim.id, 'Run', inc), (e) => isStratusError(e, 'GUEST_ERROR') && /provider V[A-Z2-7]+ for wasmcloud:keyvalue \(link name 'second'\) is not running/.test(e.message));
  // restarting the provider re-delivers its links
  await host.startProvider(kv);
  assert.equal(kv.linkPuts.length, 2);
  assert.equal(decode(await host.call(withClaim.id, 'Run', inc)), 6);
  // provider errors reach the guest
  await assert.rejects(host.call(withClaim.id, 'Run', hostCallPayload('second', KV, 'KeyValue.Frobnicate')), /memory-kv does not implement KeyValue.Frobnicate/);
  await host.stopProvider(kv.id);
});

test('putLink validates contract and provider, and provider rejections fail at put time', async () => {
  const kv = new MemoryKv();
  await host.startProvider(kv);
  const a = 'M' + 'A'.repeat(55);
  await assert.rejects(host.putLink({ actor_id: a, provider_id: kv.id, contract_id: 'wasmcloud:messaging', link_name: 'default', values: {} }),
    (e) => isStratusError(e, 'LINK_INVALID') && /implements wasmcloud:keyvalue, not wasmcloud:messaging/.test(e.message));
  await assert.rejects(host.putLink({ actor_id: a, provider_id: 'V' + 'B'.repeat(55), contract_id: KV, link_name: 'default', values: {} }),
    (e) => isStratusError(e, 'LINK_INVALID') && /is not running/.test(e.message));
  await assert.rejects(host.putLink({ actor_id: a, provider_id: kv.id, contract_id: KV, link_name: 'other', values: {} }),
    (e) => isStratusError(e, 'LINK_INVALID') && /--link-name default/.test(e.message));
  await assert.rejects(host.putLink({ actor_id: a, provider_id: kv.id, contract_id: KV, link_name: 'default', values: { reject: 'port in use' } }),
    (e) => isStratusError(e, 'LINK_INVALID') && /port in use/.test(e.message));
  assert.equal(host.links().filter((l) => l.actor_id === a).length, 0);
  await host.stopProvider(kv.id);
});

test('builtins: logging and numbergen need their claims', async () => {
  const withCaps = await host.startActor(await signedFixture('hostcall', { name: 'builtins', caps: ['wasmcloud:builtin:logging', 'wasmcloud:builtin:numbergen'] }));
  const without = await host.startActor(await signedFixture('hostcall', { name: 'nobuiltins' }));
  // the exact §2.5 LogEntry bytes
  const entry = Buffer.from('82a56c6576656ca56465627567a474657874a861206465627567' + '21', 'hex');
  const out = await host.call(withCaps.id, 'Run', hostCallPayload('default', 'wasmcloud:builtin:logging', 'Logging.WriteLog', entry));
  assert.equal(out.length, 0);
  // builtins run in the worker; their log lines reach the host log asynchronously
  await until(() => logs.some((l) => l.level === 'debug' && l.text === `[${withCaps.id}] a debug!`), 'WriteLog line');
  await host.call(withCaps.id, 'Run', hostCallPayload('default', 'wasmcloud:builtin:logging', 'Logging.WriteLog', encode({ level: 'shout', text: 'odd level' })));
  await until(() => logs.some((l) => l.level === 'debug' && l.text === `[${withCaps.id}] odd level`), 'unknown level logged at debug');

  const r32 = decode(await host.call(withCaps.id, 'Run', hostCallPayload('default', 'wasmcloud:builtin:numbergen', 'NumberGen.Random32')));
  assert.ok(typeof r32 === 'number' && r32 >= 0 && r32 <= 0xffffffff);
  const seen = new Set<unknown>();
  for (let i = 0; i < 60; i++) seen.add(decode(await host.call(withCaps.id, 'Run', hostCallPayload('default', 'wasmcloud:builtin:numbergen', 'NumberGen.RandomInRange', Buffer.from('82a36d696e05a36d617807', 'hex')))));
  assert.deepEqual([...seen].sort(), [5, 6, 7]); // inclusive on both ends
  assert.equal(decode(await host.call(withCaps.id, 'Run', hostCallPayload('default', 'wasmcloud:builtin:numbergen', 'NumberGen.RandomInRange', encode({ min: 9, max: 9 })))), 9);
  await assert.rejects(host.call(withCaps.id, 'Run', hostCallPayload('default', 'wasmcloud:builtin:numbergen', 'NumberGen.RandomInRange', encode({ min: 9, max: 1 }))), /min \(9\) is greater than max \(1\)/);
  await assert.rejects(host.call(withCaps.id, 'Run', hostCallPayload('default', 'wasmcloud:builtin:numbergen', 'NumberGen.Nope')), /has no operation NumberGen.Nope/);

  for (const ns of ['wasmcloud:builtin:logging', 'wasmcloud:builtin:numbergen']) {
    await assert.rejects(host.call(without.id, 'Run', hostCallPayload('default', ns, 'NumberGen.Random32', encode({ level: 'info', text: 'x' }))),
      (e) => isStratusError(e, 'GUEST_ERROR') && e.message.startsWith(`Invocation not authorized: missing capability claim for ${ns}`));
  }
  await host.stopActor(withCaps.id);
  await host.stopActor(without.id);
});

test('actor to actor: by call alias and by public key, no claim needed; unknown targets are clear', async () => {
  const ponger = await host.startActor(await signedFixture('ponger', { callAlias: 'wasmcloud/ponger' }));
  const pinger = await host.startActor(await signedFixture('pinger'));
  assert.equal(hex(await host.call(pinger.id, 'HttpServer.HandleRequest', utf8('wasmcloud/ponger'))), 'a4706f6e67');
  assert.equal(hex(await host.call(pinger.id, 'HttpServer.HandleRequest', utf8(ponger.id))), 'a4706f6e67');
  // the host API resolves aliases too
  assert.equal(decode(await host.call('wasmcloud/ponger', 'Pingpong.Ping', new Uint8Array(0))), 'pong');
  await assert.rejects(host.call(pinger.id, 'X', utf8('wasmcloud/nobody')),
    (e) => isStratusError(e, 'GUEST_ERROR') && e.message.startsWith('Call alias not found: wasmcloud/nobody'));
  const ghost = 'M' + 'Q'.repeat(55);
  await assert.rejects(host.call(pinger.id, 'X', utf8(ghost)), (e) => isStratusError(e, 'GUEST_ERROR') && e.message.includes(`no actor with public key ${ghost}`));
  await assert.rejects(host.call('wasmcloud/nobody', 'X', new Uint8Array(0)), (e) => isStratusError(e, 'UNKNOWN_TARGET'));
  await host.stopActor(ponger.id);
  await host.stopActor(pinger.id);
});

test('provider → actor calls need the actor to hold the provider contract claim', async () => {
  const kv = new MemoryKv({ contractId: 'wasmcloud:httpserver' });
  await host.startProvider(kv);
  const yes = await host.startActor(await signedFixture('echo', { name: 'http-echo', caps: ['wasmcloud:httpserver'] }));
  const no = await host.startActor(await signedFixture('echo', { name: 'plain-echo' }));
  const origin = { public_key: kv.id, contract_id: 'wasmcloud:httpserver', link_name: 'default' };
  assert.equal(text(await kv.host!.callActor(yes.id, origin, 'HttpServer.HandleRequest', utf8('hi'))), 'hi');
  const failed: unknown[] = [];
  host.on('invocation_failed', (e) => failed.push(e));
  await assert.rejects(kv.host!.callActor(no.id, origin, 'HttpServer.HandleRequest', utf8('hi')),
    (e) => isStratusError(e, 'MISSING_CLAIM') && e.message.includes('missing capability claim for wasmcloud:httpserver'));
  await until(() => failed.length > 0, 'invocation_failed event');
  assert.equal((failed[0] as { operation: string }).operation, 'HttpServer.HandleRequest');
  await host.stopActor(yes.id);
  await host.stopActor(no.id);
  await host.stopProvider(kv.id);
});

test('events: provider_started/stopped, linkdef_set/deleted carry wasmCloud-shaped data', async () => {
  const seen: { type: string; data: Record<string, unknown> }[] = [];
  for (const type of ['provider_started', 'provider_stopped', 'linkdef_set', 'linkdef_deleted']) {
    host.on(type, (data: Record<string, unknown>) => seen.push({ type, data }));
  }
  const kv = new MemoryKv({ linkName: 'events' });
  await host.startProvider(kv);
  const actor = 'M' + 'E'.repeat(55);
  const link = await host.putLink({ actor_id: actor, provider_id: kv.id, contract_id: KV, link_name: 'events', values: { k: 'v' } });
  await host.deleteLink(actor, KV, 'events');
  await host.deleteLink(actor, KV, 'events'); // unknown link: no-op, no event
  await host.stopProvider(kv.id, 'events');
  assert.deepEqual(seen.map((e) => e.type), ['provider_started', 'linkdef_set', 'linkdef_deleted', 'provider_stopped']);
  assert.deepEqual(seen[1]!.data, { id: link.id, actor_id: actor, provider_id: kv.id, link_name: 'events', contract_id: KV, values: { k: 'v' } });
  assert.equal(seen[0]!.data.public_key, kv.id);
  assert.equal(seen[0]!.data.contract_id, KV);
  assert.equal(seen[3]!.data.link_name, 'events');
  await assert.rejects(host.stopProvider(kv.id, 'events'), (e) => isStratusError(e, 'PROVIDER_NOT_RUNNING'));
});

test('a provider that throws synchronously or returns no bytes fails only that host call', async () => {
  class Broken extends MemoryKv {
    override handle(_ctx: unknown, operation: string): Promise<Uint8Array> {
      if (operation === 'KeyValue.Throw') throw new Error('sync boom');
      return Promise.resolve(undefined as unknown as Uint8Array);
    }
  }
  const p = new Broken({ linkName: 'broken' });
  await host.startProvider(p);
  const a = await host.startActor(await signedFixture('hostcall', { name: 'broken-user', caps: [KV] }));
  await host.putLink({ actor_id: a.id, provider_id: p.id, contract_id: KV, link_name: 'broken', values: {} });
  await assert.rejects(host.call(a.id, 'Run', hostCallPayload('broken', KV, 'KeyValue.Throw')), (e) => isStratusError(e, 'GUEST_ERROR') && e.message === 'sync boom');
  await assert.rejects(host.call(a.id, 'Run', hostCallPayload('broken', KV, 'KeyValue.Get')), (e) => isStratusError(e, 'GUEST_ERROR') && /returned no payload for KeyValue.Get/.test(e.message));
  // the actor and host still serve
  const echo = await host.startActor(await signedFixture('echo', { name: 'after-broken' }));
  assert.equal(text(await host.call(echo.id, 'E', utf8('still here'))), 'still here');
  await host.stopActor(a.id);
  await host.stopActor(echo.id);
  await host.stopProvider(p.id);
});
