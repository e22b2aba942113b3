// Time spent inside the wasm guest per HTTP request for the AssemblyScript kvcounter, on the Node
// main thread through the real GuestAbi with a synchronous in-JS key-value store (no Host, no
// worker): what the SDK's allocations, msgpack and GC cost per call. Baseline in the same run: the
// hand-written WAT kvcounter (bench/sdk-kvcounter.wat), same ABI, same host function.
// Optionally also builds kvcounter against another copy of the SDK (e.g. an older checkout) and
// alternates with it, for an A/B of SDK changes on the same machine state. Both are compiled with
// today's flags (--runtime minimal): an SDK from before its between-call __collect() never frees.
// Run: node dist/bench/guest.js [calls per round] [--sdk-before <dir of sdk/assemblyscript>]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileProject, loadConfig } from '../src/toolchain/index.js';
import { packageRoot } from '../src/codegen/generate.js';
import { GuestAbi, type HostCallFn } from '../src/abi/guest.js';
import { packr } from '../src/codec/msgpack.js';
import { encodeRawHttpRequest } from '../src/providers/httpserver/request-encoder.js';
import { wat2wasm } from '../test/support/wat.js';
import { median } from './stats.js';

const args = process.argv.slice(2);
const beforeAt = args.indexOf('--sdk-before');
const SDK_BEFORE = beforeAt >= 0 ? args.splice(beforeAt, 2)[1] : undefined;
const CALLS = Number(args[0] ?? 20000);
const ROUNDS = 7;
const repo = packageRoot();

async function buildKvcounter(sdk?: string): Promise<Uint8Array> {
  const saved = process.env.STRATUS_AS_SDK;
  if (sdk) process.env.STRATUS_AS_SDK = sdk;
  try {
    const dir = join(repo, 'examples', 'kvcounter');
    return (await compileProject(dir, loadConfig(dir))).wasm;
  } finally {
    if (sdk) { if (saved === undefined) delete process.env.STRATUS_AS_SDK; else process.env.STRATUS_AS_SDK = saved; }
  }
}

/** KeyValue.Increment served from a JS Map, synchronously (what the host thread lane does). */
function kvHostCall(): HostCallFn {
  const counts = new Map<string, number>();
  return (_binding, _namespace, operation, payload) => {
    if (operation !== 'KeyValue.Increment') return { ok: false, error: `unsupported ${operation}` };
    const { key, value } = packr.unpack(payload) as { key: string; value: number };
    const n = (counts.get(key) ?? 0) + value;
    counts.set(key, n);
    return { ok: true, data: packr.pack(n) };
  };
}

function instantiate(bytes: Uint8Array) {
  const abi = new GuestAbi(kvHostCall(), () => undefined);
  const t = abi.imports();
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { wasmbus: t, wapc: t } as unknown as WebAssembly.Imports);
  abi.bindMemory(inst.exports.memory as WebAssembly.Memory);
  const guestCall = inst.exports.__guest_call as (a: number, b: number) => number;
  const memory = inst.exports.memory as WebAssembly.Memory;
  return { abi, guestCall, memory };
}

const payload = encodeRawHttpRequest({
  method: 'GET', path: '/bloggo', queryString: '',
  headerNames: ['host'], headerValues: [['localhost:8080']], body: new Uint8Array(0),
});

/** Mean µs per call over `n` back-to-back calls. */
function time(inst: ReturnType<typeof instantiate>, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = inst.abi.invoke(inst.guestCall, 'HttpServer.HandleRequest', payload);
    if (!r.ok) throw new Error(r.error);
  }
  return Number(process.hrtime.bigint() - t0) / n / 1000;
}


async function main(): Promise<void> {
  const variants: { name: string; inst: ReturnType<typeof instantiate>; samples: number[] }[] = [];
  variants.push({ name: 'WAT kvcounter (baseline)', inst: instantiate(await wat2wasm(readFileSync(join(repo, 'bench', 'sdk-kvcounter.wat'), 'utf8'), 'sdk-kvcounter.wat')), samples: [] });
  if (SDK_BEFORE) variants.push({ name: `AS kvcounter, SDK ${SDK_BEFORE}`, inst: instantiate(await buildKvcounter(SDK_BEFORE)), samples: [] });
  variants.push({ name: 'AS kvcounter, this SDK', inst: instantiate(await buildKvcounter()), samples: [] });

  // same answer from every variant before timing anything
  for (const v of variants) {
    const r = v.inst.abi.invoke(v.inst.guestCall, 'HttpServer.HandleRequest', payload);
    if (!r.ok) throw new Error(`${v.name}: ${r.error}`);
    const body = packr.unpack(r.data) as { statusCode: number; body: Uint8Array };
    const text = Buffer.from(body.body).toString();
    if (body.statusCode !== 200 || !/^\{"counter": 1\}$/.test(text)) throw new Error(`${v.name}: unexpected answer ${body.statusCode} ${text}`);
  }
  for (const v of variants) time(v.inst, Math.min(CALLS, 5000)); // warm-up (JIT, tier-up, GC state)
  // rounds alternate between variants so machine noise hits all of them alike
  for (let round = 0; round < ROUNDS; round++) for (const v of variants) v.samples.push(time(v.inst, CALLS));

  const base = median(variants[0]!.samples);
  console.log(`guest time per HttpServer.HandleRequest (GET /bloggo, sync JS key-value), ${ROUNDS} rounds x ${CALLS} calls, median of round means`);
  for (const v of variants) {
    const m = median(v.samples);
    console.log(`${v.name.padEnd(44)} ${m.toFixed(2).padStart(7)} µs/call  ${(m / base).toFixed(2)}x baseline  ` +
      `(rounds ${v.samples.map((s) => s.toFixed(2)).join(' ')}; memory ${v.inst.memory.buffer.byteLength / 1024} KiB)`);
  }
}

await main();
