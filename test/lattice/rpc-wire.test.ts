// Invocation / InvocationResponse bytes, entity URLs, the invocation hash and the anti-forgery JWT
// (reference §4.3, §4.4), checked against independent implementations: @msgpack/msgpack for the
// bytes, a plain concatenation for the hash, @nats-io/nkeys for the Ed25519 signatures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { decode as refDecode, encode as refEncode } from '@msgpack/msgpack';
import * as nkeys from '@nats-io/nkeys';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { decodeInvocation, decodeInvocationGeneric, decodeResponse, decodeResponseGeneric, encodeInvocation, encodeResponse, type WireInvocation } from '../../src/lattice/rpc/wire.js';
import { decodeInvocationFast, decodeResponseFast } from '../../src/lattice/rpc/wire-fast.js';
import { entityUrl, invocationHash, InvocationSigner, isRefusal, targetUrl, verifyHash, verifyInvocation, type Refusal } from '../../src/lattice/rpc/antiforgery.js';
import { actorSubject, providerSubject, targetSubject } from '../../src/lattice/rpc/subjects.js';
import { encodeJwt } from '../../src/claims/jwt.js';
import { INLINE_HASH_MAX, TokenScratch } from '../../src/lattice/rpc/fast-token.js';

const enc = new TextEncoder();
const ACTOR = createKeyPair('module').publicKey;
const PROVIDER = createKeyPair('service').publicKey;
const actor = (k: string) => ({ public_key: k, contract_id: '', link_name: '' });
const kv = { public_key: PROVIDER, contract_id: 'wasmcloud:keyvalue', link_name: 'default' };

