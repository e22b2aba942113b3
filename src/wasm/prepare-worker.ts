// Entry point of a host's preparation worker (started by host-thread.ts): prepares modules for the
// host thread (fuel + Asyncify + the code cache, prepare.ts) so that Binaryen's seconds of
// synchronous work never hold the host's event loop. One worker per host; this module's state
// (one preparer, one loaded Binaryen) is that worker's own, not shared with any other host.
import { parentPort } from 'node:worker_threads';
import { HostCodePreparer, type PrepareRequest, type PrepareResult } from './prepare.js';

export interface PrepareJob { id: number; req: PrepareRequest }
export type PrepareReply =
  | { id: number; ok: true; result: PrepareResult }
  | { id: number; ok: false; name: string; message: string };

const port = parentPort!;
const preparer = new HostCodePreparer();

port.on('message', (job: PrepareJob) => {
  preparer.prepare(job.req).then((result) => {
    const b = result.bytes;
    // hand the code over without a copy when it owns its buffer (it does, from both paths)
    const own = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer;
    port.postMessage({ id: job.id, ok: true, result } satisfies PrepareReply, own ? [b.buffer as ArrayBuffer] : []);
  }, (e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ id: job.id, ok: false, name: err.name, message: err.message } satisfies PrepareReply);
  });
});
