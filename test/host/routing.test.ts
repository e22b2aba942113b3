// Host calls end to end: builtins, providers (claim + link + running provider), actor-to-actor,
// and the byte-exact kvcounter vectors of reference §6.2 produced by a C actor.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { signedFixture, signedC, testHost, utf8, text, hostCallPayload, until } from '../support/fixtures.js';
import { MemoryKv } from '../support/fixtures-provider.js';
import { decode, encode } from '../../src/codec/msgpack.js';
import { isStratusError } from '../../src/core/errors.js';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { linkDefinitionId } from '../../src/claims/linkdef-id.js';
import { actorEntity, type Invocation } from '../../src/core/wire.js';

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
  const { link } = await host.putLink({ actor_id: actor.id, provider_id: kv.id, contract_id: KV, link_name: 'default', values: { a: '1' } });
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

  // the actor is told wasmCloud's words (its HTTP body may carry them); the log has keys and the fix under a reference
  await assert.rejects(host.call(noClaim.id, 'Run', inc), (e) => isStratusError(e, 'GUEST_ERROR')
    && e.message === 'Invocation not authorized: missing capability claim for wasmcloud:keyvalue');
  assert.ok(logs.some((l) => l.level === 'warn' && /^\[ref [0-9a-f]{8}\] host call KeyValue.Increment on wasmcloud:keyvalue denied: Invocation not authorized: missing capability claim/.test(l.text)
    && l.text.includes('stratus claims sign --keyvalue') && l.text.includes('(noclaim)')), 'the full explanation is logged with a reference');
  await assert.rejects(host.call(withClaim.id, 'Run', inc), (e) => isStratusError(e, 'GUEST_ERROR')
    && e.message === 'Invocation not authorized: missing link definition for wasmcloud:keyvalue on second');
  assert.ok(logs.some((l) => l.text.includes('missing link definition for wasmcloud:keyvalue on second') && l.text.includes('stratus ctl link put')));

  await host.putLink({ actor_id: withClaim.id, provider_id: kv.id, contract_id: KV, link_name: 'second', values: {} });
  assert.equal(decode(await host.call(withClaim.id, 'Run', inc)), 2);
  assert.equal(decode(await host.call(withClaim.id, 'Run', inc)), 4);
  assert.equal(kv.calls[0]!.linkName, 'second');
  // a link exists but no claim: still MISSING_CLAIM (a link never grants a capability)
  await host.stopProvider(kv.id, 'second');
  assert.equal(kv.shutdowns, 1);
  await assert.rejects(host.call(withClaim.id, 'Run', inc), (e) => isStratusError(e, 'GUEST_ERROR') && e.message === 'Failed to perform RPC call: no provider is serving wasmcloud:keyvalue on link name second');
  assert.ok(logs.some((l) => /provider V[A-Z2-7]+ for wasmcloud:keyvalue \(link name 'second'\) is not running/.test(l.text)));
  assert.deepEqual(host.links().find((l) => l.actor_id === withClaim.id)?.status.state, 'pending');
  // restarting the provider re-delivers its links
  await host.startProvider(kv);
  assert.equal(kv.linkPuts.length, 2);
  assert.equal(decode(await host.call(withClaim.id, 'Run', inc)), 6);
  // provider errors reach the guest
  await assert.rejects(host.call(withClaim.id, 'Run', hostCallPayload('second', KV, 'KeyValue.Frobnicate')), /memory-kv does not implement KeyValue.Frobnicate/);
  await host.stopProvider(kv.id);
});

