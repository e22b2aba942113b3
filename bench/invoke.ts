// Per-invocation cost: an echo actor through the Host vs calling the same wasm export in-process
// through the same ABI code; plus a builtin and a provider __host_call. Measured for both lanes:
// inline (host thread: fuel + Asyncify instrumented module) and worker (a thread per instance,
// host calls hop to the main thread over Atomics).
// Run: node dist/bench/invoke.js [iterations]
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { Host } from '../src/host/host.js';
import { GuestAbi, type HostCallFn } from '../src/abi/guest.js';
import { runBuiltin } from '../src/host/builtins.js';
import { signActorModule } from '../src/claims/sign.js';
import { fixture } from '../test/support/wat.js';
import { hostCallPayload as hcp } from '../test/support/fixtures.js';
import { MemoryKv } from '../test/support/fixtures-provider.js';
import { decode, encode } from '../src/codec/msgpack.js';

const N = Number(process.argv[2] ?? 20000);
const PAYLOAD = Buffer.from('85a66d6574686f64a3474554a470617468a72f626c6f67676fab7175657279537472696e67a0a668656164657280a4626f6479c400', 'hex');

async function rawInstance(bytes: Uint8Array, hostCall: HostCallFn) {
  const abi = new GuestAbi(hostCall, () => undefined);
  const t = abi.imports();
  const inst = new WebAssembly.Instance(await WebAssembly.compile(bytes), { wasmbus: t, wapc: t } as unknown as WebAssembly.Imports);
  abi.bindMemory(inst.exports.memory as WebAssembly.Memory);
  const call = inst.exports.__guest_call as (a: number, b: number) => number;
  return (op: string, p: Uint8Array) => abi.invoke(call, op, p);
}

function time(n: number, fn: () => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t0) / n;
}

async function timeAsync(n: number, fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / n;
}

/** CPU time the main thread itself has used (µs; Linux /proc, 10 ms ticks): unlike event-loop
 *  utilization it does not count time the thread was runnable but descheduled on a busy machine. */
function mainThreadCpuUs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
}

let mainThreadNs = 0;
let mainCpuNs = 0;
/** `inflight` concurrent callers, each issuing calls back to back. Also records main-thread busy time per call. */
async function timeConcurrent(n: number, inflight: number, fn: () => Promise<unknown>): Promise<number> {
  let left = n;
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = mainThreadCpuUs();
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (left-- > 0) await fn();
  }));
  const elu = performance.eventLoopUtilization(elu0);
  mainThreadNs = (elu.active * 1e6) / n;
  mainCpuNs = ((mainThreadCpuUs() - cpu0) * 1000) / n;
  return Number(process.hrtime.bigint() - t0) / n;
}

const fmt = (ns: number) => `${ns.toFixed(0).padStart(8)} ns/op`;

const echoWasm = await fixture('echo');
const hostcallWasm = await fixture('hostcall');
const rngPayload = hcp('default', 'wasmcloud:builtin:numbergen', 'NumberGen.Random32');
const kvPayload = hcp('default', 'wasmcloud:keyvalue', 'KeyValue.Increment', encode({ key: 'k', value: 1 }));
const rawCounters = new Map<string, number>();

// baseline: in-process
const rawEcho = await rawInstance(echoWasm, () => ({ ok: false, error: 'none' }));
const rawHc = await rawInstance(hostcallWasm, (_b, n, o, p) => {
  if (n !== 'wasmcloud:keyvalue') return runBuiltin(n, o, p, 'M', () => undefined);
  const req = decode<{ key: string; value: number }>(p); // same work as the MemoryKv provider, synchronously
  const next = (rawCounters.get(req.key) ?? 0) + req.value;
  rawCounters.set(req.key, next);
  return { ok: true, data: encode(next) };
});
time(N, () => rawEcho('Echo.Say', PAYLOAD));
const rawEchoNs = time(N, () => rawEcho('Echo.Say', PAYLOAD));
time(N, () => rawHc('Run', rngPayload));
const rawHcNs = time(N, () => rawHc('Run', rngPayload));
time(N, () => rawHc('Run', kvPayload));
const rawKvNs = time(N, () => rawHc('Run', kvPayload));

