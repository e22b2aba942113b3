// Instantiating one actor instance, the same way on a worker thread and on the host thread: the
// wasmbus/wapc table, the WASI shim for the WASI names it imports, trapping stubs for anything else
// (assertPortable refuses those at load time; this only guards against one slipping through), and
// the two exports every wasmbus actor needs. Init exports are the caller's: it may need to set up
// (deadlines, Asyncify) before they run.
import type { GuestAbi } from './guest.js';
import { createWasi, type WasiLog } from './wasi.js';
import { WASI_MODULE } from '../wasm/abi.js';

export interface ActorImports {
  /** The table served as both `wasmbus` and `wapc` (GuestAbi.imports(), possibly with a wrapped __host_call). */
  table: Record<string, unknown>;
  /** Further import modules the host added to the module (e.g. the fuel import). */
  extra?: Record<string, Record<string, unknown>>;
  /** Where WASI stdout/stderr lines go. */
  log: WasiLog;
}

export interface LiveActor {
  exports: WebAssembly.Exports;
  memory: WebAssembly.Memory;
  guestCall: (opLen: number, payloadLen: number) => number;
}

/** Throws an Error with code MISSING_EXPORT when `memory` or `__guest_call` is not exported. */
export function instantiateActor(module: WebAssembly.Module, abi: GuestAbi, o: ActorImports): LiveActor {
  let memory: WebAssembly.Memory | undefined;
  const imports: Record<string, Record<string, unknown>> = { ...o.extra, wasmbus: o.table, wapc: o.table };
  const provided = new Set(Object.keys(imports));
  const wasiNames: string[] = [];
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module === WASI_MODULE) wasiNames.push(imp.name);
    else if (!provided.has(imp.module)) {
      (imports[imp.module] ??= {})[imp.name] = () => {
        throw new WebAssembly.RuntimeError(`unsupported import ${imp.module}.${imp.name} called`);
      };
    }
  }
  if (wasiNames.length > 0) imports[WASI_MODULE] = createWasi(() => memory!, o.log, wasiNames);
  const ex = new WebAssembly.Instance(module, imports as WebAssembly.Imports).exports;
  if (!(ex.memory instanceof WebAssembly.Memory)) throw Object.assign(new Error('actor does not export "memory"'), { code: 'MISSING_EXPORT' });
  if (typeof ex.__guest_call !== 'function') throw Object.assign(new Error('actor does not export "__guest_call"'), { code: 'MISSING_EXPORT' });
  memory = ex.memory;
  abi.bindMemory(memory);
  return { exports: ex, memory, guestCall: ex.__guest_call as LiveActor['guestCall'] };
}
