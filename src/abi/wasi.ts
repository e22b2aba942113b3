// A minimal WASI preview 1 for actors (reference §1.8): no args, no env, no filesystem.
// stdout/stderr go to the host log; proc_exit ends the call; clocks and randomness are real.
// Which imports may appear at all is decided at load time by assertPortable (src/wasm/portability.ts);
// here every imported name gets a function, unimplemented ones answer ENOSYS/EBADF.
import { randomFillSync } from 'node:crypto';

export const ERRNO = { SUCCESS: 0, BADF: 8, INVAL: 28, NOSYS: 52, SPIPE: 70 } as const;

/** poll_oneoff layouts (WASI preview 1): subscription 48 bytes, event 32 bytes. */
const SUB_SIZE = 48;
const EVENT_SIZE = 32;
const EVENT_CLOCK = 0;
const SUBCLOCK_ABSTIME = 1;

/** Thrown by proc_exit so the call unwinds out of the guest. */
export class ProcExit extends Error {
  constructor(readonly exitCode: number) {
    super(`actor called WASI proc_exit(${exitCode})`);
    this.name = 'ProcExit';
  }
}

export type WasiLog = (stream: 'stdout' | 'stderr', text: string) => void;

type WasiFn = (...args: any[]) => number | void;

const utf8 = new TextDecoder('utf-8');

/**
 * Build the WASI import object for the names `wanted` (from WebAssembly.Module.imports).
 * `memory()` returns the instance's memory (bound after instantiation).
 */
