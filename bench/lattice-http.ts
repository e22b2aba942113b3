// (b) of issue 16: the seed's HTTP kvcounter split across three hosts of a lattice (kvcounter on
// A, httpserver on B, keyvalue on C, all `stratus up` processes on one nats-server) against a bare
// Node baseline doing the same two hops over NATS (HTTP process → counter process → store process),
// each hop's request signed with Ed25519 on the sender and verified on the receiver, as Stratus
// signs every invocation between hosts (reference §4.4); replies unsigned on both sides. The
// store keeps counters in memory on both sides. Both setups stay up; wrk windows alternate between
// them; the figure is the median of window-pair ratios (target >= 0.8).
// Each window line gives the CPU per request of the http, counter and store processes apart.
//   node dist/bench/lattice-http.js [--duration 3] [--rounds 5] [--connections 32] [--detail]
//   STRATUS_BENCH_PROFILE=<dir>: every process of both setups writes a CPU profile (--cpu-prof) there
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileProject, loadConfig } from '../src/toolchain/index.js';
import { signActorModule } from '../src/claims/sign.js';
import { createKeyPair } from '../src/claims/nkeys.js';
import { controlRequest } from '../src/control/client.js';
import { startNats } from '../test/support/servers.js';
import { cpuMicros, threadMicros, freePort, stopChild, waitForHttp, wrk, type WrkResult } from './wrk.js';
import { median, numberArg } from './stats.js';

const repo = resolve(fileURLToPath(import.meta.url), '../../..');
const WRK = { threads: 1, connections: numberArg('connections', 32), duration: numberArg('duration', 3) };
const ROUNDS = numberArg('rounds', 5);
/** `--detail`: each process's main-thread CPU and read/write syscalls per request, per window. */
const DETAIL = process.argv.includes('--detail');

// One script, three roles. Each hop: the requester signs SHA-256(payload) with Ed25519 and sends
// payload + signature; the responder verifies before it works (as an invocation's JWT is checked).
const BARE = `
import { createServer } from 'node:http';
import { connect } from '@nats-io/transport-node';
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
process.on('SIGTERM', () => process.exit(0)); // a normal exit, so --cpu-prof writes its profile
const role = process.env.ROLE, nc = await connect({ servers: process.env.NATS, noAsyncTraces: true });
// one key for the whole setup, as every Stratus host of the lattice signs with the cluster key
const privateKey = createPrivateKey(process.env.ED_PRIV), publicKey = createPublicKey(process.env.ED_PUB);
const te = new TextEncoder(), td = new TextDecoder();
const seal = (s) => { const p = te.encode(s); const sig = sign(null, createHash('sha256').update(p).digest(), privateKey); const out = new Uint8Array(p.length + 64); out.set(sig); out.set(p, 64); return out; };
const open = (d) => { const sig = d.subarray(0, 64), p = d.subarray(64); if (!verify(null, createHash('sha256').update(p).digest(), publicKey, sig)) throw new Error('bad signature'); return td.decode(p); };
if (role === 'store') {
  const counters = new Map();
  nc.subscribe('bench.store', { callback: (_e, m) => { const key = open(m.data); const n = (counters.get(key) ?? 0) + 1; counters.set(key, n); m.respond(te.encode(String(n))); } });
} else if (role === 'counter') {
  nc.subscribe('bench.counter', { callback: async (_e, m) => {
    const path = open(m.data);
    const r = await nc.request('bench.store', seal('counter:' + path.replaceAll('/', ':')), { timeout: 2000 });
    m.respond(te.encode('{"counter": ' + td.decode(r.data) + '}'));
  } });
} else {
  createServer(async (req, res) => {
    let r;
    try {
      r = await nc.request('bench.counter', seal((req.url ?? '/').split('?')[0]), { timeout: 2000 });
    } catch (e) { // the counter process not subscribed yet (waitForHttp polls until it is): 503, not a crash
      res.writeHead(503).end(String(e));
      return;
    }
    res.writeHead(200, { 'content-length': r.data.length });
    res.end(r.data);
  }).listen(Number(process.env.PORT), '127.0.0.1');
}
console.log('ready');
`;

