// One open LMDB file of one host, shared by the host's lmdb links (their buckets are the first
// part of each key; lmdb-store.ts is the per-bucket view). Each host keeps its open files in its
// HostScope, so two hosts in one process never share an overlay or close each other's file.
//
// Durability model (README.md "Durability"): a write applies at once to an in-process overlay, so
// every later operation sees it, and the overlay is committed to the file in one synchronous
// transaction at the end of the current event-loop turn (concurrent writers share one commit).
// Callers learn a write is durable only after that commit (the host holds an actor's reply until
// then). A commit writes the changed pages into the file (the OS page cache) without waiting for
// the disk (noSync), so an acknowledged write survives the host process dying; the disk flush runs
// in the background every FLUSH_EVERY_MS and on close.
//
// Why no `useWritemap` (README.md "Full disk"): with a writable memory map LMDB extends the file as
// a sparse hole and writes pages by touching the map; on a full file system the kernel cannot back
// the page and the process dies of SIGBUS — no error any JavaScript could catch, and again at the
// first write after a restart. Without it LMDB writes pages with pwrite(), which fails with an
// error the commit reports. The cost is measured in the README (bench/kv.js).
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ABORT, open, type RootDatabase } from 'lmdb';
import { scopeKey, type HostScope } from '../../core/scope.js';
import { StratusError } from '../../core/errors.js';
import { isExpired, type Entry } from './semantics.js';
import { diskFull } from './space.js';
import { withFileLock } from './file-lock.js';
import { formatSize } from './settings.js';

export type Key = [string, string];
/** Background flush to disk: bounds what an OS crash can lose (like Redis' appendfsync everysec). */
export const FLUSH_EVERY_MS = 1000;
/** Below this much free space a failed commit means "the disk is full". */
const LOW_DISK_BYTES = 1024 * 1024;
/** While the disk is full, look at its free space again at most this often. */
const DISK_RECHECK_MS = 1000;
/** Our byte estimates (space.ts) undercount LMDB's pages (node headers, half-full pages) by up to
 *  a few times; measuring after 1/8 of the distance to the nearest limit keeps the overshoot small. */
const MEASURE_FRACTION = 8;
const MEASURE_MIN_BYTES = 4 * 1024;
const MEASURE_MAX_BYTES = 16 * 1024 * 1024;
/** LMDB sizes its lock file to ~8 KiB for lmdb-js' 126 readers; written out in full before the
 *  first open so no page of it is a hole (see preallocateLockFile). */
const LOCK_FILE_BYTES = 64 * 1024;

/** An uncommitted change: the entry to put, or null to delete. */
export interface Change { key: Key; entry: Entry | null }
type Outcome = { ok: unknown } | { err: unknown };
/** An async write: run inside the commit's write transaction (exact even with another process writing). */
export interface PendingWrite { run: (now: number) => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }
interface Commit { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void }

export class LmdbEnv {
  /** Synchronous writes of this event-loop turn, by `bucket\0key` (see commitOverlay). */
  overlay = new Map<string, Change>();
  /** Async writes queued in this turn; they run inside the same commit, after the overlay. */
  pending: PendingWrite[] = [];
  /** Bytes of keys and values in the file (LMDB's pages) at the last measurement. */
  dataBytes = 0;
  refs = 0;
  private commit?: Commit;
  /** Something was committed since the last flush to disk. */
  private dirty = false;
  private flushing?: Promise<void>;
  private readonly flushTimer: NodeJS.Timeout;
  /** Estimated bytes written since the last measurement, and how many trigger the next one. */
  private writtenSinceMeasure = 0;
  private measureEvery = MEASURE_MIN_BYTES;
  /** max_size of each open store (several links may name different limits). */
  private readonly limits: number[] = [];
  /** Set when a commit failed on a full disk; cleared once the file system has room again. */
  private diskFullSince?: { checkedAt: number };
  private closed = false;

  private constructor(readonly db: RootDatabase<Entry, Key>, private readonly writers: RootDatabase, readonly path: string, readonly dir: string) {
    this.flushTimer = setInterval(() => { if (this.dirty) void this.flushToDisk(); }, FLUSH_EVERY_MS);
    this.flushTimer.unref(); // never keeps the process alive
    this.dataBytes = measureData(db);
    this.sweepExpired();
  }

