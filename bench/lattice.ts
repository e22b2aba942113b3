// What a call across hosts costs in Stratus against NATS used directly, in one run on one
// nats-server (-js) this process starts. Both hosts, the raw requester and responder and the
// server share the machine. Every invocation between hosts carries an Ed25519 signature and its
// check (reference §4.4), so the main baseline does the same with Node's own crypto (SHA-256 of
// the payload, Ed25519 sign on the sender, verify on the receiver); the unsigned raw figure is
// printed too. Rounds interleave the variants (order rotated), figures are medians over rounds.
//   (a) echo actor on host B called from host A vs a raw request/reply of the same payload:
//       p50 latency (sequential calls) and throughput (PIPELINE calls in flight)
//   (c) 1 MiB payload through the object store (an actor that answers 5 bytes) vs a raw
//       object-store put + request, the responder getting and deleting the object
//   (b) the three-host HTTP kvcounter needs the whole lattice (lattice.ts, another branch): not here.
//   (d) in-process: reading an Invocation / InvocationResponse with wire-fast.ts vs the bounded
//       generic decoder (CPU ns, 21 interleaved rounds)
//   (e) in-process: signing and checking one invocation's anti-forgery token (Ed25519 included),
//       through fast-token.ts vs the plain path, and Node's own SHA-256 + Ed25519 for scale
//       (CPU µs, 21 interleaved rounds); `--only e` runs this part alone, without NATS
//   node dist/bench/lattice.js [--rounds 5] [--calls 2000] [--pipeline 64] [--only e]
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { Objm } from '@nats-io/obj';
import { createKeyPair } from '../src/claims/nkeys.js';
import { startNats } from '../test/support/servers.js';
import { signedFixture, testHost } from '../test/support/fixtures.js';
import { join, MemoryDirectory } from '../test/lattice/rpc-support.js';
import { InvocationSigner, isRefusal, verifyInvocation } from '../src/lattice/rpc/antiforgery.js';
import { TokenScratch } from '../src/lattice/rpc/fast-token.js';
import { decodeInvocationGeneric, decodeResponseGeneric, encodeInvocation, encodeResponse } from '../src/lattice/rpc/wire.js';
import { decodeInvocationFast, decodeResponseFast } from '../src/lattice/rpc/wire-fast.js';
import { median, numberArg } from './stats.js';

const ROUNDS = numberArg('rounds', 5);
const CALLS = numberArg('calls', 2000);
const PIPELINE = numberArg('pipeline', 64);
const BIG_CALLS = numberArg('big-calls', 20);
const SMALL = 64;

type Call = (payload: Uint8Array) => Promise<unknown>;


/**
 * p50 latency (µs) of each of `calls`, taking turns call by call (the order rotating), so a
 * neighbour's burst on the shared machine lands on all of them alike.
 */
async function latencies(calls: Call[], payload: Uint8Array, n: number): Promise<number[]> {
  const t: number[][] = calls.map(() => []);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < calls.length; j++) {
      const k = (i + j) % calls.length;
      const s = process.hrtime.bigint();
      await calls[k]!(payload);
      t[k]!.push(Number(process.hrtime.bigint() - s) / 1000);
    }
  }
  return t.map(median);
}

/** Calls per second with `inFlight` calls outstanding at all times, and this process's CPU µs per call. */
async function throughput(call: Call, payload: Uint8Array, n: number, inFlight: number): Promise<{ rate: number; cpu: number }> {
  let next = 0;
  const c0 = process.cpuUsage();
  const s = process.hrtime.bigint();
  const lane = async () => { while (next++ < n) await call(payload); };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const c = process.cpuUsage(c0);
  return { rate: n / (Number(process.hrtime.bigint() - s) / 1e9), cpu: (c.user + c.system) / n };
}

// ---- the raw baselines: one connection requests, another responds (like two hosts)

const { privateKey: edPriv, publicKey: edPub } = generateKeyPairSync('ed25519');
const edPrivKey = createPrivateKey(edPriv.export({ format: 'pem', type: 'pkcs8' }));
const edPubKey = createPublicKey(edPub.export({ format: 'pem', type: 'spki' }));

/** Sender side of the signed baseline: SHA-256 of the payload, Ed25519 over it; sig ‖ payload. */
function sealed(payload: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(payload).digest();
  const sig = sign(null, digest, edPrivKey);
  const out = new Uint8Array(64 + payload.length);
  out.set(sig, 0);
  out.set(payload, 64);
  return out;
}

