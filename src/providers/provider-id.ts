// Built-in providers need a stable service key (V...) so links and inventories survive restarts.
// The key is derived, not stored: seed = SHA-256("stratus/provider/" + name), then the nkey
// public key for that Ed25519 seed (reference §3.4, prefix byte 21<<3 = 'V').
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { base32Encode } from '../claims/base32.js';
import { crc16 } from '../claims/crc16.js';

const SERVICE_PREFIX = 21 << 3;
// DER header of a PKCS#8 Ed25519 private key; the 32-byte seed follows it.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function providerSeed(name: string): Uint8Array {
  return createHash('sha256').update(`stratus/provider/${name}`).digest().subarray(0, 32);
}

export function ed25519PublicFromSeed(seed: Uint8Array): Uint8Array {
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - 32));
}

/** nkey encoding of a service public key: base32(prefix ‖ key ‖ crc16_le). */
export function servicePublicKey(pub: Uint8Array): string {
  const raw = new Uint8Array(35);
  raw[0] = SERVICE_PREFIX;
  raw.set(pub, 1);
  const crc = crc16(raw.subarray(0, 33));
  raw[33] = crc & 0xff;
  raw[34] = crc >>> 8;
  return base32Encode(raw);
}

/** The stable provider id (V..., 56 chars) of a built-in provider. */
export function builtinProviderId(name: string): string {
  return servicePublicKey(ed25519PublicFromSeed(providerSeed(name)));
}
