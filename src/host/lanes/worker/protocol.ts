// Start-up and log messages between the host (main thread) and an actor worker. Invocations and
// host calls use the shared-memory channel (channel.ts) instead.
import type { MessagePort } from 'node:worker_threads';

export const MSG = {
  READY: 0,     // worker → host: instance created and init exports ran
  FAILED: 1,    // worker → host: instantiation or init failed (fatal for this worker)
  LOG: 4,       // worker → host: __console_log / WASI stdout+stderr
} as const;

export interface WorkerInit {
  module: WebAssembly.Module;
  /** Worker side of the port for READY/FAILED/LOG messages. */
  port: MessagePort;
  /** Worker side of the bulk port (messages too large for the shared data area). */
  bulk: MessagePort;
  /** The shared channel buffer (channel.ts). */
  channel: SharedArrayBuffer;
  /** Claims facts for serving builtins in the worker, without a hop to the main thread. */
  actor?: { id: string; name: string; caps: string[] };
}

export type WorkerMessage =
  | { t: typeof MSG.READY }
  | { t: typeof MSG.FAILED; e: string; c?: 'MISSING_EXPORT' | 'TRAP' | 'PROC_EXIT' }
  | { t: typeof MSG.LOG; l: 'debug' | 'info' | 'warn' | 'error'; s: string; r?: boolean /* already attributed */ };
