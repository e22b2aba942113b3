// Drives an Asyncify-transformed instance (src/wasm/asyncify.ts) so a synchronous import may return a
// Promise: the instance unwinds its stack back to the host, the host awaits, then the export is called
// again in "rewind" mode and the import returns the settled value. Pure: no I/O.
//
// Asyncify keeps the unwound frames in a buffer inside linear memory ({i32 current, i32 end} header, then
// data). A generic actor has no allocator we can call, and growing memory would hand pages to the
// actor's own allocator, so we BORROW the last bytes of memory: save them to JS, let the unwind write
// there, copy the frames out and put the original bytes back. Rewinding borrows the region again until
// the import is re-entered. The guest never runs while it is borrowed, so it cannot observe the swap.

/** Bytes of linear memory borrowed while unwinding or rewinding (header included). */
export const ASYNCIFY_REGION_BYTES = 16 * 1024;
const HEADER = 8;
const STATE_NORMAL = 0;
const STATE_UNWINDING = 1;
const STATE_REWINDING = 2;

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

const noop = () => undefined;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

export class AsyncifyRuntime {
  private readonly memory: WebAssembly.Memory;
  private readonly startUnwind: (ptr: number) => void;
  private readonly stopUnwind: () => void;
  private readonly startRewind: (ptr: number) => void;
  private readonly stopRewind: () => void;
  private readonly getState: () => number;

  /** Exports in progress through call() (an async import is only allowed at depth 1). */
  private depth = 0;
  /** Set by a wrapped import that started an unwind; awaited by call(). */
  private pending: Promise<unknown> | undefined;
  private waiting = false;
  private rewinding = false;
  private settled: Settled | undefined;
  /** Region currently borrowed (its original bytes are in `saved`), or -1. */
  private borrowedAt = -1;
  private regionSize = 0;
  /** How many of the region's first bytes `saved` holds and giveBack restores: only what the
   *  unwind or rewind can touch, so a suspension copies kilobytes less (it is on the Redis hot path). */
  private savedLen = 0;
  private savedBuf: Uint8Array | undefined;
  /** Unwound frames while suspended (the first framesLen bytes): one buffer for the runtime's
   *  life, so a suspension allocates no ArrayBuffer (malloc, zeroing and a GC sweep each). */
  private framesBuf: Uint8Array | undefined;
  // Both made at the first suspension: an instance that never suspends (most idle actors) does not
  // carry 32 KiB for it (that was a third of an idle actor's memory at ten thousand actors).
  private get saved(): Uint8Array { return this.savedBuf ??= new Uint8Array(ASYNCIFY_REGION_BYTES); }
  private get frames(): Uint8Array { return this.framesBuf ??= new Uint8Array(ASYNCIFY_REGION_BYTES); }
  private framesLen = 0;

  /**
   * `beforeResume` runs when an awaited import has fulfilled, just before the instance rewinds; if
   * it throws, the guest gets that error instead of the value (and traps). A hook rather than a
   * then() on the import's promise: one microtask less per suspension.
   */
  constructor(exports: WebAssembly.Exports, private readonly beforeResume?: () => void) {
    const need = ['asyncify_start_unwind', 'asyncify_stop_unwind', 'asyncify_start_rewind', 'asyncify_stop_rewind', 'asyncify_get_state'];
    const missing = need.filter((n) => typeof exports[n] !== 'function');
    if (missing.length > 0) {
      throw new Error(`AsyncifyRuntime: the instance lacks ${missing.join(', ')}; transform the module with Asyncifier.transform() (or prepareForHostThread) first`);
    }
    if (!(exports.memory instanceof WebAssembly.Memory)) {
      throw new Error('AsyncifyRuntime: the instance must export its linear memory as "memory"');
    }
    this.memory = exports.memory;
    this.startUnwind = exports.asyncify_start_unwind as (ptr: number) => void;
    this.stopUnwind = exports.asyncify_stop_unwind as () => void;
    this.startRewind = exports.asyncify_start_rewind as (ptr: number) => void;
    this.stopRewind = exports.asyncify_stop_rewind as () => void;
    this.getState = exports.asyncify_get_state as () => number;
  }