/** STRATUS_BENCH_PROFILE=<dir>: every process of both setups writes a CPU profile there (`--cpu-prof`). */
const profileArgs = () => process.env.STRATUS_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.STRATUS_BENCH_PROFILE}`] : [];

interface Setup { name: string; url: string; pids: number[]; stop(): Promise<void> }

function spawnNode(args: string[], env: Record<string, string>, cwd = repo): ChildProcess {
  return spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
}

async function startBare(nats: string): Promise<Setup> {
  const port = await freePort();
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keys = { ED_PRIV: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), ED_PUB: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
  const kids = ['store', 'counter', 'http'].map((role) => spawnNode([...profileArgs(), '--input-type=module', '-e', BARE], { ROLE: role, NATS: nats, PORT: String(port), ...keys }));
  const url = `http://127.0.0.1:${port}/bloggo`;
  const stop = async () => { for (const k of kids) await stopChild(k); };
  try {
    await waitForHttp(url, kids[2]!, 'bare http process');
  } catch (e) {
    await stop();
    throw e;
  }
  return { name: 'bare', url, pids: [kids[2]!.pid!, kids[1]!.pid!, kids[0]!.pid!], stop }; // http, counter, store
}

async function kvcounterModule(dir: string): Promise<string> {
  const wasm = (await compileProject(join(repo, 'examples/kvcounter'), loadConfig(join(repo, 'examples/kvcounter')))).wasm;
  const file = join(dir, 'kvcounter_s.wasm');
  writeFileSync(file, signActorModule(wasm, { name: 'kvcounter', caps: ['wasmcloud:httpserver', 'wasmcloud:keyvalue'] }));
  return file;
}

async function startStratus(natsPort: number): Promise<Setup> {
  const lattice = ['up', '--lattice-prefix', `bench${process.pid}`, '--nats-host', '127.0.0.1', '--nats-port', String(natsPort),
    '--cluster-seed', createKeyPair('cluster').seed, '--log-level', 'warn'];
  const homes = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'stratus-bench-lattice-')));
  const kids = homes.map((home) => spawnNode([...profileArgs(), join(repo, 'bin/stratus.js'), ...lattice], { STRATUS_HOME: home }, home));
  const stop = async () => {
    for (const k of kids) await stopChild(k);
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  };
  try {
    const socket = (i: number) => join(homes[i]!, 'host.sock');
    const req = async <T>(i: number, m: string, p: string, b?: unknown): Promise<T> => {
      for (let tries = 0; ; tries++) {
        try { return await controlRequest<T>(m, p, b, socket(i)); } catch (e) { if (tries > 300) throw e; await new Promise((r) => setTimeout(r, 100)); }
      }
    };
    const actor = await req<{ id: string }>(0, 'POST', '/v1/actors', { path: await kvcounterModule(homes[0]!) });
    const http = await req<{ id: string; contractId: string }>(1, 'POST', '/v1/providers', { name: 'httpserver' });
    const kv = await req<{ id: string; contractId: string }>(2, 'POST', '/v1/providers', { name: 'keyvalue' });
    const port = await freePort();
    await req(0, 'PUT', '/v1/links', { actor_id: actor.id, provider_id: http.id, contract_id: http.contractId, values: { address: `127.0.0.1:${port}` } });
    await req(0, 'PUT', '/v1/links', { actor_id: actor.id, provider_id: kv.id, contract_id: kv.contractId, values: { backend: 'memory' } });
    const url = `http://127.0.0.1:${port}/bloggo`;
    await waitForHttp(url, kids[1]!, 'stratus host B');
    return { name: 'stratus', url, pids: [kids[1]!.pid!, kids[0]!.pid!, kids[2]!.pid!], stop }; // http (B), counter (A), store (C)
  } catch (e) {
    await stop();
    throw e;
  }
}