function opened(data: Uint8Array): Uint8Array {
  const payload = data.subarray(64);
  const digest = createHash('sha256').update(payload).digest();
  if (!verify(null, digest, edPubKey, data.subarray(0, 64))) throw new Error('bad signature');
  return payload;
}

async function rawPair(url: string, subject: string, signed: boolean): Promise<{ call: Call; close(): Promise<void> }> {
  const server = await connect({ servers: url });
  const client = await connect({ servers: url });
  server.subscribe(subject, { queue: subject, callback: (_e, m) => { m.respond(signed ? opened(m.data) : m.data); } });
  await server.flush();
  return {
    call: (p) => client.request(subject, signed ? sealed(p) : p, { timeout: 10_000 }),
    async close() { await client.close(); await server.close(); },
  };
}

async function rawObjectPair(url: string, subject: string, bucket: string, signed: boolean): Promise<{ call: Call; close(): Promise<void> }> {
  const server = await connect({ servers: url });
  const client = await connect({ servers: url });
  const sos = await new Objm(server).create(bucket);
  const cos = await new Objm(client).create(bucket);
  let seq = 0;
  const alive = new TextEncoder().encode('alive');
  server.subscribe(subject, {
    callback: (_e, m) => {
      void (async () => {
        const name = new TextDecoder().decode(signed ? m.data.subarray(64) : m.data);
        const data = (await sos.getBlob(name))!;
        await sos.delete(name);
        if (signed) {
          const digest = createHash('sha256').update(data).digest();
          if (!verify(null, digest, edPubKey, m.data.subarray(0, 64))) throw new Error('bad signature');
        }
        m.respond(alive);
      })();
    },
  });
  await server.flush();
  return {
    async call(p) {
      const name = `raw-${++seq}`;
      await cos.putBlob({ name }, p);
      const ref = new TextEncoder().encode(name);
      let body: Uint8Array = ref;
      if (signed) {
        const sig = sign(null, createHash('sha256').update(p).digest(), edPrivKey);
        body = new Uint8Array(64 + ref.length);
        body.set(sig, 0);
        body.set(ref, 64);
      }
      return client.request(subject, body, { timeout: 30_000 });
    },
    async close() { await client.close(); await server.close(); },
  };
}

/** (d): CPU ns per read, fast reader vs generic decoder, medians of 21 interleaved rounds. */
function codecRatios(): void {
  const cluster = createKeyPair('cluster');
  const e = { public_key: createKeyPair('module').publicKey, contract_id: '', link_name: '' };
  const payload = new Uint8Array(SMALL).fill(0x61);
  const base = { origin: e, target: e, operation: 'Echo', id: '5d1c0a3e-8a38-4a8e-9d0e-2b6c9c3b8f11' };
  const inv = encodeInvocation({ ...base, msg: payload, encoded_claims: new InvocationSigner(cluster).sign(base, payload), host_id: cluster.publicKey, content_length: SMALL });
  const resp = encodeResponse({ msg: payload, invocation_id: base.id, content_length: SMALL });
  const cpuNs = (f: () => unknown, n: number) => {
    const c = process.cpuUsage();
    for (let i = 0; i < n; i++) f();
    const d = process.cpuUsage(c);
    return (d.user + d.system) * 1000 / n;
  };
  console.log('(d) reading, in-process, CPU ns per message (fast reader / generic bounded decoder)');
  for (const [name, generic, fast] of [
    ['Invocation', () => decodeInvocationGeneric(inv), () => decodeInvocationFast(inv)],
    ['InvocationResponse', () => decodeResponseGeneric(resp), () => decodeResponseFast(resp)],
  ] as const) {
    for (let i = 0; i < 5000; i++) { generic(); fast(); }
    const g: number[] = [], f: number[] = [], r: number[] = [];
    for (let k = 0; k < 21; k++) {
      const a = cpuNs(generic, 20000);
      const b = cpuNs(fast, 20000);
      g.push(a); f.push(b); r.push(b / a);
    }
    console.log(`    ${name.padEnd(18)} fast ${median(f).toFixed(0)} ns, generic ${median(g).toFixed(0)} ns, ratio ${median(r).toFixed(2)}`);
  }
}

