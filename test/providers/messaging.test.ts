// tier: full — starts nats-server -js and builds an AssemblyScript actor
// wasmcloud:messaging end to end: a real NATS server, a real Host, an actor built from source
// (examples/messaging-echo) subscribed through link values, and a raw NATS client on the
// other side of every message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { buildCached, ROOT } from '../sdk/build-cache.js';
import { startNats, freePort, type RunningServer } from '../support/servers.js';
import { testHost, until, type LogLine } from '../support/fixtures.js';
import { createProvider } from '../../src/providers/registry.js';
import { isStratusError, type StratusErrorCode } from '../../src/core/errors.js';
import type { Host } from '../../src/host/host.js';
import type { MessagingProvider } from '../../src/providers/messaging/provider.js';
import { MessageSubscriberCodec, MessagingCodec } from '../../src/codec/interfaces/messaging.js';
import { actorEntity, providerEntity } from '../../src/core/wire.js';

const MSG = 'wasmcloud:messaging';
let nats: RunningServer;
let host: Host;
let logs: LogLine[];
let client: NatsConnection;
let actorId: string;
let providerId: string;
let provider: MessagingProvider;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

before(async () => {
  nats = await startNats();
  ({ host, logs } = testHost());
  client = await connect({ servers: nats.url });
  const { wasm } = await buildCached(join(ROOT, 'examples', 'messaging-echo'));
  actorId = (await host.startActor(wasm)).id;
  provider = createProvider('messaging') as MessagingProvider;
  providerId = (await host.startProvider(provider)).id;
});
after(async () => {
  await host?.shutdown();
  await client?.close();
  await nats?.dispose();
});

const link = (values: Record<string, string>) => host.putLink({ actor_id: actorId, provider_id: providerId, contract_id: MSG, link_name: 'default', values });

test('a raw NATS request to a subscribed subject is answered by the actor through its reply subject', async () => {
  await link({ SUBSCRIPTION: 'echo.in, ask.*, work|workers', URI: nats.url });
  const r = await client.request('echo.in', 'hello', { timeout: 3000 });
  assert.equal(text(r.data), 'echo: hello');
  // the queue-group subscription is a subscription too
  const w = await client.request('work', 'job-1', { timeout: 3000 });
  assert.equal(text(w.data), 'echo: job-1');
});

test('the actor publishes: a message without a reply subject is published on to echo.noreply', async () => {
  const sub = client.subscribe('echo.noreply', { max: 1 });
  await client.flush();
  client.publish('echo.in', 'fire-and-forget');
  for await (const m of sub) { assert.equal(text(m.data), 'fire-and-forget'); break; }
});

test('Messaging.Request from the actor reaches a raw NATS responder, and no responders is an explained error', async () => {
  const svc = client.subscribe('svc.answer', { callback: (_e, m) => { m.respond(`A:${text(m.data)}`); } });
  await client.flush();
  assert.equal(text((await client.request('ask.one', 'q', { timeout: 3000 })).data), 'got: A:q');
  svc.unsubscribe();
  await client.flush();
  const r = text((await client.request('ask.two', 'q', { timeout: 3000 })).data);
  assert.match(r, /^error: Host send error .*nobody subscribes to "svc\.answer" \(no responders\)/);
});

test('binary payloads keep every byte through the actor', async () => {
  const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
  const r = await client.request('echo.in', bytes, { timeout: 3000 });
  assert.deepEqual([...r.data.subarray(6)], [...bytes]);
});

test('queue group members share the subject: a raw member of the same group takes part of the messages', async () => {
  let raw = 0;
  const member = client.subscribe('work', { queue: 'workers', callback: (_e, m) => { raw++; m.respond('raw'); } });
  await client.flush();
  const answers = new Set<string>();
  for (let i = 0; i < 60; i++) answers.add(text((await client.request('work', 'x', { timeout: 3000 })).data));
  member.unsubscribe();
  // each request went to exactly one member of the group: 60 answers, never both
  assert.ok(raw < 60, `the actor's queue subscription received some of the 60 messages (raw member took ${raw})`);
  assert.ok(answers.has('echo: x'));
});

