// Durable entries in an embedded LMDB file (the default backend). One environment per file,
// shared by every link in this process; buckets are the first part of each key.
//
// Durability model (README.md "Durability"): a write applies at once to an in-process overlay, so
// every later operation sees it, and the overlay is committed to the file in one synchronous
// transaction at the end of the current event-loop turn (concurrent writers share one commit).
// Callers learn a write is durable only after that commit (write() resolves then; the host holds an
// actor's reply until then), and the commit does not wait for the disk (noSync + writemap: it lands
// in the OS page cache through the memory map), so an acknowledged write survives the host process
// exiting or crashing. The disk flush happens off the request path: every FLUSH_EVERY_MS in the
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

/** An uncommitted change: the entry to put, or null to delete. */
interface Change { key: Key; entry: Entry | null }
type Outcome = { ok: unknown } | { err: unknown };
/** An async write: run inside the commit's write transaction (exact even with another process writing). */
interface PendingWrite { run: (now: number) => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }
interface Commit { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void }

interface SharedEnv {
  db: RootDatabase<Entry, Key>;
  refs: number;
  path: string;
  /** Synchronous writes of this event-loop turn, by `bucket\0key` (see commitOverlay). */
  overlay: Map<string, Change>;
  /** Async writes queued in this turn; they run inside the same commit, after the overlay. */
  pending: PendingWrite[];
  /** The commit the overlay is waiting for (scheduled as a microtask). */
  commit?: Commit;
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
      db, refs: 0, path, overlay: new Map(), pending: [], dirty: false,
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

/** Open the commit the overlay's current changes will be part of. */
function scheduleCommit(env: SharedEnv): Commit {
  if (env.commit) return env.commit;
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  promise.catch(() => undefined); // waiters attach their own handlers; nobody waiting is fine
  const commit: Commit = { promise, resolve, reject };
  env.commit = commit;
  // setImmediate, not a microtask: Node runs microtasks after every socket callback, so only the
  // check phase sees all the requests one poll delivered, and they share one commit.
  setImmediate(() => commitOverlay(env));
  return commit;
}

/**
 * One synchronous transaction per event-loop turn: first the overlay (synchronous writes, already
 * answered), then each queued async write in order, each atomic and seeing the ones before it. The
 * async writes run inside the write transaction, so they stay exact even when another process
 * writes the same file; synchronous writes are exact within this process (one host per data
 * directory). Errors of an async write are carried out as values (the semantics validate before
 * writing, so a failed operation wrote nothing). If the commit itself fails (disk full, file
 * removed...), nothing of it was written: the overlay is dropped and every waiter is told.
 */
function commitOverlay(env: SharedEnv): void {
  const commit = env.commit;
  env.commit = undefined;
  const changes = env.overlay;
  const batch = env.pending;
  if (changes.size === 0 && batch.length === 0) { commit?.resolve(); return; }
  env.overlay = new Map();
  env.pending = [];
  let outcomes: Outcome[];
  try {
    outcomes = env.db.transactionSync(() => {
      for (const c of changes.values()) {
        if (c.entry) env.db.putSync(c.key, c.entry);
        else env.db.removeSync(c.key);
      }
      const now = Date.now();
      return batch.map((w): Outcome => { try { return { ok: w.run(now) }; } catch (err) { return { err }; } });
    }) as Outcome[];
  } catch (e) {
    const err = new StratusError('INTERNAL', `the lmdb key-value store at ${env.path} could not commit: ${(e as Error).message}`,
      'check free disk space and that the data directory is writable; the operation was not performed');
    commit?.reject(err);
    for (const w of batch) w.reject(err);
    return;
  }
  env.dirty = true;
  commit?.resolve();
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
  /** Inside the commit's write transaction (async writes): straight to the file. */
  private readonly directTxn: EntryTxn;

  constructor(dir: string, private readonly bucket: string) {
    const env = (this.env = acquire(dir));
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
      put: (key, entry) => change(key, entry),
      del: (key) => change(key, null),
    };
    this.directTxn = {
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
    return this.readSync(fn);
  }

  readSync<T>(fn: (txn: EntryTxn) => T): T {
    this.assertOpen();
    // A read issued after an async write (even one not awaited) sees it.
    if (this.env.pending.length > 0) commitOverlay(this.env);
    return fn(this.readTxn);
  }

  write<T>(fn: (txn: EntryTxn, now: number) => T): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError());
    const env = this.env;
    const txn = this.directTxn;
    return new Promise<T>((resolve, reject) => {
      env.pending.push({ run: (now) => fn(txn, now), resolve: resolve as (v: unknown) => void, reject });
      scheduleCommit(env);
    });
  }

  writeSync<T>(fn: (txn: EntryTxn, now: number) => T): { value: T; durable?: Promise<void> } {
    this.assertOpen();
    if (this.env.pending.length > 0) commitOverlay(this.env);
    const value = fn(this.writeTxn, Date.now());
    return { value, durable: this.env.overlay.size > 0 ? scheduleCommit(this.env).promise : undefined };
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
      commitOverlay(env); // writes already accepted still happen
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
