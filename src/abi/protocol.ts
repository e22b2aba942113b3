// Messages between the host (main thread) and an actor worker. Numeric tags keep the hot path cheap.
import type { MessagePort } from 'node:worker_threads';

export const MSG = {
  READY: 0,     // worker → host: instance created and init exports ran
  FAILED: 1,    // worker → host: instantiation or init failed (fatal for this worker)
  RESULT: 2,    // worker → host: outcome of one invocation
  HOST_CALL: 3, // worker → host: guest called __host_call; worker now blocks on the flag
  LOG: 4,       // worker → host: __console_log / WASI stdout+stderr
} as const;

/** Why an invocation failed inside the worker. */
export type FailureKind = 'GUEST_ERROR' | 'TRAP' | 'MEMORY_LIMIT' | 'PROC_EXIT';

export interface WorkerInit {
  module: WebAssembly.Module;
  /** Worker side of the dedicated channel (host-call requests out, replies in). */
  port: MessagePort;
  /** Int32[0]: 0 while a host call is pending, 1 once its reply was posted. */
  flag: SharedArrayBuffer;
}

/** host → worker: run one operation. */
export interface InvokeMessage { o: string; p: Uint8Array }

export type WorkerMessage =
  | { t: typeof MSG.READY }
  | { t: typeof MSG.FAILED; e: string; c?: 'MISSING_EXPORT' | 'TRAP' | 'PROC_EXIT' }
  | { t: typeof MSG.RESULT; ok: true; d: Uint8Array }
  | { t: typeof MSG.RESULT; ok: false; k: FailureKind; e: string }
  | { t: typeof MSG.HOST_CALL; b: string; n: string; o: string; p: Uint8Array }
  | { t: typeof MSG.LOG; l: 'debug' | 'info' | 'warn' | 'error'; s: string };

/** Transfer a buffer only when the view owns all of it (never a shared or sliced one). */
export function transferable(u8: Uint8Array): ArrayBuffer[] {
  const buf = u8.buffer;
  return u8.byteLength > 0 && u8.byteOffset === 0 && buf.byteLength === u8.byteLength && buf instanceof ArrayBuffer ? [buf] : [];
}
