// Durable entries in an embedded LMDB file (the default backend). One environment per file,
// shared by every link in this process; buckets are the first part of each key.
//
// Durability model (README.md "Durability"): a write is committed synchronously on the calling
// thread without waiting for the disk (noSync + writemap: the commit lands in the OS page cache
// through the memory map), so it survives the host process exiting or crashing the moment its
// promise resolves. The disk flush happens off the request path: every FLUSH_EVERY_MS in the
// background when something changed, and on close. Only an OS crash or power loss can lose the
// writes since the last flush.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { StratusError } from '../../host/errors.js';
import type { EntryStore } from './entry-backend.js';
import { isExpired, type Entry, type EntryTxn } from './semantics.js';

type Key = [string, string];
// LMDB's key limit is 1978 bytes; leave room for the bucket and the key encoding.
const MAX_KEY_BYTES = 1900;
/** Background flush to disk: bounds what an OS crash can lose (like Redis' appendfsync everysec). */
export const FLUSH_EVERY_MS = 1000;

type Outcome = { ok: unknown } | { err: unknown };
interface PendingWrite { run: (now: number) => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }

interface SharedEnv {
  db: RootDatabase<Entry, Key>;
  refs: number;
  path: string;
  /** Writes queued in this event-loop turn; committed together in one transaction (see commitPending). */
  pending: PendingWrite[];
  /** Something was committed since the last flush to disk. */
  dirty: boolean;
  flushing?: Promise<void>;
  flushTimer: NodeJS.Timeout;
}
const envs = new Map<string, SharedEnv>();

function acquire(dir: string): SharedEnv {
  const path = join(dir, 'keyvalue.mdb');
  let env = envs.get(path);
  if (!env) {
    mkdirSync(dir, { recursive: true });
    let db: RootDatabase<Entry, Key>;
    try {
      // noSync: commits do not wait for fsync (we flush in the background instead).
      // useWritemap: a commit is a few memory writes instead of write() calls per page.
      db = open<Entry, Key>({ path, compression: false, noSync: true, useWritemap: true });
    } catch (e) {
      throw new StratusError('INTERNAL', `cannot open the key-value store at ${path}: ${(e as Error).message}`,
        'check that the data directory exists, is writable, and is not on a network file system');
    }
    const shared: SharedEnv = {
      db, refs: 0, path, pending: [], dirty: false,
      flushTimer: setInterval(() => { if (shared.dirty) void flushToDisk(shared); }, FLUSH_EVERY_MS),
    };
    shared.flushTimer.unref(); // never keeps the process alive
    env = shared;
    envs.set(path, env);
    sweepExpired(db);
  }
  env.refs++;
  return env;
}

/** fsync the file on a libuv worker thread; never on the request path. */
function flushToDisk(env: SharedEnv): Promise<void> {
  if (env.flushing) return env.flushing;
  env.dirty = false;
  env.flushing = new Promise<void>((resolve) => {
    // lmdb-js has RootDatabase#sync (mdb_env_sync on a worker thread) but does not declare it.
    (env.db as unknown as { sync(cb: (err?: unknown) => void): void }).sync((err) => {
      if (err) env.dirty = true; // try again next tick of the timer
      resolve();
    });
  }).finally(() => { env.flushing = undefined; });
  return env.flushing;
}

/**
 * Commit every write queued in this turn in one synchronous transaction: concurrent callers share
 * one commit, and a lone caller waits only for a microtask. Each write runs on its own, in queue
 * order, inside the transaction, so each is atomic and sees the ones before it. Errors are carried
 * out as values: the semantics validate before writing, so a failed operation has written nothing
 * and must not abort the others.
 */