  /** True while the instance is unwound and waiting on a promise. */
  get suspended(): boolean {
    return this.waiting;
  }

  /**
   * Wrap an import: if `fn` returns a Promise (thenable), the instance unwinds; when the call is rewound,
   * the wrapper returns the settled value (or throws the rejection into the guest, which traps).
   */
  wrapImport<A extends unknown[]>(fn: (...a: A) => number | void | Promise<number | void>): (...a: A) => number | void {
    // `arguments` + apply instead of rest/spread: no array per call on the hot path
    const self = this;
    return function wrapped(this: unknown): number | void {
      if (self.rewinding) return self.finishRewind();
      // eslint-disable-next-line prefer-rest-params
      const r = (fn as (...x: unknown[]) => unknown).apply(undefined, arguments as unknown as unknown[]) as number | void | Promise<number | void>;
      return self.afterImport(r);
    } as unknown as (...a: A) => number | void;
  }

  private afterImport(r: number | void | Promise<number | void>): number | void {
    if (typeof r === 'number' || r === undefined || !isThenable(r)) return r as number | void;
    if (this.depth !== 1) {
      throw new Error(this.depth === 0
        ? 'AsyncifyRuntime: an import returned a Promise outside AsyncifyRuntime.call(); call exports through the runtime'
        : 'AsyncifyRuntime: an import returned a Promise inside a nested call into the same instance, which cannot suspend');
    }
    this.borrow();
    this.pending = Promise.resolve(r); // awaited by resume(); fail() handles it if the unwind traps
    this.startUnwind(this.borrowedAt);
    return undefined; // ignored: the guest is unwinding
  }

  /**
   * Call an export. Returns the plain result when nothing suspended (no Promise, no allocation);
   * otherwise a Promise that settles after one or more unwind/await/rewind rounds.
   * call2() is the same for a two-argument export (`__guest_call`), without an argument array.
   */
  call2(fn: (a: number, b: number) => number, a: number, b: number): number | Promise<number> {
    return this.enter(fn as (...x: number[]) => number, a, b, undefined);
  }

  call(fn: (...a: number[]) => number, ...args: number[]): number | Promise<number> {
    return this.enter(fn, 0, 0, args);
  }

  private enter(fn: (...a: number[]) => number, a: number, b: number, args: number[] | undefined): number | Promise<number> {
    if (this.waiting || this.rewinding) {
      throw new Error('AsyncifyRuntime: the instance is suspended in an async import; it cannot be entered until that call completes');
    }
    this.depth++;
    let r: number;
    try {
      r = args ? fn(...args) : fn(a, b);
    } catch (e) {
      throw this.fail(e);
    } finally {
      this.depth--;
    }
    if (this.pending === undefined || this.depth !== 0) return r;
    this.finishUnwind();
    return this.resume(fn, args ?? [a, b]);
  }

  private async resume(fn: (...a: number[]) => number, args: number[]): Promise<number> {
    for (;;) {
      try {
        const value = await this.pending;
        this.beforeResume?.();
        this.settled = { ok: true, value };
      } catch (error) {
        this.settled = { ok: false, error };
      }
      this.pending = undefined;
      this.depth++;
      let r: number;
      try {
        this.beginRewind();
        r = fn(...args);
      } catch (e) {
        throw this.fail(e);
      } finally {
        this.depth--;
      }
      if (this.rewinding) throw this.fail(new Error('AsyncifyRuntime: the rewind did not reach the suspended import'));
      if (this.pending === undefined) return r;
      this.finishUnwind();
    }
  }

