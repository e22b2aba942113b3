// The exact host-function tables a Stratus actor may import (reference §1.1–1.3, §1.8).
// Shared by the portability inspector and the runtime so "what we accept" and "what we provide" never drift.
import type { FuncType, ValType } from './sections.js';

function sig(params: ValType[], results: ValType[] = []): FuncType {
  return { params, results };
}
const i32 = 'i32' as const;
const i64 = 'i64' as const;

/** Import module names that carry the wasmbus ABI; OTP registers the same table under both. */
export const WASMBUS_MODULES = ['wasmbus', 'wapc'] as const;

/** Host functions of the guest ABI with their exact signatures (§1.2). */
export const WASMBUS_FUNCTIONS: Readonly<Record<string, FuncType>> = {
  __guest_request: sig([i32, i32]),
  __guest_response: sig([i32, i32]),
  __guest_error: sig([i32, i32]),
  __host_call: sig([i32, i32, i32, i32, i32, i32, i32, i32], [i32]),
  __host_response_len: sig([], [i32]),
  __host_response: sig([i32]),
  __host_error_len: sig([], [i32]),
  __host_error: sig([i32]),
  __console_log: sig([i32, i32]),
};

export const WASI_MODULE = 'wasi_snapshot_preview1';

/**
 * WASI preview1 functions the Stratus runtime provides (empty args/env, no preopens,
 * stdout/stderr to the log, ENOSYS-free). Anything else from WASI is reported as not portable.
 */
export const SUPPORTED_WASI: Readonly<Record<string, FuncType>> = {
  args_get: sig([i32, i32], [i32]),
  args_sizes_get: sig([i32, i32], [i32]),
  environ_get: sig([i32, i32], [i32]),
  environ_sizes_get: sig([i32, i32], [i32]),
  clock_res_get: sig([i32, i32], [i32]),
  clock_time_get: sig([i32, i64, i32], [i32]),
  fd_close: sig([i32], [i32]),
  fd_fdstat_get: sig([i32, i32], [i32]),
  fd_prestat_get: sig([i32, i32], [i32]),
  fd_prestat_dir_name: sig([i32, i32, i32], [i32]),
  fd_read: sig([i32, i32, i32, i32], [i32]),
  fd_seek: sig([i32, i64, i32, i32], [i32]),
  fd_write: sig([i32, i32, i32, i32], [i32]),
  poll_oneoff: sig([i32, i32, i32, i32], [i32]),
  proc_exit: sig([i32]),
  random_get: sig([i32, i32], [i32]),
  sched_yield: sig([], [i32]),
};

/** Exports every actor must have (§1.3). */
export const REQUIRED_EXPORTS: Readonly<Record<string, { kind: 'memory' | 'func'; type?: FuncType }>> = {
  memory: { kind: 'memory' },
  __guest_call: { kind: 'func', type: sig([i32, i32], [i32]) },
};

/** Exports the host uses when present, in the order OTP calls them after instantiation (§1.4). */
export const OPTIONAL_EXPORTS: Readonly<Record<string, FuncType>> = {
  __wasmbus_rpc_version: sig([], [i32]),
  __actor_api_version: sig([], [i32]),
  start: sig([]),
  wapc_init: sig([]),
  _start: sig([]),
};
