// Sign an actor module the way `wash claims sign` does (reference §3.1–3.3, §3.6):
// strip old tokens, hash the rest, sign claims with the issuer (account) key, append a `jwt` section at the end.
import { randomBytes } from 'node:crypto';
import { StratusError } from '../core/errors.js';
import { appendCustomSection, JWT_SECTION_NAMES, stripCustomSections } from '../wasm/custom-sections.js';
import { computeModuleHash } from './hash.js';
import { encodeJwt } from './jwt.js';
import { createKeyPair, fromSeed } from './nkeys.js';
import type { ActorClaims, WascapActorMetadata } from './types.js';

/** wascap format revision written by current signers (module hash rule of §3.3). */
export const WASCAP_REVISION = 3;
const DAY = 86400;

export interface SignActorOptions {
  name: string;
  /** Capability contract ids, e.g. `wasmcloud:keyvalue`. */
  caps?: string[];
  tags?: string[];
  rev?: number;
  ver?: string;
  callAlias?: string;
  prov?: boolean;
  /** Token lifetime from now in days (wash `--expires`). */
  expiresDays?: number;
  /** Token becomes valid this many days from now (wash `--nbf`). */
  notBeforeDays?: number;
  /** Absolute expiry / not-before in seconds since the epoch (win over the *Days variants). */
  exp?: number;
  nbf?: number;
  /** Account seed (SA...). A fresh one is generated when absent. */
  issuer?: string;
  /** Module seed (SM...). A fresh one is generated when absent. */
  subject?: string;
  /** Clock override (seconds since the epoch). */
  nowSeconds?: number;
  /** Custom section to write; `jwt` (default) is readable by every wasmCloud host. */
  sectionName?: (typeof JWT_SECTION_NAMES)[number];
}

export interface SignedActor {
  module: Uint8Array;
  token: string;
  claims: ActorClaims;
  /** Seeds actually used (useful when they were generated). */
  issuerSeed: string;
  subjectSeed: string;
}

const NUID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 22-char random id, the shape of the nuid wascap puts in `jti`. */
export function newJti(): string {
  const bytes = randomBytes(22);
  let out = '';
  for (const b of bytes) out += NUID_ALPHABET[b % 62];
  return out;
}

/** wash's call-alias rule: lowercase words, digits, `_` and `/`; must not look like a public key. */
export function checkCallAlias(alias: string): void {
  if (!/^[a-z0-9_/]+$/.test(alias) || /^[A-Z0-9]{56}$/.test(alias)) {
    throw new StratusError('BAD_REQUEST', `invalid call alias "${alias}"`,
      'use lowercase letters, digits, `_` and `/`, e.g. `wasmcloud/ponger`');
  }
}

function checkDays(label: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isFinite(v) || v < 0)) {
    throw new StratusError('BAD_REQUEST', `${label} must be a non-negative number of days, got ${v}`);
  }
}

/** Sign and return everything: new module bytes, token and claims. */
export function signActor(module: Uint8Array, opts: SignActorOptions): SignedActor {
  if (!opts.name) throw new StratusError('BAD_REQUEST', 'an actor needs a name to be signed', 'pass --name <name>');
  if (opts.callAlias) checkCallAlias(opts.callAlias);
  checkDays('--expires', opts.expiresDays);
  checkDays('--not-before', opts.notBeforeDays);
  if (opts.rev !== undefined && (!Number.isInteger(opts.rev) || opts.rev < 0 || opts.rev > 0x7fffffff)) {
    throw new StratusError('BAD_REQUEST', `revision must be a whole number between 0 and 2147483647, got ${opts.rev}`);
  }
  const issuer = opts.issuer ? fromSeed(opts.issuer, 'account') : createKeyPair('account');
  const subject = opts.subject ? fromSeed(opts.subject, 'module') : createKeyPair('module');

  const stripped = stripCustomSections(module, JWT_SECTION_NAMES);
  const now = Math.floor(opts.nowSeconds ?? Date.now() / 1000);
  const exp = opts.exp ?? (opts.expiresDays !== undefined ? now + Math.round(opts.expiresDays * DAY) : undefined);
  const nbf = opts.nbf ?? (opts.notBeforeDays !== undefined ? now + Math.round(opts.notBeforeDays * DAY) : undefined);

  // Key order follows wascap's serde structs so tokens look like wash's.
  const wascap: WascapActorMetadata = {
    name: opts.name,
    hash: computeModuleHash(stripped),
    tags: opts.tags ?? [],
    caps: [...new Set(opts.caps ?? [])],
    rev: opts.rev ?? 0,
    ...(opts.ver !== undefined ? { ver: opts.ver } : {}),
    ...(opts.callAlias ? { call_alias: opts.callAlias } : {}),
    prov: opts.prov ?? false,
  };
  const claims: ActorClaims = {
    ...(exp !== undefined ? { exp } : {}),
    jti: newJti(),
    iat: now,
    iss: issuer.publicKey,
    sub: subject.publicKey,
    ...(nbf !== undefined ? { nbf } : {}),
    wascap,
    wascap_revision: WASCAP_REVISION,
  };
  const token = encodeJwt(claims, issuer.seed);
  const signed = appendCustomSection(stripped, opts.sectionName ?? 'jwt', new TextEncoder().encode(token));
  return { module: signed, token, claims, issuerSeed: issuer.seed, subjectSeed: subject.seed };
}

/** Sign a module; returns the signed bytes (token appended in a `jwt` custom section). */
export function signActorModule(module: Uint8Array, opts: SignActorOptions): Uint8Array {
  return signActor(module, opts).module;
}