test('bad link values are refused at put time with what to fix; the old link keeps working', async () => {
  await assert.rejects(link({ SUBSCRIPTION: 'a..b', URI: nats.url }), (e) => isStratusError(e, 'LINK_INVALID') && /SUBSCRIPTION entry "a\.\.b".*empty token/.test(e.message));
  await assert.rejects(link({ SUBSCRIPTION: 'x|', URI: nats.url }), (e) => isStratusError(e, 'LINK_INVALID') && /queue group/.test(e.message));
  await assert.rejects(link({ SUBSCRIPTION: 'x', URI: nats.url, CLIENT_JWT: 'eyJ' }), (e) => isStratusError(e, 'LINK_INVALID') && /CLIENT_SEED is missing/.test(e.message));
  const closed = await freePort();
  await assert.rejects(link({ SUBSCRIPTION: 'x', URI: `nats://127.0.0.1:${closed}` }), (e) => isStratusError(e) && /could not connect to NATS at nats:\/\/127\.0\.0\.1/.test(e.message));
  assert.equal(text((await client.request('echo.in', 'still', { timeout: 3000 })).data), 'echo: still');
});

test('re-putting the link with other subjects moves the subscriptions', async () => {
  await link({ SUBSCRIPTION: 'echo.moved', URI: nats.url });
  assert.equal(text((await client.request('echo.moved', 'm', { timeout: 3000 })).data), 'echo: m');
  await assert.rejects(client.request('echo.in', 'old', { timeout: 1000 }), /no responders|503/i);
});

test('deleting the link ends its subscriptions: the subject has no responders, and the actor can no longer publish', async () => {
  await host.deleteLink(actorId, MSG);
  await until(() => !host.links().some((l) => l.actor_id === actorId && l.contract_id === MSG), 'link gone');
  // the store forgets the link first; the provider hears of it asynchronously and says when it has unsubscribed
  await until(() => logs.some((l) => /messaging: actor .* unsubscribed \(link deleted\)/.test(l.text)), 'provider unsubscribed');
  await assert.rejects(client.request('echo.moved', 'gone', { timeout: 1000 }), /no responders|503/i);
  assert.ok(logs.some((l) => /messaging: actor .* subscribed to echo\.moved/.test(l.text)));
});

test('an actor publishing in a loop (burst.N): every message arrives, in order; a bad subject is refused each time, also after good ones', async () => {
  await link({ SUBSCRIPTION: 'burst.*', URI: nats.url });
  const got: string[] = [];
  const sub = client.subscribe('echo.noreply', { callback: (_e, m) => { got.push(text(m.data)); } });
  await client.flush();
  for (let i = 0; i < 3; i++) await host.call(actorId, 'MessageSubscriber.HandleMessage', MessageSubscriberCodec.HandleMessage.encodeInput({ subject: 'burst.5', body: new TextEncoder().encode(`m${i}`) }));
  await until(() => got.length === 15, '15 messages on echo.noreply');
  assert.deepEqual(got, ['m0', 'm1', 'm2'].flatMap((m) => Array(5).fill(m)));
  sub.unsubscribe();

  // the subject check is skipped only for the subject last found valid on this link
  const publish = (subject: string) => provider.handle({
    origin: actorEntity(actorId), target: providerEntity(providerId, MSG, 'default'), operation: 'Messaging.Publish', id: '',
    msg: MessagingCodec.Publish.encodeInput({ subject, body: new Uint8Array([1]) }),
  });
  for (const [subject, why] of [['', /it is empty/], ['ok.subject', undefined], ['a..b', /empty token/], ['ok.subject', undefined], ['', /it is empty/], ['x.*', /wildcard "\*"/]] as const) {
    if (why) await assert.rejects(publish(subject), (e) => isStratusError(e, 'BAD_REQUEST') && /is not a valid NATS subject/.test(e.message) && why.test(e.message), subject);
    else assert.equal((await publish(subject)).length, 0);
  }
});

