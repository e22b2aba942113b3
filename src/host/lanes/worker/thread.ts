// Entry point of an actor worker thread: owns exactly one instance of one compiled module.
// It blocks in Atomics.wait for jobs on the shared channel; a guest's __host_call writes the
// request to the channel, signals the main thread and blocks again until the reply is there.
import { parentPort, workerData } from 'node:worker_threads';
import { GuestAbi, runInitExports, type HostCallResult } from '../../../abi/guest.js';
import { ProcExit } from '../../../abi/wasi.js';
import { instantiateActor } from '../../../abi/instantiate.js';
import { MSG, type WorkerInit, type WorkerMessage } from './protocol.js';
import { Channel, CTL, KIND } from './channel.js';
import { routeBuiltin, type RoutedActor } from '../../router.js';
import { runBuiltin } from '../../builtins.js';
import { atCeiling } from '../call-errors.js';

// A worker is either started for its instance (workerData) or booted ahead of time as a spare and
// handed its instance later by one message (the host keeps a spare to cut start-up latency).
let module: WebAssembly.Module;
let port: WorkerInit['port'];
let ch: Channel;
let ctl: Int32Array;
let actor: RoutedActor | undefined;

function post(msg: WorkerMessage): void {
  port.postMessage(msg);
}

function signal(): void {
  Atomics.store(ctl, CTL.SIGNAL, 1);
  Atomics.notify(ctl, CTL.SIGNAL);
}

function hostCall(b: string, n: string, o: string, p: Uint8Array): HostCallResult {
  // Builtins are pure: authorize (router.ts's rule) and serve them here, no thread hop.
  const builtin = actor && routeBuiltin(actor, n);
  if (builtin) {
    if (builtin.kind === 'denied') return { ok: false, error: builtin.message };
    return runBuiltin(n, o, p, actor!.id, (l, s) => post({ t: MSG.LOG, l, s, r: true }));
  }
  Atomics.store(ctl, CTL.REPLY, 0);
  ch.write(KIND.HOST_CALL, [b, n, o, p]);
  signal();
  // loop: a wait may return without our notify (spurious wake-ups were observed with several workers)
  while (Atomics.load(ctl, CTL.REPLY) === 0) Atomics.wait(ctl, CTL.REPLY, 0);
  const kind = ctl[CTL.KIND];
  if (kind === KIND.OK) return { ok: true, data: ch.readBytes(1)[0]! };
  return { ok: false, error: ch.readStrings(1)[0]! };
}

const log = (l: 'debug' | 'info' | 'warn' | 'error', s: string) => post({ t: MSG.LOG, l, s });

interface Live {
  abi: GuestAbi;
  memory: WebAssembly.Memory;
  guestCall: (opLen: number, payloadLen: number) => number;
}

function instantiate(): Live {
  const abi = new GuestAbi(hostCall, (text) => log('info', text));
  if (actor) abi.label = `${actor.id} (${actor.name})`;
  const live = instantiateActor(module, abi, { table: abi.imports(), log: (stream, text) => log(stream === 'stderr' ? 'warn' : 'info', text) });
  runInitExports(live.exports);
  return { abi, memory: live.memory, guestCall: live.guestCall };
}

function boot(init: WorkerInit): void {
  module = init.module;
  port = init.port;
  ch = new Channel(init.channel, init.bulk);
  ctl = ch.ctl;
  actor = init.actor;
  serve();
}

if ((workerData as WorkerInit | undefined)?.module) boot(workerData as WorkerInit);
else parentPort!.once('message', boot);

function serve(): never {
  let live: Live;
  try {
    live = instantiate();
    post({ t: MSG.READY });
  } catch (e) {
    const code = (e as { code?: string }).code === 'MISSING_EXPORT' ? 'MISSING_EXPORT' : e instanceof ProcExit ? 'PROC_EXIT' : 'TRAP';
    post({ t: MSG.FAILED, e: e instanceof Error ? e.message : String(e), c: code });
    process.exit(1);
  }

  // The worker is dedicated to its instance: blocking here between jobs is intended.
  for (;;) {
    while (Atomics.load(ctl, CTL.JOB) === 0) Atomics.wait(ctl, CTL.JOB, 0);
    Atomics.store(ctl, CTL.JOB, 0);
    const job = ch.readJob(); // a large payload is a view of the shared job area: no copy until guest memory
    try {
      const r = live.abi.invoke(live.guestCall, job.operation, job.payload, ctl[CTL.LIMIT]! >>> 0);
      if (r.ok) ch.writeResult(r.data); // the ABI's copy of the response: handed over (or copied into the result area)
      else ch.write(KIND.GUEST_ERROR, [r.error, '0']); // every failure: its text and the memory pages
    } catch (e) {
      let kind: number = KIND.TRAP;
      const pages = String(live.memory.buffer.byteLength / 65536); // before atCeiling(), which grows it
      if (e instanceof ProcExit) kind = KIND.PROC_EXIT;
      else if (atCeiling(live.memory)) kind = KIND.MEMORY_LIMIT;
      const text = e instanceof Error ? e.message : String(e);
      // The trapped instance's state is undefined: replace it before answering.
      try {
        live = instantiate();
      } catch (e2) {
        ch.write(kind, [text, pages]);
        signal();
        post({ t: MSG.FAILED, e: `could not re-instantiate after a trap: ${e2 instanceof Error ? e2.message : String(e2)}` });
        process.exit(1);
      }
      ch.write(kind, [text, pages]);
    }
    signal();
  }
}
