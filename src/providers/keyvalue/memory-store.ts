// In-memory entries (link value backend=memory): fast, lost when the host stops. One Map per
// bucket, shared by every link of the same host that names the same bucket; another host in the
// same process has its own (the maps live in the host's HostScope).
import { scopeKey, type HostScope } from '../../core/scope.js';
import type { EntryStore } from './entry-backend.js';
import { isExpired, type Entry, type EntryTxn } from './semantics.js';
import { entryBytes, noGrowthTxn, storeFull } from './space.js';

const SWEEP_EVERY_MS = 60_000;

interface Bucket { entries: Map<string, Entry>; sizes: Map<string, number> }

/** One host's memory buckets and the bytes they hold (see space.ts for how bytes are counted). */
export class MemoryBuckets {
  private readonly buckets = new Map<string, Bucket>();
  /** Bytes held by all buckets of this host: the figure max_size is compared with. */
  bytes = 0;
  private sweeper?: NodeJS.Timeout;

  bucket(name: string): Bucket {
    let b = this.buckets.get(name);
    if (!b) { b = { entries: new Map(), sizes: new Map() }; this.buckets.set(name, b); }
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweepExpired(), SWEEP_EVERY_MS);
      this.sweeper.unref(); // never keeps the process alive
    }
    return b;
  }

  put(b: Bucket, key: string, entry: Entry): void {
    const n = entryBytes(key, entry);
    this.bytes += n - (b.sizes.get(key) ?? 0);
    b.sizes.set(key, n);
    b.entries.set(key, entry);
  }

  del(b: Bucket, key: string): void {
    this.bytes -= b.sizes.get(key) ?? 0;
    b.sizes.delete(key);
    b.entries.delete(key);
  }

  /** Drop expired keys nobody touches again, so they do not hold memory forever. */
  sweepExpired(now = Date.now()): number {
    let n = 0;
    for (const b of this.buckets.values()) {
      for (const [k, e] of b.entries) if (isExpired(e, now)) { this.del(b, k); n++; }
    }
    return n;
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.buckets.clear();
    this.bytes = 0;
  }
}

/** The memory buckets of the host owning `scope`; released with the scope. */
export const MEMORY_BUCKETS = scopeKey('keyvalue memory buckets', (scope: HostScope) => {
  const buckets = new MemoryBuckets();
  scope.onClose(() => buckets.close());
  return buckets;
});

export class MemoryStore implements EntryStore {
  readonly kind = 'memory';
  private readonly bucket: Bucket;
  private readonly txn: EntryTxn;
  /** What operations see once the host's buckets hold maxBytes: no write may grow. */
  private readonly fullTxn: EntryTxn;

  constructor(bucketName: string, private readonly buckets: MemoryBuckets, private readonly maxBytes: number) {
    const b = (this.bucket = buckets.bucket(bucketName));
    const map = b.entries;
    this.txn = {
      get(key) {
        const e = map.get(key);
        if (e && isExpired(e, Date.now())) { buckets.del(b, key); return undefined; }
        return e;
      },
      put(key, entry) { buckets.put(b, key, entry); },
      del(key) { buckets.del(b, key); },
    };
    const where = bucketName ? `in memory (bucket "${bucketName}")` : 'in memory';
    this.fullTxn = noGrowthTxn(this.txn, () => storeFull(where, maxBytes));
  }

  private view(): EntryTxn {
    return this.buckets.bytes >= this.maxBytes ? this.fullTxn : this.txn;
  }

  // Everything runs synchronously on the event loop, which makes each operation atomic.
  async read<T>(fn: (txn: EntryTxn) => T): Promise<T> { return fn(this.txn); }
  async write<T>(fn: (txn: EntryTxn, now: number) => T): Promise<T> { return fn(this.view(), Date.now()); }
  readSync<T>(fn: (txn: EntryTxn) => T): T { return fn(this.txn); }
  writeSync<T>(fn: (txn: EntryTxn, now: number) => T): { value: T } { return { value: fn(this.view(), Date.now()) }; }
  async health() {
    const used = `${Math.round((this.buckets.bytes / this.maxBytes) * 100)}% of max_size`;
    if (this.buckets.bytes >= this.maxBytes) return { healthy: false, message: `memory: full (${used}); writes that need space are refused` };
    return { healthy: true, message: `memory: ${this.bucket.entries.size} key(s) in this bucket, ${used}` };
  }
  async close(): Promise<void> { /* data stays for other links on the bucket until the host stops */ }
}