test('putLink: a provider running here checks the link at put time; others get it stored as pending', async () => {
  const kv = new MemoryKv();
  await host.startProvider(kv);
  const a = createKeyPair('module').publicKey;
  await assert.rejects(host.putLink({ actor_id: a, provider_id: kv.id, contract_id: 'wasmcloud:messaging', link_name: 'default', values: {} }),
    (e) => isStratusError(e, 'LINK_INVALID') && /implements wasmcloud:keyvalue, not wasmcloud:messaging/.test(e.message));
  await assert.rejects(host.putLink({ actor_id: a, provider_id: kv.id, contract_id: KV, link_name: 'default', values: { reject: 'port in use' } }),
    (e) => isStratusError(e, 'LINK_INVALID') && /port in use/.test(e.message));
  assert.equal(host.links().filter((l) => l.actor_id === a).length, 0, 'a refused link is not stored');
  // ids must be well-formed public keys of the right kind
  await assert.rejects(host.putLink({ actor_id: 'M' + 'A'.repeat(55), provider_id: kv.id, contract_id: KV, link_name: 'default', values: {} }),
    (e) => isStratusError(e, 'LINK_INVALID') && /is not an actor's public key/.test(e.message));
  await assert.rejects(host.putLink({ actor_id: a, provider_id: 'httpserver', contract_id: KV, link_name: 'default', values: {} }),
    (e) => isStratusError(e, 'LINK_INVALID') && /"httpserver" is not a provider's public key/.test(e.message));
  // a provider that does not run here (it may run on another host, or start later): stored, pending, with a warning
  const elsewhere = createKeyPair('service').publicKey;
  const r1 = await host.putLink({ actor_id: a, provider_id: elsewhere, contract_id: KV, link_name: 'default', values: {} });
  assert.equal(r1.status.state, 'pending');
  assert.ok(r1.warnings.some((w) => w.includes('is not running on this host')));
  // the right provider on another link name: stored, pending, and the warning says why
  const r2 = await host.putLink({ actor_id: a, provider_id: kv.id, contract_id: KV, link_name: 'other', values: {} });
  assert.equal(r2.status.state, 'pending');
  assert.ok(r2.warnings.some((w) => w.includes("runs here with link name 'default', not 'other'")));
  assert.equal(kv.linkPuts.length, 0);
  // when a provider with that link name starts, it gets the link and the status turns active
  const kvOther = new MemoryKv({ linkName: 'other' });
  Object.assign(kvOther, { id: kv.id });
  await host.startProvider(kvOther);
  assert.equal(kvOther.linkPuts.length, 1);
  assert.equal(host.links().find((l) => l.id === r2.link.id)?.status.state, 'active');
  await host.deleteLink(a, KV, 'default');
  await host.deleteLink(a, KV, 'other');
  assert.equal(kvOther.linkDeletes.length, 1);
  await host.stopProvider(kv.id);
});

test('a link refused by its provider when it starts is failed with the reason, and retried', async () => {
  const a = createKeyPair('module').publicKey;
  const kv = new MemoryKv({ linkName: 'later' });
  const r = await host.putLink({ actor_id: a, provider_id: kv.id, contract_id: KV, link_name: 'later', values: { reject: 'backend away' } });
  assert.equal(r.status.state, 'pending');
  await host.startProvider(kv);
  const st = host.links().find((l) => l.id === r.link.id)?.status;
  assert.equal(st?.state, 'failed');
  assert.match(st?.reason ?? '', /backend away/);
  // the provider would accept it now: the retry brings it to active without anyone putting it again
  kv.acceptAll = true;
  await until(() => host.links().find((l) => l.id === r.link.id)?.status.state === 'active', 'the failed link to be retried', 10_000);
  await host.deleteLink(a, KV, 'later');
  await host.stopProvider(kv.id);
});

test('unknown link value keys get a warning with a suggestion', async () => {
  const kv = new MemoryKv({ linkName: 'keys' });
  Object.assign(kv, { linkValueKeys: ['address', 'port'] });
  await host.startProvider(kv);
  const a = createKeyPair('module').publicKey;
  const r = await host.putLink({ actor_id: a, provider_id: kv.id, contract_id: KV, link_name: 'keys', values: { adress: '127.0.0.1:1', port: '1' } });
  assert.deepEqual(r.warnings.length, 1);
  assert.match(r.warnings[0]!, /"adress".*did you mean "address"\?/);
  await host.deleteLink(a, KV, 'keys');
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
    (e) => isStratusError(e, 'GUEST_ERROR') && e.message === 'Call alias not found: wasmcloud/nobody on default');
  const ghost = 'M' + 'Q'.repeat(55);
  await assert.rejects(host.call(pinger.id, 'X', utf8(ghost)), (e) => isStratusError(e, 'GUEST_ERROR') && e.message === 'Could not identify suitable target for invocation');
  assert.ok(logs.some((l) => l.text.includes(`called actor ${ghost}, which is not running`)));
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
  const inv = (target: string) => ({ origin, target: actorEntity(target), operation: 'HttpServer.HandleRequest', msg: utf8('hi'), id: '' });
  assert.equal(text(await kv.host!.invoke(inv(yes.id))), 'hi');
  const failed: unknown[] = [];
  host.events.on('invocation_failed', (e) => failed.push(e));
  await assert.rejects(kv.host!.invoke(inv(no.id)),
    (e) => isStratusError(e, 'MISSING_CLAIM') && e.message.startsWith('Invocation source does not have the required capability claim wasmcloud:httpserver')
      && (e as { notStarted?: boolean }).notStarted === true);
  await until(() => failed.length > 0, 'invocation_failed event');
  assert.equal((failed[0] as { operation: string }).operation, 'HttpServer.HandleRequest');
  await host.stopActor(yes.id);
  await host.stopActor(no.id);
  await host.stopProvider(kv.id);
});

test('events: provider_started/stopped, linkdef_set/deleted carry wasmCloud-shaped data', async () => {
  const seen: { type: string; data: Record<string, unknown> }[] = [];
  for (const type of ['provider_started', 'provider_stopped', 'linkdef_set', 'linkdef_deleted'] as const) {
    host.events.on(type, (data) => seen.push({ type, data: data as unknown as Record<string, unknown> }));
  }
  const kv = new MemoryKv({ linkName: 'events' });
  await host.startProvider(kv);
  const actor = createKeyPair('module').publicKey;
  const { link } = await host.putLink({ actor_id: actor, provider_id: kv.id, contract_id: KV, link_name: 'events', values: { k: 'v' } });
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
    override handle({ operation }: Invocation): Promise<Uint8Array> {
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
