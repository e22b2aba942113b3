// Validate the claims embedded in an actor module before it may run (reference §3.5).
// Each failure has its own StratusError code so hosts, events and the CLI can tell causes apart.
import { createHash } from 'node:crypto';
import { StratusError } from '../core/errors.js';
import { readJwtSection } from '../wasm/custom-sections.js';
import { computeModuleHash } from './hash.js';
import { checkJwtHeader, decodeJwt, verifyJwtSignature } from './jwt.js';
import { fromRawSeed, isPublicKey } from './nkeys.js';
import type { ActorClaims, VerifiedActor, VerifyOptions } from './types.js';

const RESIGN = 're-sign the module with `stratus claims sign` (or `wash claims sign`)';

/** The token and its decoded claims, without validating anything (for inspection). */
export interface EmbeddedClaims {
  sectionName: string;
  token: string;
  claims: ActorClaims;
}

/** Read the embedded claims, if any. Throws INVALID_MODULE for a broken module, BAD_SIGNATURE for an undecodable token. */
export function readActorClaims(module: Uint8Array): EmbeddedClaims | undefined {
  const found = readJwtSection(module);
  if (!found) return undefined;
  const { claims } = decodeJwt<ActorClaims>(found.token);
  return { sectionName: found.sectionName, token: found.token.trim(), claims };
}

function checkShape(c: ActorClaims, sectionName: string): void {
  const bad = (what: string): never => {
    throw new StratusError('BAD_SIGNATURE', `the claims token in custom section "${sectionName}" is invalid: ${what}`, RESIGN);
  };
  if (typeof c.iss !== 'string' || c.iss === '') bad('the issuer (iss) is empty');
  if (typeof c.sub !== 'string' || c.sub === '') bad('the subject (sub) is empty');
  if (!isPublicKey(c.iss)) bad(`the issuer "${c.iss}" is not an nkey public key`);
  if (typeof c.wascap !== 'object' || c.wascap === null) bad('it has no `wascap` actor metadata (is this a provider or invocation token?)');
  if (typeof c.wascap.hash !== 'string') bad('wascap.hash (the module hash) is missing');
  if (c.exp !== undefined && typeof c.exp !== 'number') bad('exp is not a number');
  if (c.nbf !== undefined && typeof c.nbf !== 'number') bad('nbf is not a number');
  if (c.wascap.caps !== undefined && !Array.isArray(c.wascap.caps)) bad('wascap.caps is not a list');
}

/** Human date for error messages. */
export function isoSeconds(s: number): string {
  const d = new Date(s * 1000);
  return Number.isNaN(d.getTime()) ? String(s) : d.toISOString().replace('.000Z', 'Z');
}

/** The module key an unsigned module gets in development mode: seed = SHA-256(module hash as ASCII hex). */
export function unsignedModuleKey(moduleHash: string): string {
  return fromRawSeed('module', new Uint8Array(createHash('sha256').update(moduleHash).digest())).publicKey;
}

/**
 * Verify a module's claims: header, iss/sub, Ed25519 signature by `iss`, issuer allow-list,
 * module hash (revision ≥3 or absent; revision 2 hashes cannot be reproduced and are skipped), exp, nbf.
 */
export function verifyActorModule(module: Uint8Array, opts: VerifyOptions = {}): VerifiedActor {
  const moduleHash = computeModuleHash(module); // also validates the module framing (INVALID_MODULE)
  const found = readJwtSection(module);
  if (!found) {
    if (opts.allowUnsigned) {
      const sub = unsignedModuleKey(moduleHash);
      const claims: ActorClaims = { jti: '', iat: 0, iss: '', sub, wascap: { name: `unsigned-${moduleHash.slice(0, 8).toLowerCase()}`, hash: moduleHash, tags: [], caps: [] } };
      return { claims, token: '', publicKey: sub, moduleHash, unsigned: true };
    }
    throw new StratusError('NO_CLAIMS', 'the module carries no claims (no `jwt` or `wasmcloud_jwt` custom section)',
      'build it with `stratus build` (signs it with the claims in stratus.json), or sign it with `stratus claims sign <file.wasm> --name <name> [caps...]`, or start the host with allowUnsigned for development');
  }

  const token = found.token.trim();
  const decoded = decodeJwt<ActorClaims>(token);
  checkJwtHeader(decoded.header);
  const claims = decoded.claims;
  checkShape(claims, found.sectionName);

  if (!verifyJwtSignature(decoded, claims.iss)) {
    throw new StratusError('BAD_SIGNATURE',
      `invalid signature on the module token: it was not signed by its issuer ${claims.iss} (forged or edited claims)`, RESIGN);
  }
  if (opts.trustedIssuers && opts.trustedIssuers.length > 0 && !opts.trustedIssuers.includes(claims.iss)) {
    throw new StratusError('UNTRUSTED_ISSUER',
      `the module was issued by account ${claims.iss}, which is not in the trusted issuers list`,
      'sign the module with a trusted account key (`stratus claims sign --issuer <seed>`) or add this account to trustedIssuers');
  }
  const revision = claims.wascap_revision;
  if (revision === undefined || revision >= 3) {
    if (claims.wascap.hash !== moduleHash) {
      throw new StratusError('HASH_MISMATCH',
        `the module was changed after signing: its hash is ${moduleHash} but the claims say ${claims.wascap.hash}`, RESIGN);
    }
  }
  const now = Math.floor(opts.nowSeconds ?? Date.now() / 1000);
  if (claims.exp !== undefined && claims.exp < now) {
    throw new StratusError('EXPIRED', `the module's claims expired at ${isoSeconds(claims.exp)}`,
      `${RESIGN} with a later --expires, or without one`);
  }
  if (claims.nbf !== undefined && claims.nbf > now) {
    throw new StratusError('NOT_YET_VALID', `the module's claims are not valid before ${isoSeconds(claims.nbf)}`,
      `wait until then, or ${RESIGN} without --not-before`);
  }
  return { claims, token, publicKey: claims.sub, moduleHash, unsigned: false };
}
