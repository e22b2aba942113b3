// The "claims summary" shown by `stratus claims inspect`, `stratus inspect` and host inventories.
import { isStratusError, type StratusErrorCode } from '../core/errors.js';
import { capName } from '../core/contracts.js';
import type { ActorClaims } from './types.js';
import { isoSeconds, readActorClaims, verifyActorModule } from './verify.js';

export interface ClaimsSummary {
  /** Issuer account (A...). */
  account: string;
  /** Module key (M...) = actor id. */
  module: string;
  name: string;
  caps: string[];
  capNames: string[];
  tags: string[];
  version: string;
  /** `rev`, or `iat` when rev is 0/missing (what OTP reports). */
  revision: number;
  callAlias: string;
  issuedAt: string;
  expires: string;
  notBefore: string;
  hash: string;
  wascapRevision: number | null;
  validNow: boolean;
  /** Why not valid (error code + message). */
  reason?: { code: StratusErrorCode | 'INTERNAL'; message: string };
}

/** "never" / "in 3 days (2026-11-26T22:00:00Z)" / "2 hours ago (...)". */
export function humanTime(seconds: number | undefined, nowSeconds: number, missing: string): string {
  if (seconds === undefined) return missing;
  const delta = seconds - nowSeconds;
  const abs = Math.abs(delta);
  const units: [number, string][] = [[86400 * 365, 'year'], [86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  const [size, unit] = units.find(([s]) => abs >= s) ?? [1, 'second'];
  const n = Math.floor(abs / size);
  const text = `${n} ${unit}${n === 1 ? '' : 's'}`;
  return `${delta >= 0 ? `in ${text}` : `${text} ago`} (${isoSeconds(seconds)})`;
}

export function summarizeClaims(claims: ActorClaims, validity: { ok: true } | { ok: false; code: StratusErrorCode | 'INTERNAL'; message: string }, nowSeconds = Math.floor(Date.now() / 1000)): ClaimsSummary {
  const w = claims.wascap ?? ({} as ActorClaims['wascap']);
  const caps = (w.caps ?? []).filter((c) => c !== '');
  const summary: ClaimsSummary = {
    account: claims.iss,
    module: claims.sub,
    name: w.name ?? '',
    caps,
    capNames: caps.map(capName),
    tags: w.tags ?? [],
    version: w.ver ?? '',
    revision: w.rev ? w.rev : claims.iat,
    callAlias: w.call_alias ?? '',
    issuedAt: claims.iat ? isoSeconds(claims.iat) : '',
    expires: humanTime(claims.exp, nowSeconds, 'never'),
    notBefore: humanTime(claims.nbf, nowSeconds, 'immediately'),
    hash: w.hash ?? '',
    wascapRevision: claims.wascap_revision ?? null,
    validNow: validity.ok,
  };
  if (!validity.ok) summary.reason = { code: validity.code, message: validity.message };
  return summary;
}

/**
 * Read and validate a module's claims for display. Returns undefined when the module has no claims.
 * Throws INVALID_MODULE / BAD_SIGNATURE when the module or token cannot even be decoded.
 */
export function inspectModuleClaims(module: Uint8Array, nowSeconds = Math.floor(Date.now() / 1000)): ClaimsSummary | undefined {
  const embedded = readActorClaims(module);
  if (!embedded) return undefined;
  try {
    verifyActorModule(module, { nowSeconds });
    return summarizeClaims(embedded.claims, { ok: true }, nowSeconds);
  } catch (e) {
    const code = isStratusError(e) ? e.code : 'INTERNAL';
    return summarizeClaims(embedded.claims, { ok: false, code, message: (e as Error).message }, nowSeconds);
  }
}

export function formatClaimsSummary(s: ClaimsSummary, title = 'Actor'): string {
  const rows: [string, string][] = [
    ['Account', s.account],
    ['Module', s.module],
    ['Name', s.name],
    ['Capabilities', s.caps.length ? s.caps.map((c, i) => (s.capNames[i] !== c ? `${s.capNames[i]} (${c})` : c)).join(', ') : '(none)'],
    ['Tags', s.tags.length ? s.tags.join(', ') : '(none)'],
    ['Version', s.version || '(none)'],
    ['Revision', String(s.revision)],
    ['Call alias', s.callAlias || '(not set)'],
    ['Issued', s.issuedAt],
    ['Expires', s.expires],
    ['Can be used', s.notBefore],
    ['Hash', s.hash],
    ['Valid now', s.validNow ? 'yes' : `no — ${s.reason?.code}: ${s.reason?.message.split('\n')[0]}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [`${title} claims`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n');
}
