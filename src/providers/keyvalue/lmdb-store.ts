// Durable entries in an embedded LMDB file (the default backend): one bucket's view of the host's
// open file (lmdb-env.ts has the file, its overlay, commits and durability model).
import { StratusError } from '../../core/errors.js';
import type { EntryStore } from './entry-backend.js';
import type { LmdbEnv, LmdbEnvs } from './lmdb-env.js';
import { isExpired, type Entry, type EntryTxn } from './semantics.js';
import { diskFull, entryBytes, noGrowthTxn, storeFull } from './space.js';

// LMDB's key limit is 1978 bytes; leave room for the bucket and the key encoding.
const MAX_KEY_BYTES = 1900;

function checkKey(bucket: string, key: string): void {
  if (Buffer.byteLength(key) + Buffer.byteLength(bucket) > MAX_KEY_BYTES) {
    throw new StratusError('BAD_REQUEST', `key "${key.slice(0, 40)}..." is too long for the lmdb backend (limit ${MAX_KEY_BYTES} bytes including the bucket name)`,
      'use shorter keys, or the redis backend for very long keys');
  }
}

export class LmdbStore implements EntryStore {
  readonly kind = 'lmdb';
  private readonly env: LmdbEnv;
  private closed = false;
  private readonly readTxn: EntryTxn;
  private readonly writeTxn: EntryTxn;
  /** Inside the commit's write transaction (async writes): straight to the file. */
  private readonly directTxn: EntryTxn;
  /** The same views once the store is full: no write may grow (space.ts). */
  private readonly fullWriteTxn: EntryTxn;
  private readonly fullDirectTxn: EntryTxn;
  private readonly refuseFull: () => StratusError;

  /** The view of `bucket` in the host's lmdb file under `dir`, opening the file if need be. */
  static async open(envs: LmdbEnvs, dir: string, bucket: string, maxBytes: number): Promise<LmdbStore> {
    return new LmdbStore(envs, await envs.acquire(dir), bucket, maxBytes);
  }

  private constructor(private readonly envs: LmdbEnvs, env: LmdbEnv, private readonly bucket: string, private readonly maxBytes: number) {
    this.env = env;
    env.addLimit(maxBytes);
    const db = env.db;
    // Both views read through the overlay, so uncommitted writes are visible at once.
    const lookup = (key: string, now: number): Entry | undefined | null => {
      checkKey(bucket, key);
      const change = env.overlay.get(bucket + '\u0000' + key);
      if (change) return change.entry ?? undefined;
      const e = db.get([bucket, key]);
      return e && isExpired(e, now) ? null : e; // null: expired in the file
    };
    const change = (key: string, entry: Entry | null) => {
      env.overlay.set(bucket + '\u0000' + key, { key: [bucket, key], entry });
    };
    this.readTxn = {
      get: (key) => lookup(key, Date.now()) ?? undefined,
      put() { throw new Error('write in a read section'); },
      del() { throw new Error('write in a read section'); },
    };
    this.writeTxn = {
      get(key) {
        const e = lookup(key, Date.now());
        if (e === null) { change(key, null); return undefined; } // drop the expired entry with the commit
        return e;
      },
      put: (key, entry) => { env.noteWrite(entryBytes(key, entry)); change(key, entry); },
      del: (key) => { env.noteWrite(1); change(key, null); },
    };
    this.directTxn = {
      get(key) {
        checkKey(bucket, key);
        const e = db.get([bucket, key]);
        if (e && isExpired(e, Date.now())) { db.removeSync([bucket, key]); return undefined; }
        return e;
      },
      put(key, entry) { env.noteWrite(entryBytes(key, entry)); db.putSync([bucket, key], entry); },
      del(key) { env.noteWrite(1); db.removeSync([bucket, key]); },
    };
    const where = bucket ? `${env.path} (bucket "${bucket}")` : env.path;
    this.refuseFull = () => (env.isDiskFull() ? diskFull(where, 'an earlier commit found no space left') : storeFull(where, maxBytes));
    this.fullWriteTxn = noGrowthTxn(this.writeTxn, this.refuseFull);
    this.fullDirectTxn = noGrowthTxn(this.directTxn, this.refuseFull);
  }

  get path(): string { return this.env.path; }

  /** The store holds max_size of data, or the disk is full: writes may not grow. */
  private get full(): boolean {
    return this.env.dataBytes >= this.maxBytes || this.env.isDiskFull();
  }

  async read<T>(fn: (txn: EntryTxn) => T): Promise<T> {
    return this.readSync(fn);
  }

  readSync<T>(fn: (txn: EntryTxn) => T): T {
    this.assertOpen();
    // A read issued after an async write (even one not awaited) sees it.
    if (this.env.pending.length > 0) this.env.commitOverlay();
    return fn(this.readTxn);
  }

  write<T>(fn: (txn: EntryTxn, now: number) => T): Promise<T> {
    if (this.closed || this.env.isClosed) return Promise.reject(this.closedError());
    const env = this.env;
    return new Promise<T>((resolve, reject) => {
      // Whether the store is full is decided when the write runs, inside the commit.
      env.pending.push({ run: (now) => fn(this.full ? this.fullDirectTxn : this.directTxn, now), resolve: resolve as (v: unknown) => void, reject });
      env.scheduleCommit();
    });
  }

  writeSync<T>(fn: (txn: EntryTxn, now: number) => T): { value: T; durable?: Promise<void> } {
    this.assertOpen();
    const env = this.env;
    if (env.pending.length > 0) env.commitOverlay();
    const value = fn(this.full ? this.fullWriteTxn : this.writeTxn, Date.now());
    return { value, durable: env.overlay.size > 0 ? env.scheduleCommit().promise : undefined };
  }

  async health() {
    if (this.closed || this.env.isClosed) return { healthy: false, message: 'lmdb store closed' };
    if (this.env.isDiskFull()) return { healthy: false, message: `lmdb: ${this.env.path}: the disk is full; writes that need space are refused` };
    const used = `${Math.round((this.env.dataBytes / this.maxBytes) * 100)}% of max_size`;
    if (this.env.dataBytes >= this.maxBytes) return { healthy: false, message: `lmdb: ${this.env.path}: full (${used}); writes that need space are refused` };
    return { healthy: true, message: `lmdb: ${this.env.path} (${used})` };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.env.removeLimit(this.maxBytes);
    await this.envs.release(this.env);
  }

  private closedError(): StratusError {
    return new StratusError('PROVIDER_NOT_RUNNING', `the lmdb key-value store ${this.env.path} (bucket "${this.bucket}") is closed`,
      'its link was deleted or its host stopped; put the link again');
  }

  private assertOpen(): void {
    if (this.closed || this.env.isClosed) throw this.closedError();
  }
}