test('Messaging.Publish answers the same on the synchronous path (PUB frames) as on handle(): messages, reply subjects and every error', async () => {
  await link({ URI: nats.url });
  const inv = (msg: Uint8Array, origin = actorId) => ({
    origin: actorEntity(origin), target: providerEntity(providerId, MSG, 'default'), operation: 'Messaging.Publish', id: '', msg,
  });
  const got: string[] = [];
  const sub = client.subscribe('same.>', { callback: (_e, m) => { got.push(`${m.subject}|${m.reply ?? ''}|${text(m.data)}`); } });
  await client.flush();
  const good = [
    { subject: 'same.a', body: new TextEncoder().encode('one') },
    { subject: 'same.a', replyTo: 'reply.here', body: new TextEncoder().encode('two') },
    { subject: 'same.b', replyTo: '', body: new Uint8Array(0) },
  ];
  for (const m of good) {
    const now = provider.handleSync(inv(MessagingCodec.Publish.encodeInput(m)));
    assert.ok(now instanceof Uint8Array && now.length === 0, 'answered at once');
    assert.equal((await provider.handle(inv(MessagingCodec.Publish.encodeInput(m)))).length, 0);
  }
  const want = ['same.a||one', 'same.a|reply.here|two', 'same.b||'];
  await until(() => got.length === 6, 'six messages');
  assert.deepEqual(got, want.flatMap((w) => [w, w]));
  sub.unsubscribe();

  // the same subject again and again (read by its prefix after the second time), bodies of every bin size
  const again: string[] = [];
  const sub2 = client.subscribe('same.again', { callback: (_e, m) => { again.push(`${m.data.length}:${m.data[m.data.length - 1] ?? ''}`); } });
  await client.flush();
  const sizes = [1, 2, 0, 255, 256, 65_535, 65_536, 3];
  for (const [k, n] of sizes.entries()) {
    const msg = MessagingCodec.Publish.encodeInput({ subject: 'same.again', body: new Uint8Array(n).fill(k + 1) });
    assert.equal(provider.handleSync(inv(msg))?.length, 0);
  }
  await until(() => again.length === sizes.length, 'repeated publishes');
  assert.deepEqual(again, sizes.map((n, k) => `${n}:${n ? k + 1 : ''}`));
  sub2.unsubscribe();

  const max = client.info!.max_payload;
  const bad: [Uint8Array, StratusErrorCode, RegExp][] = [
    // the same on the repeated-subject path (same.again was published to many times just before): first, while that path is set up)
    [MessagingCodec.Publish.encodeInput({ subject: 'same.again', body: new Uint8Array(max + 1) }), 'BAD_REQUEST', new RegExp(`the body is ${max + 1} bytes, over the NATS server's max_payload`)],
    [MessagingCodec.Publish.encodeInput({ subject: 'a b', body: new Uint8Array(1) }), 'BAD_REQUEST', /not a valid NATS subject: it contains whitespace/],
    [MessagingCodec.Publish.encodeInput({ subject: 'ok.x', replyTo: 'r..r', body: new Uint8Array(1) }), 'BAD_REQUEST', /replyTo "r..r" is not a valid NATS subject/],
    [MessagingCodec.Publish.encodeInput({ subject: 'ok.x', body: new Uint8Array(max + 1) }), 'BAD_REQUEST', new RegExp(`the body is ${max + 1} bytes, over the NATS server's max_payload`)],
    [Uint8Array.from([0x81, 0xa1, 0x78, 0x01]), 'BAD_REQUEST', /PubMessage: missing field "subject"/], // {x: 1}
  ];
  for (const [msg, code, why] of bad) {
    assert.equal(provider.handleSync(inv(msg)), undefined, 'a failing publish is left to handle()');
    await assert.rejects(provider.handle(inv(msg)), (e) => isStratusError(e, code) && why.test((e as Error).message), String(why));
  }
  // an actor without a link: nothing at once, and handle() says what is missing
  const stranger = 'M' + 'A'.repeat(55);
  assert.equal(provider.handleSync(inv(MessagingCodec.Publish.encodeInput(good[0]!), stranger)), undefined);
  await assert.rejects(provider.handle(inv(MessagingCodec.Publish.encodeInput(good[0]!), stranger)), (e) => isStratusError(e, 'MISSING_LINK'));
});

test('an actor whose publish is refused (no link) gets the host\'s error text from the SDK, as before the answer-less host call', async () => {
  await host.deleteLink(actorId, MSG);
  await until(() => !host.links().some((l) => l.actor_id === actorId && l.contract_id === MSG), 'link gone');
  await assert.rejects(host.call(actorId, 'MessageSubscriber.HandleMessage', MessageSubscriberCodec.HandleMessage.encodeInput({ subject: 'x', body: new Uint8Array(1) })),
    (e) => /Host send error Invocation not authorized: missing link definition for wasmcloud:messaging on default/.test((e as Error).message));
});

