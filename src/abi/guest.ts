// The wasmbus/waPC guest ABI (reference §1.2–1.5), host side, as it runs next to one instance.
// Pure: no I/O. Host calls are delegated to a synchronous callback supplied by the worker.
import { ProcExit } from './wasi.js';
import { WASMBUS_FUNCTIONS } from '../wasm/abi.js';

/** Outcome of a synchronous host call as seen by the guest. */
export type HostCallResult = { ok: true; data: Uint8Array } | { ok: false; error: string };

/** Serves a guest's host call. A Promise is allowed only where the instance can suspend (Asyncify). */
export type HostCallFn = (binding: string, namespace: string, operation: string, payload: Uint8Array) => HostCallResult | Promise<HostCallResult>;

/**
 * Serves a guest's host call from a view of guest memory *borrowed* for the duration of the call,
 * before any copy is made. The view is valid only until this function returns (the guest runs again
 * right after, and memory.grow may detach it): it must not be kept, nor any subarray of it.
 * Undefined: not served, and nothing was done; the call then takes HostCallFn with a copy.
 */
export type BorrowingHostCallFn = (binding: string, namespace: string, operation: string, view: Uint8Array) => HostCallResult | undefined;

/** Outcome of one `__guest_call`. */
export type GuestCallResult = { ok: true; data: Uint8Array } | { ok: false; error: string };

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8');
const utf8enc = new TextEncoder();

const MiB = 1024 * 1024;

/**
 * The most bytes the host copies out of a guest for one response, unless the caller passes its own
 * limit to begin()/invoke(). Without one, an actor answering 60 MiB held the host thread 0.67 s and
 * lifted RSS to 715 MB. 16 MiB is above the largest request the HTTP server accepts by default
 * (max_content_len 10 MiB), so an actor can echo any request it was allowed to receive. What a copy
 * costs is mostly the fresh buffer's page faults: on the project VM a 16 MiB copy took 2.4 ms at
 * best and 160 ms as a median of 15 (1 MiB: 3-14 ms; 60 MiB: 450-750 ms; copying into memory
 * already touched: 0.03 ms per MiB), so the cap bounds that stall rather than making it free;
 * a caller that wants less passes its own limit.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * MiB;
/** The most bytes one `__host_call` may pass as its payload (same reasoning: a provider request as
 *  large as the largest response; key-value values and actor-to-actor messages are far smaller). */
export const DEFAULT_MAX_HOST_CALL_BYTES = 16 * MiB;
/** Error texts and log lines from a guest are cut to this many bytes (they end up in logs and replies). */
export const MAX_GUEST_TEXT_BYTES = 64 * 1024;
/** Binding, namespace and operation of one host call together: names, never data. */
const MAX_HOST_CALL_NAME_BYTES = 64 * 1024;

/** "2000 bytes", "60.0 MiB": sizes in error messages. */
function size(n: number): string {
  return n < MiB ? `${n} bytes` : `${(n / MiB).toFixed(1)} MiB`;
}

/** Operation names repeat on every call and TextEncoder.encode costs ~1.4 µs for a short string
 *  on Node 20, so each GuestAbi keeps their bytes (bounded: operation names come from callers). */
const OP_CACHE_LIMIT = 256;

/**
 * Guest responses and host-call payloads are copied into 8 KiB slabs, as Node's Buffer pool does.
 * A small copy made with slice() gets an ArrayBuffer of its own (off V8's heap above 64 bytes, and
 * moved off it by the first subarray() or .buffer below that, which every decoder and socket write
 * does next): measured ~0.4–1 µs per response, against ~80 ns here. For host calls, an actor
 * publishing in a loop (bench/msgpub-cpu, bench/providers (b)) spent 13 % of its CPU in that copy
 * (`node --cpu-prof dist/bench/msgpub-cpu.js --actor-only`). The cost of a slab: a response or
 * payload kept alive keeps its 8 KiB slab (providers keep payloads only while they serve the call;
 * a queued NATS publish until nats.js flushes it). Each GuestAbi (one per instance) fills its own
 * slab, so nothing is shared between instances or hosts.
 */
const SLAB_BYTES = 8 * 1024;
const SLAB_MAX_COPY = 1024;

/** The names every wasmbus actor may import (same table under `wasmbus` and `wapc`); the table
 *  with their signatures is src/wasm/abi.ts, which the portability inspector checks against. */
type WasmbusFunction = keyof typeof WASMBUS_FUNCTIONS;