function b64json(part: string): any {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

function signed(cluster = createKeyPair('cluster'), over: Partial<WireInvocation> = {}, payload = enc.encode('\x82\xa3key\xa1k\xa5value\x01')): { wire: WireInvocation; cluster: typeof cluster } {
  const base = { origin: actor(ACTOR), target: kv, operation: 'KeyValue.Increment', id: 'c0ffee00-0000-4000-8000-000000000001' };
  const signer = new InvocationSigner(cluster);
  const wire: WireInvocation = {
    ...base, msg: payload, encoded_claims: signer.sign(base, payload), host_id: cluster.publicKey, content_length: payload.length, ...over,
  };
  return { wire, cluster };
}

test('subjects: actor and provider', () => {
  assert.equal(actorSubject('default', ACTOR), `wasmbus.rpc.default.${ACTOR}`);
  assert.equal(providerSubject('lab', PROVIDER, 'default'), `wasmbus.rpc.lab.${PROVIDER}.default`);
  assert.equal(targetSubject('lab', kv), `wasmbus.rpc.lab.${PROVIDER}.default`);
  assert.equal(targetSubject('lab', actor(ACTOR)), `wasmbus.rpc.lab.${ACTOR}`);
});

test('entity URLs follow the NIF rules (actor by key; provider by contract/link/key, lowercased, spaces to _)', () => {
  assert.equal(entityUrl(actor(ACTOR)), `wasmbus://${ACTOR}`);
  assert.equal(entityUrl(kv), `wasmbus://wasmcloud/keyvalue/default/${PROVIDER}`);
  assert.equal(entityUrl({ public_key: PROVIDER, contract_id: 'Acme:Key Value', link_name: 'My Link' }), `wasmbus://acme/key_value/my_link/${PROVIDER}`);
  // wash call's origin (reference §4.4)
  assert.equal(entityUrl({ public_key: '__WASH__', contract_id: '', link_name: '' }), 'wasmbus:////__WASH__');
  // the OTP NIF's own test vector (inv.rs invocation_antiforgery)
  assert.equal(targetUrl({ public_key: 'Vxxx', contract_id: 'wasmcloud:messaging', link_name: 'default' }, 'OP_TESTING'), 'wasmbus://wasmcloud/messaging/default/Vxxx/OP_TESTING');
});

test('the invocation hash is SHA-256 over origin_url ‖ target_url ‖ operation ‖ payload, upper hex', () => {
  const payload = Uint8Array.from([0, 1, 2, 250, 255]);
  const o = entityUrl(actor(ACTOR));
  const t = targetUrl(kv, 'KeyValue.Get');
  const independent = createHash('sha256').update(Buffer.concat([Buffer.from(o), Buffer.from(t), Buffer.from('KeyValue.Get'), Buffer.from(payload)])).digest('hex').toUpperCase();
  assert.equal(invocationHash(o, t, 'KeyValue.Get', payload), independent);
  assert.match(independent, /^[0-9A-F]{64}$/);
});

test('a signed invocation: JWT header, claims and Ed25519 signature check out with @nats-io/nkeys', () => {
  const { wire, cluster } = signed();
  const [h, c, s] = wire.encoded_claims.split('.') as [string, string, string];
  assert.deepEqual(b64json(h), { typ: 'jwt', alg: 'Ed25519' });
  const claims = b64json(c);
  assert.equal(claims.iss, cluster.publicKey);
  assert.equal(claims.sub, wire.id);
  assert.equal(typeof claims.jti, 'string');
  assert.ok(Math.abs(claims.iat - Date.now() / 1000) < 60);
  assert.equal(claims.exp, undefined);
  assert.equal(claims.wascap.origin_url, `wasmbus://${ACTOR}`);
  assert.equal(claims.wascap.target_url, `wasmbus://wasmcloud/keyvalue/default/${PROVIDER}/KeyValue.Increment`);
  const independentHash = createHash('sha256').update(Buffer.concat([
    Buffer.from(claims.wascap.origin_url), Buffer.from(claims.wascap.target_url), Buffer.from('KeyValue.Increment'), Buffer.from(wire.msg),
  ])).digest('hex').toUpperCase();
  assert.equal(claims.wascap.hash, independentHash);
  const pub = nkeys.fromPublic(cluster.publicKey);
  assert.equal(pub.verify(enc.encode(`${h}.${c}`), Buffer.from(s, 'base64url')), true);
  assert.equal(pub.verify(enc.encode(`${h}.${c}x`), Buffer.from(s, 'base64url')), false);
  // and the token ids differ per invocation
  assert.notEqual(b64json(signed(cluster).wire.encoded_claims.split('.')[1]!).jti, undefined);
});

test('an invocation signed by @nats-io/nkeys (another implementation) passes verification', () => {
  const ref = nkeys.createCluster();
  const seed = new TextDecoder().decode(ref.getSeed());
  const base = { origin: actor(ACTOR), target: actor(ACTOR), operation: 'Echo.Say', id: 'x-1' };
  const payload = enc.encode('hello');
  const claims = {
    jti: 'abc', iat: Math.floor(Date.now() / 1000), iss: ref.getPublicKey(), sub: 'x-1',
    wascap: { target_url: `wasmbus://${ACTOR}/Echo.Say`, origin_url: `wasmbus://${ACTOR}`, hash: invocationHash(`wasmbus://${ACTOR}`, `wasmbus://${ACTOR}/Echo.Say`, 'Echo.Say', payload) },
  };
  const h = Buffer.from('{"typ":"jwt","alg":"Ed25519"}').toString('base64url');
  const c = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = Buffer.from(ref.sign(enc.encode(`${h}.${c}`))).toString('base64url');
  const wire: WireInvocation = { ...base, msg: payload, encoded_claims: `${h}.${c}.${sig}`, host_id: ref.getPublicKey() };
  const v = verifyInvocation(wire, new Set([ref.getPublicKey()]));
  assert.ok(!isRefusal(v), isRefusal(v) ? v.text : '');
  // our own signer's seed is one @nats-io/nkeys reads too
  assert.equal(nkeys.fromSeed(enc.encode(seed)).getPublicKey(), ref.getPublicKey());
});

test('Invocation bytes: msg is bin, entities are maps, independent decoder reads every field', () => {
  const { wire } = signed(undefined, { traceContext: { traceparent: '00-abc-def-01' } });
  const bytes = encodeInvocation(wire);
  const ref = refDecode(bytes) as Record<string, unknown>;
  assert.deepEqual(ref.origin, actor(ACTOR));
  assert.deepEqual(ref.target, kv);
  assert.equal(ref.operation, 'KeyValue.Increment');
  assert.ok(ref.msg instanceof Uint8Array, 'msg decodes as bin');
  assert.deepEqual([...(ref.msg as Uint8Array)], [...wire.msg]);
  assert.equal(ref.content_length, wire.msg.length);
  assert.equal(ref.host_id, wire.host_id);
  assert.deepEqual(ref.traceContext, { traceparent: '00-abc-def-01' });
  // the bin marker precedes the payload
  const at = Buffer.from(bytes).indexOf(Buffer.from('\xa3msg', 'latin1'));
  assert.equal(bytes[at + 4], 0xc4);
  assert.deepEqual(decodeInvocation(bytes), wire);
});

test('msg sent as str (Elixir hosts) is taken as raw bytes, even when it is not UTF-8', () => {
  const ref = refEncode({ origin: actor(ACTOR), target: actor(ACTOR), operation: 'X.Y', msg: 'QQQQ', id: 'i', encoded_claims: 'e', host_id: 'h' });
  const bytes = Buffer.from(ref);
  const at = bytes.indexOf(Buffer.from('\xa4QQQQ', 'latin1'));
  assert.ok(at > 0);
  bytes.set([0xff, 0xfe, 0x00, 0xc1], at + 1); // invalid UTF-8
  const inv = decodeInvocation(new Uint8Array(bytes));
  assert.deepEqual([...inv.msg], [0xff, 0xfe, 0x00, 0xc1]);
  assert.equal(inv.operation, 'X.Y');
});

test('InvocationResponse: str msg, array msg ([] from OTP), nil error; our encoding is bin', () => {
  const strMsg = decodeResponse(refEncode({ msg: 'pong', invocation_id: 'i1', instance_id: 'u' }));
  assert.deepEqual([...strMsg.msg], [...enc.encode('pong')]);
  assert.equal(strMsg.error, undefined);
  assert.equal(strMsg.instance_id, 'u');
  const notRunning = decodeResponse(refEncode({ msg: [], error: 'Invocation received for actor M that is not running' }));
  assert.equal(notRunning.msg.length, 0);
  assert.equal(notRunning.invocation_id, '');
  assert.match(notRunning.error!, /not running/);
  const nilErr = decodeResponse(refEncode({ msg: new Uint8Array([1]), invocation_id: 'x', error: null, content_length: 1 }));
  assert.equal(nilErr.error, undefined);
  assert.equal(nilErr.content_length, 1);
  const ours = refDecode(encodeResponse({ msg: enc.encode('ok'), invocation_id: 'a', content_length: 2 })) as Record<string, unknown>;
  assert.ok(ours.msg instanceof Uint8Array);
  assert.deepEqual(ours, { msg: ours.msg, invocation_id: 'a', content_length: 2 });
});

test('malformed invocations are refused with errors that say what is wrong', () => {
  assert.throws(() => decodeInvocation(Uint8Array.from([0xdd, 0x01, 0xff, 0xff, 0xff])), /Invocation: payload is not valid msgpack \(array32 at byte 0 declares/);
  assert.throws(() => decodeInvocation(new Uint8Array(0)), /Invocation: empty payload/);
  assert.throws(() => decodeInvocation(refEncode([1, 2])), /Invocation: expected a map, got an array/);
  assert.throws(() => decodeInvocation(refEncode({ origin: actor(ACTOR), target: actor(ACTOR), msg: new Uint8Array(0), id: 'i', encoded_claims: 'e' })),
    /Invocation: the required field 'operation' is missing/);
  assert.throws(() => decodeInvocation(refEncode({ origin: 'M', target: actor(ACTOR), operation: 'a', id: 'i', encoded_claims: 'e' })),
    /Invocation.origin: expected a map \{public_key, contract_id, link_name\}, got a string/);
  assert.throws(() => decodeInvocation(refEncode({ origin: actor(ACTOR), target: actor(ACTOR), operation: 'a', msg: [1, 300], id: 'i', encoded_claims: 'e' })),
    /Invocation.msg: an array payload must hold bytes \(0-255\); element 1 is an integer 300/);
  assert.throws(() => decodeInvocation(refEncode({ origin: actor(ACTOR), target: actor(ACTOR), operation: 'a', id: 'i', encoded_claims: 'e', content_length: -1 })),
    /Invocation.content_length: expected a non-negative integer/);
});

function refusal(v: unknown): Refusal {
  assert.ok(isRefusal(v), 'expected a refusal');
  return v;
}

test('verification: a good invocation passes; each forgery is refused in §4.4 order with its own text', () => {
  const { wire, cluster } = signed();
  const issuers = new Set([cluster.publicKey]);
  const ok = verifyInvocation(wire, issuers);
  assert.ok(!isRefusal(ok));
  assert.equal(ok.hashPending, false);

  const malformed = refusal(verifyInvocation({ ...wire, encoded_claims: 'not.a-jwt' }, issuers));
  assert.match(malformed.text, /^Anti-forgery check failed: the invocation's claims token is malformed/);

  const [h, c, s] = wire.encoded_claims.split('.');
  const otherClaims = Buffer.from(JSON.stringify({ ...b64json(c!), sub: 'changed' })).toString('base64url');
  const badSig = refusal(verifyInvocation({ ...wire, encoded_claims: `${h}.${otherClaims}.${s}` }, issuers));
  assert.match(badSig.text, /^Anti-forgery check failed: Invocation claims signature invalid/);
  assert.equal(badSig.code, 'BAD_SIGNATURE');

  const exp = encodeJwt({ ...b64json(c!), exp: Math.floor(Date.now() / 1000) - 10 }, cluster.seed);
  assert.match(refusal(verifyInvocation({ ...wire, encoded_claims: exp }, issuers)).text, /Invocation claims token expired/);
  const nbf = encodeJwt({ ...b64json(c!), nbf: Math.floor(Date.now() / 1000) + 3600 }, cluster.seed);
  assert.match(refusal(verifyInvocation({ ...wire, encoded_claims: nbf }, issuers)).text, /Attempt to use invocation before claims token allows/);
  const noMeta = encodeJwt({ ...b64json(c!), wascap: undefined }, cluster.seed);
  assert.match(refusal(verifyInvocation({ ...wire, encoded_claims: noMeta }, issuers)).text, /No wascap metadata found on claims/);

  const tampered = refusal(verifyInvocation({ ...wire, msg: enc.encode('\x82\xa3key\xa1k\xa5value\x7f') }, issuers));
  assert.match(tampered.text, /^Anti-forgery check failed: Invocation hash does not match signed claims hash \([0-9A-F]{64} \/ [0-9A-F]{64}\): the payload, operation, origin or target was changed after signing$/);
  // the hash covers the operation and the target too
  assert.match(refusal(verifyInvocation({ ...wire, operation: 'KeyValue.Del' }, issuers)).text, /Invocation hash does not match/);

  assert.match(refusal(verifyInvocation({ ...wire, host_id: 'bogus' }, issuers)).text, /Invalid host ID on invocation: 'bogus'/);

  const stranger = createKeyPair('cluster');
  const foreign = refusal(verifyInvocation(signed(stranger).wire, issuers));
  assert.match(foreign.text, /Issuer of this invocation is not among the list of valid issuers: 'C[A-Z2-7]+…[A-Z2-7]{4}' is not one of this host's cluster issuers; add its cluster public key to WASMCLOUD_CLUSTER_ISSUERS/);

  // signed for another target URL (the hash is over the real target, so only the URL check catches it)
  const claims = b64json(c!);
  const wrongTarget = encodeJwt({ ...claims, wascap: { ...claims.wascap, target_url: `wasmbus://${ACTOR}/KeyValue.Increment` } }, cluster.seed);
  assert.match(refusal(verifyInvocation({ ...wire, encoded_claims: wrongTarget }, issuers)).text,
    /^Anti-forgery check failed: Invocation claims and invocation target URL do not match: signed for 'wasmbus:\/\/M[A-Z2-7]+\/KeyValue.Increment', addressed to 'wasmbus:\/\/wasmcloud\/keyvalue\/default\/V/);
  const wrongOrigin = encodeJwt({ ...claims, wascap: { ...claims.wascap, origin_url: 'wasmbus:////__WASH__' } }, cluster.seed);
  assert.match(refusal(verifyInvocation({ ...wire, encoded_claims: wrongOrigin }, issuers)).text, /Invocation claims and invocation origin URL do not match: signed for 'wasmbus:\/\/\/\/__WASH__'/);
});

test('a chunked invocation defers the hash to the fetched payload', () => {
  const payload = new Uint8Array(2000).fill(7);
  const { wire, cluster } = signed(undefined, {}, payload);
  const chunked = { ...wire, msg: new Uint8Array(0), content_length: payload.length };
  const v = verifyInvocation(chunked, new Set([cluster.publicKey]));
  assert.ok(!isRefusal(v));
  assert.equal(v.hashPending, true);
  assert.equal(verifyHash(chunked, v.claims, payload), undefined);
  const changed = payload.slice();
  changed[1999] = 8;
  assert.match(verifyHash(chunked, v.claims, changed)!.text, /Invocation hash does not match/);
});

test('fast-token.ts writes and reads the same token bytes as the plain path (odd URLs, quotes, non-ASCII, long inputs)', () => {
  const cluster = createKeyPair('cluster');
  const issuers = new Set([cluster.publicKey]);
  const fast = new InvocationSigner(cluster);
  const plain = new InvocationSigner(cluster, { plain: true });
  const scratch = new TokenScratch();
  const cases: { origin: ReturnType<typeof actor> | typeof kv; target: ReturnType<typeof actor> | typeof kv; operation: string; id: string; payload: Uint8Array }[] = [
    { origin: actor(ACTOR), target: kv, operation: 'KeyValue.Increment', id: 'c0ffee00-0000-4000-8000-000000000001', payload: enc.encode('abc') },
    { origin: kv, target: actor(ACTOR.toLowerCase()), operation: 'HttpServer.HandleRequest', id: '', payload: new Uint8Array(0) },
    // characters JSON.stringify escapes, UTF-8 of several lengths, spaces and capitals in the URL parts
    { origin: { public_key: '__WASH__', contract_id: 'Acme:Key "Value"', link_name: 'Ünïcode \\ link' }, target: { public_key: PROVIDER, contract_id: 'x:y\u2028', link_name: 'tab\there' },
      operation: 'Op.\u00e9\u4e2d\ud83d\ude00', id: 'quote " backslash \\ newline \n nul \u0000', payload: Uint8Array.from([0, 255, 34, 92]) },
    // a payload past what is hashed from the scratch, and URLs past the scratch itself
    { origin: actor(ACTOR), target: kv, operation: 'KeyValue.Set', id: 'big', payload: new Uint8Array(INLINE_HASH_MAX + 1).fill(9) },
    { origin: actor(ACTOR), target: kv, operation: `Long.${'\u4e2d'.repeat(6000)}`, id: 'long', payload: enc.encode('x') },
  ];
  for (const c of cases) {
    const o = entityUrl(c.origin);
    const t = targetUrl(c.target, c.operation);
    assert.equal(scratch.invocationHash(o, t, c.operation, c.payload), invocationHash(o, t, c.operation, c.payload), c.operation.slice(0, 20));
    const inv = { origin: c.origin, target: c.target, operation: c.operation, id: c.id };
    const [fh, fc] = fast.sign(inv, c.payload).split('.');
    const [ph, pc] = plain.sign(inv, c.payload).split('.');
    assert.equal(fh, ph);
    const fastText = Buffer.from(fc!, 'base64url').toString('utf8');
    const plainClaims = b64json(pc!);
    // the same claims, in JSON.stringify's own text (key order, escapes); jti and iat are per token
    assert.equal(fastText, JSON.stringify({ ...plainClaims, jti: JSON.parse(fastText).jti, iat: JSON.parse(fastText).iat }));
    // both readers accept both tokens and refuse the same forgeries with the same words
    for (const token of [fast.sign(inv, c.payload), plain.sign(inv, c.payload)]) {
      const wire: WireInvocation = { ...inv, msg: c.payload, encoded_claims: token, host_id: cluster.publicKey, content_length: c.payload.length };
      assert.ok(!isRefusal(verifyInvocation(wire, issuers, Date.now() / 1000, scratch)), 'a good token passes');
      for (const w of [wire, { ...wire, msg: enc.encode('changed') }, { ...wire, encoded_claims: token.slice(0, -2) + (token.endsWith('AA') ? 'BA' : 'AA') }, { ...wire, encoded_claims: `${token.split('.')[0]}.e30.${token.split('.')[2]}` }]) {
        const a = verifyInvocation(w, issuers, Date.now() / 1000, scratch);
        const b = verifyInvocation(w, issuers);
        assert.deepEqual(isRefusal(a) ? a : a.hashPending, isRefusal(b) ? b : b.hashPending);
      }
    }
  }
});

/** The generic decoder's answer, or the error it throws. */
function generic<T>(f: (b: Uint8Array) => T, b: Uint8Array): T | Error {
  try { return f(b); } catch (e) { return e as Error; }
}

test('the fast reader agrees with the bounded decoder: same value, or it steps aside (fuzzed mutations, every truncation)', () => {
  const shapes: Uint8Array[] = [];
  for (const size of [0, 1, 31, 32, 255, 256, 65535, 65536, 70000]) {
    const { wire } = signed(undefined, { operation: size % 2 ? 'Ünïcode.Öp' : 'KeyValue.Increment' }, new Uint8Array(size).fill(size & 0xff));
    shapes.push(encodeInvocation(wire));
    shapes.push(encodeInvocation({ ...wire, content_length: 2 ** 31 + size }));
  }
  shapes.push(refEncode({ origin: actor(ACTOR), target: kv, operation: 'a', msg: 'str msg', id: 'i', encoded_claims: 'e', host_id: 'h' }));
  shapes.push(refEncode({ origin: actor(ACTOR), target: kv, operation: 'a', msg: new Uint8Array(2), id: 'i', encoded_claims: 'e', host_id: null }));
  let fastHits = 0;
  for (const bytes of shapes) {
    const g = generic(decodeInvocationGeneric, bytes);
    const f = decodeInvocationFast(bytes);
    if (f !== undefined) { fastHits++; assert.deepEqual(f, g); }
    assert.deepEqual(generic(decodeInvocation, bytes), g);
  }
  assert.ok(fastHits >= 18, 'the plain shapes take the fast path');
  const base = shapes[2]!;
  let seed = 7;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
  for (let i = 0; i < 3000; i++) {
    const m = Uint8Array.from(base);
    for (let k = 0; k <= rnd() % 3; k++) m[rnd() % m.length] = rnd() & 0xff;
    const f = decodeInvocationFast(m);
    if (f !== undefined) assert.deepEqual(f, generic(decodeInvocationGeneric, m), `mutant ${i}`);
  }
  for (let n = 0; n < base.length; n++) assert.equal(decodeInvocationFast(base.subarray(0, n)), undefined);
  const resp = encodeResponse({ msg: Uint8Array.from([1, 2, 3]), invocation_id: 'abc', error: 'boom', content_length: 0 });
  assert.deepEqual(decodeResponseFast(resp), decodeResponseGeneric(resp));
  for (let n = 0; n < resp.length; n++) assert.equal(decodeResponseFast(resp.subarray(0, n)), undefined);
  for (let i = 0; i < 2000; i++) {
    const m = Uint8Array.from(resp);
    m[rnd() % m.length] = rnd() & 0xff;
    const f = decodeResponseFast(m);
    if (f !== undefined) assert.deepEqual(f, generic(decodeResponseGeneric, m), `response mutant ${i}`);
  }
});
