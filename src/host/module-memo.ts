// Compiled host-thread modules shared by every actor of a host whose prepared code is the same.
// Distinct signed copies of one module differ only in their claims section, which is stripped
// before preparation; without sharing, each copy paid a preparation round trip and its own
// WebAssembly.compile, and kept its own compiled code (most of an idle actor's memory at 10 000
// actors). Entries are weak: a module no running actor holds can be collected, and its entry
// goes with it. Per host (in its HostScope), never process-wide.
import { createHash } from 'node:crypto';
import { scopeKey, type HostScope } from '../core/scope.js';

/** A compiled module on its way, and whether it is seconds away (see host-thread.ts `slow`). */
export interface ModuleInMaking {
  module: Promise<WebAssembly.Module>;
  /** Resolves once the module is known to need a transform (a code cache miss); never rejects. */
  slow: Promise<void>;
}

const NEVER = new Promise<void>(() => undefined);

class ModuleMemo {
  /** Preparations in flight, so concurrent starts of the same code share one. */
  private readonly pending = new Map<string, ModuleInMaking>();
  private readonly done = new Map<string, WeakRef<WebAssembly.Module>>();
  private readonly cleanup = new FinalizationRegistry<string>((key) => {
    if (this.done.get(key)?.deref() === undefined) this.done.delete(key);
  });

  /** The key of each array sameBytes() kept, so a start hashes its bytes once, not per lookup. */
  private readonly keyOfKept = new WeakMap<Uint8Array, string>();

  private keyOf(b: Uint8Array): string {
    return this.keyOfKept.get(b) ?? createHash('sha256').update(b).digest('base64');
  }

  get(bytes: Uint8Array, make: () => ModuleInMaking): ModuleInMaking {
    const key = this.keyOf(bytes);
    const have = this.done.get(key)?.deref();
    if (have) return { module: Promise.resolve(have), slow: NEVER };
    let p = this.pending.get(key);
    if (!p) {
      const made = make();
      const module = made.module.then((m) => {
        this.done.set(key, new WeakRef(m));
        this.cleanup.register(m, key);
        return m;
      }).finally(() => this.pending.delete(key));
      p = { module, slow: made.slow };
      this.pending.set(key, p);
    }
    return p;
  }

  private readonly bytes = new Map<string, WeakRef<Uint8Array>>();
  private readonly bytesCleanup = new FinalizationRegistry<string>((key) => {
    if (this.bytes.get(key)?.deref() === undefined) this.bytes.delete(key);
  });

  /** One copy of equal bytes, while someone holds it. */
  sameBytes(b: Uint8Array): Uint8Array {
    const key = this.keyOf(b);
    const have = this.bytes.get(key)?.deref();
    if (have) return have;
    this.bytes.set(key, new WeakRef(b));
    this.keyOfKept.set(b, key);
    this.bytesCleanup.register(b, key);
    return b;
  }

  get size(): number {
    return this.done.size;
  }
}

const MEMO = scopeKey('compiled module memo', () => new ModuleMemo());

/**
 * The compiled module for `bytes` (the input of preparation, so equal inputs give equal code):
 * from this host's memo, or made by `make` once and remembered while some actor holds it.
 */
export function sharedModule(scope: HostScope, bytes: Uint8Array, make: () => ModuleInMaking): ModuleInMaking {
  return scope.use(MEMO).get(bytes, make);
}

/**
 * `bytes`, or an equal array some actor of this host already keeps: what an actor holds on to for a
 * later move to worker threads is its module without the claims section, the same for every copy.
 */
export function sharedBytes(scope: HostScope, bytes: Uint8Array): Uint8Array {
  return scope.use(MEMO).sameBytes(bytes);
}

/** How many distinct compiled modules the host holds (tests, diagnostics). */
export function sharedModuleCount(scope: HostScope): number {
  return scope.use(MEMO).size;
}