/** Export names called once after instantiation, in this order (reference §1.4 step 4). */
export const INIT_EXPORTS = ['__wasmbus_rpc_version', 'start', 'wapc_init', '_start'] as const;

/**
 * Call the init exports in order. A `_start` that ends with WASI proc_exit(0) (what TinyGo's
 * runtime does after main when built for WASI) has finished normally; any other exit code, or an
 * exit from another init export, is a failure and propagates as ProcExit.
 */
export function runInitExports(exports: WebAssembly.Exports): void {
  for (const name of INIT_EXPORTS) {
    const fn = exports[name];
    if (typeof fn !== 'function') continue;
    try {
      (fn as () => unknown)();
    } catch (e) {
      if (name === '_start' && e instanceof ProcExit && e.exitCode === 0) return;
      throw e;
    }
  }
}

export class GuestAbi {
  private memory: WebAssembly.Memory | undefined;
  private op: Uint8Array = EMPTY;
  private payload: Uint8Array = EMPTY;
  private guestResponse: Uint8Array | undefined;
  private guestError: Uint8Array | undefined;
  /** Full length of the guest's error when it was cut to MAX_GUEST_TEXT_BYTES, else -1. */
  private guestErrorLen = -1;
  /** Length of a response refused for its size during this call, else -1. */
  private refusedLen = -1;
  private maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
  private hostResponse: Uint8Array = EMPTY;
  private hostError: Uint8Array = EMPTY;
  /** The operation currently being served (for error messages). */
  currentOperation = '';
  /** How errors name the actor, e.g. "M... (kvcounter)"; the lane that owns the instance sets it. */
  label = 'the actor';
  /** Cap on one host call's payload, checked before it is copied; may change between calls. */
  maxHostCallBytes = DEFAULT_MAX_HOST_CALL_BYTES;
  /** Tried first for every host call with the payload borrowed, not copied (see BorrowingHostCallFn).
   *  A slab copy of a 92-byte publish took ~85 ns against ~40 ns for the view (Node 20 microbench),
   *  and the actor publishing in a loop went from 1.11–1.19 to 0.97–1.03 µs of CPU per message
   *  (`node dist/bench/msgpub-cpu.js --actor-only --rounds 7`, four alternated pairs; less GC too). */
  borrowing: BorrowingHostCallFn | undefined = undefined;
  private readonly opCache = new Map<string, Uint8Array>();
  /** The slab small results are copied into (made on first use), and how much of it is used. */
  private slab: ArrayBuffer | undefined;
  private slabUsed = SLAB_BYTES;

  constructor(private readonly hostCall: HostCallFn, private readonly consoleLog: (text: string) => void) {}

  /** Must be called after instantiation with the exported memory. */
  bindMemory(memory: WebAssembly.Memory): void {
    this.memory = memory;
    this.view = EMPTY;
  }

  /** A view of all of memory, renewed when memory.grow replaces the buffer (§1.7): one view per
   *  buffer instead of one per access (the host-thread lane makes these calls the hot path). */
  private view: Uint8Array = EMPTY;

  private bytes(): Uint8Array {
    // memory.grow detaches the old buffer, which empties every view of it: a length check is
    // cheaper than reading memory.buffer on each access
    if (this.view.length === 0) {
      if (!this.memory) throw new RangeError('actor does not export its linear memory as "memory"');
      this.view = new Uint8Array(this.memory.buffer);
    }
    return this.view;
  }

  private check(ptr: number, len: number, size: number): void {
    if (ptr < 0 || len < 0 || ptr + len > size) {
      throw new RangeError(`guest passed an out-of-bounds buffer (ptr ${ptr}, len ${len}, memory ${size} bytes)`);
    }
  }

  /** A view into guest memory (valid until the guest runs again). */
  private read(ptr: number, len: number): Uint8Array {
    const m = this.bytes();
    this.check(ptr, len, m.length);
    return m.subarray(ptr, ptr + len);
  }

  /** A copy of guest memory. */
  private copy(ptr: number, len: number): Uint8Array {
    const m = this.bytes();
    this.check(ptr, len, m.length);
    return m.slice(ptr, ptr + len);
  }

