// Actor count (issue 17 §1): does starting an actor, and keeping it idle, cost more when many are
// already loaded? N distinct signed copies of the echo example (examples/echo) are started one by
// one through a host's controller (the path `stratus ctl start actor` takes: claims, portability,
// preparation, instances, the module copy and the actor journal), in a fresh process per N.
// Baselines from the same run:
//  - the bare Node floor: another process compiling and instantiating the same N copies;
//  - a busy actor alone: a host process with only the busy actor, its rounds of calls alternating
//    with the same busy actor's on the host with N idle neighbours (compared by CPU per call; the
//    wall-clock ratio is printed too, but on a loaded machine it mostly measures the scheduler).
// Printed per N: start time per actor (median over all, and of the last 10 %) and the total
// against the floor; RSS per idle actor and per extra instance; idle CPU; the busy actor's
// throughput and CPU per call against alone (median of rounds); the time to restore all N after
// a restart.
//
//   node dist/bench/scale.js [--sizes 100,1000] [--big] [--rounds 5] [--calls 20000] [--pin <cpu>|none] [--verbose]
//   (--big adds 10000; it takes a minute or more)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const argv = process.argv.slice(2);
function arg(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}
const role = arg('role') ?? 'parent';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

function rssAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) { gc(); gc(); }
  return process.memoryUsage().rss;
}

function say(o: unknown): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

// ------------------------------------------------------------------------------ floor (child)

async function floor(dir: string, n: number): Promise<void> {
  const { GuestAbi } = await import('../src/abi/guest.js');
  const { instantiateActor } = await import('../src/abi/instantiate.js');
  const files = Array.from({ length: n }, (_, i) => readFileSync(join(dir, `${i}.wasm`)));
  const before = rssAfterGc();
  const keep: unknown[] = [];
  const each: number[] = [];
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // RSS per instance from the first KEEP; later ones are let go (V8 reserves ~10 GiB of address
  // space per wasm memory, so one process holds only ~13 000 at once: the host shares that limit)
  const KEEP = 1000;
  let rssPer = 0;
  let gcTime = 0;
  let gcCpu = 0; // the CPU of those collections, left out of the loop's CPU like gcTime of its time
  const gcCpuOf = (f: () => void) => { const c = process.cpuUsage(); f(); const d = process.cpuUsage(c); gcCpu += (d.user + d.system) / 1000; };
  for (const [i, bytes] of files.entries()) {
    const s = performance.now();
    const module = await WebAssembly.compile(bytes);
    const abi = new GuestAbi(() => ({ ok: false, error: 'none' }), () => undefined);
    const live = instantiateActor(module, abi, { table: abi.imports(), log: () => undefined });
    each.push(performance.now() - s);
    if (i < KEEP) keep.push(live);
    if (i + 1 === Math.min(n, KEEP)) {
      const g = performance.now();
      gcCpuOf(() => { rssPer = (rssAfterGc() - before) / keep.length; });
      gcTime += performance.now() - g;
    } else if (i >= KEEP && i % 2000 === 0) {
      const g = performance.now();
      gcCpuOf(() => rssAfterGc()); // frees the let-go instances' memories (not counted in the time)
      gcTime += performance.now() - g;
    }
  }
  const ms = performance.now() - t0 - gcTime;
  const cu = process.cpuUsage(cpu0);
  say({ ms, cpuMs: (cu.user + cu.system) / 1000 - gcCpu, median: median(each), rssPer, kept: keep.length });
}

// ------------------------------------------------------------------------------- host (child)