/** (e): CPU µs to sign and check one token, fast-token.ts vs the plain path, medians of 21 interleaved rounds. */
function tokenRatios(): void {
  const cluster = createKeyPair('cluster');
  const issuers = new Set([cluster.publicKey]);
  // the shape of bench/lattice-http's first hop: the httpserver provider calling an actor, a 180-byte request
  const origin = { public_key: createKeyPair('service').publicKey, contract_id: 'wasmcloud:httpserver', link_name: 'default' };
  const target = { public_key: createKeyPair('module').publicKey, contract_id: '', link_name: '' };
  const payload = new Uint8Array(180).fill(0x61);
  const base = { origin, target, operation: 'HttpServer.HandleRequest', id: '5d1c0a3e-8a38-4a8e-9d0e-2b6c9c3b8f11' };
  const hop = (signer: InvocationSigner, scratch?: TokenScratch) => () => {
    const wire = { ...base, msg: payload, encoded_claims: signer.sign(base, payload), host_id: cluster.publicKey, content_length: payload.length };
    if (isRefusal(verifyInvocation(wire, issuers, Date.now() / 1000, scratch))) throw new Error('refused');
  };
  const plain = hop(new InvocationSigner(cluster, { plain: true }));
  const fast = hop(new InvocationSigner(cluster), new TokenScratch());
  const keys = generateKeyPairSync('ed25519');
  const node = () => {
    const sig = sign(null, createHash('sha256').update(payload).digest(), keys.privateKey);
    if (!verify(null, createHash('sha256').update(payload).digest(), keys.publicKey, sig)) throw new Error('bad signature');
  };
  const cpuUs = (f: () => void, n: number) => {
    const c = process.cpuUsage();
    for (let i = 0; i < n; i++) f();
    const d = process.cpuUsage(c);
    return (d.user + d.system) / n;
  };
  for (let i = 0; i < 500; i++) { plain(); fast(); node(); }
  const p: number[] = [], f: number[] = [], n: number[] = [], saved: number[] = [];
  for (let k = 0; k < 21; k++) {
    const order = [() => p.push(cpuUs(plain, 1000)), () => f.push(cpuUs(fast, 1000)), () => n.push(cpuUs(node, 1000))];
    for (let j = 0; j < 3; j++) order[(j + k) % 3]!();
    saved.push(p[k]! - f[k]!);
  }
  console.log('(e) one invocation token signed and checked, in-process, CPU µs (Ed25519 included)');
  console.log(`    fast-token.ts ${median(f).toFixed(1)} µs, plain path ${median(p).toFixed(1)} µs, saved per hop ${median(saved).toFixed(1)} µs (rounds: ${saved.map((x) => x.toFixed(1)).join(', ')})`);
  console.log(`    Node SHA-256 + Ed25519 sign + verify of the payload alone (bench/lattice-http's baseline hop): ${median(n).toFixed(1)} µs`);
}