  /** A copy of guest memory the host keeps past the guest's next step: a call's result or a host
   *  call's payload (into the slab when small; see SLAB_BYTES). */
  private copyOut(ptr: number, len: number): Uint8Array {
    const m = this.bytes();
    this.check(ptr, len, m.length);
    if (len > SLAB_MAX_COPY) return m.slice(ptr, ptr + len);
    if (this.slabUsed + len > SLAB_BYTES) {
      this.slab = new ArrayBuffer(SLAB_BYTES);
      this.slabUsed = 0;
    }
    const out = new Uint8Array(this.slab!, this.slabUsed, len);
    out.set(m.subarray(ptr, ptr + len));
    this.slabUsed += (len + 7) & ~7; // 8-byte aligned, so a DataView over the copy reads aligned
    return out;
  }

  private operationBytes(operation: string): Uint8Array {
    let b = this.opCache.get(operation);
    if (b === undefined) {
      if (this.opCache.size >= OP_CACHE_LIMIT) this.opCache.clear();
      b = utf8enc.encode(operation);
      this.opCache.set(operation, b);
    }
    return b;
  }

  private write(ptr: number, bytes: Uint8Array): void {
    const m = this.bytes();
    if (ptr < 0 || ptr + bytes.length > m.length) {
      throw new RangeError(`guest asked for ${bytes.length} bytes at out-of-bounds pointer ${ptr}`);
    }
    m.set(bytes, ptr);
  }

  private readString(ptr: number, len: number): string {
    return utf8.decode(this.read(ptr, len));
  }

  // Guests pass binding, namespace and operation from constant data: remember the last string per
  // argument slot and reuse it while the bytes are unchanged (a compare is cheaper than a decode).
  private readonly lastBytes: Uint8Array[] = [EMPTY, EMPTY, EMPTY];
  private readonly lastText: string[] = ['', '', ''];

  private readCached(slot: number, ptr: number, len: number): string {
    const m = this.bytes();
    this.check(ptr, len, m.length);
    const last = this.lastBytes[slot]!;
    if (last.length === len) {
      let same = true;
      for (let i = 0; i < len; i++) if (last[i] !== m[ptr + i]) { same = false; break; }
      if (same) return this.lastText[slot]!;
    }
    const bytes = m.subarray(ptr, ptr + len);
    const text = utf8.decode(bytes);
    if (len <= 256) { this.lastBytes[slot] = bytes.slice(); this.lastText[slot] = text; }
    return text;
  }

  private settle(res: HostCallResult): number {
    if (res.ok) {
      this.hostResponse = res.data;
      return 1;
    }
    this.hostError = utf8enc.encode(res.error);
    // 0 on ANY failure: TinyGo guests treat only 0 as failure (§1.6)
    return 0;
  }

  /** The import table; register it under both `wasmbus` and `wapc`. */
  imports(): Record<WasmbusFunction, (...args: number[]) => number | void | Promise<number>> {
    return {
      __guest_request: (opPtr: number, payloadPtr: number) => {
        // operation pointer first (§1.5)
        this.write(opPtr, this.op);
        this.write(payloadPtr, this.payload);
      },
      __guest_response: (ptr: number, len: number) => {
        // the size first: a response over the limit is never copied (nor checked against memory)
        if (len >>> 0 > this.maxResponseBytes) {
          this.refusedLen = len >>> 0;
          this.guestResponse = undefined;
          return;
        }
        this.refusedLen = -1;
        this.guestResponse = this.copyOut(ptr, len);
      },
      __guest_error: (ptr: number, len: number) => {
        const cut = len >>> 0 > MAX_GUEST_TEXT_BYTES;
        this.guestErrorLen = cut ? len >>> 0 : -1;
        this.guestError = this.copy(ptr, cut ? MAX_GUEST_TEXT_BYTES : len);
      },
      __host_call: (bdPtr: number, bdLen: number, nsPtr: number, nsLen: number, opPtr: number, opLen: number, ptr: number, len: number): number | Promise<number> => {
        this.hostResponse = EMPTY;
        this.hostError = EMPTY;
        if ((bdLen >>> 0) + (nsLen >>> 0) + (opLen >>> 0) > MAX_HOST_CALL_NAME_BYTES) {
          return this.settle({ ok: false, error: `actor ${this.label} made a host call whose binding, namespace and operation take ${size((bdLen >>> 0) + (nsLen >>> 0) + (opLen >>> 0))}, over the limit of ${size(MAX_HOST_CALL_NAME_BYTES)}; they are names, not data` });
        }
        const binding = this.readCached(0, bdPtr, bdLen);
        const namespace = this.readCached(1, nsPtr, nsLen);
        const operation = this.readCached(2, opPtr, opLen);
        if (len >>> 0 > this.maxHostCallBytes) {
          // refused before the copy: the guest gets a failed host call (0) and can carry on
          return this.settle({ ok: false, error: `actor ${this.label} called ${namespace} ${operation} with a payload of ${size(len >>> 0)}, over the limit of ${size(this.maxHostCallBytes)} for one host call; send it in smaller parts` });
        }
        if (this.borrowing !== undefined) {
          let served: HostCallResult | undefined;
          try {
            served = this.borrowing(binding, namespace, operation, this.read(ptr, len));
          } catch {
            served = undefined; // the general path below serves it again and reports what went wrong
          }
          if (served !== undefined) return this.settle(served);
        }
        const payload = this.copyOut(ptr, len);
        let res: HostCallResult | Promise<HostCallResult>;
        try {
          res = this.hostCall(binding, namespace, operation, payload);
        } catch (e) {
          res = { ok: false, error: e instanceof Error ? e.message : String(e) };
        }
        if (res instanceof Promise) {
          // only an Asyncify-wrapped import may see this (the instance suspends until it settles)
          return res.then((r) => this.settle(r), (e: unknown) => this.settle({ ok: false, error: e instanceof Error ? e.message : String(e) }));
        }
        return this.settle(res);
      },
      __host_response_len: () => this.hostResponse.length,
      __host_response: (ptr: number) => {
        this.write(ptr, this.hostResponse);
      },
      __host_error_len: () => this.hostError.length,
      __host_error: (ptr: number) => {
        this.write(ptr, this.hostError);
      },
      __console_log: (ptr: number, len: number) => {
        if (len >>> 0 <= MAX_GUEST_TEXT_BYTES) return this.consoleLog(this.readString(ptr, len));
        this.consoleLog(`${this.readString(ptr, MAX_GUEST_TEXT_BYTES)}... (${size(len >>> 0)} in all)`);
      },
    };
  }

