// Cold start: Host.startActor (verify claims, portability check, memory limit, compile,
// instantiate, init exports) + first call, vs raw WebAssembly.instantiate + first call. The inline
// lane also instruments the module (fuel, then Asyncify from the disk cache after the first start:
// bench/asyncify.ts times a cache miss); the worker lane also spawns a worker.
// Run: node dist/bench/coldstart.js [rounds]
import { Host } from '../src/host/host.js';
import { GuestAbi } from '../src/abi/guest.js';
import { signActorModule } from '../src/claims/sign.js';
import { fixture } from '../test/support/wat.js';

const ROUNDS = Number(process.argv[2] ?? 20);
const PAYLOAD = new TextEncoder().encode('hello');
const bytes = await fixture('echo');
const signed = signActorModule(bytes, { name: 'echo' });

async function raw(): Promise<void> {
  const abi = new GuestAbi(() => ({ ok: false, error: 'none' }), () => undefined);
  const t = abi.imports();
  const { instance } = await WebAssembly.instantiate(bytes, { wasmbus: t, wapc: t } as unknown as WebAssembly.Imports);
  abi.bindMemory(instance.exports.memory as WebAssembly.Memory);
  const r = abi.invoke(instance.exports.__guest_call as (a: number, b: number) => number, 'Echo', PAYLOAD);
  if (!r.ok) throw new Error(r.error);
}

async function viaHost(host: Host): Promise<void> {
  const d = await host.startActor(signed);
  await host.call(d.id, 'Echo', PAYLOAD);
  await host.stopActor(d.id);
}

async function measure(fn: () => Promise<void>, pauseMs = 0): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out.sort((a, b) => a - b);
}
const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;

await raw();
const rawMs = await measure(raw);
const inline = new Host({ log: () => undefined });
await viaHost(inline); // warm up the code paths (and the Asyncify cache), not the module: each round compiles again
const inlineMs = await measure(() => viaHost(inline));
await inline.shutdown();
const worker = new Host({ log: () => undefined, isolation: 'worker' });
await viaHost(worker);
const workerMs = await measure(() => viaHost(worker));
// with a pause the host's spare worker has finished booting before the next start
const workerWarmMs = await measure(() => viaHost(worker), 300);
await worker.shutdown();
const row = (label: string, xs: number[]) =>
  console.log(`  ${label.padEnd(52)} ${median(xs).toFixed(2)} ms (${xs[0]!.toFixed(2)})   ratio ${(median(xs) / median(rawMs)).toFixed(1)}x baseline`);
console.log(`cold start, ${ROUNDS} rounds, median (min)`);
console.log(`  ${'raw WebAssembly.instantiate + first call (baseline)'.padEnd(52)} ${median(rawMs).toFixed(2)} ms (${rawMs[0]!.toFixed(2)})`);
row('startActor + first call, inline lane (default)', inlineMs);
row('startActor + first call, worker lane, back to back', workerMs);
row('startActor + first call, worker lane, spare worker ready', workerWarmMs);