  /** Save the last bytes of memory and put an empty Asyncify header there. */
  private borrow(): void {
    const buf = this.memory.buffer;
    const size = Math.min(ASYNCIFY_REGION_BYTES, buf.byteLength);
    if (size < 1024) throw new Error('AsyncifyRuntime: the actor has too little linear memory to suspend in');
    const at = buf.byteLength - size;
    this.saved.set(new Uint8Array(buf, at, size)); // the unwind may write anywhere up to the region's end
    this.borrowedAt = at;
    this.regionSize = size;
    this.savedLen = size;
    this.writeHeader(buf, at + HEADER);
  }

  private writeHeader(buf: ArrayBuffer, current: number): void {
    const dv = new DataView(buf, this.borrowedAt, HEADER);
    dv.setUint32(0, current, true);
    dv.setUint32(4, this.borrowedAt + this.regionSize, true);
  }

  /** Put the region's own bytes back (memory may have grown since: re-read the buffer). */
  private giveBack(): void {
    if (this.borrowedAt < 0) return;
    new Uint8Array(this.memory.buffer).set(this.saved.subarray(0, this.savedLen), this.borrowedAt);
    this.borrowedAt = -1;
  }

  /** The export returned after an unwind: keep the frames, restore the region. */
  private finishUnwind(): void {
    this.stopUnwind();
    const buf = this.memory.buffer;
    const at = this.borrowedAt;
    const current = new DataView(buf, at, HEADER).getUint32(0, true);
    if (current < at + HEADER || current > at + this.regionSize) {
      const e = new Error(`AsyncifyRuntime: corrupt asyncify header after unwinding (current ${current})`);
      throw this.fail(e);
    }
    this.framesLen = current - at - HEADER;
    this.frames.set(new Uint8Array(buf, at + HEADER, this.framesLen));
    this.savedLen = current - at; // the unwind wrote the header and the frames, nothing past them
    this.giveBack();
    this.waiting = true;
  }

  private beginRewind(): void {
    const buf = this.memory.buffer;
    const size = this.regionSize;
    const at = buf.byteLength - size; // memory cannot change while suspended; the frames do not depend on the address
    this.savedLen = HEADER + this.framesLen; // rewinding only reads the frames back
    this.saved.set(new Uint8Array(buf, at, this.savedLen));
    this.borrowedAt = at;
    new Uint8Array(buf, at + HEADER, this.framesLen).set(this.frames.subarray(0, this.framesLen));
    this.writeHeader(buf, at + HEADER + this.framesLen);
    this.framesLen = 0;
    this.waiting = false;
    this.rewinding = true;
    this.startRewind(at);
  }

  /** The suspended import is re-entered: stop rewinding and answer with the settled value. */
  private finishRewind(): number | void {
    this.stopRewind();
    this.rewinding = false;
    this.giveBack();
    const s = this.settled as Settled;
    this.settled = undefined;
    if (!s.ok) throw s.error;
    return s.value as number | void;
  }

  /** An export threw: return the state to normal (so the instance can be reused) and describe the error. */
  private fail(e: unknown): unknown {
    const overflow = this.pending !== undefined && !this.waiting;
    let state = STATE_NORMAL;
    try { state = this.getState(); } catch { /* keep going: cleanup matters more */ }
    if (state === STATE_UNWINDING) this.stopUnwind();
    else if (state === STATE_REWINDING) this.stopRewind();
    this.giveBack();
    this.pending?.catch(noop); // nobody will await it now: its rejection is not "unhandled"
    this.pending = undefined;
    this.waiting = false;
    this.rewinding = false;
    this.settled = undefined;
    this.framesLen = 0;
    if (overflow && state === STATE_UNWINDING) {
      const why = e instanceof Error ? e.message : String(e);
      return new Error(`actor stack too deep to suspend: its call stack did not fit in the ${this.regionSize}-byte asyncify region (${why})`, { cause: e });
    }
    return e;
  }
}
