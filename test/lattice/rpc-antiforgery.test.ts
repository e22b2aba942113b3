// tier: full — starts nats-server
// What reaches a host from the network, sent by a raw NATS client built here from @nats-io/*,
// @msgpack/msgpack and @nats-io/nkeys (no Stratus code on the sending side): a correctly signed
// invocation runs; forged, tampered, misaddressed and garbage ones are refused, each with its own
// text and its own invocation_failed event, and never run. Fuzzed subjects, bytes, truncations and
// chunked payloads neither crash nor stall the host. Provider .health and .shutdown (§5.2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { Objm } from '@nats-io/obj';
import { decode as mpDecode, encode as mpEncode } from '@msgpack/msgpack';
import * as nkeys from '@nats-io/nkeys';
import { createKeyPair, fromSeed } from '../../src/claims/nkeys.js';
import type { Host } from '../../src/host/host.js';
import { startNats, type RunningServer } from '../support/servers.js';
import { MemoryKv } from '../support/fixtures-provider.js';
import { signedFixture, testHost } from '../support/fixtures.js';
import { join, type Member } from './rpc-support.js';

const PREFIX = 'forgery';
const enc = new TextEncoder();

let nats: RunningServer;
let raw: NatsConnection;
let member: Member;
let host: Host;
let kv: MemoryKv;
let actorId: string;
const clusterRef = nkeys.createCluster();
const failures: { error: string; code?: string }[] = [];

before(async () => {
  nats = await startNats();
  raw = await connect({ servers: nats.url });
  host = testHost().host;
  kv = new MemoryKv();
  await host.startProvider(kv);
  const actor = await host.startActor(await signedFixture('hostcall', { caps: ['wasmcloud:keyvalue'] }));
  actorId = actor.id;
  await host.putLink({ actor_id: actorId, provider_id: kv.id, contract_id: kv.contractId, link_name: 'default', values: {} });
  // the host trusts the cluster key the raw client signs with (as a seed: it is a Stratus KeyPair)
  const clusterKey = fromSeed(new TextDecoder().decode(clusterRef.getSeed()), 'cluster');
  member = await join(host, nats.url, { prefix: PREFIX, clusterKey });
  host.events.on('invocation_failed', (e) => failures.push({ error: e.error, code: e.code }));
});

after(async () => {
  await member?.leave();
  await host?.shutdown();
  await raw?.close();
  await nats?.dispose();
});

// ---- an independent sender: URLs, hash, JWT and msgpack written here from the reference

type Entity = { public_key: string; contract_id: string; link_name: string };
const actor = (k: string): Entity => ({ public_key: k, contract_id: '', link_name: '' });
const url = (e: Entity) => e.public_key.startsWith('M') ? `wasmbus://${e.public_key}`
  : `wasmbus://${e.contract_id.replace(/:/g, '/').toLowerCase()}/${e.link_name.toLowerCase()}/${e.public_key}`;
const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64url');

function jwt(kp: nkeys.KeyPair, claims: object): string {
  const input = `${b64('{"typ":"jwt","alg":"Ed25519"}')}.${b64(JSON.stringify(claims))}`;
  return `${input}.${b64(kp.sign(enc.encode(input)))}`;
}

interface Raw { origin: Entity; target: Entity; operation: string; msg: Uint8Array; id: string; encoded_claims: string; host_id: string; content_length?: number }

function rawInvocation(o: { signer?: nkeys.KeyPair; target?: Entity; operation?: string; payload: Uint8Array; claimedTargetUrl?: string; id?: string }): Raw {
  const signer = o.signer ?? clusterRef;
  const origin = actor('MRAWCLIENTORIGINXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX');
  const target = o.target ?? actor(actorId);
  const operation = o.operation ?? 'Run';
  const targetUrl = `${url(target)}/${operation}`;
  const hash = createHash('sha256').update(url(origin)).update(targetUrl).update(operation).update(o.payload).digest('hex').toUpperCase();
  const id = o.id ?? randomUUID();
  const claims = {
    jti: randomBytes(11).toString('hex'), iat: Math.floor(Date.now() / 1000), iss: signer.getPublicKey(), sub: id,
    wascap: { target_url: o.claimedTargetUrl ?? targetUrl, origin_url: url(origin), hash },
  };
  return { origin, target, operation, msg: o.payload, id, encoded_claims: jwt(signer, claims), host_id: signer.getPublicKey(), content_length: o.payload.length };
}