function commitPending(env: SharedEnv): void {
  const batch = env.pending;
  if (batch.length === 0) return;
  env.pending = [];
  let outcomes: Outcome[];
  try {
    outcomes = env.db.transactionSync(() => {
      const now = Date.now();
      return batch.map((w): Outcome => { try { return { ok: w.run(now) }; } catch (err) { return { err }; } });
    }) as Outcome[];
  } catch (e) {
    // The commit itself failed (disk full, file removed...): nothing in the batch was written.
    const err = new StratusError('INTERNAL', `the lmdb key-value store at ${env.path} could not commit: ${(e as Error).message}`,
      'check free disk space and that the data directory is writable; the operation was not performed');
    for (const w of batch) w.reject(err);
    return;
  }
  env.dirty = true;
  for (let i = 0; i < batch.length; i++) {
    const o = outcomes[i]!;
    if ('err' in o) batch[i]!.reject(o.err);
    else batch[i]!.resolve(o.ok);
  }
}

/** Expiry is lazy; on open, drop what expired while the store was closed (in the background). */
function sweepExpired(db: RootDatabase<Entry, Key>): void {
  const now = Date.now();
  const expired: Key[] = [];
  try {
    for (const { key, value } of db.getRange()) if (value && isExpired(value, now)) expired.push(key);
  } catch { return; /* a failed sweep only costs space */ }
  if (expired.length === 0) return;
  // Re-check inside the write transaction: a Set may have revived a key since the scan.
  void db.transaction(() => {
    for (const key of expired) {
      const e = db.get(key);
      if (e && isExpired(e, Date.now())) db.removeSync(key);
    }
  }).catch(() => undefined);
}

function checkKey(bucket: string, key: string): void {
  if (Buffer.byteLength(key) + Buffer.byteLength(bucket) > MAX_KEY_BYTES) {
    throw new StratusError('BAD_REQUEST', `key "${key.slice(0, 40)}..." is too long for the lmdb backend (limit ${MAX_KEY_BYTES} bytes including the bucket name)`,
      'use shorter keys, or the redis backend for very long keys');
  }
}

export class LmdbStore implements EntryStore {
  readonly kind = 'lmdb';
  private readonly env: SharedEnv;
  private closed = false;
  private readonly readTxn: EntryTxn;
  private readonly writeTxn: EntryTxn;

  constructor(dir: string, private readonly bucket: string) {
    const env = (this.env = acquire(dir));
    const db = env.db;
    this.readTxn = {
      get(key) {
        checkKey(bucket, key);
        const e = db.get([bucket, key]);
        return e && !isExpired(e, Date.now()) ? e : undefined;
      },
      put() { throw new Error('write in a read section'); },
      del() { throw new Error('write in a read section'); },
    };
    this.writeTxn = {
      get(key) {
        checkKey(bucket, key);
        const e = db.get([bucket, key]);
        if (e && isExpired(e, Date.now())) { db.removeSync([bucket, key]); return undefined; }
        return e;
      },
      put(key, entry) { db.putSync([bucket, key], entry); },
      del(key) { db.removeSync([bucket, key]); },
    };
  }

  get path(): string { return this.env.path; }

  async read<T>(fn: (txn: EntryTxn) => T): Promise<T> {
    this.assertOpen();
    // A read issued after a write (even one not awaited) sees it, as on the memory backend.
    if (this.env.pending.length > 0) commitPending(this.env);
    return fn(this.readTxn);
  }

  write<T>(fn: (txn: EntryTxn, now: number) => T): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError());
    const env = this.env;
    const txn = this.writeTxn;
    return new Promise<T>((resolve, reject) => {
      env.pending.push({ run: (now) => fn(txn, now), resolve: resolve as (v: unknown) => void, reject });
      if (env.pending.length === 1) queueMicrotask(() => commitPending(env));
    });
  }

  async health() {
    if (this.closed) return { healthy: false, message: 'lmdb store closed' };
    return { healthy: true, message: `lmdb: ${this.env.path}` };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const env = this.env;
    if (--env.refs === 0) {
      envs.delete(env.path);
      clearInterval(env.flushTimer);
      commitPending(env); // writes already accepted still happen
      // A clean shutdown leaves everything on disk, so even a later OS crash loses nothing.
      await env.flushing;
      await flushToDisk(env);
      await env.db.close();
    }
  }

  private closedError(): StratusError {
    return new StratusError('PROVIDER_NOT_RUNNING', `the lmdb key-value store for bucket "${this.bucket}" is closed`, 'put the link again');
  }

  private assertOpen(): void {
    if (this.closed) throw this.closedError();
  }
}
