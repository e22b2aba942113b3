// nkeys: Ed25519 keys in NATS/wasmCloud text form (reference §3.4).
// Implemented here because @nats-io/nkeys rejects the module (`M`) prefix that actors need.
//   public key = base32(prefix ‖ pub[32] ‖ crc16le)            -> 56 chars
//   seed       = base32(b1 ‖ b2 ‖ seed[32] ‖ crc16le)           -> 58 chars, starts with `S`
import { createPrivateKey, createPublicKey, randomBytes, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { StratusError } from '../core/errors.js';
import { base32Decode, base32Encode } from './base32.js';
import { crc16 } from './crc16.js';

export type KeyKind = 'account' | 'cluster' | 'module' | 'server' | 'operator' | 'user' | 'service';

/** Prefix bytes of §3.4; the first base32 char of a public key is the letter in the comment. */
export const KEY_PREFIX: Readonly<Record<KeyKind, number>> = {
  account: 0,        // A
  cluster: 2 << 3,   // C
  module: 12 << 3,   // M
  server: 13 << 3,   // N
  operator: 14 << 3, // O
  user: 20 << 3,     // U
  service: 21 << 3,  // V
};
export const KEY_KINDS = Object.keys(KEY_PREFIX) as KeyKind[];
const SEED_PREFIX = 18 << 3; // `S`

const KIND_BY_PREFIX = new Map<number, KeyKind>(KEY_KINDS.map((k) => [KEY_PREFIX[k], k]));

// DER wrappers that turn a raw 32-byte Ed25519 seed / public key into something node:crypto accepts.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface KeyPair {
  kind: KeyKind;
  /** 58-char seed, `S` + kind letter + ... — keep secret. */
  seed: string;
  /** 56-char public key. */
  publicKey: string;
}

function keyError(what: string, hint?: string): StratusError {
  return new StratusError('BAD_REQUEST', what, hint);
}

function withCrc(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 2);
  out.set(body);
  const crc = crc16(body);
  out[body.length] = crc & 0xff;
  out[body.length + 1] = crc >>> 8;
  return out;
}

/** Decode base32 and check length and CRC; returns the bytes without the checksum. */
function unwrap(text: string, expectedLen: number, what: string): Uint8Array {
  if (typeof text !== 'string' || text.length === 0) throw keyError(`${what} is empty`);
  const raw = base32Decode(text.trim());
  if (raw.length !== expectedLen + 2) {
    throw keyError(`${what} "${abbreviate(text)}" has the wrong length (${text.length} chars)`,
      `a ${what} is ${what === 'seed' ? 58 : 56} characters long`);
  }
  const body = raw.subarray(0, expectedLen);
  const crc = raw[expectedLen]! | (raw[expectedLen + 1]! << 8);
  if (crc !== crc16(body)) throw keyError(`${what} "${abbreviate(text)}" fails its checksum (mistyped or truncated)`);
  return body;
}

function abbreviate(s: string): string {
  return s.length > 12 ? `${s.slice(0, 6)}…${s.slice(-4)}` : s;
}

function kindLetter(kind: KeyKind): string {
  return base32Encode(new Uint8Array([KEY_PREFIX[kind]]))[0]!;
}

export function encodePublicKey(kind: KeyKind, raw: Uint8Array): string {
  if (raw.length !== 32) throw keyError(`an Ed25519 public key is 32 bytes, got ${raw.length}`);
  const body = new Uint8Array(33);
  body[0] = KEY_PREFIX[kind];
  body.set(raw, 1);
  return base32Encode(withCrc(body));
}

export function decodePublicKey(publicKey: string, expected?: KeyKind): { kind: KeyKind; raw: Uint8Array } {
  const body = unwrap(publicKey, 33, 'public key');
  const kind = KIND_BY_PREFIX.get(body[0]!);
  if (!kind) throw keyError(`public key "${abbreviate(publicKey)}" has an unknown prefix byte ${body[0]}`);
  if (expected && kind !== expected) {
    throw keyError(`expected ${article(expected)} ${expected} public key (${kindLetter(expected)}...), got ${article(kind)} ${kind} key "${abbreviate(publicKey)}"`);
  }
  return { kind, raw: body.slice(1) };
}

