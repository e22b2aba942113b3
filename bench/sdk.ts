// Per-invocation cost of the AssemblyScript kvcounter (SDK, msgpack, GC) vs a hand-written WAT
// kvcounter doing the same work, both measured in this run:
//   1. through the real Host (Host.call -> instance -> __host_call -> in-process provider), and
//   2. on the bare wasmbus ABI (sync stub host, no Host) to isolate the SDK's own cost.
// Also reports module sizes and build times. Run: node dist/bench/sdk.js [calls]
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildActorProject } from '../src/toolchain/project.js';
import { packageRoot } from '../src/codegen/generate.js';
import { signActor } from '../src/claims/sign.js';
import { createKeyPair } from '../src/claims/nkeys.js';
import { Host } from '../src/host/host.js';
import type { CapabilityProvider } from '../src/host/provider-contract.js';
import type { LinkDefinition } from '../src/core/wire.js';
import { KeyValueCodec } from '../src/codec/interfaces/keyvalue.js';
import { encodeHttpRequest, decodeHttpResponse } from '../src/codec/interfaces/httpserver.js';
import { wat2wasm } from '../test/support/wat.js';
import { WasmbusHarness } from '../test/sdk/harness.js';
import type { Invocation } from '../src/core/wire.js';

const CALLS = Number(process.argv[2] ?? 20000);
process.env.STRATUS_HOME ??= mkdtempSync(join(tmpdir(), 'stratus-bench-home-'));
const root = packageRoot();

/** The same in-memory Increment for both actors. */
class MemoryKv implements CapabilityProvider {
  readonly id = createKeyPair('service').publicKey;
  readonly contractId = 'wasmcloud:keyvalue';
  readonly name = 'bench-kv';
  readonly linkName = 'default';
  private counts = new Map<string, number>();
  async start(): Promise<void> {}
  async putLink(_l: LinkDefinition): Promise<void> {}
  async deleteLink(_l: LinkDefinition): Promise<void> {}
  async handle({ operation, msg: payload }: Invocation): Promise<Uint8Array> {
    if (operation !== 'KeyValue.Increment') throw new Error(`unsupported ${operation}`);
    const { key, value } = KeyValueCodec.Increment.decodeInput(payload);
    const n = (this.counts.get(key) ?? 0) + value;
    this.counts.set(key, n);
    return KeyValueCodec.Increment.encodeOutput(n);
  }
  async health() { return { healthy: true }; }
  async shutdown(): Promise<void> {}
}

function stats(samples: number[]): { mean: number; median: number; p99: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { mean: s.reduce((a, b) => a + b, 0) / s.length, median: s[Math.floor(s.length / 2)], p99: s[Math.floor(s.length * 0.99)] };
}

const fmt = (us: number) => `${us.toFixed(1)} µs`;

