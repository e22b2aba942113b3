// Anti-forgery (reference §4.4): every invocation between hosts carries a JWT signed with the
// lattice's cluster key that binds its origin, target, operation and payload; the receiver checks
// it before anything runs. Facts from OTP NIF `inv.rs` (URLs, hash, validate_antiforgery and its
// error texts) and WELD `rpc-rs/src/rpc_client.rs` (validate_invocation). No I/O.
import { createHash, randomBytes } from 'node:crypto';
import { JWT_HEADER } from '../../claims/jwt.js';
import type { WascapClaimsBase } from '../../claims/types.js';
import { sign, verify, type KeyPair } from '../../claims/nkeys.js';
import type { StratusErrorCode } from '../../core/errors.js';
import type { WasmCloudEntity } from '../../core/wire.js';
import type { WireInvocation } from './wire.js';
import { TokenScratch } from './fast-token.js';

/**
 * `wasmbus://{actorPK}` for an actor (a key starting with M or m), otherwise
 * `wasmbus://{contract, ':'→'/', ' '→'_', lowercased}/{link name, ' '→'_', lowercased}/{key}`.
 */
export function entityUrl(e: WasmCloudEntity): string {
  const first = e.public_key.charCodeAt(0);
  if (first === 77 || first === 109) return `wasmbus://${e.public_key}`; // M or m, without upper-casing the key
  const contract = e.contract_id.replaceAll(':', '/').replaceAll(' ', '_').toLowerCase();
  return `wasmbus://${contract}/${e.link_name.replaceAll(' ', '_').toLowerCase()}/${e.public_key}`;
}

/** `url(target)/operation` */
export function targetUrl(target: WasmCloudEntity, operation: string): string {
  return `${entityUrl(target)}/${operation}`;
}

/** HEX_UPPER(SHA-256(origin_url ‖ target_url ‖ operation ‖ payload)), no separators. */
export function invocationHash(originUrl: string, targetUrlText: string, operation: string, payload: Uint8Array, scratch?: TokenScratch): string {
  if (scratch) return scratch.invocationHash(originUrl, targetUrlText, operation, payload);
  return createHash('sha256').update(originUrl).update(targetUrlText).update(operation).update(payload).digest('hex').toUpperCase();
}

/** The claims of an invocation token (wascap `Claims<Invocation>`). */
export interface InvocationClaims extends WascapClaimsBase {
  wascap: { target_url: string; origin_url: string; hash: string };
  wascap_revision?: number;
}

/** What is signed: the invocation's addressing and its whole payload (before any chunking). */
export interface Signable {
  origin: WasmCloudEntity;
  target: WasmCloudEntity;
  operation: string;
  id: string;
}

/** Signs invocations with the cluster key. Token ids are a random prefix and a counter (like a nuid). */
export class InvocationSigner {
  private readonly jtiPrefix = randomBytes(12).toString('base64url');
  private seq = 0;
  /** fast-token.ts; undefined: the plain path (bench/lattice.ts compares the two). */
  private readonly scratch: TokenScratch | undefined;

  constructor(private readonly clusterKey: KeyPair, opts: { plain?: boolean } = {}) {
    this.scratch = opts.plain ? undefined : new TokenScratch();
  }

  get issuer(): string {
    return this.clusterKey.publicKey;
  }

