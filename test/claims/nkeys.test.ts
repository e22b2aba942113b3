import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nats from '@nats-io/nkeys';
import { base32Decode, base32Encode } from '../../src/claims/base32.js';
import { crc16 } from '../../src/claims/crc16.js';
import {
  createKeyPair, decodePublicKey, decodeSeed, encodePublicKey, encodeSeed, fromRawSeed, fromSeed, isPublicKey,
  KEY_KINDS, publicKeyFromSeed, sign, verify, type KeyKind,
} from '../../src/claims/nkeys.js';
import { isStratusError } from '../../src/core/errors.js';

const enc = new TextEncoder();
const LETTER: Record<KeyKind, string> = { account: 'A', cluster: 'C', module: 'M', server: 'N', operator: 'O', user: 'U', service: 'V' };
const NATS_PREFIX: Partial<Record<KeyKind, nats.Prefix>> = {
  account: nats.Prefix.Account, cluster: nats.Prefix.Cluster, server: nats.Prefix.Server,
  operator: nats.Prefix.Operator, user: nats.Prefix.User,
};

test('base32 matches the RFC 4648 test vectors (without padding)', () => {
  const vectors: [string, string][] = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
  for (const [plain, b32] of vectors) {
    assert.equal(base32Encode(enc.encode(plain)), b32);
    assert.equal(new TextDecoder().decode(base32Decode(b32)), plain);
  }
  assert.throws(() => base32Decode('MZ1W'), (e) => isStratusError(e, 'BAD_REQUEST') && /invalid base32 character "1"/.test(e.message));
});

test('CRC-16/XMODEM check value of "123456789" is 0x31C3', () => {
  assert.equal(crc16(enc.encode('123456789')), 0x31c3);
  assert.equal(crc16(new Uint8Array()), 0);
});

