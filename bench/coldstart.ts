// Cold start: Host.startActor (verify claims, portability check, memory limit, compile, spawn a
// worker, instantiate, init exports) + first call, vs raw WebAssembly.instantiate + first call.
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

const host = new Host({ log: () => undefined });
await raw();
await viaHost(host); // warm up the code paths, not the module (each round compiles again)
const rawMs = await measure(raw);
const hostMs = await measure(() => viaHost(host));
// with a pause the host's spare worker has finished booting before the next start
const hostWarmMs = await measure(() => viaHost(host), 300);
await host.shutdown();
console.log(`cold start, ${ROUNDS} rounds, median (min)`);
console.log(`  raw WebAssembly.instantiate + first call (baseline)   ${median(rawMs).toFixed(2)} ms (${rawMs[0]!.toFixed(2)})`);
console.log(`  Host.startActor + first call, back to back             ${median(hostMs).toFixed(2)} ms (${hostMs[0]!.toFixed(2)})   ratio ${(median(hostMs) / median(rawMs)).toFixed(1)}x baseline`);
console.log(`  Host.startActor + first call, spare worker ready       ${median(hostWarmMs).toFixed(2)} ms (${hostWarmMs[0]!.toFixed(2)})   ratio ${(median(hostWarmMs) / median(rawMs)).toFixed(1)}x baseline`);