interface LaneResult {
  echo: number; echoConc: number; echoMain: { elu: number; cpu: number };
  builtin: number; provider: number; providerConc: number; providerMain: { elu: number; cpu: number };
}

async function throughHost(isolation: 'inline' | 'worker'): Promise<LaneResult> {
  const host = new Host({ log: () => undefined, maxInstances: 2, isolation });
  const echo = await host.startActor(signActorModule(echoWasm, { name: 'echo' }), { count: 2 });
  const hc = await host.startActor(signActorModule(hostcallWasm, { name: 'hc', caps: ['wasmcloud:builtin:numbergen', 'wasmcloud:keyvalue'] }), { count: 1 });
  const kv = new MemoryKv();
  kv.calls.push = () => 0; // do not keep 10^4 recorded calls in a benchmark
  await host.startProvider(kv);
  await host.putLink({ actor_id: hc.id, provider_id: kv.id, contract_id: 'wasmcloud:keyvalue', link_name: 'default', values: {} });
  await timeAsync(N / 4, () => host.call(echo.id, 'Echo.Say', PAYLOAD));
  const echoNs = await timeAsync(N, () => host.call(echo.id, 'Echo.Say', PAYLOAD));
  await timeConcurrent(N / 4, 32, () => host.call(echo.id, 'Echo.Say', PAYLOAD));
  const echoConc = await timeConcurrent(N, 32, () => host.call(echo.id, 'Echo.Say', PAYLOAD));
  const echoMain = { elu: mainThreadNs, cpu: mainCpuNs };
  await timeAsync(N / 4, () => host.call(hc.id, 'Run', rngPayload));
  const builtin = await timeAsync(N, () => host.call(hc.id, 'Run', rngPayload));
  await timeAsync(N / 4, () => host.call(hc.id, 'Run', kvPayload));
  const provider = await timeAsync(N, () => host.call(hc.id, 'Run', kvPayload));
  // kvcounter's shape: one invocation + one provider host call, 32 in flight (what bench/http.ts drives)
  await host.scaleActor(hc.id, 2);
  await timeConcurrent(N / 4, 32, () => host.call(hc.id, 'Run', kvPayload));
  const providerConc = await timeConcurrent(N, 32, () => host.call(hc.id, 'Run', kvPayload));
  const providerMain = { elu: mainThreadNs, cpu: mainCpuNs };
  await host.shutdown();
  return { echo: echoNs, echoConc, echoMain, builtin, provider, providerConc, providerMain };
}

const lanes = { inline: await throughHost('inline'), worker: await throughHost('worker') };

console.log(`invoke benchmark, ${N} calls each, ${PAYLOAD.length}-byte payload (one run, same process)`);
console.log(`  echo raw in-process (baseline)                ${fmt(rawEchoNs)}`);
console.log(`  builtin host call raw in-process (baseline)   ${fmt(rawHcNs)}`);
console.log(`  provider host call raw in-process (baseline)  ${fmt(rawKvNs)}`);
for (const [lane, r] of Object.entries(lanes)) {
  console.log(`lane ${lane}${lane === 'inline' ? ' (default: host thread)' : ' (a worker thread per instance)'}`);
  console.log(`  echo via Host, sequential                     ${fmt(r.echo)}   ratio ${(r.echo / rawEchoNs).toFixed(1)}x baseline`);
  console.log(`  echo via Host, 32 in flight, 2 inst.          ${fmt(r.echoConc)}   (throughput ${(1e9 / r.echoConc).toFixed(0)} calls/s)`);
  console.log(`  main-thread cost per echo call (32 in flight) ${fmt(r.echoMain.cpu)} CPU, ${fmt(r.echoMain.elu)} busy`);
  console.log(`  builtin host call via Host                    ${fmt(r.builtin)}   ratio ${(r.builtin / rawHcNs).toFixed(1)}x baseline`);
  console.log(`  provider host call via Host                   ${fmt(r.provider)}   ratio ${(r.provider / rawKvNs).toFixed(1)}x baseline`);
  console.log(`  invocation + provider host call, 32 in flight ${fmt(r.providerConc)}   (throughput ${(1e9 / r.providerConc).toFixed(0)} calls/s)`);
  console.log(`  main-thread cost per such call                ${fmt(r.providerMain.cpu)} CPU, ${fmt(r.providerMain.elu)} busy`);
}
