// Cost of KeyValue.Increment through the keyvalue provider (msgpack decode, semantics checks,
// backend, msgpack encode) versus the bare backend call doing the same increment, per backend,
// measured in the same run. Prints µs/op and the ratio provider/raw (1.0 = no overhead).
//   node dist/bench/kv.js [--ops 20000] [--concurrency 64]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { Redis } from 'ioredis';
import { Packr } from 'msgpackr';
import { createProvider } from '../src/providers/registry.js';
import type { CapabilityProvider, ProviderHost } from '../src/host/provider-contract.js';
import type { LinkDefinition } from '../src/core/wire.js';
import { startRedis } from '../test/support/servers.js';
import { HostScope } from '../src/core/scope.js';
import { linkInvocation } from '../src/core/wire.js';
import { numberArg } from './stats.js';

const OPS = numberArg('ops', 20000);
const CONCURRENCY = numberArg('concurrency', 64);
const ROUNDS = 10;
const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

type Op = () => Promise<unknown>;

async function runOps(op: Op, mode: 'sequential' | 'concurrent', n: number): Promise<void> {
  if (mode === 'sequential') {
    for (let i = 0; i < n; i++) await op();
    return;
  }
  for (let done = 0; done < n; done += CONCURRENCY) {
    const batch: Promise<unknown>[] = [];
    for (let j = 0; j < CONCURRENCY && done + j < n; j++) batch.push(op());
    await Promise.all(batch);
  }
}

/**
 * µs per op for raw and provider. `sequential` awaits each op; `concurrent` keeps CONCURRENCY in
 * flight. The two alternate in ROUNDS blocks so drift on a shared machine (other processes, disk
 * flushes) hits both alike.
 */
async function measurePair(raw: Op, prov: Op, mode: 'sequential' | 'concurrent', ops: number): Promise<[number, number]> {
  await runOps(raw, mode, Math.min(1000, ops));
  await runOps(prov, mode, Math.min(1000, ops));
  const block = Math.max(1, Math.floor(ops / ROUNDS));
  let rawNs = 0n;
  let provNs = 0n;
  for (let r = 0; r < ROUNDS; r++) {
    let t0 = process.hrtime.bigint();
    await runOps(raw, mode, block);
    rawNs += process.hrtime.bigint() - t0;
    t0 = process.hrtime.bigint();
    await runOps(prov, mode, block);
    provNs += process.hrtime.bigint() - t0;
  }
  const per = (ns: bigint) => Number(ns) / 1000 / (block * ROUNDS);
  return [per(rawNs), per(provNs)];
}

async function providerFor(values: Record<string, string>, dataDir: string): Promise<{ provider: CapabilityProvider; op: Op }> {
  const host: ProviderHost = { dataDir, rpcTimeoutMs: 2000, log: () => {}, hostId: 'NBENCH', invoke: async () => new Uint8Array(), scope: new HostScope() };
  const provider = createProvider('keyvalue');
  await provider.start(host);
  const link: LinkDefinition = { id: 'bench', actor_id: 'MBENCH', provider_id: provider.id, link_name: 'default', contract_id: 'wasmcloud:keyvalue', values };
  await provider.putLink(link);
  const ctx = { link };
  // The actor hands over already-encoded bytes; the provider decodes them and encodes its reply.
  const payload = packr.pack({ key: 'bench-counter', value: 1 });
  return { provider, op: () => provider.handle(linkInvocation(ctx.link, 'KeyValue.Increment', payload)) };
}

interface Row { backend: string; mode: string; raw: number; provider: number }
const rows: Row[] = [];
let fsyncNote = '';

async function compare(backend: string, raw: Op, prov: Op, ops: number): Promise<void> {
  for (const mode of ['sequential', 'concurrent'] as const) {
    const [r, p] = await measurePair(raw, prov, mode, ops);
    rows.push({ backend, mode, raw: r, provider: p });
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-bench-kv-'));
  const redis = await startRedis();
  try {
    // memory: raw = Map read-parse-add-write in an async function
    {
      const map = new Map<string, string>();
      const raw: Op = async () => { const n = Number(map.get('c') ?? '0') + 1; map.set('c', String(n)); return n; };
      const { provider, op } = await providerFor({ backend: 'memory' }, dir);
      await compare('memory', raw, op, OPS);
      await provider.shutdown();
    }
    // lmdb: raw = one synchronous lmdb-js transaction reading and writing the counter, opened the
    // way the store opens its file (no fsync per commit; flushed in the background)
    {
      const db = open<number, string>({ path: join(dir, 'raw.mdb'), compression: false, noSync: true, useWritemap: true });
      const raw: Op = async () => db.transactionSync(() => { const n = (db.get('c') ?? 0) + 1; db.putSync('c', n); return n; });
      const { provider, op } = await providerFor({ backend: 'lmdb' }, join(dir, 'prov'));
      await compare('lmdb', raw, op, OPS);
      // The previous design, for reference: one async transaction per op, each awaiting its fsync.
      const durable = open<number, string>({ path: join(dir, 'fsync.mdb'), compression: false });
      const fsyncOp: Op = () => durable.transaction(() => { const n = (durable.get('c') ?? 0) + 1; durable.putSync('c', n); return n; });
      const [seq] = await measurePair(fsyncOp, fsyncOp, 'sequential', Math.max(100, Math.floor(OPS / 100)));
      fsyncNote = `lmdb with an fsync'ed async transaction per op (the earlier design), same run: ${seq.toFixed(0)} µs/op sequential`;
      await provider.shutdown();
      await db.close();
      await durable.close();
    }
    // redis: raw = ioredis INCRBY on its own connection
    {
      const client = new Redis(redis.url);
      const raw: Op = () => client.incrby('raw-counter', 1);
      const { provider, op } = await providerFor({ URL: redis.url }, dir);
      await compare('redis', raw, op, OPS);
      await provider.shutdown();
      client.disconnect();
    }
  } finally {
    await redis.dispose();
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`KeyValue.Increment: provider.handle (msgpack in/out) vs raw backend call; ops=${OPS}, concurrency=${CONCURRENCY}`);
  console.log('backend  mode         raw µs/op  provider µs/op  ratio provider/raw');
  for (const r of rows) {
    console.log(`${r.backend.padEnd(8)} ${r.mode.padEnd(12)} ${r.raw.toFixed(2).padStart(9)}  ${r.provider.toFixed(2).padStart(14)}  ${(r.provider / r.raw).toFixed(2).padStart(8)}x`);
  }
  if (fsyncNote) console.log(fsyncNote);
}

await main();