  /**
   * Open `<dir>/keyvalue.mdb`. Two races between processes on one file are closed here (README.md
   * "Several processes on one file"):
   * - LMDB (as built into lmdb-js 3.5) writes the shared "last transaction" number while it opens a
   *   file, from the header it read a moment before, without the writer lock: a commit by another
   *   process in between is silently rolled back (the next writer starts from the older snapshot;
   *   two increments return the same value). So opening and committing exclude each other, through
   *   the writer lock of a tiny second environment (`keyvalue.mdb-writers`) that holds no data.
   * - A process closing a file it was the last to use destroys the shared mutexes in the lock file;
   *   a process that was opening it at that moment goes on with the destroyed mutexes, and every
   *   transaction it begins fails ("Invalid argument"). So opening and closing take turns through
   *   a lock file (`keyvalue.mdb-open.lock`).
   */
  static open(dir: string): Promise<LmdbEnv> {
    const path = join(dir, 'keyvalue.mdb');
    const writersPath = join(dir, 'keyvalue.mdb-writers');
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      return Promise.reject(cannotOpen(path, e as Error));
    }
    return withFileLock(`${path}-open.lock`, `cannot open the key-value store at ${path}`, () => {
      let writers: RootDatabase | undefined;
      try {
        preallocateLockFile(`${writersPath}-lock`);
        preallocateLockFile(`${path}-lock`);
        writers = open({ path: writersPath, compression: false, noSync: true });
        let db!: RootDatabase<Entry, Key>;
        holdWriters(writers, () => { db = open<Entry, Key>({ path, compression: false, noSync: true }); });
        return new LmdbEnv(db, writers, path, dir);
      } catch (e) {
        void writers?.close();
        throw e instanceof StratusError ? e : cannotOpen(path, e as Error);
      }
    });
  }

  /** Closed with its host's scope (or its last store): stores on it refuse every operation. */
  get isClosed(): boolean { return this.closed; }

  /** A store opened on this file with this max_size. */
  addLimit(maxBytes: number): void {
    this.limits.push(maxBytes);
    this.planMeasurement();
  }

  removeLimit(maxBytes: number): void {
    const i = this.limits.indexOf(maxBytes);
    if (i >= 0) this.limits.splice(i, 1);
  }

  /** A write of about `bytes` (space.ts estimate; a delete counts 1) went into the overlay or the commit. */
  noteWrite(bytes: number): void {
    this.writtenSinceMeasure += bytes;
  }

  /** Writes that need more space are refused (the disk is full; see also LmdbStore's limit). */
  isDiskFull(): boolean {
    const full = this.diskFullSince;
    if (!full) return false;
    const now = Date.now();
    if (now - full.checkedAt < DISK_RECHECK_MS) return true;
    full.checkedAt = now;
    if (freeBytes(this.dir) < 2 * LOW_DISK_BYTES) return true;
    this.diskFullSince = undefined;
    return false;
  }

  /** Open the commit the overlay's current changes will be part of. */
  scheduleCommit(): Commit {
    if (this.commit) return this.commit;
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
    promise.catch(() => undefined); // waiters attach their own handlers; nobody waiting is fine
    const commit: Commit = { promise, resolve, reject };
    this.commit = commit;
    // setImmediate, not a microtask: Node runs microtasks after every socket callback, so only the
    // check phase sees all the requests one poll delivered, and they share one commit.
    setImmediate(() => this.commitOverlay());
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
  commitOverlay(): void {
    const commit = this.commit;
    this.commit = undefined;
    const changes = this.overlay;
    const batch = this.pending;
    if (changes.size === 0 && batch.length === 0) { commit?.resolve(); return; }
    this.overlay = new Map();
    this.pending = [];
    const db = this.db;
    let outcomes!: Outcome[];
    let measured: number | undefined;
    try {
      holdWriters(this.writers, () => {
        outcomes = db.transactionSync(() => {
          for (const c of changes.values()) {
            if (c.entry) db.putSync(c.key, c.entry);
            else db.removeSync(c.key);
          }
          const now = Date.now();
          const out = batch.map((w): Outcome => { try { return { ok: w.run(now) }; } catch (err) { return { err }; } });
          // Inside the transaction, LMDB's page counts include what it is about to commit.
          if (this.writtenSinceMeasure >= this.measureEvery) measured = measureData(db);
          return out;
        }) as Outcome[];
      });
    } catch (e) {
      const err = this.commitError(e as Error);
      commit?.reject(err);
      for (const w of batch) w.reject(err);
      return;
    }
    this.dirty = true;
    if (measured !== undefined) {
      this.dataBytes = measured;
      this.writtenSinceMeasure = 0;
      this.planMeasurement();
    }
    commit?.resolve();
    for (let i = 0; i < batch.length; i++) {
      const o = outcomes[i]!;
      if ('err' in o) batch[i]!.reject(o.err);
      else batch[i]!.resolve(o.ok);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.flushTimer);
    this.commitOverlay(); // writes already accepted still happen
    // A clean shutdown leaves everything on disk, so even a later OS crash loses nothing.
    await this.flushing;
    await this.flushToDisk();
    await withFileLock(`${this.path}-open.lock`, `cannot close the key-value store at ${this.path}`, async () => {
      await this.db.close();
      await this.writers.close();
    });
  }

  /** How many estimated bytes may be written before measuring again: often near a limit. */
  private planMeasurement(): void {
    let gap = Infinity;
    for (const limit of this.limits) gap = Math.min(gap, limit - this.dataBytes);
    // At or past a limit every commit measures, so deletes lift the limit at once.
    this.measureEvery = gap <= 0 ? 1 : Math.min(MEASURE_MAX_BYTES, Math.max(MEASURE_MIN_BYTES, Math.floor(gap / MEASURE_FRACTION)));
  }

  private commitError(e: Error): StratusError {
    const free = freeBytes(this.dir);
    if (free < LOW_DISK_BYTES) {
      this.diskFullSince = { checkedAt: Date.now() };
      return diskFull(this.path, `${formatSize(free)} free; LMDB said: ${e.message}`);
    }
    return new StratusError('INTERNAL', `the lmdb key-value store at ${this.path} could not commit: ${e.message} (${formatSize(free)} free on its file system)`,
      'check free disk space and that the data directory is writable; the operation was not performed');
  }

  /** fsync the file on a libuv worker thread; never on the request path. */
  private flushToDisk(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.dirty = false;
    this.flushing = new Promise<void>((resolve) => {
      // lmdb-js has RootDatabase#sync (mdb_env_sync on a worker thread) but does not declare it.
      (this.db as unknown as { sync(cb: (err?: unknown) => void): void }).sync((err) => {
        if (err) this.dirty = true; // try again next tick of the timer
        resolve();
      });
    }).finally(() => { this.flushing = undefined; });
    return this.flushing;
  }

  /**
   * Expiry is lazy; on open, drop what expired while the store was closed. The removal is queued
   * as an async write, so it runs inside a normal commit (re-checked there: a Set may have revived
   * a key since the scan) and under the cross-process writer lock.
   */
  private sweepExpired(): void {
    const now = Date.now();
    const expired: Key[] = [];
    try {
      for (const { key, value } of this.db.getRange()) if (value && isExpired(value, now)) expired.push(key);
    } catch { return; /* a failed sweep only costs space */ }
    if (expired.length === 0) return;
    const db = this.db;
    this.pending.push({
      run: (at) => { for (const key of expired) { const e = db.get(key); if (e && isExpired(e, at)) db.removeSync(key); } },
      resolve: () => undefined,
      reject: () => undefined, // a full disk keeps the expired keys until a later write
    });
    this.scheduleCommit();
  }
}

