// A KvBackend over any store that can run the pure semantics (semantics.ts) atomically:
// the memory and lmdb backends differ only in how they read, write and commit entries.
import type { KvBackend } from './backend.js';
import { ops, type EntryTxn } from './semantics.js';

export interface EntryStore {
  readonly kind: string;
  /** Run `fn` against a consistent view; no writes. */
  read<T>(fn: (txn: EntryTxn) => T): Promise<T>;
  /** Run `fn` atomically; its writes are durable (as the store allows) when the promise resolves. */
  write<T>(fn: (txn: EntryTxn, now: number) => T): Promise<T>;
  /** read() without the promise (the host thread's fast path). */
  readSync<T>(fn: (txn: EntryTxn) => T): T;
  /** write() without the promise: the result now, visible to every later operation at once, and
   *  `durable` (when the store commits later) settling once the write is committed. */
  writeSync<T>(fn: (txn: EntryTxn, now: number) => T): { value: T; durable?: Promise<void> };
  health(): Promise<{ healthy: boolean; message?: string }>;
  close(): Promise<void>;
}

export class EntryBackend implements KvBackend {
  constructor(readonly store: EntryStore) {}

  get kind(): string { return this.store.kind; }

  get(key: string) { return this.store.read((t) => ops.get(t, key)); }
  set(key: string, value: string, expires: number) { return this.store.write((t, now) => ops.set(t, key, value, expires, now)); }
  del(key: string) { return this.store.write((t) => ops.del(t, key)); }
  contains(key: string) { return this.store.read((t) => ops.contains(t, key)); }
  increment(key: string, delta: number) { return this.store.write((t) => ops.increment(t, key, delta)); }
  listAdd(name: string, value: string) { return this.store.write((t) => ops.listAdd(t, name, value)); }
  listDel(name: string, value: string) { return this.store.write((t) => ops.listDel(t, name, value)); }
  listRange(name: string, start: number, stop: number) { return this.store.read((t) => ops.listRange(t, name, start, stop)); }
  listClear(name: string) { return this.store.write((t) => ops.listClear(t, name)); }
  setAdd(name: string, value: string) { return this.store.write((t) => ops.setAdd(t, name, value)); }
  setDel(name: string, value: string) { return this.store.write((t) => ops.setDel(t, name, value)); }
  setQuery(name: string) { return this.store.read((t) => ops.setQuery(t, name)); }
  setUnion(names: string[]) { return this.store.read((t) => ops.setUnion(t, names)); }
  setIntersection(names: string[]) { return this.store.read((t) => ops.setIntersection(t, names)); }
  setClear(name: string) { return this.store.write((t) => ops.setClear(t, name)); }
  health() { return this.store.health(); }
  close() { return this.store.close(); }
}