  /**
   * One host → guest call (§1.5). Traps propagate as exceptions; the caller decides what they mean.
   * rc 1 with a non-empty guest error counts as failure, like WCRT. A response longer than
   * `maxResponseBytes` is refused (not copied) and the call fails saying so.
   */
  invoke(guestCall: (opLen: number, payloadLen: number) => number, operation: string, payload: Uint8Array, maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES): GuestCallResult {
    this.begin(operation, payload, maxResponseBytes);
    try {
      return this.finish(guestCall(this.op.length, this.payload.length), operation);
    } finally {
      this.end();
    }
  }

  /** Step 1 of a call made in parts (an Asyncify instance may suspend between the steps):
   *  set the request up; then call `__guest_call(op.length, payload.length)`, finish(rc), end().
   *  `maxResponseBytes` holds for this call only (a number, so a lane passes it without allocating). */
  begin(operation: string, payload: Uint8Array, maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES): void {
    this.op = this.operationBytes(operation);
    this.payload = payload;
    this.currentOperation = operation;
    this.maxResponseBytes = maxResponseBytes;
    this.refusedLen = -1;
    this.guestResponse = undefined;
    this.guestError = undefined;
    this.guestErrorLen = -1;
    this.hostResponse = EMPTY;
    this.hostError = EMPTY;
  }

  /** Arguments for `__guest_call` after begin(). */
  get opLength(): number { return this.op.length; }

  /** The call's outcome from `__guest_call`'s return code and what the guest reported. */
  finish(rc: number, operation: string): GuestCallResult {
    const err = this.guestError as Uint8Array | undefined; // set by the guest during the call
    if (rc === 1 && (err === undefined || err.length === 0)) {
      const refused = this.refusedLen as number; // set by __guest_response during the call
      if (refused >= 0) {
        return { ok: false, error: `actor ${this.label} answered ${operation} with ${size(refused)}, over the limit of ${size(this.maxResponseBytes)} for one response; the response was dropped. Answer with less, or raise the caller's limit (max_response_len on the httpserver link)` };
      }
      return { ok: true, data: (this.guestResponse as Uint8Array | undefined) ?? EMPTY };
    }
    if (err !== undefined && err.length > 0) {
      const text = utf8.decode(err);
      const full = this.guestErrorLen as number;
      return { ok: false, error: full >= 0 ? `${text}... (${size(full)} in all)` : text };
    }
    return { ok: false, error: `guest call failed for ${operation} (return code ${rc}) without an error message` };
  }

  /** Drop the call's buffers. */
  end(): void {
    this.payload = EMPTY;
    this.hostResponse = EMPTY;
    this.hostError = EMPTY;
  }
}
