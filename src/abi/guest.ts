// The wasmbus/waPC guest ABI (reference §1.2–1.5), host side, as it runs next to one instance.
// Pure: no I/O. Host calls are delegated to a synchronous callback supplied by the worker.
import { ProcExit } from './wasi.js';

/** Outcome of a synchronous host call as seen by the guest. */
export type HostCallResult = { ok: true; data: Uint8Array } | { ok: false; error: string };

/** Serves a guest's host call. A Promise is allowed only where the instance can suspend (Asyncify). */
export type HostCallFn = (binding: string, namespace: string, operation: string, payload: Uint8Array) => HostCallResult | Promise<HostCallResult>;

/** Outcome of one `__guest_call`. */
export type GuestCallResult = { ok: true; data: Uint8Array } | { ok: false; error: string };

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8');
const utf8enc = new TextEncoder();

/** Operation names repeat on every call and TextEncoder.encode costs ~1.4 µs for a short string
 *  on Node 20, so their bytes are kept (bounded: operation names come from providers and guests). */
const opBytes = new Map<string, Uint8Array>();
function operationBytes(operation: string): Uint8Array {
  let b = opBytes.get(operation);
  if (b === undefined) {
    if (opBytes.size >= 1024) opBytes.clear();
    b = utf8enc.encode(operation);
    opBytes.set(operation, b);
  }
  return b;
}

/**
 * Guest responses are copied into shared 8 KiB slabs, as Node's Buffer pool does. A small copy
 * made with slice() lives on V8's heap, and the first subarray() or .buffer on it (what every
 * decoder and socket write does next) moves it off the heap again: measured ~0.4–1 µs per
 * response, against ~80 ns here. The cost of a slab: a response kept alive keeps its 8 KiB slab.
 */
const SLAB_BYTES = 8 * 1024;
const SLAB_MAX_COPY = 1024;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

function copyToSlab(from: Uint8Array, ptr: number, len: number): Uint8Array {
  if (slabUsed + len > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, len);
  out.set(from.subarray(ptr, ptr + len));
  slabUsed += (len + 7) & ~7; // 8-byte aligned, so a DataView over the copy reads aligned
  return out;
}

/** The names every wasmbus actor may import (same table under `wasmbus` and `wapc`). */
export const WASMBUS_FUNCTIONS = [
  '__guest_request', '__guest_response', '__guest_error', '__host_call',
  '__host_response_len', '__host_response', '__host_error_len', '__host_error', '__console_log',
] as const;

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
  private hostResponse: Uint8Array = EMPTY;
  private hostError: Uint8Array = EMPTY;
  /** The operation currently being served (for error messages). */
  currentOperation = '';

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

  /** A copy of guest memory for the call's result (a slab copy when small; see copyToSlab). */
  private copyResult(ptr: number, len: number): Uint8Array {
    const m = this.bytes();
    this.check(ptr, len, m.length);
    return len <= SLAB_MAX_COPY ? copyToSlab(m, ptr, len) : m.slice(ptr, ptr + len);
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
  imports(): Record<(typeof WASMBUS_FUNCTIONS)[number], (...args: number[]) => number | void | Promise<number>> {
    return {
      __guest_request: (opPtr: number, payloadPtr: number) => {
        // operation pointer first (§1.5)
        this.write(opPtr, this.op);
        this.write(payloadPtr, this.payload);
      },
      __guest_response: (ptr: number, len: number) => {
        this.guestResponse = this.copyResult(ptr, len);
      },
      __guest_error: (ptr: number, len: number) => {
        this.guestError = this.copy(ptr, len);
      },
      __host_call: (bdPtr: number, bdLen: number, nsPtr: number, nsLen: number, opPtr: number, opLen: number, ptr: number, len: number): number | Promise<number> => {
        this.hostResponse = EMPTY;
        this.hostError = EMPTY;
        const binding = this.readCached(0, bdPtr, bdLen);
        const namespace = this.readCached(1, nsPtr, nsLen);
        const operation = this.readCached(2, opPtr, opLen);
        const payload = this.copy(ptr, len);
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
        this.consoleLog(this.readString(ptr, len));
      },
    };
  }

  /**
   * One host → guest call (§1.5). Traps propagate as exceptions; the caller decides what they mean.
   * rc 1 with a non-empty guest error counts as failure, like WCRT.
   */
  invoke(guestCall: (opLen: number, payloadLen: number) => number, operation: string, payload: Uint8Array): GuestCallResult {
    this.begin(operation, payload);
    try {
      return this.finish(guestCall(this.op.length, this.payload.length), operation);
    } finally {
      this.end();
    }
  }

  /** Step 1 of a call made in parts (an Asyncify instance may suspend between the steps):
   *  set the request up; then call `__guest_call(op.length, payload.length)`, finish(rc), end(). */
  begin(operation: string, payload: Uint8Array): void {
    this.op = operationBytes(operation);
    this.payload = payload;
    this.currentOperation = operation;
    this.guestResponse = undefined;
    this.guestError = undefined;
    this.hostResponse = EMPTY;
    this.hostError = EMPTY;
  }

  /** Arguments for `__guest_call` after begin(). */
  get opLength(): number { return this.op.length; }

  /** The call's outcome from `__guest_call`'s return code and what the guest reported. */
  finish(rc: number, operation: string): GuestCallResult {
    const err = this.guestError as Uint8Array | undefined; // set by the guest during the call
    if (rc === 1 && (err === undefined || err.length === 0)) {
      return { ok: true, data: (this.guestResponse as Uint8Array | undefined) ?? EMPTY };
    }
    if (err !== undefined && err.length > 0) return { ok: false, error: utf8.decode(err) };
    return { ok: false, error: `guest call failed for ${operation} (return code ${rc}) without an error message` };
  }

  /** Drop the call's buffers. */
  end(): void {
    this.payload = EMPTY;
    this.hostResponse = EMPTY;
    this.hostError = EMPTY;
  }
}
