// A well-behaved actor's latency while another actor on the same host misbehaves (issue 11): a
// host-call loop, a memory.grow loop, a 60 MiB answer, bad msgpack. For each, rounds alternate
// between the neighbour alone (the baseline, same host, same run) and the neighbour while bad calls
// are fired (two callers, each 50 ms after its last bad call ended) for the same time; it prints the neighbour's p50/p99 and
// the ratio of p99s.
//
//   node dist/bench/neighbours.js [--seconds 3] [--rounds 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Host } from '../src/host/host.js';
import { httpGet, httpServing, MISBEHAVIOURS, percentile, workActor } from '../test/support/misbehaving.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
const SECONDS = arg('seconds', 3);
const ROUNDS = arg('rounds', 3);

/** The neighbour asked by 4 keep-alive clients for `ms`, while `bad` (if given) runs two at a time. */
async function window(port: number, ms: number, bad?: () => Promise<string>): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + ms;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const client = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const r = await httpGet(port, '/n', agent);
      if (r.status !== 200) throw new Error(`neighbour answered ${r.status}`);
      latencies.push(performance.now() - t0);
    }
  };
  // a misbehaving caller, not a flood: each loop sends its next bad call 50 ms after the last ended
  const badLoop = async () => {
    while (bad && performance.now() < end) {
      await bad();
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await Promise.all([client(), client(), client(), client(), badLoop(), badLoop()]);
  agent.destroy();
  return latencies;
}

const dataDir = mkdtempSync(join(tmpdir(), 'stratus-bench-neighbours-'));
const host = new Host({ dataDir, log: () => {} });
try {
  const serve = await httpServing(host);
  const neighbour = await host.startActor(await workActor('neighbour', ''));
  const port = await serve(neighbour.id);
  await window(port, 500); // warm-up
  console.log(`neighbour latency while another actor misbehaves: 4 keep-alive clients, ${SECONDS} s windows, ${ROUNDS} alternating rounds (medians of rounds)\n`);
  for (const m of MISBEHAVIOURS) {
    const bad = await m.setup(host, serve);
    const base: { p50: number; p99: number }[] = [];
    const loaded: { p50: number; p99: number; n: number }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const a = await window(port, SECONDS * 1000);
      base.push({ p50: percentile(a, 50), p99: percentile(a, 99) });
      const b = await window(port, SECONDS * 1000, bad);
      loaded.push({ p50: percentile(b, 50), p99: percentile(b, 99), n: b.length });
    }
    const med = (xs: number[]) => percentile(xs, 50);
    const b99 = med(base.map((x) => x.p99));
    const l99 = med(loaded.map((x) => x.p99));
    console.log(`${m.name}`);
    console.log(`  alone:          p50 ${med(base.map((x) => x.p50)).toFixed(2)} ms   p99 ${b99.toFixed(2)} ms`);
    console.log(`  beside it:      p50 ${med(loaded.map((x) => x.p50)).toFixed(2)} ms   p99 ${l99.toFixed(2)} ms   (rounds p99: ${loaded.map((x) => x.p99.toFixed(1)).join(', ')}; ${loaded.map((x) => x.n).join(', ')} requests)`);
    console.log(`  p99 beside / alone: ${(l99 / b99).toFixed(1)}×   target p99 < 100 ms: ${l99 < 100 ? 'met' : 'MISSED'}\n`);
  }
} finally {
  await host.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
}
