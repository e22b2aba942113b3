// Preparing an actor for the host thread without holding it: the work (fuel injection, Asyncify,
// the code cache; prepare.ts) runs on a worker thread that belongs to the host. A 0.9 MB module
// with 100 k functions took 1.4 s there on a quiet machine (3.5-5 s on a busy one), during which
// the host answered nothing when it ran on the host thread.
//
// The worker is made on first use through the host's HostScope, terminated when the scope closes,
// and unref'd while idle, so it never keeps a process alive. A worker that dies fails the
// preparations it had (their actors run on worker threads instead) and is replaced on next use.
import { Worker } from 'node:worker_threads';
import { scopeKey, type HostScope } from '../core/scope.js';
import { cacheKeyHome } from './cache-key.js';
import { defaultAsyncifyCacheDir } from './asyncify.js';
import type { PrepareJob, PrepareReply } from './prepare-worker.js';
import { CacheLookup } from './cache-lookup.js';

const WORKER_URL = new URL('./prepare-worker.js', import.meta.url);

export interface HostThreadOptions {
  /** Imports that may suspend, as "module.name" (e.g. 'wasmbus.__host_call'). */
  imports: readonly string[];
  /** Cache directory; default defaultAsyncifyCacheDir(); null for no cache. */
  cacheDir?: string | null;
  /** Where the cache key lives (`<home>/keys/code-cache.key`); default cacheKeyHome(). */
  home?: string;
  /** Hand `bytes` to the worker instead of copying it: the caller must not use it afterwards. */
  transfer?: boolean;
  /** Where the preparation's warnings go (a rejected cache entry, a cache that cannot be used). */
  log?: (level: 'warn', text: string) => void;
  /**
   * Called when the code is seconds away rather than a cache read: the host thread's lookup found
   * no verified entry (cache-lookup.ts), so the worker will transform (a rejected entry is
   * replaced; entries made without the key cannot verify). The host serves the actor elsewhere
   * meanwhile. Not called on a hit.
   */
  slow?: () => void;
  /** Only a cache hit: on a miss, reject (after `slow`) instead of starting the worker to transform. */
  cachedOnly?: boolean;
  /**
   * On a miss, the transform starts only once this settles. A host that serves the actor on a
   * worker thread meanwhile passes "that worker is up": the preparation worker's boot and
   * Binaryen's load took the second core from the actor's own worker while it booted (~25 ms of
   * an empty-cache `stratus up`, docs/coldstart.md "Fifth pass"), and the transform takes seconds
   * either way.
   */
  transformAfter?: Promise<unknown>;
}

/** Counters for diagnostics and tests, per host. */
export interface PreparationStats {
  /** Preparations that ran the transform (cache miss, or no cache). */
  transforms: number;
  cacheHits: number;
  /** Cache entries that did not verify and were replaced. */
  rejectedEntries: number;
  cacheWriteErrors: number;
  binaryenLoads: number;
  workersStarted: number;
}

/**
 * `bytes` (a module without its claims section, memory limits applied) with fuel checks and
 * Asyncify, prepared off the host thread. Rejects with the worker's FuelError / AsyncifyError
 * (by name and message) when the module cannot be prepared.
 */
export function prepareForHostThread(scope: HostScope, bytes: Uint8Array, opts: HostThreadOptions): Promise<Uint8Array> {
  let worker: PreparationWorker;
  try {
    worker = scope.use(PREPARATION);
  } catch (e) {
    return Promise.reject(e as Error); // a closed scope
  }
  return worker.prepare(bytes, opts);
}

/**
 * Whether the code cache holds verified code for `bytes` (the same lookup as a preparation's: a
 * read of ~1 ms on the host thread), keeping a hit for the preparation that follows (it then reads
 * nothing). Starts no preparation and no worker; false when unsure.
 */
export async function hasPreparedCode(scope: HostScope, bytes: Uint8Array, opts: Pick<HostThreadOptions, 'imports' | 'cacheDir' | 'home'>): Promise<boolean> {
  try {
    return await scope.use(PREPARATION).isCached(bytes, opts);
  } catch {
    return false;
  }
}

/** The cache directory (null: no cache) and the cache key's home, the options' or the defaults. */
function cacheLocation(opts: Pick<HostThreadOptions, 'cacheDir' | 'home'>): { cacheDir: string | null; home: string } {
  return { cacheDir: opts.cacheDir === undefined ? defaultAsyncifyCacheDir() : opts.cacheDir, home: opts.home ?? cacheKeyHome() };
}