  /** The JWT for `inv` carrying `payload` (the full payload, also when it travels chunked). */
  sign(inv: Signable, payload: Uint8Array): string {
    const origin = entityUrl(inv.origin);
    const target = targetUrl(inv.target, inv.operation);
    const scratch = this.scratch;
    if (scratch) {
      // The text JSON.stringify writes for the claims object below, key for key (a test compares
      // them): the jti, iss and hash need no escaping; the id and the URLs are quoted by JSON.stringify.
      const hash = scratch.invocationHash(origin, target, inv.operation, payload);
      const json = `{"jti":"${this.jtiPrefix}${(this.seq++).toString(36)}","iat":${Math.floor(Date.now() / 1000)},"iss":"${this.clusterKey.publicKey}",`
        + `"sub":${JSON.stringify(inv.id)},"wascap":{"target_url":${JSON.stringify(target)},"origin_url":${JSON.stringify(origin)},"hash":"${hash}"},"wascap_revision":3}`;
      const input = `${HEADER_B64}.${scratch.base64url(json)}`;
      const sig = sign(this.clusterKey.seed, scratch.ascii(input));
      return `${input}.${Buffer.from(sig.buffer, sig.byteOffset, sig.byteLength).toString('base64url')}`;
    }
    const claims: InvocationClaims = {
      jti: `${this.jtiPrefix}${(this.seq++).toString(36)}`,
      iat: Math.floor(Date.now() / 1000),
      iss: this.clusterKey.publicKey,
      sub: inv.id,
      wascap: { target_url: target, origin_url: origin, hash: invocationHash(origin, target, inv.operation, payload) },
      wascap_revision: 3,
    };
    // src/claims/jwt.ts encodeJwt, without its per-call header encoding and signature copies:
    // this runs once per invocation sent (Buffer.from of the three parts was ~7 µs of the ~30 µs
    // Stratus added per call in bench/lattice.ts's CPU profile)
    const input = `${HEADER_B64}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const sig = sign(this.clusterKey.seed, Buffer.from(input, 'latin1'));
    return `${input}.${Buffer.from(sig.buffer, sig.byteOffset, sig.byteLength).toString('base64url')}`;
  }
}

/** The wascap JWT header, base64url: what every signer we know writes (checked by value otherwise). */
const HEADER_B64 = Buffer.from(JWT_HEADER).toString('base64url');
const TOKEN_CHARS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

interface Token {
  claims: unknown;
  /** `<header>.<claims>`, the signed bytes. */
  input: Uint8Array;
  signature: Uint8Array;
}

/** A compact JWT split and decoded (reference §3.2 header rules), or why it is malformed. */
function readToken(token: string, scratch?: TokenScratch): Token | string {
  if (!TOKEN_CHARS.test(token)) return 'expected three dot-separated base64url parts';
  const d1 = token.indexOf('.');
  const d2 = token.indexOf('.', d1 + 1);
  const header = token.slice(0, d1);
  if (header !== HEADER_B64) {
    let h: { typ?: unknown; alg?: unknown };
    try {
      h = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    } catch {
      return 'the header is not JSON';
    }
    if (typeof h !== 'object' || h === null || h.alg !== 'Ed25519' || h.typ !== 'jwt') {
      return 'the header must be {"typ":"jwt","alg":"Ed25519"}';
    }
  }
  if (scratch) {
    const parts = scratch.tokenParts(token, d1, d2);
    let claims: unknown;
    try {
      claims = JSON.parse(parts.claimsText);
    } catch {
      return 'the claims part is not JSON';
    }
    return { claims, input: parts.input, signature: parts.signature };
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(token.slice(d1 + 1, d2), 'base64url').toString('utf8'));
  } catch {
    return 'the claims part is not JSON';
  }
  return { claims, input: Buffer.from(token.slice(0, d2), 'latin1'), signature: Buffer.from(token.slice(d2 + 1), 'base64url') };
}

/** Why an inbound invocation was refused: the text goes back in InvocationResponse.error. */
export interface Refusal {
  code: StratusErrorCode;
  text: string;
}

export const ANTI_FORGERY = 'Anti-forgery check failed: ';

function refuse(text: string): Refusal {
  return { code: 'BAD_SIGNATURE', text: `${ANTI_FORGERY}${text}` };
}

export function isRefusal(x: unknown): x is Refusal {
  return typeof x === 'object' && x !== null && 'code' in x && 'text' in x;
}

function short(key: string): string {
  return key.length > 16 ? `${key.slice(0, 10)}…${key.slice(-4)}` : key;
}

function claimsShape(c: unknown): c is InvocationClaims {
  if (typeof c !== 'object' || c === null) return false;
  const x = c as Record<string, unknown>;
  return typeof x.iss === 'string';
}

function metadataShape(w: unknown): w is InvocationClaims['wascap'] {
  if (typeof w !== 'object' || w === null) return false;
  const x = w as Record<string, unknown>;
  return typeof x.target_url === 'string' && typeof x.origin_url === 'string' && typeof x.hash === 'string';
}

export interface Verified {
  claims: InvocationClaims;
  /** The payload travels chunked: its hash is checked once it is fetched (verifyHash). */
  hashPending: boolean;
}

/**
 * Checks an inbound invocation in the order of §4.4: the token (shape, Ed25519 signature by its
 * issuer, exp/nbf), its wascap metadata, the hash (now when the payload is inline; for a chunked
 * one after it is fetched, where OTP skips it and wasmbus-rpc checks it), the host id sanity
 * check, the issuer among `issuers`, then the target and origin URLs.
 */
export function verifyInvocation(inv: WireInvocation, issuers: ReadonlySet<string>, nowSeconds = Date.now() / 1000, scratch?: TokenScratch): Verified | Refusal {
  const token = readToken(inv.encoded_claims, scratch);
  if (typeof token === 'string') {
    return refuse(`the invocation's claims token is malformed (${token}); invocations must carry a JWT signed with a cluster key`);
  }
  const claims = token.claims;
  if (!claimsShape(claims)) return refuse('the invocation\'s claims token has no issuer (iss)');
  let signed = false;
  try {
    signed = verify(claims.iss, token.input, token.signature);
  } catch {
    signed = false; // an issuer that is not a public key signs nothing
  }
  if (!signed) {
    return refuse(`Invocation claims signature invalid: the token was not signed by its issuer '${short(claims.iss)}' (forged, or changed after signing)`);
  }
  if (typeof claims.exp === 'number' && claims.exp < nowSeconds) return refuse('Invocation claims token expired');
  if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds) return refuse('Attempt to use invocation before claims token allows');
  if (!metadataShape(claims.wascap)) return refuse('No wascap metadata found on claims (target_url, origin_url and hash are required)');
  const chunked = inv.content_length !== undefined && inv.content_length > inv.msg.length;
  const expectedOrigin = entityUrl(inv.origin);
  const expectedTarget = targetUrl(inv.target, inv.operation);
  if (!chunked) {
    const hashRefusal = hashMismatch(claims, invocationHash(expectedOrigin, expectedTarget, inv.operation, inv.msg, scratch));
    if (hashRefusal) return hashRefusal;
  }
  if (!inv.host_id.startsWith('N') && inv.host_id.length !== 56) {
    return refuse(`Invalid host ID on invocation: '${inv.host_id.slice(0, 80)}' (a host or cluster public key, 56 characters)`);
  }
  if (!issuers.has(claims.iss)) {
    return refuse(`Issuer of this invocation is not among the list of valid issuers: '${short(claims.iss)}' is not one of this host's cluster issuers; `
      + 'add its cluster public key to WASMCLOUD_CLUSTER_ISSUERS on this host, or sign with a cluster seed the lattice shares');
  }
  if (claims.wascap.target_url !== expectedTarget) {
    return refuse(`Invocation claims and invocation target URL do not match: signed for '${claims.wascap.target_url.slice(0, 200)}', addressed to '${expectedTarget}'`);
  }
  if (claims.wascap.origin_url !== expectedOrigin) {
    return refuse(`Invocation claims and invocation origin URL do not match: signed for '${claims.wascap.origin_url.slice(0, 200)}', sent as '${expectedOrigin}'`);
  }
  return { claims, hashPending: chunked };
}

/** The signed hash against the invocation with `payload` (its whole payload). */
export function verifyHash(inv: WireInvocation, claims: InvocationClaims, payload: Uint8Array, scratch?: TokenScratch): Refusal | undefined {
  return hashMismatch(claims, invocationHash(entityUrl(inv.origin), targetUrl(inv.target, inv.operation), inv.operation, payload, scratch));
}

function hashMismatch(claims: InvocationClaims, hash: string): Refusal | undefined {
  if (claims.wascap.hash === hash) return undefined;
  return refuse(`Invocation hash does not match signed claims hash (${String(claims.wascap.hash).slice(0, 64)} / ${hash}): `
    + 'the payload, operation, origin or target was changed after signing');
}