test('a borrowed Publish payload is served only as a NATS frame, its body copied before the return; anything else is left, unsent, to the copying path', async () => {
  await link({ URI: nats.url });
  const inv = (msg: Uint8Array, operation = 'Messaging.Publish', origin = actorId) => ({
    origin: actorEntity(origin), target: providerEntity(providerId, MSG, 'default'), operation, id: '', msg,
  });
  const got: string[] = [];
  const sub = client.subscribe('borrow.>', { callback: (_e, m) => { got.push(`${m.subject}|${m.reply ?? ''}|${text(m.data)}`); } });
  await client.flush();
  const scratch = new Uint8Array(4096); // stands for guest memory: rewritten after every call
  const borrow = (bytes: Uint8Array) => { scratch.set(bytes); return scratch.subarray(0, bytes.length); };
  for (let k = 0; k < 5; k++) {
    const view = borrow(MessagingCodec.Publish.encodeInput({ subject: 'borrow.a', body: new TextEncoder().encode(`m${k}`) }));
    assert.equal(provider.handleBorrowed(inv(view))?.length, 0, 'served');
    scratch.fill(0x21);
  }
  const max = client.info!.max_payload;
  const notServed: [Uint8Array, string][] = [
    [MessagingCodec.Publish.encodeInput({ subject: 'borrow.r', replyTo: 'reply.x', body: new Uint8Array(1) }), 'a reply subject: nc.publish would keep the body'],
    [MessagingCodec.Publish.encodeInput({ subject: 'borrow.b c', body: new Uint8Array(1) }), 'a bad subject'],
    [MessagingCodec.Publish.encodeInput({ subject: 'borrow.a', body: new Uint8Array(max + 1) }), 'over max_payload'],
    [Uint8Array.from([0x81, 0xa1, 0x78, 0x01]), 'not a PubMessage'],
  ];
  for (const [bytes, why] of notServed) {
    assert.equal(provider.handleBorrowed(inv(scratch.length >= bytes.length ? borrow(bytes) : bytes)), undefined, why);
  }
  const plain = MessagingCodec.Publish.encodeInput({ subject: 'borrow.a', body: new Uint8Array(1) });
  assert.equal(provider.handleBorrowed(inv(plain, 'Messaging.Request')), undefined, 'Request');
  assert.equal(provider.handleBorrowed(inv(plain, 'Messaging.Publish', 'M' + 'B'.repeat(55))), undefined, 'an actor without a link');
  // a marker through the ordinary path: everything before it has arrived when it does
  assert.equal(provider.handleSync(inv(MessagingCodec.Publish.encodeInput({ subject: 'borrow.end', body: new Uint8Array(0) })))?.length, 0);
  await until(() => got.includes('borrow.end||'), 'the marker');
  sub.unsubscribe();
  assert.deepEqual(got, [...[0, 1, 2, 3, 4].map((k) => `borrow.a||m${k}`), 'borrow.end||']);
});

test('an actor without the wasmcloud:messaging claim is refused on the borrowing path too: the host\'s claims error, nothing published', async () => {
  const { signActorModule } = await import('../../src/claims/sign.js');
  const { wasm } = await buildCached(join(ROOT, 'examples', 'messaging-echo'));
  const unclaimed = (await host.startActor(signActorModule(wasm, { name: 'echo-unclaimed', caps: [] }))).id;
  try {
    await host.putLink({ actor_id: unclaimed, provider_id: providerId, contract_id: MSG, link_name: 'default', values: { URI: nats.url } }).catch(() => undefined);
    const got: string[] = [];
    const sub = client.subscribe('echo.noreply', { callback: (_e, m) => { got.push(text(m.data)); } });
    await client.flush();
    await assert.rejects(host.call(unclaimed, 'MessageSubscriber.HandleMessage', MessageSubscriberCodec.HandleMessage.encodeInput({ subject: 'x', body: new TextEncoder().encode('no') })),
      (e) => /Host send error Invocation not authorized: missing capability claim for wasmcloud:messaging/.test((e as Error).message), 'the claims refusal reaches the actor');
    await client.flush();
    await new Promise((r) => setTimeout(r, 100));
    sub.unsubscribe();
    assert.deepEqual(got, []);
  } finally {
    await host.stopActor(unclaimed);
  }
});
