// The one key-value semantics every backend follows (pinned in README.md). Pure logic over an
// entry model; the memory and lmdb backends run it inside their atomic sections, and the Redis
// backend reproduces it with native commands and Lua.
import { I32_MAX, I32_MIN } from '../msgpack.js';
import { notAnInteger, overflow, wrongType, type KvKind } from './errors.js';

/** A stored value. Strings may carry an expiry (ms since the epoch); lists and sets never do. */
export type Entry =
  | { t: 's'; v: string; x?: number }
  | { t: 'l'; v: string[] }
  /** Set members kept sorted by code point, so SetQuery needs no sort. */
  | { t: 'z'; v: string[] };

/**
 * Read and write entries inside one atomic section. `get` never returns an expired entry. Entries
 * returned by `get` belong to the section: operations may change them in place and `put` them
 * back (results handed to callers are always copies).
 */
export interface EntryTxn {
  get(key: string): Entry | undefined;
  put(key: string, entry: Entry): void;
  del(key: string): void;
}

const KIND: Record<Entry['t'], KvKind> = { s: 'string', l: 'list', z: 'set' };

export function isExpired(e: Entry, now: number): boolean {
  return e.t === 's' && e.x !== undefined && e.x <= now;
}

/** A copy an operation may change in place (operations change entries they read). */
export function copyEntry(e: Entry): Entry {
  return e.t === 's' ? { ...e } : { t: e.t, v: e.v.slice() } as Entry;
}

/** Strict decimal form, as Redis parses integers: no sign on zero, no leading zeros, no spaces. */
const INT_RE = /^(0|-?[1-9][0-9]{0,9})$/;

export function parseI32(text: string): number | undefined {
  if (!INT_RE.test(text)) return undefined;
  const n = Number(text);
  return n >= I32_MIN && n <= I32_MAX ? n : undefined;
}

/**
 * Code-point order (= UTF-8 byte order, = Redis' order of the same strings): JS's default
 * comparison is by UTF-16 unit, which ranks astral characters below U+E000..U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

export function sortMembers(members: string[]): string[] {
  return members.sort(compareCodePoints);
}

/** Index of `value` in a sorted member list, or -(insertion point + 1). */
function findMember(members: string[], value: string): number {
  let lo = 0;
  let hi = members.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareCodePoints(members[mid]!, value);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -(lo + 1);
}

/** Redis LRANGE index rules: inclusive, 0-based, negative counts from the end, out-of-range clamps. */
export function rangeBounds(len: number, start: number, stop: number): [number, number] | undefined {
  let s = start < 0 ? len + start : start;
  let e = stop < 0 ? len + stop : stop;
  if (s < 0) s = 0;
  if (e >= len) e = len - 1;
  if (s > e || s >= len) return undefined;
  return [s, e];
}

function typed(txn: EntryTxn, op: string, key: string, want: Entry['t']): Entry | undefined {
  const e = txn.get(key);
  if (e && e.t !== want) throw wrongType(op, key, KIND[e.t], KIND[want]);
  return e;
}

export interface GetResult { value: string; exists: boolean }