async function hostChild(dir: string, n: number, home: string): Promise<void> {
  const { runHost } = await import('../src/control/daemon.js');
  const { encodeHttpRequest } = await import('../src/codec/interfaces/httpserver.js');
  const quiet = () => undefined;
  let running = await runHost({ home, log: quiet, note: quiet });
  const busy = await running.controller.startActorFile(join(dir, 'busy.wasm'));
  const host = running.controller.host as import('../src/host/host.js').Host;
  const payload = encodeHttpRequest({ method: 'GET', path: '/busy', queryString: '', header: {}, body: new Uint8Array(0) });
  await host.call(busy.id, 'HttpServer.HandleRequest', payload);
  const rss0 = rssAfterGc();
  const starts: number[] = [];
  const ids: string[] = [];
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    ids.push((await running.controller.startActorFile(join(dir, `${i}.wasm`))).id);
    starts.push(performance.now() - s);
  }
  const total = performance.now() - t0;
  const cu = process.cpuUsage(cpu0);
  // where a long total comes from: a few slow starts (and which), or all of them
  const slowest = starts.map((ms, i) => ({ i, ms })).sort((a, b) => b.ms - a.ms).slice(0, 5);
  if (argv.includes('--verbose')) console.error(`  ${n} starts: wall ${total.toFixed(0)} ms, CPU ${((cu.user + cu.system) / 1000).toFixed(0)} ms; slowest: ${slowest.map((x) => `#${x.i} ${x.ms.toFixed(0)} ms`).join(', ')}; the 1 % slowest take ${(starts.slice().sort((a, b) => b - a).slice(0, Math.ceil(n / 100)).reduce((a, b) => a + b, 0)).toFixed(0)} ms; the first three ${starts.slice(0, 3).map((x) => x.toFixed(1)).join(', ')} ms`);
  const rss1 = rssAfterGc();
  await new Promise((r) => setTimeout(r, 500));
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, 2000));
  const c1 = process.cpuUsage(c0);
  const idleCpu = (c1.user + c1.system) / 1000 / (performance.now() - w0);
  const tail = starts.slice(Math.floor(n * 0.9));
  say({ kind: 'started', total, cpuMs: (cu.user + cu.system) / 1000, median: median(starts), tailMedian: median(tail), rssPer: n ? (rss1 - rss0) / n : 0, idleCpu });

  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, a] = line.split(' ');
    if (cmd === 'busy') {
      // a fixed number of calls, timed by this process's CPU: on a shared machine the wall clock
      // mostly measures the scheduler, CPU per call measures the host
      const ops = Number(a);
      const c = process.cpuUsage();
      const w = performance.now();
      for (let k = 0; k < ops; k++) {
        const r = host.callNow(busy.id, 'HttpServer.HandleRequest', payload);
        if (r instanceof Promise) await r;
      }
      const cu = process.cpuUsage(c);
      say({ kind: 'busy', ops, cpuUs: cu.user + cu.system, wallMs: performance.now() - w });
      await new Promise((r) => setImmediate(r));
    } else if (cmd === 'extra') {
      // one more instance on each of the first K idle actors
      const k = Math.min(ids.length, 200);
      const before = rssAfterGc();
      for (const id of ids.slice(0, k)) await running.controller.scaleActor(id, 2);
      const after = rssAfterGc();
      for (const id of ids.slice(0, k)) await running.controller.scaleActor(id, 1);
      say({ kind: 'extra', k, rssPer: k ? (after - before) / k : 0 });
    } else if (cmd === 'restore') {
      await running.stop();
      const r0 = performance.now();
      running = await runHost({ home, log: quiet, note: quiet });
      const ms = performance.now() - r0;
      const restored = running.controller.host.inventory().actors.length;
      say({ kind: 'restore', ms, restored });
      await running.stop();
      process.exit(0);
    } else if (cmd === 'quit') {
      await running.stop();
      process.exit(0);
    }
  }
}

// -------------------------------------------------------------------------------------- parent

/** Default: CPU 0 when taskset exists; `--pin none` runs the children wherever the OS puts them. */
const pinCpu: string | undefined = (() => {
  const p = arg('pin') ?? '0';
  if (p === 'none') return undefined;
  try { execFileSync('taskset', ['-V'], { stdio: 'ignore' }); return p; } catch { return undefined; }
})();

interface Child { proc: ChildProcess; next(): Promise<Record<string, number>>; send(line: string): void }

function child(args: string[]): Child {
  const self = fileURLToPath(import.meta.url);
  // --pin <cpu>: every child on the same CPU (taskset), so the two hosts compared never sit on
  // differently loaded cores (on a shared machine that alone moved CPU per call by 1.7×)
  const cmd = [process.execPath, '--expose-gc', self, ...args];
  const pin = pinCpu;
  const proc = pin !== undefined ? spawn('taskset', ['-c', pin, ...cmd], { stdio: ['pipe', 'pipe', 'inherit'] })
    : spawn(cmd[0]!, cmd.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  let exited = false;
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l); else lines.push(l);
  });
  proc.on('exit', () => { exited = true; for (const w of waiters.splice(0)) w('{"error":"child exited"}'); });
  return {
    proc,
    next: () => new Promise((res, rej) => {
      const parse = (l: string) => {
        const o = JSON.parse(l) as Record<string, number> & { error?: string };
        if (o.error) rej(new Error(`bench child ${args.join(' ')}: ${o.error}`)); else res(o);
      };
      const l = lines.shift();
      if (l !== undefined) parse(l);
      else if (exited) rej(new Error(`bench child ${args.join(' ')} exited`));
      else waiters.push(parse);
    }),
    send: (line) => { proc.stdin!.write(line + '\n'); },
  };
}

