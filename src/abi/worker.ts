// Entry point of an actor worker thread: owns exactly one instance of one compiled module.
// Host calls are synchronous for the guest: post the request, block on a SharedArrayBuffer flag
// with Atomics.wait, then read the reply synchronously with receiveMessageOnPort.
import { parentPort, workerData, receiveMessageOnPort } from 'node:worker_threads';
import { GuestAbi, INIT_EXPORTS, type HostCallResult } from './guest.js';
import { createWasi, ProcExit, WASI_MODULE } from './wasi.js';
import { MSG, transferable, type FailureKind, type InvokeMessage, type WorkerInit, type WorkerMessage } from './protocol.js';

const { module, port, flag: flagBuffer } = workerData as WorkerInit;
const flag = new Int32Array(flagBuffer);

function post(msg: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

function hostCall(b: string, n: string, o: string, p: Uint8Array): HostCallResult {
  Atomics.store(flag, 0, 0);
  post({ t: MSG.HOST_CALL, b, n, o, p }, transferable(p));
  Atomics.wait(flag, 0, 0);
  const reply = receiveMessageOnPort(port);
  if (!reply) return { ok: false, error: 'host did not answer the host call' };
  return reply.message as HostCallResult;
}

const log = (l: 'debug' | 'info' | 'warn' | 'error', s: string) => post({ t: MSG.LOG, l, s });

interface Live {
  abi: GuestAbi;
  memory: WebAssembly.Memory;
  guestCall: (opLen: number, payloadLen: number) => number;
}

function instantiate(): Live {
  const abi = new GuestAbi(hostCall, (text) => log('info', text));
  const table = abi.imports();
  let memory: WebAssembly.Memory | undefined;
  const wasiNames: string[] = [];
  const imports: Record<string, Record<string, unknown>> = { wasmbus: table, wapc: table };
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module === WASI_MODULE) wasiNames.push(imp.name);
    else if (imp.module !== 'wasmbus' && imp.module !== 'wapc') {
      // assertPortable refuses these at load time; trap loudly if one slipped through.
      (imports[imp.module] ??= {})[imp.name] = () => {
        throw new WebAssembly.RuntimeError(`unsupported import ${imp.module}.${imp.name} called`);
      };
    }
  }
  if (wasiNames.length > 0) {
    imports[WASI_MODULE] = createWasi(() => memory!, (stream, text) => log(stream === 'stderr' ? 'warn' : 'info', text), wasiNames);
  }
  const instance = new WebAssembly.Instance(module, imports as WebAssembly.Imports);
  const ex = instance.exports;
  if (!(ex.memory instanceof WebAssembly.Memory)) throw Object.assign(new Error('actor does not export "memory"'), { code: 'MISSING_EXPORT' });
  if (typeof ex.__guest_call !== 'function') throw Object.assign(new Error('actor does not export "__guest_call"'), { code: 'MISSING_EXPORT' });
  memory = ex.memory;
  abi.bindMemory(memory);
  for (const name of INIT_EXPORTS) {
    const fn = ex[name];
    if (typeof fn === 'function') (fn as () => unknown)();
  }
  return { abi, memory, guestCall: ex.__guest_call as Live['guestCall'] };
}

/** Whether memory can no longer grow, i.e. the instance hit its ceiling (it is discarded anyway). */
function atCeiling(memory: WebAssembly.Memory): boolean {
  try {
    memory.grow(1);
    return false;
  } catch {
    return true;
  }
}

let live: Live;
try {
  live = instantiate();
  post({ t: MSG.READY });
} catch (e) {
  const code = (e as { code?: string }).code === 'MISSING_EXPORT' ? 'MISSING_EXPORT' : e instanceof ProcExit ? 'PROC_EXIT' : 'TRAP';
  post({ t: MSG.FAILED, e: e instanceof Error ? e.message : String(e), c: code });
  process.exit(1);
}

parentPort!.on('message', (m: InvokeMessage) => {
  try {
    const r = live.abi.invoke(live.guestCall, m.o, m.p);
    if (r.ok) post({ t: MSG.RESULT, ok: true, d: r.data }, transferable(r.data));
    else post({ t: MSG.RESULT, ok: false, k: 'GUEST_ERROR', e: r.error });
  } catch (e) {
    let kind: FailureKind = 'TRAP';
    if (e instanceof ProcExit) kind = 'PROC_EXIT';
    else if (atCeiling(live.memory)) kind = 'MEMORY_LIMIT';
    const text = e instanceof Error ? e.message : String(e);
    // The trapped instance's state is undefined: replace it before answering.
    try {
      live = instantiate();
    } catch (e2) {
      post({ t: MSG.RESULT, ok: false, k: kind, e: text });
      post({ t: MSG.FAILED, e: `could not re-instantiate after a trap: ${e2 instanceof Error ? e2.message : String(e2)}` });
      process.exit(1);
    }
    post({ t: MSG.RESULT, ok: false, k: kind, e: text });
  }
});
