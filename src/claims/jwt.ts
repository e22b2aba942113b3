// Compact JWTs as wascap writes them (reference §3.2): base64url (no padding) of
// header `{"typ":"jwt","alg":"Ed25519"}`, claims JSON, and an Ed25519 signature by the issuer.
import { StratusError } from '../core/errors.js';
import { sign, verify } from './nkeys.js';

export const JWT_HEADER = '{"typ":"jwt","alg":"Ed25519"}';
const B64URL = /^[A-Za-z0-9_-]*$/;

export interface DecodedJwt<T> {
  header: { typ?: unknown; alg?: unknown };
  claims: T;
  /** `<b64 header>.<b64 claims>` — the signed bytes. */
  signingInput: string;
  signature: Uint8Array;
}

function b64url(data: string | Uint8Array): string {
  return Buffer.from(data).toString('base64url');
}

function malformed(what: string): StratusError {
  return new StratusError('BAD_SIGNATURE', `the claims token is malformed: ${what}`,
    're-sign the module with `stratus claims sign` (or `wash claims sign`)');
}

/** Sign `claims` with the issuer `seed`. */
export function encodeJwt(claims: object, seed: string): string {
  const signingInput = `${b64url(JWT_HEADER)}.${b64url(JSON.stringify(claims))}`;
  return `${signingInput}.${b64url(sign(seed, new TextEncoder().encode(signingInput)))}`;
}

/** Split and decode a token without checking anything beyond its shape. */
export function decodeJwt<T = unknown>(token: string): DecodedJwt<T> {
  const parts = token.trim().split('.');
  if (parts.length !== 3) throw malformed(`expected 3 dot-separated parts, found ${parts.length}`);
  const [h, c, s] = parts as [string, string, string];
  for (const [part, label] of [[h, 'header'], [c, 'claims'], [s, 'signature']] as const) {
    if (!B64URL.test(part)) throw malformed(`the ${label} part is not base64url`);
  }
  let header: DecodedJwt<T>['header'];
  let claims: T;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
  } catch {
    throw malformed('the header is not JSON');
  }
  try {
    claims = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
  } catch {
    throw malformed('the claims part is not JSON');
  }
  if (typeof header !== 'object' || header === null) throw malformed('the header is not a JSON object');
  if (typeof claims !== 'object' || claims === null) throw malformed('the claims part is not a JSON object');
  return { header, claims, signingInput: `${h}.${c}`, signature: new Uint8Array(Buffer.from(s, 'base64url')) };
}

/** Header must be exactly typ=jwt, alg=Ed25519 (wascap rejects anything else). */
export function checkJwtHeader(header: DecodedJwt<unknown>['header']): void {
  if (header.alg !== 'Ed25519') throw malformed(`header alg is ${JSON.stringify(header.alg)}, expected "Ed25519"`);
  if (header.typ !== 'jwt') throw malformed(`header typ is ${JSON.stringify(header.typ)}, expected "jwt"`);
}

/** True when the token's signature was made by `issuerPublicKey`. */
export function verifyJwtSignature(decoded: DecodedJwt<unknown>, issuerPublicKey: string): boolean {
  return verify(issuerPublicKey, new TextEncoder().encode(decoded.signingInput), decoded.signature);
}