/** hostcall.wat payload: one KeyValue.Increment of `key` on the default link. */
function incrementPayload(key: string): Uint8Array {
  const parts = ['default', 'wasmcloud:keyvalue', 'KeyValue.Increment'].map((s) => enc.encode(s));
  const out: number[] = [];
  for (const p of parts) out.push(p.length, ...p);
  out.push(...mpEncode({ key, value: 1 }));
  return Uint8Array.from(out);
}

async function send(subject: string, body: Uint8Array): Promise<{ msg: Uint8Array; error?: string; invocation_id?: string }> {
  const reply = await raw.request(subject, body, { timeout: 10_000 });
  return mpDecode(reply.data) as { msg: Uint8Array; error?: string };
}

const actorSubject = () => `wasmbus.rpc.${PREFIX}.${actorId}`;
const runs = () => kv.calls.length;

test('(a) a correctly signed invocation runs; (b)-(e) forged, tampered, misaddressed and garbage ones are refused and never run', async () => {
  const before = runs();
  const failedBefore = failures.length;

  const good = await send(actorSubject(), mpEncode(rawInvocation({ payload: incrementPayload('a') })));
  assert.equal(good.error, undefined);
  assert.equal(mpDecode(good.msg), 1, 'the increment ran and its answer came back');
  assert.equal(runs(), before + 1);

  const stranger = nkeys.createCluster();
  const b = await send(actorSubject(), mpEncode(rawInvocation({ signer: stranger, payload: incrementPayload('b') })));
  assert.match(b.error!, new RegExp(`^Anti-forgery check failed: Issuer of this invocation is not among the list of valid issuers: '${stranger.getPublicKey().slice(0, 10)}…`));

  const c = rawInvocation({ payload: incrementPayload('c') });
  c.msg = incrementPayload('C');
  const cr = await send(actorSubject(), mpEncode(c));
  assert.match(cr.error!, /^Anti-forgery check failed: Invocation hash does not match signed claims hash \([0-9A-F]{64} \/ [0-9A-F]{64}\): the payload, operation, origin or target was changed after signing$/);

  const d = await send(actorSubject(), mpEncode(rawInvocation({ payload: incrementPayload('d'), claimedTargetUrl: `wasmbus://${actorId}/Other` })));
  assert.match(d.error!, new RegExp(`^Anti-forgery check failed: Invocation claims and invocation target URL do not match: signed for 'wasmbus://${actorId}/Other', addressed to 'wasmbus://${actorId}/Run'`));

  const e = await send(actorSubject(), Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x00]));
  assert.match(e.error!, /^Failed to deserialize invocation: Invocation: payload is not valid msgpack/);
  assert.equal(e.invocation_id, '');

  assert.equal(runs(), before + 1, 'only (a) ran');
  const refused = failures.slice(failedBefore).map((f) => f.error);
  assert.equal(refused.length, 4, 'one invocation_failed event per refusal');
  assert.deepEqual(refused, [b.error, cr.error, d.error, e.error]);
  assert.deepEqual(failures.slice(failedBefore).map((f) => f.code), ['BAD_SIGNATURE', 'BAD_SIGNATURE', 'BAD_SIGNATURE', 'BAD_REQUEST']);
});