/** wrk on the setup, with the CPU time of all its processes per request, and of each (http, counter, store). */
function measureAll(s: Setup): WrkResult & { perProcess: number[] } {
  const before = s.pids.map(cpuMicros);
  const main0 = s.pids.map((p) => threadMicros(p).get(String(p)) ?? 0);
  const io0 = s.pids.map(sysc);
  const r = wrk(s.url, WRK.duration, WRK);
  const n = r.requests ?? r.rps * WRK.duration;
  const perProcess = s.pids.map((p, i) => (cpuMicros(p) - before[i]!) / n);
  const io1 = s.pids.map(sysc);
  if (DETAIL) {
    const mainThread = s.pids.map((p, i) => ((threadMicros(p).get(String(p)) ?? 0) - main0[i]!) / n);
    console.log(`    ${s.name}: main thread ${mainThread.map((x) => x.toFixed(0)).join('/')} us/req; read/write syscalls per request ${io1.map((x, i) => `${((x[0] - io0[i]![0]) / n).toFixed(2)}/${((x[1] - io0[i]![1]) / n).toFixed(2)}`).join(' ')} (http, counter, store)`);
  }
  return { ...r, cpuUsPerReq: perProcess.reduce((a, b) => a + b, 0), perProcess };
}
function sysc(pid: number): [number, number] {
  const t = readFileSync(`/proc/${pid}/io`, 'utf8');
  return [Number(/syscr: (\d+)/.exec(t)![1]), Number(/syscw: (\d+)/.exec(t)![1])];
}
/** CPU per request of the http, counter and store processes. */
const roles = (r: { perProcess: number[] }) => r.perProcess.map((u) => u.toFixed(0)).join('/');

const nats = await startNats();
try {
  const bare = await startBare(nats.url);
  const stratus = await startStratus(nats.port).catch(async (e) => { await bare.stop(); throw e; });
  try {
    wrk(bare.url, 2, WRK);
    wrk(stratus.url, 2, WRK);
    if (DETAIL) {
      // CPU the processes use with no traffic at all (timers, heartbeats): a cost per second, not per request
      const idle = [bare, stratus].map((s) => s.pids.map(cpuMicros));
      await new Promise((r) => setTimeout(r, 5000));
      [bare, stratus].forEach((s, i) => console.log(`  idle: ${s.name} ${s.pids.map((p, j) => ((cpuMicros(p) - idle[i]![j]!) / 5000).toFixed(1)).join('/')} ms CPU per s (http, counter, store)`));
    }
    console.log(`three-host HTTP kvcounter (A kvcounter, B httpserver, C keyvalue in memory) vs bare Node with the same two signed NATS hops; wrk -t1 -c${WRK.connections}, ${ROUNDS} alternating ${WRK.duration} s windows\n`);
    const ratios: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const b = measureAll(bare);
      const s = measureAll(stratus);
      ratios.push(s.rps / b.rps);
      cpu.push((b.cpuUsPerReq ?? NaN) / (s.cpuUsPerReq ?? NaN));
      console.log(`  window ${i + 1}: stratus ${s.rps.toFixed(0)} req/s (p50 ${s.p50ms.toFixed(2)} ms, ${(s.cpuUsPerReq ?? NaN).toFixed(0)} us cpu/req in 3 processes: ${roles(s)} http/counter/store), bare ${b.rps.toFixed(0)} req/s (p50 ${b.p50ms.toFixed(2)} ms, ${(b.cpuUsPerReq ?? NaN).toFixed(0)} us cpu/req: ${roles(b)}), ratio ${(s.rps / b.rps).toFixed(2)}${s.errors ? `, stratus errors ${s.errors}` : ''}`);
    }
    const m = median(ratios);
    console.log(`\n  median ratio stratus/bare: ${m.toFixed(2)} (target >= 0.80: ${m >= 0.8 ? 'met' : 'NOT met'}); cpu per request bare/stratus, median: ${median(cpu).toFixed(2)}`);
  } finally {
    await stratus.stop();
    await bare.stop();
  }
} finally {
  await nats.dispose();
}
