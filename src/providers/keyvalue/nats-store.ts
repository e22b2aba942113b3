// Key-value entries in a NATS JetStream KV bucket (link value backend=nats). The pure semantics
// (semantics.ts) run against a snapshot of the keys an operation reads; its one write is then
// committed with compare-and-set on the key's revision (JetStream's expected-last-subject-
// sequence). A conflict (another writer got there first) re-reads and re-runs the operation, so
// concurrent Increments from any number of hosts end exact. Writes to one key from this process
// are queued, so conflicts only come from other processes.
//
// Failures never apply a write twice: a write whose answer was lost (the connection dropped, or
// no answer in time) is reported as "may or may not have been applied" and is not re-sent; a
// failure before the write was sent says it was not performed.
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { StratusError } from '../../core/errors.js';
import type { EntryStore } from './entry-backend.js';
import { copyEntry, isExpired, type Entry, type EntryTxn } from './semantics.js';

/** Keys as NATS allows them ([-/_=A-Za-z0-9] and dots between tokens): every other byte, and the
 *  dot, becomes =HH (UTF-8), so any actor key maps to exactly one NATS key. '' becomes "=". */
export function natsKey(key: string): string {
  if (key === '') return '=';
  let out = '';
  for (const b of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[-/_A-Za-z0-9]/.test(c) ? c : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const RESERVED = 'stratus-x';
/** The NATS bucket for a link's `bucket`: a valid NATS bucket name is used as is (so buckets made
 *  by wasmCloud's kv-nats or the nats CLI are shared); anything else, and the default (''), is
 *  spelled `stratus-x<hex of its UTF-8>`, a prefix no verbatim name may use. */
export function natsBucketName(bucket: string): string {
  if (bucket !== '' && /^[-\w]+$/.test(bucket) && !bucket.startsWith(RESERVED)) return bucket;
  return RESERVED + Buffer.from(bucket, 'utf8').toString('hex');
}

/** A key the operation read but this attempt had not loaded yet. */
class NeedKey { constructor(readonly key: string) {} }

interface Loaded { entry: Entry | undefined; revision: number }

const enc = new TextEncoder();
const dec = new TextDecoder();
const MAX_ATTEMPTS = 50;

function isConflict(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return code === 10071 || code === 10164 || /wrong last sequence/i.test(String((e as Error).message));
}

export class NatsKvStore implements EntryStore {
  readonly kind = 'nats';
  private readonly keyQueues = new Map<string, Promise<unknown>>();

  private constructor(private readonly kv: KV, private readonly nc: NatsConnection, private readonly where: string, private readonly release: () => Promise<void>) {}

  static async open(nc: NatsConnection, bucket: string, servers: string, timeoutMs: number, domain: string | undefined, release: () => Promise<void>): Promise<NatsKvStore> {
    const name = natsBucketName(bucket);
    const jsOpts = { timeout: timeoutMs, ...(domain ? { domain } : {}) };
    const where = `NATS ${servers} bucket ${name}`;
    try {
      const jsm = await jetstreamManager(nc, jsOpts);
      const kvm = new Kvm(jetstream(nc, jsOpts));
      let exists = true;
      try { await jsm.streams.info(`KV_${name}`); } catch { exists = false; }
      const kv = exists ? await kvm.open(name) : await kvm.create(name, { history: 1 });
      return new NatsKvStore(kv, nc, where, release);
    } catch (e) {
      throw new StratusError('LINK_INVALID', `keyvalue: could not open the JetStream KV bucket ${name} on NATS ${servers}: ${(e as Error).message}`,
        'the NATS server must run with JetStream (`nats-server -js`); check cluster_uri and js_domain');
    }
  }

  private async load(key: string): Promise<Loaded> {
    const e = await this.kv.get(natsKey(key));
    if (!e) return { entry: undefined, revision: 0 };
    if (e.operation !== 'PUT') return { entry: undefined, revision: e.revision };
    return { entry: JSON.parse(dec.decode(e.value)) as Entry, revision: e.revision };
  }

  /** Runs `fn` until every key it reads is loaded (it is pure, so re-running is safe). */
  private async attempt<T>(fn: (txn: EntryTxn, now: number) => T, op: string) {
    const loaded = new Map<string, Loaded>();
    const writes = new Map<string, Entry | undefined>();
    for (;;) {
      writes.clear();
      const now = Date.now();
      const txn: EntryTxn = {
        get: (key) => {
          if (writes.has(key)) return writes.get(key);
          const l = loaded.get(key);
          if (!l) throw new NeedKey(key);
          const e = l.entry;
          if (!e) return undefined;
          if (isExpired(e, now)) return undefined;
          return copyEntry(e); // a fresh copy per run: operations change entries in place
        },
        // a blind write (Set) still needs the key's revision for its compare-and-set
        put: (key, entry) => { if (!loaded.has(key)) throw new NeedKey(key); writes.set(key, entry); },
        del: (key) => { if (!loaded.has(key)) throw new NeedKey(key); writes.set(key, undefined); },
      };
      try {
        return { value: fn(txn, now), loaded, writes };
      } catch (e) {
        if (!(e instanceof NeedKey)) throw e;
        try {
          loaded.set(e.key, await this.load(e.key));
        } catch (err) {
          throw this.unavailable(op, err, false);
        }
      }
    }
  }

  async read<T>(fn: (txn: EntryTxn) => T): Promise<T> {
    return (await this.attempt((t) => fn(t), 'read')).value;
  }

  write<T>(fn: (txn: EntryTxn, now: number) => T): Promise<T> {
    // Every write operation touches one key; queue by the first key it reads or writes (its
    // target), found by a dry run that stops at the first access.
    let target = '';
    const found = (k: string): never => { target = k; throw new NeedKey(k); };
    try { fn({ get: found, put: found, del: found }, Date.now()); } catch { /* found it */ }
    const prev = this.keyQueues.get(target) ?? Promise.resolve();
    const run = prev.then(() => this.writeNow(fn), () => this.writeNow(fn));
    const tail = run.then(() => undefined, () => undefined);
    this.keyQueues.set(target, tail);
    void tail.then(() => { if (this.keyQueues.get(target) === tail) this.keyQueues.delete(target); });
    return run;
  }

  private async writeNow<T>(fn: (txn: EntryTxn, now: number) => T): Promise<T> {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const r = await this.attempt(fn, 'write');
      let conflict = false;
      for (const [key, entry] of r.writes) {
        const rev = r.loaded.get(key)?.revision ?? 0;
        try {
          if (entry === undefined) {
            if (rev > 0 && r.loaded.get(key)?.entry) await this.kv.delete(natsKey(key), { previousSeq: rev });
          } else {
            const data = enc.encode(JSON.stringify(entry));
            if (rev > 0) await this.kv.update(natsKey(key), data, rev);
            else await this.kv.create(natsKey(key), data);
          }
        } catch (e) {
          if (isConflict(e)) { conflict = true; break; }
          throw this.unavailable('write', e, true);
        }
      }
      if (!conflict) return r.value;
    }
    throw new StratusError('INTERNAL', `keyvalue: ${this.where}: the key kept changing under ${MAX_ATTEMPTS} attempts; the write was not performed`,
      'many writers are updating the same key at once; retry');
  }

  private unavailable(op: string, e: unknown, sent: boolean): StratusError {
    const why = (e as Error).message ?? String(e);
    if (sent) {
      return new StratusError('INTERNAL', `keyvalue: the connection to ${this.where} failed after the write was sent (${why}); it may or may not have been applied`,
        'it is not retried automatically, so it is never applied twice; check the value before retrying');
    }
    return new StratusError('INTERNAL', `keyvalue: ${this.where} is unavailable (${why}); the ${op} was not performed`,
      'check that the NATS server runs with JetStream; the client reconnects by itself');
  }

  readSync<T>(): T { throw new StratusError('INTERNAL', 'the NATS key-value store has no synchronous path'); }
  writeSync<T>(): { value: T } { throw new StratusError('INTERNAL', 'the NATS key-value store has no synchronous path'); }

  async health() {
    if (this.nc.isClosed()) return { healthy: false, message: `${this.where}: connection closed` };
    try {
      const s = await this.kv.status();
      return { healthy: true, message: `${this.where}: ${s.values} value(s)` };
    } catch (e) {
      return { healthy: false, message: `${this.where}: ${(e as Error).message}` };
    }
  }

  async close(): Promise<void> {
    // the connection is shared (nats-connection.ts): give back this store's hold on it
    await this.release();
  }
}
