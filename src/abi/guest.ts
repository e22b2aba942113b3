// The wasmbus/waPC guest ABI (reference §1.2–1.5), host side, as it runs next to one instance.
// Pure: no I/O. Host calls are delegated to a synchronous callback supplied by the worker.

/** Outcome of a synchronous host call as seen by the guest. */
export type HostCallResult = { ok: true; data: Uint8Array } | { ok: false; error: string };

export type HostCallFn = (binding: string, namespace: string, operation: string, payload: Uint8Array) => HostCallResult;

/** Outcome of one `__guest_call`. */
export type GuestCallResult = { ok: true; data: Uint8Array } | { ok: false; error: string };

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8');
const utf8enc = new TextEncoder();

/** The names every wasmbus actor may import (same table under `wasmbus` and `wapc`). */
export const WASMBUS_FUNCTIONS = [
  '__guest_request', '__guest_response', '__guest_error', '__host_call',
  '__host_response_len', '__host_response', '__host_error_len', '__host_error', '__console_log',
] as const;

/** Export names called once after instantiation, in this order (reference §1.4 step 4). */
export const INIT_EXPORTS = ['__wasmbus_rpc_version', 'start', 'wapc_init', '_start'] as const;

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
  }

  // Views are re-derived on every access because memory.grow detaches the old buffer (§1.7).
  private read(ptr: number, len: number): Uint8Array {
    const mem = this.mem();
    if (ptr < 0 || len < 0 || ptr + len > mem.byteLength) {
      throw new RangeError(`guest passed an out-of-bounds buffer (ptr ${ptr}, len ${len}, memory ${mem.byteLength} bytes)`);
    }
    return new Uint8Array(mem, ptr, len);
  }

  private write(ptr: number, bytes: Uint8Array): void {
    const mem = this.mem();
    if (ptr < 0 || ptr + bytes.length > mem.byteLength) {
      throw new RangeError(`guest asked for ${bytes.length} bytes at out-of-bounds pointer ${ptr}`);
    }
    new Uint8Array(mem).set(bytes, ptr);
  }

  private mem(): ArrayBuffer {
    if (!this.memory) throw new RangeError('actor does not export its linear memory as "memory"');
    return this.memory.buffer as ArrayBuffer;
  }

  private readString(ptr: number, len: number): string {
    return utf8.decode(this.read(ptr, len));
  }

  /** The import table; register it under both `wasmbus` and `wapc`. */
  imports(): Record<(typeof WASMBUS_FUNCTIONS)[number], (...args: number[]) => number | void> {
    return {
      __guest_request: (opPtr: number, payloadPtr: number) => {
        // operation pointer first (§1.5)
        this.write(opPtr, this.op);
        this.write(payloadPtr, this.payload);
      },
      __guest_response: (ptr: number, len: number) => {
        this.guestResponse = this.read(ptr, len).slice();
      },
      __guest_error: (ptr: number, len: number) => {
        this.guestError = this.read(ptr, len).slice();
      },
      __host_call: (bdPtr: number, bdLen: number, nsPtr: number, nsLen: number, opPtr: number, opLen: number, ptr: number, len: number) => {
        this.hostResponse = EMPTY;
        this.hostError = EMPTY;
        const binding = this.readString(bdPtr, bdLen);
        const namespace = this.readString(nsPtr, nsLen);
        const operation = this.readString(opPtr, opLen);
        const payload = this.read(ptr, len).slice();
        let res: HostCallResult;
        try {
          res = this.hostCall(binding, namespace, operation, payload);
        } catch (e) {
          res = { ok: false, error: e instanceof Error ? e.message : String(e) };
        }
        if (res.ok) {
          this.hostResponse = res.data;
          return 1;
        }
        this.hostError = utf8enc.encode(res.error);
        // 0 on ANY failure: TinyGo guests treat only 0 as failure (§1.6)
        return 0;
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
    this.op = utf8enc.encode(operation);
    this.payload = payload;
    this.currentOperation = operation;
    this.guestResponse = undefined;
    this.guestError = undefined;
    this.hostResponse = EMPTY;
    this.hostError = EMPTY;
    try {
      const rc = guestCall(this.op.length, this.payload.length);
      const err = this.guestError as Uint8Array | undefined; // set by the guest during the call
      if (rc === 1 && (err === undefined || err.length === 0)) {
        return { ok: true, data: (this.guestResponse as Uint8Array | undefined) ?? EMPTY };
      }
      if (err !== undefined && err.length > 0) return { ok: false, error: utf8.decode(err) };
      return { ok: false, error: `guest call failed for ${operation} (return code ${rc}) without an error message` };
    } finally {
      this.payload = EMPTY;
      this.hostResponse = EMPTY;
      this.hostError = EMPTY;
    }
  }
}