/** The host's preparation counters (all zero before its first preparation). */
export function preparationStats(scope: HostScope): Readonly<PreparationStats> {
  return { ...scope.use(PREPARATION).stats, binaryenLoads: scope.use(PREPARATION).binaryenLoads };
}

const PREPARATION = scopeKey('host-thread preparation worker', (scope) => {
  const w = new PreparationWorker();
  scope.onClose(() => w.close());
  return w;
});

/** An error from the worker, with its original name (FuelError, AsyncifyError, ...). */
class PreparationError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface Pending { resolve(b: Uint8Array): void; reject(e: Error): void; log?: HostThreadOptions['log'] }

class PreparationWorker {
  readonly stats: Omit<PreparationStats, 'binaryenLoads'> = { transforms: 0, cacheHits: 0, rejectedEntries: 0, cacheWriteErrors: 0, workersStarted: 0 };
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  /** Binaryen loads by workers that have exited, and by the current one so far. */
  private pastLoads = 0;
  private currentLoads = 0;

  get binaryenLoads(): number {
    return this.pastLoads + this.currentLoads;
  }

  private readonly lookup = new CacheLookup();

  async isCached(bytes: Uint8Array, opts: Pick<HostThreadOptions, 'imports' | 'cacheDir' | 'home'>): Promise<boolean> {
    const { cacheDir, home } = cacheLocation(opts);
    return (await this.lookup.find(bytes, opts.imports, cacheDir, home, true)) !== undefined;
  }

  async prepare(bytes: Uint8Array, opts: HostThreadOptions): Promise<Uint8Array> {
    const closing = () => new Error('the host is shutting down; no more actors are prepared');
    if (this.closed) throw closing();
    const { cacheDir, home } = cacheLocation(opts);
    // a hit needs no worker (cache-lookup.ts), and does not queue behind another actor's transform
    const hit = await this.lookup.find(bytes, opts.imports, cacheDir, home);
    if (this.closed) throw closing();
    if (hit) {
      this.stats.cacheHits++;
      return hit;
    }
    // no verified entry: the worker will transform (seconds); say so before it has even started
    const slow = opts.slow;
    if (slow) {
      try {
        slow();
      } catch {
        // the caller's business
      }
    }
    if (opts.cachedOnly) throw new PreparationError('NotCached', 'its code for the host thread is not in the code cache, and this host does not prepare it');
    if (opts.transformAfter) {
      await opts.transformAfter.catch(() => undefined);
      if (this.closed) throw closing();
    }
    return this.post(bytes, opts, cacheDir, home);
  }

  private post(bytes: Uint8Array, opts: HostThreadOptions, cacheDir: string | null, home: string): Promise<Uint8Array> {
    const w = this.ensureWorker();
    const id = this.nextId++;
    const job: PrepareJob = { id, req: { bytes, imports: [...opts.imports], cacheDir, home } };
    return new Promise<Uint8Array>((resolve, reject) => {
      const own = opts.transfer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
      try {
        w.postMessage(job, own ? [bytes.buffer as ArrayBuffer] : []);
      } catch (e) {
        return reject(e as Error); // not sent (e.g. bytes that cannot be cloned): nothing to wait for
      }
      if (this.pending.size === 0) w.ref(); // a preparation in flight keeps the process alive
      this.pending.set(id, { resolve, reject, log: opts.log });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    // no flags of the host process: some (--input-type, --eval) are refused by workers, none are needed
    const w = new Worker(WORKER_URL, { execArgv: [] });
    this.stats.workersStarted++;
    w.unref();
    w.on('message', (m: PrepareReply) => this.settle(m));
    w.on('error', (e) => this.lost(w, `the preparation worker failed: ${e.message}`));
    w.on('exit', (code) => this.lost(w, `the preparation worker stopped (exit code ${code})`));
    this.worker = w;
    return w;
  }

  private settle(m: PrepareReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (!m.ok) return p.reject(new PreparationError(m.name, m.message));
    const r = m.result;
    this.currentLoads = r.binaryenLoads;
    if (r.cache === 'hit') this.stats.cacheHits++;
    else this.stats.transforms++;
    if (r.rejectedEntry) this.stats.rejectedEntries++;
    if (r.cacheWriteFailed) this.stats.cacheWriteErrors++;
    for (const text of r.warnings) p.log?.('warn', text);
    p.resolve(r.bytes);
  }

  /** The worker is gone: fail what it had; the next preparation starts a new one. */
  private lost(w: Worker, why: string): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    this.pastLoads += this.currentLoads;
    this.currentLoads = 0;
    const err = new Error(why);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    if (w) {
      this.lost(w, 'the host shut down while an actor was being prepared');
      await w.terminate();
    }
  }
}
