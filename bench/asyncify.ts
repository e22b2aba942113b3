// Asyncify cost: transform time (cold incl. binaryen load, warm), a cache hit of the host's
// preparation (through its worker, as startActor does it), module size, and per-call overhead of the
// asyncified AssemblyScript kvcounter vs the original, both with a synchronous host call.
// Also the cost of one real suspension (host call answered with an already-resolved Promise).
// Run: node dist/bench/asyncify.js [iterations]      (not part of bench/run-all.ts)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsyncifyRuntime } from '../src/abi/asyncify-runtime.js';
import { GuestAbi, type HostCallFn } from '../src/abi/guest.js';
import { compileProject, loadConfig } from '../src/toolchain/index.js';
import { decode, encode } from '../src/codec/msgpack.js';
import { encodeHttpRequest } from '../src/providers/httpserver/codec.js';
import { Asyncifier } from '../src/wasm/asyncify.js';
import { prepareForHostThread } from '../src/wasm/host-thread.js';
import { HostScope } from '../src/core/scope.js';

const N = Number(process.argv[2] ?? 20000);
const ROUNDS = 9;
const IMPORTS = ['wasmbus.__host_call', 'wapc.__host_call'];
const repo = resolve(fileURLToPath(import.meta.url), '../../..');
const dirs: string[] = [];
const tmp = () => { const d = mkdtempSync(join(tmpdir(), 'stratus-bench-asyncify-')); dirs.push(d); return d; };

const kvDir = join(repo, 'examples/kvcounter');
const wasm = (await compileProject(kvDir, loadConfig(kvDir))).wasm;

// Cold = a fresh process (AssemblyScript already loaded binaryen in this one), binaryen load included.
const inputFile = join(tmp(), 'kvcounter.wasm');
writeFileSync(inputFile, wasm);
const child = spawnSync(process.execPath, ['--input-type=module', '-e', `
  import { readFileSync } from 'node:fs';
  const { Asyncifier } = await import(${JSON.stringify(new URL('../src/wasm/asyncify.js', import.meta.url).href)});
  const input = new Uint8Array(readFileSync(${JSON.stringify(inputFile)}));
  const t0 = performance.now();
  await new Asyncifier().transform(input, ${JSON.stringify(IMPORTS)});
  console.log(performance.now() - t0);`], { encoding: 'utf8' });
if (child.status !== 0) throw new Error(`cold transform failed: ${child.stderr}`);
const coldMs = Number(child.stdout.trim());

const asyncifier = new Asyncifier();
await asyncifier.transform(wasm, IMPORTS); // binaryen loaded
let t0 = performance.now();
const asyncified = await asyncifier.transform(wasm, IMPORTS);
const warmMs = performance.now() - t0;
// the host's path: a cache hit through its preparation worker (worker already running)
const scope = new HostScope();
const prep = { imports: IMPORTS, cacheDir: tmp(), home: tmp() };
await prepareForHostThread(scope, wasm, prep);
const hits: number[] = [];
for (let i = 0; i < 21; i++) {
  t0 = performance.now();
  await prepareForHostThread(scope, wasm, prep);
  hits.push(performance.now() - t0);
}
await scope.close();
const hitMs = hits.sort((a, b) => a - b)[hits.length >> 1]!;

const counters = new Map<string, number>();
const hostCall: HostCallFn = (_b, ns, op, payload) => {
  if (ns !== 'wasmcloud:keyvalue' || op !== 'KeyValue.Increment') return { ok: false, error: 'unexpected' };
  const req = decode<{ key: string; value: number }>(payload);
  const next = (counters.get(req.key) ?? 0) + req.value;
  counters.set(req.key, next);
  return { ok: true, data: encode(next) };
};
const request = encodeHttpRequest({ method: 'GET', path: '/bench', queryString: '', header: {}, body: new Uint8Array(0) });
type Fn = (...a: number[]) => number;