export const ops = {
  get(txn: EntryTxn, key: string): GetResult {
    const e = typed(txn, 'Get', key, 's');
    return e ? { value: e.v as string, exists: true } : { value: '', exists: false };
  },
  /** Replaces whatever the key held (any type); expires 0 = never, and clears an earlier expiry. */
  set(txn: EntryTxn, key: string, value: string, expiresSeconds: number, now: number): void {
    txn.put(key, expiresSeconds > 0 ? { t: 's', v: value, x: now + expiresSeconds * 1000 } : { t: 's', v: value });
  },
  del(txn: EntryTxn, key: string): boolean {
    if (!txn.get(key)) return false;
    txn.del(key);
    return true;
  },
  contains(txn: EntryTxn, key: string): boolean {
    return txn.get(key) !== undefined;
  },
  /** Missing key counts as 0; keeps an existing expiry; refuses to leave the i32 range. */
  increment(txn: EntryTxn, key: string, delta: number): number {
    const e = typed(txn, 'Increment', key, 's') as { t: 's'; v: string; x?: number } | undefined;
    let current = 0;
    if (e) {
      const n = parseI32(e.v);
      if (n === undefined) throw notAnInteger(key, e.v);
      current = n;
    }
    const next = current + delta;
    if (next < I32_MIN || next > I32_MAX) throw overflow(key, current, delta);
    txn.put(key, e?.x !== undefined ? { t: 's', v: String(next), x: e.x } : { t: 's', v: String(next) });
    return next;
  },
  /** Appends at the tail; returns the new length. */
  listAdd(txn: EntryTxn, name: string, value: string): number {
    const e = typed(txn, 'ListAdd', name, 'l') ?? { t: 'l', v: [] };
    (e.v as string[]).push(value);
    txn.put(name, e);
    return e.v.length;
  },
  /** Removes the first occurrence; an emptied list is deleted. */
  listDel(txn: EntryTxn, name: string, value: string): boolean {
    const e = typed(txn, 'ListDel', name, 'l');
    if (!e) return false;
    const i = (e.v as string[]).indexOf(value);
    if (i < 0) return false;
    if (e.v.length === 1) { txn.del(name); return true; }
    (e.v as string[]).splice(i, 1);
    txn.put(name, e);
    return true;
  },
  listRange(txn: EntryTxn, name: string, start: number, stop: number): string[] {
    const e = typed(txn, 'ListRange', name, 'l');
    if (!e) return [];
    const b = rangeBounds(e.v.length, start, stop);
    return b ? (e.v as string[]).slice(b[0], b[1] + 1) : [];
  },
  listClear(txn: EntryTxn, name: string): boolean {
    const e = typed(txn, 'ListClear', name, 'l');
    if (!e) return false;
    txn.del(name);
    return true;
  },
  /** 1 if added, 0 if already a member. */
  setAdd(txn: EntryTxn, name: string, value: string): number {
    const e = typed(txn, 'SetAdd', name, 'z') ?? { t: 'z', v: [] };
    const i = findMember(e.v as string[], value);
    if (i >= 0) return 0;
    (e.v as string[]).splice(-(i + 1), 0, value);
    txn.put(name, e);
    return 1;
  },
  /** 1 if removed, 0 if not a member; an emptied set is deleted. */
  setDel(txn: EntryTxn, name: string, value: string): number {
    const e = typed(txn, 'SetDel', name, 'z');
    if (!e) return 0;
    const i = findMember(e.v as string[], value);
    if (i < 0) return 0;
    if (e.v.length === 1) { txn.del(name); return 1; }
    (e.v as string[]).splice(i, 1);
    txn.put(name, e);
    return 1;
  },
  setQuery(txn: EntryTxn, name: string): string[] {
    const e = typed(txn, 'SetQuery', name, 'z');
    return e ? (e.v as string[]).slice() : [];
  },
  setUnion(txn: EntryTxn, names: string[]): string[] {
    const all = new Set<string>();
    for (const n of names) {
      const e = typed(txn, 'SetUnion', n, 'z');
      if (e) for (const m of e.v) all.add(m);
    }
    return sortMembers([...all]);
  },
  /** Missing sets are empty, so any missing name makes the intersection empty; [] for no names. */
  setIntersection(txn: EntryTxn, names: string[]): string[] {
    const sets: string[][] = [];
    for (const n of names) {
      const e = typed(txn, 'SetIntersection', n, 'z');
      sets.push(e ? (e.v as string[]) : []);
    }
    if (sets.length === 0) return [];
    sets.sort((a, b) => a.length - b.length);
    const others = sets.slice(1).map((s) => new Set(s));
    return sets[0]!.filter((m) => others.every((o) => o.has(m)));
  },
  setClear(txn: EntryTxn, name: string): boolean {
    const e = typed(txn, 'SetClear', name, 'z');
    if (!e) return false;
    txn.del(name);
    return true;
  },
};