export function createWasi(memory: () => WebAssembly.Memory, log: WasiLog, wanted: readonly string[]): Record<string, WasiFn> {
  const view = () => new DataView(memory().buffer);
  const bytes = () => new Uint8Array(memory().buffer);
  // Partial lines are kept until a newline so one log entry = one line of output.
  const pending: Record<1 | 2, string> = { 1: '', 2: '' };

  const impl: Record<string, WasiFn> = {
    fd_write(fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): number {
      if (fd !== 1 && fd !== 2) return ERRNO.BADF;
      const dv = view();
      let total = 0;
      let text = '';
      for (let i = 0; i < iovsLen; i++) {
        const ptr = dv.getUint32(iovs + i * 8, true);
        const len = dv.getUint32(iovs + i * 8 + 4, true);
        text += utf8.decode(bytes().subarray(ptr, ptr + len));
        total += len;
      }
      const buf = pending[fd as 1 | 2] + text;
      const lines = buf.split('\n');
      pending[fd as 1 | 2] = lines.pop() ?? '';
      for (const line of lines) log(fd === 1 ? 'stdout' : 'stderr', line);
      view().setUint32(nwrittenPtr, total, true);
      return ERRNO.SUCCESS;
    },
    proc_exit(code: number): never {
      throw new ProcExit(code);
    },
    random_get(ptr: number, len: number): number {
      randomFillSync(bytes(), ptr, len);
      return ERRNO.SUCCESS;
    },
    clock_time_get(id: number, _precision: bigint, outPtr: number): number {
      let ns: bigint;
      if (id === 0) ns = BigInt(Date.now()) * 1_000_000n;
      else if (id === 1 || id === 2 || id === 3) ns = process.hrtime.bigint();
      else return ERRNO.INVAL;
      view().setBigUint64(outPtr, ns, true);
      return ERRNO.SUCCESS;
    },
    clock_res_get(id: number, outPtr: number): number {
      if (id < 0 || id > 3) return ERRNO.INVAL;
      view().setBigUint64(outPtr, id === 0 ? 1_000_000n : 1_000n, true);
      return ERRNO.SUCCESS;
    },
    args_sizes_get(argcPtr: number, bufSizePtr: number): number {
      view().setUint32(argcPtr, 0, true);
      view().setUint32(bufSizePtr, 0, true);
      return ERRNO.SUCCESS;
    },
    args_get: () => ERRNO.SUCCESS,
    environ_sizes_get(countPtr: number, bufSizePtr: number): number {
      view().setUint32(countPtr, 0, true);
      view().setUint32(bufSizePtr, 0, true);
      return ERRNO.SUCCESS;
    },
    environ_get: () => ERRNO.SUCCESS,
    fd_fdstat_get(fd: number, outPtr: number): number {
      if (fd > 2) return ERRNO.BADF;
      const dv = view();
      dv.setUint8(outPtr, 2); // filetype CHARACTER_DEVICE
      dv.setUint16(outPtr + 2, 0, true);
      dv.setBigUint64(outPtr + 8, 0n, true);
      dv.setBigUint64(outPtr + 16, 0n, true);
      return ERRNO.SUCCESS;
    },
    // stdin is empty: a read returns end-of-file.
    fd_read(fd: number, _iovs: number, _iovsLen: number, nreadPtr: number): number {
      if (fd !== 0) return ERRNO.BADF;
      view().setUint32(nreadPtr, 0, true);
      return ERRNO.SUCCESS;
    },
    fd_seek: (fd: number) => (fd <= 2 ? ERRNO.SPIPE : ERRNO.BADF),
    // Clock subscriptions sleep (this runs on the instance's worker thread, never the host's main
    // thread; the invocation deadline still applies). fd subscriptions on stdio are ready at once.
    poll_oneoff(inPtr: number, outPtr: number, nsubs: number, neventsPtr: number): number {
      if (nsubs === 0) return ERRNO.INVAL;
      const dv = view();
      const start = process.hrtime.bigint();
      // Per subscription: nanoseconds until its clock fires, or -1 for an fd subscription (ready now).
      const waits: bigint[] = [];
      for (let i = 0; i < nsubs; i++) {
        const sub = inPtr + i * SUB_SIZE;
        if (dv.getUint8(sub + 8) !== EVENT_CLOCK) { waits.push(-1n); continue; }
        const timeout = dv.getBigUint64(sub + 24, true);
        const absolute = (dv.getUint16(sub + 40, true) & SUBCLOCK_ABSTIME) !== 0;
        const now = dv.getUint32(sub + 16, true) === 0 ? BigInt(Date.now()) * 1_000_000n : start;
        const wait = absolute ? timeout - now : timeout;
        waits.push(wait > 0n ? wait : 0n);
      }
      const anyReady = waits.some((w) => w <= 0n);
      if (!anyReady) {
        const soonest = waits.reduce((a, b) => (b < a ? b : a));
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.ceil(Number(soonest) / 1e6));
      }
      const elapsed = process.hrtime.bigint() - start;
      let n = 0;
      for (let i = 0; i < nsubs; i++) {
        if (waits[i]! > elapsed) continue;
        const sub = inPtr + i * SUB_SIZE;
        const ev = outPtr + n * EVENT_SIZE;
        dv.setBigUint64(ev, dv.getBigUint64(sub, true), true); // userdata
        dv.setUint16(ev + 8, ERRNO.SUCCESS, true);
        dv.setUint8(ev + 10, dv.getUint8(sub + 8)); // event type = subscription tag
        dv.setBigUint64(ev + 16, 0n, true); // nbytes: stdin is empty, stdout/stderr never block
        dv.setUint16(ev + 24, 0, true);
        n++;
      }
      dv.setUint32(neventsPtr, n, true);
      return ERRNO.SUCCESS;
    },
    // No preopens: libc stops scanning at the first EBADF.
    fd_prestat_get: () => ERRNO.BADF,
    fd_prestat_dir_name: () => ERRNO.BADF,
    fd_close: (fd: number) => (fd <= 2 ? ERRNO.SUCCESS : ERRNO.BADF),
    sched_yield: () => ERRNO.SUCCESS,
  };

  const out: Record<string, WasiFn> = {};
  for (const name of wanted) {
    out[name] = impl[name] ?? (name.startsWith('fd_') ? () => ERRNO.BADF : () => ERRNO.NOSYS);
  }
  return out;
}