function original(): () => unknown {
  const abi = new GuestAbi(hostCall, () => undefined);
  const t = abi.imports();
  const inst = new WebAssembly.Instance(new WebAssembly.Module(wasm), { wasmbus: t, wapc: t } as unknown as WebAssembly.Imports);
  abi.bindMemory(inst.exports.memory as WebAssembly.Memory);
  const gc = inst.exports.__guest_call as Fn;
  return () => abi.invoke(gc, 'HttpServer.HandleRequest', request);
}

/** Asyncified module through AsyncifyRuntime; `suspend` answers every host call with a resolved Promise. */
function viaRuntime(suspend: boolean): () => unknown {
  const abi = new GuestAbi(hostCall, () => undefined);
  const table = abi.imports();
  let wrapped: Fn = () => 0;
  const imports = { ...table, __host_call: (...a: number[]) => wrapped(...a) };
  const inst = new WebAssembly.Instance(new WebAssembly.Module(asyncified), { wasmbus: imports, wapc: imports } as unknown as WebAssembly.Imports);
  abi.bindMemory(inst.exports.memory as WebAssembly.Memory);
  const rt = new AsyncifyRuntime(inst.exports);
  // When suspending, GuestAbi.invoke returns before the guest finishes (it is synchronous), so the host
  // response it holds is set inside the promise, after invoke() has reset it.
  wrapped = rt.wrapImport(suspend
    ? (...a: number[]) => Promise.resolve().then(() => table.__host_call(...a) as number)
    : (...a: number[]) => table.__host_call(...a)) as Fn;
  const gc = inst.exports.__guest_call as Fn;
  if (!suspend) return () => abi.invoke((a, b) => rt.call(gc, a, b) as number, 'HttpServer.HandleRequest', request);
  return () => {
    let p: number | Promise<number> = 0;
    abi.invoke((a, b) => { p = rt.call(gc, a, b); return 0; }, 'HttpServer.HandleRequest', request);
    return p;
  };
}

// CPU time of this process per call (ns): on a shared, busy machine it does not count time spent descheduled.
const cpuNs = (c: NodeJS.CpuUsage) => (c.user + c.system) * 1000;

function timeSync(fn: () => unknown, n: number): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  return cpuNs(process.cpuUsage(c0)) / n;
}

async function timeAsync(fn: () => unknown, n: number): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  return cpuNs(process.cpuUsage(c0)) / n;
}

const orig = original();
const sync = viaRuntime(false);
const susp = viaRuntime(true);
timeSync(orig, N); timeSync(sync, N); await timeAsync(susp, N / 4); // warm up
// Interleaved rounds, best of each: the machine is shared, so the minimum is the least noisy figure.
let bestOrig = Infinity, bestSync = Infinity, bestSusp = Infinity;
for (let r = 0; r < ROUNDS; r++) {
  bestOrig = Math.min(bestOrig, timeSync(orig, N));
  bestSync = Math.min(bestSync, timeSync(sync, N));
  bestSusp = Math.min(bestSusp, await timeAsync(susp, N / 4));
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
console.log('asyncify (AssemblyScript kvcounter, imports wasmbus/wapc.__host_call)');
console.log(`  transform cold (fresh process, incl. binaryen load): ${coldMs.toFixed(0)} ms`);
console.log(`  transform warm (binaryen loaded, no cache):         ${warmMs.toFixed(0)} ms`);
console.log(`  cache hit via the host's preparation worker (median of 21): ${hitMs.toFixed(1)} ms`);
console.log(`  module size: ${kb(wasm.length)} -> ${kb(asyncified.length)} (${(((asyncified.length / wasm.length) - 1) * 100).toFixed(1)}%)`);
console.log(`  CPU per call, sync host call: original ${bestOrig.toFixed(0)} ns, asyncified ${bestSync.toFixed(0)} ns, ratio ${(bestSync / bestOrig).toFixed(3)}`);
console.log(`  CPU per call with one suspension (resolved Promise): ${bestSusp.toFixed(0)} ns (${(bestSusp / bestOrig).toFixed(2)}x original)`);
for (const d of dirs) rmSync(d, { recursive: true, force: true });