function cannotOpen(path: string, e: Error): StratusError {
  return new StratusError('INTERNAL', `cannot open the key-value store at ${path}: ${e.message}`,
    'check that the data directory exists, is writable, has free space, and is not on a network file system');
}

/** Run `fn` holding the writer lock of the `keyvalue.mdb-writers` environment (see LmdbEnv.open). */
function holdWriters(writers: RootDatabase, fn: () => void): void {
  writers.transactionSync(() => { fn(); return ABORT; });
}

/** Bytes in LMDB's pages holding keys and values (B-tree and overflow pages). */
function measureData(db: RootDatabase<Entry, Key>): number {
  const s = db.getStats() as { pageSize: number; treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number };
  return (s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages) * s.pageSize;
}

function freeBytes(dir: string): number {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return Infinity; // cannot tell: report the commit's own error
  }
}

/**
 * LMDB creates its lock file with ftruncate (a hole) and writes to it through a memory map: on a
 * full file system that is a SIGBUS. Writing the file out with zeros first turns "no space" into
 * an ordinary error here; LMDB initialises a zeroed lock file as a new one.
 */
function preallocateLockFile(path: string): void {
  if (existsSync(path)) return;
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return; // another process made it just now
    throw e;
  }
  try {
    writeSync(fd, Buffer.alloc(LOCK_FILE_BYTES));
  } catch (e) {
    rmSync(path, { force: true }); // a short lock file would be extended as a hole again
    throw new StratusError('INTERNAL', `cannot create the key-value store's lock file ${path}: ${(e as Error).message}`,
      'free space on the file system holding the data directory');
  } finally {
    closeSync(fd);
  }
}

/** The lmdb files one host has open, by path; all closed with the host's scope. */
export class LmdbEnvs {
  private readonly envs = new Map<string, LmdbEnv>();

  private readonly opening = new Map<string, Promise<LmdbEnv>>();

  async acquire(dir: string): Promise<LmdbEnv> {
    const path = join(dir, 'keyvalue.mdb');
    let env = this.envs.get(path) ?? await this.opening.get(path);
    if (!env) {
      const opening = LmdbEnv.open(dir);
      this.opening.set(path, opening);
      try {
        env = await opening;
      } finally {
        this.opening.delete(path);
      }
      this.envs.set(path, env);
    }
    env.refs++;
    return env;
  }

  async release(env: LmdbEnv): Promise<void> {
    if (--env.refs > 0) return;
    if (this.envs.get(env.path) === env) this.envs.delete(env.path);
    await env.close();
  }

  async closeAll(): Promise<void> {
    const all = [...this.envs.values()];
    this.envs.clear();
    for (const env of all) await env.close();
  }
}

export const LMDB_ENVS = scopeKey('keyvalue lmdb files', (scope: HostScope) => {
  const envs = new LmdbEnvs();
  scope.onClose(() => envs.closeAll());
  return envs;
});
