// In-memory entries (link value backend=memory): fast, lost when the host stops. One Map per
// bucket, shared by every link that names the same bucket in this process.
import type { EntryStore } from './entry-backend.js';
import { isExpired, type Entry, type EntryTxn } from './semantics.js';

const buckets = new Map<string, Map<string, Entry>>();
const SWEEP_EVERY_MS = 60_000;
let sweeper: NodeJS.Timeout | undefined;

/** Drop expired keys nobody touches again, so they do not hold memory forever. */
export function sweepExpired(now = Date.now()): number {
  let n = 0;
  for (const m of buckets.values()) {
    for (const [k, e] of m) if (isExpired(e, now)) { m.delete(k); n++; }
  }
  return n;
}

function bucketMap(bucket: string): Map<string, Entry> {
  let m = buckets.get(bucket);
  if (!m) { m = new Map(); buckets.set(bucket, m); }
  if (!sweeper) {
    sweeper = setInterval(() => sweepExpired(), SWEEP_EVERY_MS);
    sweeper.unref(); // never keeps the process alive
  }
  return m;
}

export class MemoryStore implements EntryStore {
  readonly kind = 'memory';
  private readonly map: Map<string, Entry>;
  private readonly txn: EntryTxn;

  constructor(bucket: string) {
    const map = (this.map = bucketMap(bucket));
    this.txn = {
      get(key) {
        const e = map.get(key);
        if (e && isExpired(e, Date.now())) { map.delete(key); return undefined; }
        return e;
      },
      put(key, entry) { map.set(key, entry); },
      del(key) { map.delete(key); },
    };
  }

  // Everything runs synchronously on the event loop, which makes each operation atomic.
  async read<T>(fn: (txn: EntryTxn) => T): Promise<T> { return fn(this.txn); }
  async write<T>(fn: (txn: EntryTxn, now: number) => T): Promise<T> { return fn(this.txn, Date.now()); }
  readSync<T>(fn: (txn: EntryTxn) => T): T { return fn(this.txn); }
  writeSync<T>(fn: (txn: EntryTxn, now: number) => T): { value: T } { return { value: fn(this.txn, Date.now()) }; }
  async health() { return { healthy: true, message: `memory: ${this.map.size} key(s)` }; }
  async close(): Promise<void> { /* data stays for other links on the bucket until the process exits */ }
}

/** Test/maintenance hook: forget every in-memory bucket. */
export function clearMemoryBuckets(): void {
  buckets.clear();
}
