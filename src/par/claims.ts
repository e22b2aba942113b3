// Capability provider claims as wascap writes them into a provider archive's `claims.jwt`
// (reference §3.2, §3.7): issuer an account (A...), subject a service key (V...), `wascap` with
// the contract, vendor and the SHA-256 (uppercase hex) of each target's binary.
import { StratusError } from '../core/errors.js';
import { checkJwtHeader, decodeJwt, encodeJwt, verifyJwtSignature } from '../claims/jwt.js';
import { createKeyPair, fromSeed, isPublicKey } from '../claims/nkeys.js';
import { newJti, WASCAP_REVISION } from '../claims/sign.js';
import { isoSeconds } from '../claims/verify.js';

export interface WascapProviderMetadata {
  name?: string;
  capid: string;
  vendor: string;
  rev?: number;
  ver?: string;
  /** `{"x86_64-linux": "<SHA-256 uppercase hex>"}` */
  target_hashes: Record<string, string>;
  config_schema?: unknown;
}

export interface ProviderClaims {
  exp?: number;
  jti: string;
  iat: number;
  iss: string;
  sub: string;
  nbf?: number;
  wascap: WascapProviderMetadata;
  wascap_revision?: number;
}

export interface SignProviderOptions {
  name: string;
  capid: string;
  vendor: string;
  rev?: number;
  ver?: string;
  targetHashes: Record<string, string>;
  /** Account seed (SA...); generated when absent. */
  issuer?: string;
  /** Service seed (SV...); generated when absent. It gives the provider its id. */
  subject?: string;
  nowSeconds?: number;
}

const RESIGN = 'rebuild the archive with `stratus par create` (or `wash par create`)';

/** Sign provider claims; key order as wascap's serde structs write them. */
export function signProviderClaims(o: SignProviderOptions): { token: string; claims: ProviderClaims } {
  if (!o.name) throw new StratusError('BAD_REQUEST', 'a provider needs a name', 'pass --name <name>');
  if (!/^[^:\s]+:[^\s]+$/.test(o.capid)) {
    throw new StratusError('BAD_REQUEST', `capability contract id "${o.capid}" is not of the form <namespace>:<name>`, 'pass e.g. --capid wasmcloud:keyvalue');
  }
  if (!o.vendor) throw new StratusError('BAD_REQUEST', 'a provider needs a vendor', 'pass --vendor <vendor>');
  if (o.rev !== undefined && (!Number.isInteger(o.rev) || o.rev < 0 || o.rev > 0x7fffffff)) {
    throw new StratusError('BAD_REQUEST', `revision must be a whole number between 0 and 2147483647, got ${o.rev}`);
  }
  const issuer = o.issuer ? fromSeed(o.issuer, 'account') : createKeyPair('account');
  const subject = o.subject ? fromSeed(o.subject, 'service') : createKeyPair('service');
  const claims: ProviderClaims = {
    jti: newJti(),
    iat: Math.floor(o.nowSeconds ?? Date.now() / 1000),
    iss: issuer.publicKey,
    sub: subject.publicKey,
    wascap: {
      name: o.name,
      capid: o.capid,
      vendor: o.vendor,
      rev: o.rev ?? 0,
      ...(o.ver !== undefined ? { ver: o.ver } : {}),
      target_hashes: { ...o.targetHashes },
    },
    wascap_revision: WASCAP_REVISION,
  };
  return { token: encodeJwt(claims, issuer.seed), claims };
}

/** Decode a provider token and check its shape (not its signature). */
export function decodeProviderClaims(token: string): ProviderClaims {
  const decoded = decodeJwt<ProviderClaims>(token);
  checkJwtHeader(decoded.header);
  checkShape(decoded.claims);
  return decoded.claims;
}

function checkShape(c: ProviderClaims): void {
  const bad = (what: string) => new StratusError('BAD_SIGNATURE', `the provider claims are malformed: ${what}`, RESIGN);
  if (typeof c.iss !== 'string' || !isPublicKey(c.iss, 'account')) throw bad(`issuer ${JSON.stringify(c.iss)} is not an account key (A...)`);
  if (typeof c.sub !== 'string' || !isPublicKey(c.sub, 'service')) throw bad(`subject ${JSON.stringify(c.sub)} is not a service key (V...)`);
  const w = c.wascap as Partial<WascapProviderMetadata> | undefined;
  if (typeof w !== 'object' || w === null) throw bad('no `wascap` object');
  if (typeof w.capid !== 'string' || w.capid === '') throw bad('no `wascap.capid`');
  if (typeof w.target_hashes !== 'object' || w.target_hashes === null) throw bad('no `wascap.target_hashes`');
}

export interface VerifyProviderOptions {
  trustedIssuers?: readonly string[];
  nowSeconds?: number;
}

/** Verify signature, issuer allow-list and validity period; each failure its own error. */
export function verifyProviderToken(token: string, o: VerifyProviderOptions = {}): ProviderClaims {
  const decoded = decodeJwt<ProviderClaims>(token);
  checkJwtHeader(decoded.header);
  const c = decoded.claims;
  checkShape(c);
  if (!verifyJwtSignature(decoded, c.iss)) {
    throw new StratusError('BAD_SIGNATURE', `invalid signature on the provider archive's claims: they were not signed by their issuer ${c.iss} (forged or edited claims)`, RESIGN);
  }
  if (o.trustedIssuers && o.trustedIssuers.length > 0 && !o.trustedIssuers.includes(c.iss)) {
    throw new StratusError('UNTRUSTED_ISSUER', `the provider archive was issued by account ${c.iss}, which is not in the trusted issuers list`,
      'sign the archive with a trusted account key (`stratus par create --issuer <seed>`) or add this account with --trusted-issuer');
  }
  const now = Math.floor(o.nowSeconds ?? Date.now() / 1000);
  if (c.exp !== undefined && c.exp < now) throw new StratusError('EXPIRED', `the provider's claims expired at ${isoSeconds(c.exp)}`, RESIGN);
  if (c.nbf !== undefined && c.nbf > now) throw new StratusError('NOT_YET_VALID', `the provider's claims are not valid before ${isoSeconds(c.nbf)}`, RESIGN);
  return c;
}
