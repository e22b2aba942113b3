// Cost of fuel instrumentation (src/wasm/fuel.ts), each against a baseline measured in this run.
//   node dist/bench/fuel.js [--n 100000000]
// 1. injectFuel on the AssemblyScript kvcounter, built from source (rewrite time per module).
// 2. A tight loop (sum 1..n as i64) instrumented vs not, both warmed up to the optimizing tier.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { compileProject, loadConfig } from '../src/build/index.js';
import { injectFuel } from '../src/wasm/fuel.js';
import { compileWat } from '../test/support/wat.js';

const repo = resolve(fileURLToPath(import.meta.url), '../../..');
const nArg = process.argv.indexOf('--n');
const N = nArg > 0 ? Number(process.argv[nArg + 1]) : 100_000_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

// 1. instrumentation time
const kvDir = join(repo, 'examples/kvcounter');
const kv = (await compileProject(kvDir, loadConfig(kvDir))).wasm;
for (let i = 0; i < 20; i++) injectFuel(kv); // warm up the rewriter
const times: number[] = [];
for (let i = 0; i < 50; i++) {
  const t0 = performance.now();
  injectFuel(kv);
  times.push(performance.now() - t0);
}
const kvOut = injectFuel(kv);
console.log(`injectFuel on kvcounter (${(kv.length / 1024).toFixed(1)} KiB -> ${(kvOut.length / 1024).toFixed(1)} KiB; the name section is dropped)`);
console.log(`  median ${median(times).toFixed(3)} ms after 20 warm-up runs (${(kv.length / 1024 / (median(times) / 1000) / 1024).toFixed(1)} MiB/s)`);

// 2. tight loop slowdown
const plain = await compileWat(`(module
  (func (export "sum") (param $n i32) (result i64) (local $i i32) (local $s i64)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (local.get $i))))
      (br $l)))
    (local.get $s)))`, 'sum.wat', { validate: true, debugNames: false });
let refuels = 0;
const fueled = injectFuel(plain);
const base = (await WebAssembly.instantiate(plain)).instance.exports.sum as (n: number) => bigint;
const inst = (await WebAssembly.instantiate(fueled, { stratus: { refuel: () => (refuels++, 100_000) } })).instance.exports.sum as (n: number) => bigint;

function timeOnce(fn: (n: number) => bigint): number {
  const t0 = performance.now();
  const s = fn(N);
  const ms = performance.now() - t0;
  if (s !== (BigInt(N) * BigInt(N + 1)) / 2n) throw new Error(`wrong sum ${s}`);
  return ms;
}
for (let i = 0; i < 20; i++) { base(1_000_000); inst(1_000_000); } // reach the optimizing tier
// alternate the two so load from other processes hits both alike; the minimum is the least disturbed run
const plainRuns: number[] = [];
const fuelRuns: number[] = [];
for (let i = 0; i < 7; i++) {
  plainRuns.push(timeOnce(base));
  fuelRuns.push(timeOnce(inst));
}
const tPlain = Math.min(...plainRuns);
const tFuel = Math.min(...fuelRuns);
console.log(`tight loop, sum 1..${N} (best of 7, interleaved)`);
console.log(`  baseline (no fuel)   ${tPlain.toFixed(1).padStart(8)} ms   (median ${median(plainRuns).toFixed(1)})`);
console.log(`  fuel-instrumented    ${tFuel.toFixed(1).padStart(8)} ms   (median ${median(fuelRuns).toFixed(1)}, ${refuels} refuels)`);
console.log(`  ratio fuel/baseline: ${(tFuel / tPlain).toFixed(2)}x`);
