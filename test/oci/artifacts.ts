// Artifacts for the OCI tests: signed actors (small, and one over a megabyte so progress shows)
// and provider archives (a tar, gzipped, with claims.jwt and a binary per target).
import { gzipSync } from 'node:zlib';
import { signActorModule } from '../../src/claims/sign.js';
import { encodeJwt } from '../../src/claims/jwt.js';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { appendCustomSection } from '../../src/wasm/custom-sections.js';
import { fixture } from '../support/wat.js';

export async function signedActor(name = 'echo'): Promise<Uint8Array> {
  return signActorModule(await fixture('echo'), { name, caps: ['wasmcloud:httpserver'] });
}

/** A signed actor carrying `extra` bytes of padding in a custom section (for progress output). */
export async function largeSignedActor(extra: number): Promise<Uint8Array> {
  const padded = appendCustomSection(await fixture('echo'), 'padding', new Uint8Array(extra).map((_, i) => i % 251));
  return signActorModule(padded, { name: 'large' });
}

/** A provider's claims token, shaped like wascap's provider claims. */
export function providerClaimsJwt(name = 'test-provider'): { token: string; subject: string } {
  const account = createKeyPair('account');
  const service = createKeyPair('service');
  const now = Math.floor(Date.now() / 1000);
  const token = encodeJwt({ jti: 'x'.repeat(22), iat: now, iss: account.publicKey, sub: service.publicKey,
    wascap: { name, capid: 'wasmcloud:example', vendor: 'stratus-tests', target_hashes: {} }, wascap_revision: 3 }, account.seed);
  return { token, subject: service.publicKey };
}

/** A minimal ustar archive (what `tar` writes, for the entries given). */
export function tarArchive(entries: { name: string; data: Uint8Array }[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  const enc = new TextEncoder();
  const field = (h: Uint8Array, at: number, len: number, text: string) => h.set(enc.encode(text).subarray(0, len), at);
  for (const e of entries) {
    const h = new Uint8Array(512);
    field(h, 0, 100, e.name);
    field(h, 100, 8, '0000644\0');
    field(h, 108, 8, '0000000\0');
    field(h, 116, 8, '0000000\0');
    field(h, 124, 12, e.data.length.toString(8).padStart(11, '0') + '\0');
    field(h, 136, 12, '00000000000\0');
    h[156] = '0'.charCodeAt(0);
    field(h, 257, 6, 'ustar\0');
    field(h, 263, 2, '00');
    h.fill(32, 148, 156);
    const sum = h.reduce((a, b) => a + b, 0);
    field(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
    blocks.push(h, e.data, new Uint8Array((512 - (e.data.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024));
  return new Uint8Array(Buffer.concat(blocks));
}

export function providerArchive(opts: { withClaims?: boolean; gzip?: boolean } = {}): { bytes: Uint8Array; subject: string } {
  const claims = providerClaimsJwt();
  const entries = [{ name: 'x86_64-linux.bin', data: new Uint8Array(3000).fill(7) }];
  if (opts.withClaims !== false) entries.unshift({ name: 'claims.jwt', data: new TextEncoder().encode(claims.token) });
  const tar = tarArchive(entries);
  return { bytes: opts.gzip === false ? tar : new Uint8Array(gzipSync(tar)), subject: claims.subject };
}
