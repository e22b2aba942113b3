// Built-in providers need a stable service key (V...) so links and inventories survive restarts.
// The key is derived, not stored: seed = SHA-256("stratus/provider/" + name), then the nkey
// service key pair for that Ed25519 seed (reference §3.4).
import { createHash } from 'node:crypto';
import { fromRawSeed, type KeyPair } from '../claims/nkeys.js';

export function providerSeed(name: string): Uint8Array {
  return createHash('sha256').update(`stratus/provider/${name}`).digest().subarray(0, 32);
}

/** The built-in provider's service key pair (its seed signs nothing today, but is stable too). */
export function builtinProviderKeys(name: string): KeyPair {
  return fromRawSeed('service', providerSeed(name));
}

/** The stable provider id (V..., 56 chars) of a built-in provider. */
export function builtinProviderId(name: string): string {
  return builtinProviderKeys(name).publicKey;
}