async function main(): Promise<void> {
  // --- build both, timed
  let t = performance.now();
  const built = await buildActorProject(join(root, 'examples', 'kvcounter'), { outDir: mkdtempSync(join(tmpdir(), 'stratus-bench-build-')) });
  const asBuildMs = performance.now() - t;
  const asSigned = new Uint8Array(readFileSync(built.wasmPath));
  t = performance.now();
  const watBytes = await wat2wasm(readFileSync(join(root, 'bench', 'sdk-kvcounter.wat'), 'utf8'), 'sdk-kvcounter.wat');
  const watBuildMs = performance.now() - t;
  const watSigned = signActor(watBytes, { name: 'kvcounter_wat', caps: ['wasmcloud:httpserver', 'wasmcloud:keyvalue'] }).module;

  const request = encodeHttpRequest({ method: 'GET', path: '/bench/counter', queryString: '', header: { accept: ['*/*'] }, body: new Uint8Array(0) });

  // --- 1. raw ABI, sync stub provider (no Host): SDK cost in isolation
  const raw = async (bytes: Uint8Array) => {
    let n = 0;
    const h = await WasmbusHarness.create(bytes, () => { n++; return { ok: KeyValueCodec.Increment.encodeOutput(n) }; });
    const run = (count: number) => {
      const out: number[] = [];
      for (let i = 0; i < count; i++) {
        const s = performance.now();
        const r = h.call('HttpServer.HandleRequest', request);
        out.push((performance.now() - s) * 1000);
        if (r.rc !== 1) throw new Error(r.error);
      }
      return out;
    };
    return { h, run };
  };
  const rawAs = await raw(asSigned);
  const rawWat = await raw(watBytes);
  rawAs.run(2000); rawWat.run(2000);
  const rawA: number[] = [], rawW: number[] = [];
  for (let round = 0; round < 5; round++) { rawA.push(...rawAs.run(CALLS / 5)); rawW.push(...rawWat.run(CALLS / 5)); }

  // --- 2. through the real Host with an in-process provider
  const host = new Host({ log: () => {} });
  try {
    const kv = await host.startProvider(new MemoryKv());
    const a = await host.startActor(asSigned);
    const w = await host.startActor(watSigned);
    for (const id of [a.id, w.id]) await host.putLink({ actor_id: id, provider_id: kv.id, link_name: 'default', contract_id: 'wasmcloud:keyvalue', values: {} });
    const check = async (id: string) => Buffer.from(decodeHttpResponse(await host.call(id, 'HttpServer.HandleRequest', request)).body).toString();
    const sa = await check(a.id), sw = await check(w.id);
    if (!/^\{"counter": \d+\}$/.test(sa) || !/^\{"counter": \d+\}$/.test(sw)) throw new Error(`unexpected answers: ${sa} / ${sw}`);
    const viaHost = async (id: string, count: number) => {
      const out: number[] = [];
      for (let i = 0; i < count; i++) {
        const s = performance.now();
        await host.call(id, 'HttpServer.HandleRequest', request);
        out.push((performance.now() - s) * 1000);
      }
      return out;
    };
    await viaHost(a.id, 1000); await viaHost(w.id, 1000);
    const hostCalls = Math.max(1000, Math.floor(CALLS / 4));
    const hostA: number[] = [], hostW: number[] = [];
    for (let round = 0; round < 5; round++) { hostA.push(...await viaHost(a.id, hostCalls / 5)); hostW.push(...await viaHost(w.id, hostCalls / 5)); }

    const rA = stats(rawA), rW = stats(rawW), hA = stats(hostA), hW = stats(hostW);
    console.log(`kvcounter: AssemblyScript SDK vs hand-written WAT (same behaviour, same provider), ${CALLS} raw + ${hostCalls} host calls each`);
    console.log('');
    console.log('path                         | AS mean   | WAT mean  | AS median | WAT median | AS p99    | WAT p99   | ratio (mean)');
    console.log(`raw ABI (sync stub host)     | ${fmt(rA.mean).padEnd(9)} | ${fmt(rW.mean).padEnd(9)} | ${fmt(rA.median).padEnd(9)} | ${fmt(rW.median).padEnd(10)} | ${fmt(rA.p99).padEnd(9)} | ${fmt(rW.p99).padEnd(9)} | ${(rA.mean / rW.mean).toFixed(2)}x`);
    console.log(`Host.call + provider         | ${fmt(hA.mean).padEnd(9)} | ${fmt(hW.mean).padEnd(9)} | ${fmt(hA.median).padEnd(9)} | ${fmt(hW.median).padEnd(10)} | ${fmt(hA.p99).padEnd(9)} | ${fmt(hW.p99).padEnd(9)} | ${(hA.mean / hW.mean).toFixed(2)}x`);
    console.log('');
    console.log(`module size: AS ${built.unsignedSize} B unsigned / ${built.size} B signed; WAT ${watBytes.length} B unsigned / ${watSigned.length} B signed (${(built.unsignedSize / watBytes.length).toFixed(1)}x)`);
    console.log(`build time:  AS ${(asBuildMs / 1000).toFixed(2)} s (asc -O3 + portability check + signing); WAT ${watBuildMs.toFixed(0)} ms (wabt)`);
    console.log(`raw-ABI memory after the run: AS ${rawAs.h.memoryBytes / 1024} KiB, WAT ${rawWat.h.memoryBytes / 1024} KiB`);
  } finally {
    await host.shutdown();
  }
}

await main();
