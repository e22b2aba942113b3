// The claims `get.claims` answers with: every `CLAIMS_` record of the lattice's metadata bucket
// (LATTICEDATA_{lattice}, reference §4.7; written by the members' metadata component) plus the
// claims of the actors running here, in the CLAIMS_ shape (all values strings, caps and tags
// comma-joined). From the records this host's metadata watcher holds (as OTP answers from the
// cache its bucket watch fills); without the metadata component, read from the bucket, as wash
// ≥ Dec 2022 does (CTL `kv.rs`): one request per key, which at a thousand actors took longer than
// the answer may.
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { claimsView } from '../../host/views.js';
import type { LatticeContext } from '../types.js';

export type ClaimsRecord = Record<string, string | null>;

/** Only string (or null) values of an untrusted record. */
function sanitize(v: unknown): ClaimsRecord | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const out: ClaimsRecord = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'string' || val === null) Object.defineProperty(out, k, { value: val, enumerable: true, writable: true });
  }
  return typeof out.sub === 'string' ? out : undefined;
}

async function bucketClaims(ctx: LatticeContext): Promise<ClaimsRecord[]> {
  const kv = await new Kvm(jetstream(ctx.rpc, ctx.config.jsDomain ? { domain: ctx.config.jsDomain } : {})).open(`LATTICEDATA_${ctx.config.prefix}`);
  const out: ClaimsRecord[] = [];
  for await (const key of await kv.keys()) {
    if (!key.startsWith('CLAIMS_')) continue;
    const e = await kv.get(key);
    if (!e || e.operation !== 'PUT') continue;
    try {
      const rec = sanitize(e.json());
      if (rec) out.push(rec);
    } catch { /* not JSON: not a claims record */ }
  }
  return out;
}

/** The watched CLAIMS_ values, sanitized (a value that is not a claims record is left out). */
function watchedClaims(texts: Iterable<string>): ClaimsRecord[] {
  const out: ClaimsRecord[] = [];
  for (const text of texts) {
    try {
      const rec = sanitize(JSON.parse(text));
      if (rec) out.push(rec);
    } catch { /* not JSON: not a claims record */ }
  }
  return out;
}

/** Lattice claims, local ones first; without the watched records, the bucket is asked for at most `timeoutMs`. */
export async function latticeClaims(ctx: LatticeContext, timeoutMs: number): Promise<ClaimsRecord[]> {
  const local: ClaimsRecord[] = ctx.host.inventory().actors.map(claimsView);
  if (ctx.claimsTexts) return withoutDuplicates(local, watchedClaims(ctx.claimsTexts()));
  let remote: ClaimsRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    remote = await Promise.race([
      bucketClaims(ctx),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); }),
    ]);
  } catch (e) {
    ctx.log('debug', `lattice claims not read from LATTICEDATA_${ctx.config.prefix}: ${(e as Error).message}; answering with this host's claims`);
  } finally {
    clearTimeout(timer);
  }
  return withoutDuplicates(local, remote);
}

/** The local records, then each remote one whose subject is not listed yet. */
function withoutDuplicates(local: ClaimsRecord[], remote: ClaimsRecord[]): ClaimsRecord[] {
  const seen = new Set(local.map((c) => c.sub));
  return [...local, ...remote.filter((c) => !seen.has(c.sub!) && (seen.add(c.sub!), true))];
}
