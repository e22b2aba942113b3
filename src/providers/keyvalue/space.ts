// Running out of space, the same way on every backend that has a limit (README.md "Size limit"):
// once a store is full, writes that need more space are refused one by one with a clear error,
// while reads, deletes and writes that keep or shrink a value go on. Pure logic, no I/O.
import { StratusError } from '../../core/errors.js';
import { copyEntry, type Entry, type EntryTxn } from './semantics.js';
import { formatSize } from './settings.js';

/** Bookkeeping bytes per stored key and per list/set item, beyond the strings themselves. */
const ENTRY_OVERHEAD = 16;
const ITEM_OVERHEAD = 4;

/**
 * Bytes a key and its entry take, counting string length (UTF-16 units) plus a small overhead:
 * a cheap, monotonic stand-in for what the backend stores, good enough to see growth.
 */
export function entryBytes(key: string, e: Entry): number {
  if (e.t === 's') return ENTRY_OVERHEAD + key.length + e.v.length;
  let n = ENTRY_OVERHEAD + key.length;
  for (const item of e.v) n += ITEM_OVERHEAD + item.length;
  return n;
}

/**
 * The view operations get while their store is full. Operations change entries in place and then
 * put them back (semantics.ts), so `get` hands out copies: a refused `put` then leaves the stored
 * entry exactly as it was. `put` refuses a new key or a bigger entry; everything else passes.
 */
export function noGrowthTxn(inner: EntryTxn, refuse: () => StratusError): EntryTxn {
  return {
    get(key) {
      const e = inner.get(key);
      return e && copyEntry(e);
    },
    put(key, entry) {
      const old = inner.get(key);
      if (!old || entryBytes(key, entry) > entryBytes(key, old)) throw refuse();
      inner.put(key, entry);
    },
    del(key) { inner.del(key); },
  };
}

export function storeFull(where: string, limitBytes: number): StratusError {
  return new StratusError('INTERNAL', `FULL: the key-value store ${where} is full (limit max_size=${formatSize(limitBytes)}); the write was not performed`,
    'reads and deletes keep working: delete keys (KeyValue.Del, ListClear, SetClear) to make room, or raise the link value max_size');
}

export function diskFull(where: string, detail: string): StratusError {
  return new StratusError('INTERNAL', `FULL: the disk holding the key-value store ${where} is full (${detail}); the write was not performed`,
    'reads and deletes keep working: free space on that file system (deleted keys make room inside the store, but the file does not shrink)');
}
