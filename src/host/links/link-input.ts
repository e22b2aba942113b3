// Checks a link definition before it is stored. Pure: the caller supplies what it knows about the
// provider (its contract and the value keys it understands), so the rules are testable alone.
import { isPublicKey } from '../../claims/nkeys.js';
import { LinkError } from '../../core/errors.js';
import type { LinkDefinition } from '../../core/wire.js';
import { linkDefinitionId } from '../../claims/linkdef-id.js';

export type LinkInput = Omit<LinkDefinition, 'id'>;

/** The link as stored (id computed, link name defaulted, values copied), or a LinkError. */
export function normalizeLink(input: LinkInput): LinkDefinition {
  for (const [field, v] of [['actor_id', input.actor_id], ['provider_id', input.provider_id], ['contract_id', input.contract_id]] as const) {
    if (typeof v !== 'string' || v === '') throw new LinkError(`link definition field ${field} is empty`, 'give actor id, provider id and contract id');
  }
  if (!isPublicKey(input.actor_id, 'module')) {
    throw new LinkError(`"${input.actor_id}" is not an actor's public key (56 characters starting with M)`,
      'copy the actor id from `stratus ctl get inventory` or `stratus claims inspect <file.wasm>`');
  }
  if (!isPublicKey(input.provider_id, 'service')) {
    throw new LinkError(`"${input.provider_id}" is not a provider's public key (56 characters starting with V)`,
      'copy the provider id from `stratus ctl get inventory`');
  }
  const linkName = input.link_name || 'default';
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.values ?? {})) {
    if (typeof v !== 'string') throw new LinkError(`link value ${k} must be a string, got ${typeof v}`);
    values[k] = v;
  }
  return {
    id: linkDefinitionId(input.actor_id, input.contract_id, linkName),
    actor_id: input.actor_id,
    provider_id: input.provider_id,
    link_name: linkName,
    contract_id: input.contract_id,
    values,
  };
}

/** Warnings for value keys the provider does not know, with the closest known key as a suggestion. */
export function unknownValueWarnings(values: Record<string, string>, known: readonly string[], provider: string): string[] {
  const lower = known.map((k) => k.toLowerCase());
  const out: string[] = [];
  for (const key of Object.keys(values)) {
    if (lower.includes(key.toLowerCase())) continue;
    const best = nearest(key, known);
    out.push(`link value "${key}" is not one ${provider} knows and will be ignored${best ? `; did you mean "${best}"?` : ` (known: ${known.join(', ')})`}`);
  }
  return out;
}

/** The candidate within edit distance 2 (or a third of the word) ignoring case, as spelled among
 *  the candidates; the first of the nearest ones; undefined if none is that near. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) { best = c; bestD = d; }
  }
  return best;
}

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