export function encodeSeed(kind: KeyKind, raw: Uint8Array): string {
  if (raw.length !== 32) throw keyError(`an Ed25519 seed is 32 bytes, got ${raw.length}`);
  const prefix = KEY_PREFIX[kind];
  const body = new Uint8Array(34);
  body[0] = SEED_PREFIX | (prefix >>> 5);
  body[1] = (prefix & 31) << 3;
  body.set(raw, 2);
  return base32Encode(withCrc(body));
}

export function decodeSeed(seed: string, expected?: KeyKind): { kind: KeyKind; raw: Uint8Array } {
  const body = unwrap(seed, 34, 'seed');
  if ((body[0]! & 0xf8) !== SEED_PREFIX) throw keyError(`"${abbreviate(seed)}" is not a seed (seeds start with S)`);
  const prefix = ((body[0]! & 7) << 5) | ((body[1]! & 0xf8) >>> 3);
  const kind = KIND_BY_PREFIX.get(prefix);
  if (!kind) throw keyError(`seed "${abbreviate(seed)}" has an unknown key type prefix ${prefix}`);
  if (expected && kind !== expected) {
    throw keyError(`expected ${article(expected)} ${expected} seed (S${kindLetter(expected)}...), got ${article(kind)} ${kind} seed`,
      `generate one with \`stratus keys gen ${expected}\``);
  }
  return { kind, raw: body.slice(2) };
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

function privateKeyObject(rawSeed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, rawSeed]), format: 'der', type: 'pkcs8' });
}

function rawPublicFromSeed(rawSeed: Uint8Array): Uint8Array {
  const der = createPublicKey(privateKeyObject(rawSeed)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

export function createKeyPair(kind: KeyKind): KeyPair {
  return fromRawSeed(kind, new Uint8Array(randomBytes(32)));
}

export function fromRawSeed(kind: KeyKind, rawSeed: Uint8Array): KeyPair {
  return { kind, seed: encodeSeed(kind, rawSeed), publicKey: encodePublicKey(kind, rawPublicFromSeed(rawSeed)) };
}

export function fromSeed(seed: string, expected?: KeyKind): KeyPair {
  const { kind, raw } = decodeSeed(seed, expected);
  return fromRawSeed(kind, raw);
}

export function publicKeyFromSeed(seed: string): string {
  return fromSeed(seed).publicKey;
}

export function isPublicKey(text: string, kind?: KeyKind): boolean {
  try {
    decodePublicKey(text, kind);
    return true;
  } catch {
    return false;
  }
}

// Verification of invocations/tokens repeats with the same few keys; parsing DER each time is wasted work.
const verifyKeyCache = new Map<string, KeyObject>();
const signKeyCache = new Map<string, KeyObject>();
const CACHE_LIMIT = 256;

function cached(cache: Map<string, KeyObject>, key: string, make: () => KeyObject): KeyObject {
  let k = cache.get(key);
  if (!k) {
    k = make();
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(key, k);
  }
  return k;
}

/** Ed25519 signature (64 bytes) of `data` with the key of `seed`. */
export function sign(seed: string, data: Uint8Array): Uint8Array {
  const key = cached(signKeyCache, seed, () => privateKeyObject(decodeSeed(seed).raw));
  return new Uint8Array(edSign(null, data, key));
}

/** True when `signature` is a valid Ed25519 signature of `data` by `publicKey`. Throws only for a malformed key. */
export function verify(publicKey: string, data: Uint8Array, signature: Uint8Array): boolean {
  const key = cached(verifyKeyCache, publicKey, () =>
    createPublicKey({ key: Buffer.concat([SPKI_PREFIX, decodePublicKey(publicKey).raw]), format: 'der', type: 'spki' }));
  if (signature.length !== 64) return false;
  return edVerify(null, data, key, signature);
}
