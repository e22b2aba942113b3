// Positional arguments of lattice-mode commands, told apart by their shape so that both wash's
// order (`stop actor <host-id> <actor-id>`, `scale actor <host-id> <actor-id> <actor-ref>`) and
// Stratus's (`stop actor <actor-id>`, `scale actor <actor-id> <count>`) work. Pure.
import { StratusError } from '../../core/errors.js';

export interface SortedArgs {
  hostIds: string[];
  actorIds: string[];
  providerIds: string[];
  counts: number[];
  contractIds: string[];
  /** Anything else: references, link names. */
  other: string[];
}

const key = (prefix: string) => new RegExp(`^${prefix}[A-Z2-7]{55}$`);

export function sortArgs(args: string[]): SortedArgs {
  const out: SortedArgs = { hostIds: [], actorIds: [], providerIds: [], counts: [], contractIds: [], other: [] };
  for (const a of args) {
    if (key('N').test(a)) out.hostIds.push(a);
    else if (key('M').test(a)) out.actorIds.push(a);
    else if (key('V').test(a)) out.providerIds.push(a);
    else if (/^\d+$/.test(a)) out.counts.push(Number(a));
    else if (/^[a-z0-9_.-]+(:[a-z0-9_.-]+)+$/i.test(a) && !a.includes('/')) out.contractIds.push(a);
    else out.other.push(a);
  }
  return out;
}

/** At most one of a kind. */
export function one<T>(list: T[], what: string, usage: string): T | undefined {
  if (list.length > 1) throw new StratusError('BAD_REQUEST', `more than one ${what} given (${list.join(', ')})`, `usage: ${usage}`);
  return list[0];
}

/** Exactly one of a kind. */
export function exactlyOne<T>(list: T[], what: string, usage: string): T {
  const v = one(list, what, usage);
  if (v === undefined) throw new StratusError('BAD_REQUEST', `no ${what} given`, `usage: ${usage}`);
  return v;
}

/** KEY=VALUE pairs (constraints, annotations), as wash's labels_vec_to_hashmap reads them. */
export function pairs(list: string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i < 1) throw new StratusError('BAD_REQUEST', `${what} "${kv}" must look like KEY=VALUE (e.g. zone=east)`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}