test('Ed25519 matches RFC 8032 test 1 (seed -> public key, signature of the empty message)', () => {
  const raw = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
  const kp = fromRawSeed('account', raw);
  assert.deepEqual(Buffer.from(decodePublicKey(kp.publicKey).raw).toString('hex'), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  assert.equal(Buffer.from(sign(kp.seed, new Uint8Array())).toString('hex'),
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
});

for (const kind of Object.keys(NATS_PREFIX) as KeyKind[]) {
  test(`${kind} keys agree with @nats-io/nkeys in both directions`, () => {
    // their seed -> our public key
    const theirs = nats.createPair(NATS_PREFIX[kind]!);
    const theirSeed = new TextDecoder().decode(theirs.getSeed());
    const ours = fromSeed(theirSeed, kind);
    assert.equal(ours.publicKey, theirs.getPublicKey());
    assert.equal(ours.seed, theirSeed);
    // our seed -> their public key
    const mine = createKeyPair(kind);
    const mirrored = nats.fromSeed(enc.encode(mine.seed));
    assert.equal(mirrored.getPublicKey(), mine.publicKey);
    // signatures verify both ways
    const msg = enc.encode(`hello ${kind}`);
    assert.equal(nats.fromPublic(mine.publicKey).verify(msg, sign(mine.seed, msg)), true);
    assert.equal(verify(theirs.getPublicKey(), msg, theirs.sign(msg)), true);
    assert.equal(verify(theirs.getPublicKey(), enc.encode('other'), theirs.sign(msg)), false);
  });
}

test('module and service keys (unsupported by @nats-io/nkeys) use the same Ed25519 key as an account seed of the same bytes', () => {
  const account = nats.createAccount();
  const raw = decodeSeed(new TextDecoder().decode(account.getSeed())).raw;
  const accountRawPub = decodePublicKey(account.getPublicKey()).raw;
  for (const kind of ['module', 'service'] as const) {
    const kp = fromRawSeed(kind, raw);
    assert.deepEqual(decodePublicKey(kp.publicKey, kind).raw, accountRawPub);
    const msg = enc.encode('payload');
    assert.equal(account.verify(msg, sign(kp.seed, msg)), true);
  }
});

for (const kind of KEY_KINDS) {
  test(`${kind} keys: prefix letters, lengths and round trips`, () => {
    const kp = createKeyPair(kind);
    assert.equal(kp.publicKey.length, 56);
    assert.equal(kp.seed.length, 58);
    assert.equal(kp.publicKey[0], LETTER[kind]);
    assert.equal(kp.seed.slice(0, 2), `S${LETTER[kind]}`);
    const { kind: k, raw } = decodeSeed(kp.seed);
    assert.equal(k, kind);
    assert.equal(encodeSeed(kind, raw), kp.seed);
    assert.equal(publicKeyFromSeed(kp.seed), kp.publicKey);
    const pub = decodePublicKey(kp.publicKey, kind);
    assert.equal(encodePublicKey(kind, pub.raw), kp.publicKey);
    assert.equal(isPublicKey(kp.publicKey, kind), true);
  });
}

test('a flipped character fails the CRC for seeds and public keys', () => {
  const kp = createKeyPair('module');
  const flip = (s: string, i: number): string => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  assert.throws(() => decodePublicKey(flip(kp.publicKey, 20)), (e) => isStratusError(e, 'BAD_REQUEST') && /checksum/.test(e.message));
  assert.throws(() => decodeSeed(flip(kp.seed, 30)), (e) => isStratusError(e, 'BAD_REQUEST') && /checksum/.test(e.message));
  assert.equal(isPublicKey(flip(kp.publicKey, 10)), false);
});

test('wrong prefix, wrong length and non-seed inputs give clear errors', () => {
  const account = createKeyPair('account');
  assert.throws(() => fromSeed(account.seed, 'module'), (e) => isStratusError(e, 'BAD_REQUEST') && /expected a module seed \(SM\.\.\.\), got an account seed/.test(e.message) && /stratus keys gen module/.test(e.message));
  assert.throws(() => decodePublicKey(account.publicKey, 'service'), (e) => isStratusError(e) && /expected a service public key \(V\.\.\.\), got an account key/.test(e.message));
  assert.throws(() => decodePublicKey(account.publicKey.slice(0, 50)), (e) => isStratusError(e) && /wrong length/.test(e.message));
  assert.throws(() => decodeSeed(account.publicKey), (e) => isStratusError(e) && /wrong length/.test(e.message));
  assert.throws(() => decodeSeed(''), (e) => isStratusError(e) && /empty/.test(e.message));
  // a well-formed 34-byte payload with a valid CRC but no seed marker
  const fake = new Uint8Array(34);
  fake[0] = 0x08;
  const crc = crc16(fake);
  const text = base32Encode(Uint8Array.from([...fake, crc & 0xff, crc >> 8]));
  assert.throws(() => decodeSeed(text), (e) => isStratusError(e) && /is not a seed/.test(e.message));
});

test('signatures from another key or over other data do not verify', () => {
  const a = createKeyPair('account');
  const b = createKeyPair('account');
  const msg = enc.encode('data');
  const sig = sign(a.seed, msg);
  assert.equal(sig.length, 64);
  assert.equal(verify(a.publicKey, msg, sig), true);
  assert.equal(verify(b.publicKey, msg, sig), false);
  assert.equal(verify(a.publicKey, msg, sig.subarray(0, 63)), false);
  const tampered = Uint8Array.from(sig);
  tampered[5] ^= 1;
  assert.equal(verify(a.publicKey, msg, tampered), false);
});

test('the §3.4 fixture key strings (truncated in the reference) have the documented kinds', () => {
  // Only the first characters are given: "SAAJJWG…" is an account seed, "SMAJ2SNJ…" a module seed.
  // Their leading bytes decode to the seed marker and the right prefix.
  const lead = (s: string): Uint8Array => base32Decode(s.slice(0, 8));
  const kindOf = (b: Uint8Array): number => ((b[0]! & 7) << 5) | ((b[1]! & 0xf8) >> 3);
  assert.equal(lead('SAAJJWGA')[0]! & 0xf8, 18 << 3);
  assert.equal(kindOf(lead('SAAJJWGA')), 0);
  assert.equal(kindOf(lead('SMAJ2SNJ')), 12 << 3);
});