async function parent(): Promise<void> {
  const sizes = (arg('sizes') ?? '100,1000').split(',').map(Number);
  if (argv.includes('--big') && !sizes.includes(10000)) sizes.push(10000);
  const rounds = Number(arg('rounds') ?? 5);
  const calls = Number(arg('calls') ?? 20000);
  const work = mkdtempSync(join(tmpdir(), 'stratus-bench-scale-'));
  // one STRATUS_HOME for the run's keys and code cache; a host home per child
  process.env.STRATUS_HOME = join(work, 'home');
  try {
    const { compileCached } = await import('../test/sdk/build-cache.js');
    const { signActorModule } = await import('../src/claims/sign.js');
    const { createKeyPair } = await import('../src/claims/nkeys.js');
    const wasm = await compileCached(resolve(fileURLToPath(import.meta.url), '../../../examples/echo'));
    const max = Math.max(...sizes);
    const copies = join(work, 'copies');
    mkdirSync(copies, { recursive: true });
    const issuer = createKeyPair('account').seed;
    const sign = (name: string) => signActorModule(wasm, { name, issuer, caps: ['wasmcloud:httpserver'] });
    for (let i = 0; i < max; i++) writeFileSync(join(copies, `${i}.wasm`), sign(`echo-${i}`));
    writeFileSync(join(copies, 'busy.wasm'), sign('busy'));
    console.log(`bench/scale: distinct signed copies of examples/echo (${wasm.length} bytes), started one by one through the host controller;`);
    console.log(`busy actor: ${rounds} alternating rounds of ${calls} calls each (after one warm-up round), medians. Measured on a shared 2-core machine under load${pinCpu !== undefined ? `; every process on CPU ${pinCpu}` : ''}.\n`);
    console.log('| actors | start/actor (median) | start/actor (median of last 10 %) | total vs bare floor (median per actor; CPU of the whole loop) | RSS/idle actor | RSS/extra instance | idle CPU | busy actor vs alone: calls per CPU second (by wall clock) | restore (per actor) |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    // warm the code cache once, outside the measurements (the transform is bench/asyncify's subject)
    {
      const warm = child(['--role', 'host', '--n', '0', '--dir', copies, '--home', join(work, 'warm')]);
      await warm.next();
      warm.send('quit');
      await new Promise((r) => warm.proc.on('exit', r));
    }
    for (const n of sizes) {
      const fl = child(['--role', 'floor', '--n', String(n), '--dir', copies]);
      const f = await fl.next();
      const alone = child(['--role', 'host', '--n', '0', '--dir', copies, '--home', join(work, `alone-${n}`)]);
      await alone.next();
      const crowd = child(['--role', 'host', '--n', String(n), '--dir', copies, '--home', join(work, `crowd-${n}`), ...(argv.includes('--verbose') ? ['--verbose'] : [])]);
      const s = await crowd.next();
      for (const c of [alone, crowd]) { c.send(`busy ${calls}`); await c.next(); } // warm-up, not counted
      const ratios: number[] = [];
      const cpuRatios: number[] = [];
      for (let r = 0; r < rounds; r++) {
        // alternate which goes first, so drift in the machine's load favours neither
        const order: Child[] = r % 2 === 0 ? [alone, crowd] : [crowd, alone];
        const out = new Map<Child, Record<string, number>>();
        for (const c of order) { c.send(`busy ${calls}`); out.set(c, await c.next()); }
        const a = out.get(alone)!, c = out.get(crowd)!;
        ratios.push(a.wallMs! / c.wallMs!);
        if (argv.includes('--verbose')) console.error(`  round ${r}: ${calls} calls alone ${a.cpuUs} µs CPU ${a.wallMs!.toFixed(0)} ms, with ${n} idle ${c.cpuUs} µs CPU ${c.wallMs!.toFixed(0)} ms`);
        cpuRatios.push((c.cpuUs! / c.ops!) / (a.cpuUs! / a.ops!));
      }
      alone.send('quit');
      crowd.send('extra');
      const x = await crowd.next();
      crowd.send('restore');
      const rs = await crowd.next();
      if (rs.restored !== n + 1) throw new Error(`restored ${rs.restored} actors, expected ${n + 1}`);
      const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
      if (n === 0) { console.log(`| 0 | busy actor vs alone: ${(1 / median(cpuRatios)).toFixed(2)}× calls per CPU second, ${median(ratios).toFixed(2)}× by wall clock (two identical hosts: the method's noise) |`); continue; }
      console.log(`| ${n} | ${s.median!.toFixed(2)} ms | ${s.tailMedian!.toFixed(2)} ms | ${(s.total! / 1000).toFixed(2)} s vs ${(f.ms! / 1000).toFixed(2)} s = ${(s.total! / f.ms!).toFixed(2)}× (${(s.median! / f.median!).toFixed(2)}×; CPU ${(s.cpuMs! / f.cpuMs!).toFixed(2)}×) | ${kib(s.rssPer!)} (bare ${kib(f.rssPer!)}) | ${kib(x.rssPer!)} | ${(s.idleCpu! * 100).toFixed(2)} % of a core | ${(1 / median(cpuRatios)).toFixed(2)}× (wall ${median(ratios).toFixed(2)}×) | ${(rs.ms! / 1000).toFixed(2)} s (${(rs.ms! / (n + 1)).toFixed(2)} ms) |`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (role === 'floor') await floor(arg('dir')!, Number(arg('n')));
else if (role === 'host') await hostChild(arg('dir')!, Number(arg('n')), arg('home')!);
else await parent();