test('a signed invocation for another actor sent on this actor\'s subject is refused; a provider checks its key and link', async () => {
  const before = runs();
  const other = createKeyPair('module').publicKey;
  const r = await send(actorSubject(), mpEncode(rawInvocation({ target: actor(other), payload: incrementPayload('x') })));
  assert.match(r.error!, new RegExp(`^Invocation for '${other}' arrived on the subject of actor ${actorId}`));
  // straight to the provider, from an origin that is not linked to it
  const target = { public_key: kv.id, contract_id: 'wasmcloud:keyvalue', link_name: 'default' };
  const p = await send(`wasmbus.rpc.${PREFIX}.${kv.id}.default`, mpEncode(rawInvocation({ target, operation: 'KeyValue.Increment', payload: mpEncode({ key: 'p', value: 1 }) })));
  assert.match(p.error!, /unlinked actor: 'MRAWCLIENTORIGIN/);
  assert.equal(runs(), before);
});

test('an actor without the origin provider\'s capability claim is not invoked by that provider', async () => {
  const origin = { public_key: createKeyPair('service').publicKey, contract_id: 'wasmcloud:httpserver', link_name: 'default' };
  const inv = rawInvocation({ payload: incrementPayload('h') });
  // re-sign with the provider origin
  const targetUrl = `wasmbus://${actorId}/Run`;
  const hash = createHash('sha256').update(url(origin)).update(targetUrl).update('Run').update(inv.msg).digest('hex').toUpperCase();
  inv.origin = origin;
  inv.encoded_claims = jwt(clusterRef, { jti: 'j', iat: Math.floor(Date.now() / 1000), iss: clusterRef.getPublicKey(), sub: inv.id, wascap: { target_url: targetUrl, origin_url: url(origin), hash } });
  const before = runs();
  const r = await send(actorSubject(), mpEncode(inv));
  assert.match(r.error!, /Invocation source does not have the required capability claim wasmcloud:httpserver/);
  assert.equal(runs(), before);
});

test('fuzz: wrong subjects, garbage, truncations and mutations are answered or ignored; the host keeps serving', async () => {
  const before = runs();
  // subjects with a token more or less: nobody serves them (NATS says so at once); the host is unaffected
  for (const subject of [`wasmbus.rpc.${PREFIX}`, `wasmbus.rpc.${PREFIX}.${actorId}.extra`, `wasmbus.rpc.${PREFIX}.${actorId}.extra.more`, `wasmbus.rpc.${PREFIX}.${kv.id}`]) {
    await assert.rejects(raw.request(subject, mpEncode(rawInvocation({ payload: incrementPayload('s') })), { timeout: 5000 }), /503|no responders/i);
  }
  const replies: Promise<{ error?: string }>[] = [];
  for (let i = 0; i < 200; i++) replies.push(send(actorSubject(), randomBytes(1 + Math.floor(Math.random() * 300))));
  const valid = mpEncode(rawInvocation({ payload: incrementPayload('t') }));
  for (let n = 0; n < valid.length; n += 3) replies.push(send(actorSubject(), valid.subarray(0, n)));
  const garbage = await Promise.all(replies);
  for (const g of garbage) assert.match(g.error ?? '', /^Failed to deserialize invocation: /);
  // single-byte mutations of a valid invocation: every one is answered; signed fields cannot change unnoticed
  const mutants: Promise<{ error?: string }>[] = [];
  for (let i = 0; i < 150; i++) {
    const m = Uint8Array.from(valid);
    const at = Math.floor(Math.random() * m.length);
    m[at] = (m[at]! + 1 + Math.floor(Math.random() * 255)) & 0xff;
    mutants.push(send(actorSubject(), m));
  }
  const answered = await Promise.all(mutants);
  assert.equal(answered.length, 150);
  const ran = runs() - before;
  assert.ok(ran <= answered.filter((a) => a.error === undefined).length, 'only answers without an error ran');
  // and the host still serves a good invocation
  const good = await send(actorSubject(), mpEncode(rawInvocation({ payload: incrementPayload('after-fuzz') })));
  assert.equal(good.error, undefined);
  assert.equal(mpDecode(good.msg), 1);
});

test('chunked payloads: missing, truncated, oversized or tampered objects are refused with their own texts; a good one runs', async () => {
  const os = await new Objm(raw).create(PREFIX);
  const big = incrementPayload('chunky');
  // a good chunked invocation (the payload is small, but content_length > len(msg) is what says "chunked")
  const good = rawInvocation({ payload: big });
  await os.putBlob({ name: good.id }, big);
  const ok = await send(actorSubject(), mpEncode({ ...good, msg: new Uint8Array(0) }));
  assert.equal(ok.error, undefined);
  assert.equal(mpDecode(ok.msg), 1);
  assert.equal(await os.info(good.id).then((i) => i === null || i.deleted), true, 'the receiver deleted the object');

  const missing = rawInvocation({ payload: big });
  const m = await send(actorSubject(), mpEncode({ ...missing, msg: new Uint8Array(0) }));
  assert.match(m.error!, new RegExp(`^Failed to read the chunked payload of invocation ${missing.id}: chunked payload '${missing.id}' is not in the object store '${PREFIX}'`));

  const truncated = rawInvocation({ payload: big });
  await os.putBlob({ name: truncated.id }, big.subarray(0, big.length - 5));
  const t = await send(actorSubject(), mpEncode({ ...truncated, msg: new Uint8Array(0) }));
  assert.match(t.error!, new RegExp(`chunked payload '${truncated.id}' is truncated: the object holds ${big.length - 5} bytes but content_length says ${big.length}`));
  assert.equal(await os.info(truncated.id).then((i) => i === null || i.deleted), true, 'a refused object is deleted too');

  const oversized = rawInvocation({ payload: big });
  const o = await send(actorSubject(), mpEncode({ ...oversized, msg: new Uint8Array(0), content_length: 2 ** 40 }));
  assert.match(o.error!, /declares 1099511627776 bytes \(1048576\.00 MiB\), over this host's limit of 64\.00 MiB/);

  const tampered = rawInvocation({ payload: big });
  const changed = Uint8Array.from(big);
  changed[changed.length - 1] = 0x05;
  await os.putBlob({ name: tampered.id }, changed);
  const h = await send(actorSubject(), mpEncode({ ...tampered, msg: new Uint8Array(0) }));
  assert.match(h.error!, /^Anti-forgery check failed: Invocation hash does not match signed claims hash/);
});

test('provider .health answers HealthCheckResponse; .shutdown stops it only for this host (or none named)', async () => {
  const health = await raw.request(`wasmbus.rpc.${PREFIX}.${kv.id}.default.health`, mpEncode({ placeholder: true }), { timeout: 5000 });
  assert.deepEqual(mpDecode(health.data), { healthy: true });

  const extra = new MemoryKv({ linkName: 'second' });
  await host.startProvider(extra);
  await member.rpc.flushed();
  const base = `wasmbus.rpc.${PREFIX}.${extra.id}.second`;
  // a request naming another host is not this host's: no answer, the provider keeps running
  await assert.rejects(raw.request(`${base}.shutdown`, enc.encode(JSON.stringify({ host_id: createKeyPair('server').publicKey })), { timeout: 300 }), /timeout/i);
  assert.ok(host.inventory().providers.some((p) => p.id === extra.id));
  const bye = await raw.request(`${base}.shutdown`, enc.encode(JSON.stringify({ host_id: host.id })), { timeout: 5000 });
  assert.equal(new TextDecoder().decode(bye.data), 'shutting down');
  const { until } = await import('../support/fixtures.js');
  await until(() => !host.inventory().providers.some((p) => p.id === extra.id), 'the provider to stop');
  assert.equal(extra.shutdowns, 1);
  assert.ok(!member.rpc.subjects().includes(base));
});

/** Speaks the NATS text protocol over a plain socket: HPUB with header bytes no client library would write. */
function rawHpub(port: number, subject: string, header: Buffer, body: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('no reply within 10 s')); }, 10_000);
    sock.on('error', reject);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const text = buf.toString('latin1');
      if (text.includes('PING\r\n')) sock.write('PONG\r\n');
      const m = /MSG _INBOX\.raw 1 (\d+)\r\n/.exec(text);
      if (m && buf.length >= m.index + m[0].length + Number(m[1])) {
        clearTimeout(timer);
        sock.destroy();
        resolve(buf.subarray(m.index + m[0].length, m.index + m[0].length + Number(m[1])));
      }
    });
    sock.once('data', () => {
      sock.write('CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true,"protocol":1}\r\nSUB _INBOX.raw 1\r\n');
      const payload = Buffer.concat([header, Buffer.from(body)]);
      sock.write(`HPUB ${subject} _INBOX.raw ${header.length} ${payload.length}\r\n`);
      sock.write(payload);
      sock.write('\r\n');
    });
  });
}

test('a message with malformed NATS header bytes still gets an InvocationResponse (the header is ignored)', async () => {
  const inv = mpEncode(rawInvocation({ payload: incrementPayload('hdr') }));
  const reply = await rawHpub(nats.port, actorSubject(), Buffer.from('NATS/1.0\r\nbad key: v\r\n\r\n'), inv);
  const r = mpDecode(reply) as { msg: Uint8Array; error?: string };
  assert.equal(r.error, undefined);
  assert.equal(mpDecode(r.msg), 1);
});