async function main(): Promise<void> {
  const nats = await startNats();
  const dataDir = mkdtempSync(pathJoin(tmpdir(), 'stratus-bench-lattice-'));
  const conns: NatsConnection[] = [];
  try {
    const cluster = createKeyPair('cluster');
    const directory = new MemoryDirectory();
    const a = await join(testHost({ dataDir, rpcTimeoutMs: 30_000 }).host, nats.url, { prefix: 'bench', clusterKey: cluster, directory, rpcTimeoutMs: 30_000 });
    const b = await join(testHost({ dataDir, rpcTimeoutMs: 30_000 }).host, nats.url, { prefix: 'bench', clusterKey: cluster, directory, rpcTimeoutMs: 30_000 });
    conns.push(a.nc, b.nc);
    const echo = await b.host.startActor(await signedFixture('echo'));
    const alive = await b.host.startActor(await signedFixture('loop')); // answers "alive" to any operation not starting with L
    await b.rpc.flushed();
    const stratus: Call = (p) => a.host.call(echo.id, 'Echo', p);
    const stratusBig: Call = (p) => a.host.call(alive.id, 'Take', p);
    const rawSigned = await rawPair(nats.url, 'raw.signed', true);
    const rawPlain = await rawPair(nats.url, 'raw.plain', false);
    const objSigned = await rawObjectPair(nats.url, 'rawobj.signed', 'rawbench', true);
    const objPlain = await rawObjectPair(nats.url, 'rawobj.plain', 'rawbench', false);

    const small = new Uint8Array(SMALL).fill(0x61);
    const big = new Uint8Array(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = i & 0xff;
    // warm-up: JIT, connections, the object store bucket
    for (const c of [stratus, rawSigned.call, rawPlain.call]) await throughput(c, small, 500, 16);
    await latencies([stratusBig, objSigned.call, objPlain.call], big, 3);

    const variants = [
      { name: 'stratus', small: stratus, big: stratusBig },
      { name: 'raw+sig', small: rawSigned.call, big: objSigned.call },
      { name: 'raw', small: rawPlain.call, big: objPlain.call },
    ];
    const lat: Record<string, number[]> = {};
    const tput: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    const bigLat: Record<string, number[]> = {};
    const ratios = { latSigned: [] as number[], latRaw: [] as number[], tputSigned: [] as number[], tputRaw: [] as number[], bigSigned: [] as number[], bigRaw: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      const order = variants.map((_, i) => variants[(i + r) % variants.length]!);
      const round: Record<string, { lat: number; tput: number; cpu: number; big: number }> = {};
      const p50s = await latencies(order.map((v) => v.small), small, CALLS);
      const bigs = await latencies(order.map((v) => v.big), big, BIG_CALLS);
      order.forEach((v, i) => { round[v.name] = { lat: p50s[i]!, tput: 0, cpu: 0, big: bigs[i]! }; });
      for (const v of order) {
        const t = await throughput(v.small, small, CALLS * 2, PIPELINE);
        round[v.name]!.tput = t.rate;
        round[v.name]!.cpu = t.cpu;
      }
      for (const v of variants) {
        (lat[v.name] ??= []).push(round[v.name]!.lat);
        (tput[v.name] ??= []).push(round[v.name]!.tput);
        (cpu[v.name] ??= []).push(round[v.name]!.cpu);
        (bigLat[v.name] ??= []).push(round[v.name]!.big);
      }
      const s = round.stratus!, g = round['raw+sig']!, w = round.raw!;
      ratios.latSigned.push(s.lat / g.lat);
      ratios.latRaw.push(s.lat / w.lat);
      ratios.tputSigned.push(s.tput / g.tput);
      ratios.tputRaw.push(s.tput / w.tput);
      ratios.bigSigned.push(s.big / g.big);
      ratios.bigRaw.push(s.big / w.big);
    }
    const f = (xs: number[], d = 2) => `${median(xs).toFixed(d)} (${xs.map((x) => x.toFixed(d)).join(', ')})`;
    console.log(`lattice RPC, one nats-server, hosts A and B in this process; ${ROUNDS} interleaved rounds, medians (per-round values)`);
    console.log(`(a) ${SMALL}-byte echo, A → actor on B: ${CALLS} sequential calls per variant for p50 (variants taking turns call by call);`);
    console.log(`    ${CALLS * 2} calls with ${PIPELINE} in flight for throughput, and this process's CPU per call meanwhile (both ends are in it)`);
    for (const v of variants) {
      console.log(`    ${v.name.padEnd(8)} p50 ${median(lat[v.name]!).toFixed(0).padStart(5)} µs   throughput ${median(tput[v.name]!).toFixed(0).padStart(6)} calls/s   CPU ${median(cpu[v.name]!).toFixed(0).padStart(4)} µs/call`);
    }
    console.log(`    p50 latency ratio stratus / raw+sig:  ${f(ratios.latSigned)}   target ≤ 1.2`);
    console.log(`    p50 latency ratio stratus / raw:      ${f(ratios.latRaw)}`);
    console.log(`    throughput ratio stratus / raw+sig:   ${f(ratios.tputSigned)}   target ≥ 0.8`);
    console.log(`    throughput ratio stratus / raw:       ${f(ratios.tputRaw)}`);
    console.log(`(c) 1 MiB payload through the object store, ${BIG_CALLS} sequential calls per variant and round (taking turns), median per call`);
    for (const v of variants) console.log(`    ${v.name.padEnd(8)} ${(median(bigLat[v.name]!) / 1000).toFixed(1).padStart(6)} ms`);
    console.log(`    time ratio stratus / raw+sig:          ${f(ratios.bigSigned)}`);
    console.log(`    time ratio stratus / raw:              ${f(ratios.bigRaw)}`);
    console.log('(b) three-host HTTP kvcounter: needs the lattice composition (lattice.ts) and wrk; not measured here');
    codecRatios();
    tokenRatios();

    await rawSigned.close();
    await rawPlain.close();
    await objSigned.close();
    await objPlain.close();
    for (const m of [a, b]) {
      await m.leave();
      await m.host.shutdown();
    }
  } finally {
    await nats.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--only') && process.argv[process.argv.indexOf('--only') + 1] === 'e') tokenRatios();
else await main();
