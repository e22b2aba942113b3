// Durable entries in an embedded LMDB file (the default backend). One environment per file,
// shared by every link in this process; buckets are the first part of each key.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { StratusError } from '../../host/errors.js';
import type { EntryStore } from './entry-backend.js';
import { isExpired, type Entry, type EntryTxn } from './semantics.js';

type Key = [string, string];
// LMDB's key limit is 1978 bytes; leave room for the bucket and the key encoding.
const MAX_KEY_BYTES = 1900;

interface SharedEnv { db: RootDatabase<Entry, Key>; refs: number; path: string }
const envs = new Map<string, SharedEnv>();

function acquire(dir: string): SharedEnv {
  const path = join(dir, 'keyvalue.mdb');
  let env = envs.get(path);
  if (!env) {
    mkdirSync(dir, { recursive: true });
    let db: RootDatabase<Entry, Key>;
    try {
      db = open<Entry, Key>({ path, compression: false });
    } catch (e) {
      throw new StratusError('INTERNAL', `cannot open the key-value store at ${path}: ${(e as Error).message}`,
        'check that the data directory exists, is writable, and is not on a network file system');
    }
    env = { db, refs: 0, path };
    envs.set(path, env);
    sweepExpired(db);
  }
  env.refs++;
  return env;
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

type Outcome<T> = { ok: T } | { err: unknown };

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
    return fn(this.readTxn);
  }

  async write<T>(fn: (txn: EntryTxn, now: number) => T): Promise<T> {
    this.assertOpen();
    // Errors are carried out as values: a throw inside the callback would abort the batched
    // transaction other operations share. The semantics validate before writing, so a failed
    // operation has written nothing.
    const out: Outcome<T> = await this.env.db.transaction(() => {
      try { return { ok: fn(this.writeTxn, Date.now()) }; } catch (err) { return { err }; }
    });
    if ('err' in out) throw out.err;
    return out.ok;
  }

  async health() {
    if (this.closed) return { healthy: false, message: 'lmdb store closed' };
    return { healthy: true, message: `lmdb: ${this.env.path}` };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (--this.env.refs === 0) {
      envs.delete(this.env.path);
      await this.env.db.close();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StratusError('PROVIDER_NOT_RUNNING', `the lmdb key-value store for bucket "${this.bucket}" is closed`, 'put the link again');
  }
}
