// Cold start, two ways (docs/coldstart.md has the table and where the time goes):
//
// 1. Whole processes, as a user starts them. `node bin/stratus.js up --manifest <kvcounter app>`
//    (a fresh $STRATUS_HOME each round, so nothing is restored) until its first HTTP 200, with the
//    code cache warm and empty, vs a bare Node process that starts an HTTP server and answers; and
//    `node bin/stratus.js call echo.wasm Echo.Say` until it exits, warm and empty cache, vs a bare
//    Node process that instantiates the module and calls it; and both once more with an empty cache
//    and without the CLI's own code cache (bin/code-cache.js), as the first run after a build. The
//    variants run interleaved within each round; figures are medians, ratios against the bare
//    process of the same run.
// 2. In process: Host.startActor (verify claims, portability check, memory limit, compile,
//    instantiate) + first call vs raw WebAssembly.instantiate + first call (inline and worker lanes).
//
// Run: node dist/bench/coldstart.js [--rounds 5] [--in-process-rounds 20] [--only process|in-process]
//        [--compare /other/checkout/bin/stratus.js]   (adds its up/call rows, interleaved: before/after)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Host } from '../src/host/host.js';
import { GuestAbi } from '../src/abi/guest.js';
import { signActorModule } from '../src/claims/sign.js';
import { fixture } from '../test/support/wat.js';
import { freePort, stopChild } from './wrk.js';
import { median, numberArg } from './stats.js';

const flag = (name: string) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : undefined);
const ONLY = flag('only');
const COMPARE = flag('compare');
const repo = resolve(fileURLToPath(import.meta.url), '../../..');
const PAYLOAD = new TextEncoder().encode('hello');
const bytes = await fixture('echo');
const signed = signActorModule(bytes, { name: 'echo' });

// ------------------------------------------------------------------ whole processes

const BARE_SERVER = `
import { createServer } from 'node:http';
createServer((req, res) => res.end('{"counter": 1}')).listen(Number(process.env.PORT), '127.0.0.1');
`;

// the waPC guest protocol by hand, nothing of Stratus: read, instantiate, call once, print
const BARE_CALL = `
import { readFileSync } from 'node:fs';
const bytes = readFileSync(process.env.WASM);
let op, payload, out, mem;
const u8 = () => new Uint8Array(mem.buffer);
const t = {
  __guest_request: (o, p) => { u8().set(op, o); u8().set(payload, p); },
  __guest_response: (p, n) => { out = u8().slice(p, p + n); },
  __guest_error: (p, n) => { throw new Error(new TextDecoder().decode(u8().slice(p, p + n))); },
  __host_call: () => 0, __host_response_len: () => 0, __host_response: () => {}, __host_error_len: () => 0, __host_error: () => {},
};
const { instance } = await WebAssembly.instantiate(bytes, { wasmbus: t });
mem = instance.exports.memory;
op = new TextEncoder().encode('Echo.Say');
payload = new TextEncoder().encode('"hello"');
if (instance.exports.__guest_call(op.length, payload.length) !== 1) throw new Error('call failed');
process.stdout.write(new TextDecoder().decode(out) + '\\n');
`;

/** ms from spawn until `url` answers 200 (polled every 5 ms); the child is then stopped (after `before`, if given). */
async function untilFirst200(args: string[], env: NodeJS.ProcessEnv, url: string, beforeStop?: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: repo, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with code ${child.exitCode}: ${stderr.slice(-2000)}`);
      if (await answers200(url)) {
        const ms = performance.now() - t0;
        await beforeStop?.();
        return ms;
      }
      if (performance.now() - t0 > 120_000) throw new Error(`${args.join(' ')} did not answer on ${url} within 120 s: ${stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    await stopChild(child as ChildProcess);
  }
}

function answers200(url: string): Promise<boolean> {
  return new Promise((done) => {
    const req = get(url, (res) => { res.resume(); res.on('end', () => done(res.statusCode === 200)); });
    req.on('error', () => done(false));
  });
}

/** ms from spawn until the process exits with code 0. */
function untilExit(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: repo, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('exit', (code) => (code === 0 ? done(performance.now() - t0) : fail(new Error(`${args.join(' ')} exited with code ${code}: ${stderr.slice(-2000)}`))));
  });
}

async function wholeProcess(rounds: number): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'stratus-bench-cold-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/bloggo`;
  const manifest = join(root, 'app.yaml');
  writeFileSync(manifest, [
    'apiVersion: stratus.dev/v1', 'kind: Application', 'metadata: { name: kvcounter }', 'spec:',
    '  actors:', `    - { name: kvcounter, path: ${JSON.stringify(join(repo, 'examples/kvcounter'))}, count: 1 }`,
    '  providers: [{ name: httpserver }, { name: keyvalue }]',
    '  links:', `    - { actor: kvcounter, provider: httpserver, values: { address: "127.0.0.1:${port}" } }`,
    '    - { actor: kvcounter, provider: keyvalue }', '',
  ].join('\n'));
  const wasm = join(root, 'echo.wasm');
  writeFileSync(wasm, signed);
  const warmCache = join(root, 'cache-warm');
  let n = 0;
  const env = (cache: string): NodeJS.ProcessEnv => {
    const home = join(root, `home-${n++}`);
    mkdirSync(home);
    return { ...process.env, STRATUS_HOME: home, STRATUS_CACHE_DIR: cache, STRATUS_CACHE_KEY_HOME: join(root, 'key') };
  };
  const emptyCache = () => {
    const dir = join(root, `cache-empty-${n}`);
    rmSync(dir, { recursive: true, force: true });
    return dir;
  };
  // codeCache false: as the first run of a command after `npm run build`, before bin/code-cache.js
  // has written the CLI's compiled code
  const envFor = (cache: string, codeCache: boolean) => ({ ...env(cache), ...(codeCache ? {} : { STRATUS_CODE_CACHE: 'off' }) });
  const up = (cache: string, stratus = join(repo, 'bin/stratus.js'), codeCache = true) => untilFirst200([stratus, 'up', '--manifest', manifest], envFor(cache, codeCache), url);
  const call = (cache: string, stratus = join(repo, 'bin/stratus.js'), codeCache = true) => untilExit([stratus, 'call', wasm, 'Echo.Say', '--data', '"hello"'], envFor(cache, codeCache));
  const variants: [string, () => Promise<number>][] = [
    ['bare Node: spawn, HTTP server, first 200 (baseline)', () => untilFirst200(['--input-type=module', '-e', BARE_SERVER], { ...process.env, PORT: String(port) }, url)],
    ['stratus up --manifest kvcounter, first 200, warm cache', () => up(warmCache)],
    ['stratus up --manifest kvcounter, first 200, empty cache', () => up(emptyCache())],
    ['  same, first run after a build (no CLI code cache)', () => up(emptyCache(), undefined, false)],
    ['bare Node: spawn, instantiate + call echo (baseline)', () => untilExit(['--input-type=module', '-e', BARE_CALL], { ...process.env, WASM: wasm })],
    ['stratus call echo.wasm Echo.Say, warm cache', () => call(warmCache)],
    ['stratus call echo.wasm Echo.Say, empty cache', () => call(emptyCache())],
    ['  same, first run after a build (no CLI code cache)', () => call(emptyCache(), undefined, false)],
  ];
  if (COMPARE) {
    const other = resolve(COMPARE);
    variants.splice(4, 0,
      ['  --compare: up, warm cache', () => up(warmCache, other)],
      ['  --compare: up, empty cache', () => up(emptyCache(), other)]);
    variants.push(
      ['  --compare: call, warm cache', () => call(warmCache, other)],
      ['  --compare: call, empty cache', () => call(emptyCache(), other)]);
  }
  const callBase = variants.findIndex(([label]) => label.startsWith('bare Node: spawn, instantiate'));
  // builds kvcounter if needed and fills the warm cache; then one unmeasured round of everything
  process.stderr.write('coldstart: building kvcounter if needed and warming the cache...\n');
  // The host thread's code is prepared while the actor already serves (on workers): stopping at the
  // first 200 would stop that too and leave the cache empty, so the warming run waits for it.
  await untilFirst200([join(repo, 'bin/stratus.js'), 'up', '--manifest', manifest], env(warmCache), url, async () => {
    const dir = join(warmCache, 'asyncify');
    for (const t0 = Date.now(); !(existsSync(dir) && readdirSync(dir).some((f) => !f.startsWith('.'))); ) {
      if (Date.now() - t0 > 120_000) throw new Error(`the code cache ${dir} was not filled within 120 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  // `stratus call` is a one-shot host that never prepares (a miss runs on workers): the warm row
  // needs echo's code in the cache as a long-running host (`stratus up`) leaves it, so prepare it
  // here, then check that the call runs on the host thread
  await prepareInCache(warmCache, join(root, 'key'));
  const probe = spawnSync(process.execPath, [join(repo, 'bin/stratus.js'), 'call', '-v', wasm, 'Echo.Say', '--data', '"hello"'], { env: env(warmCache), encoding: 'utf8' });
  if (probe.status !== 0 || /worker threads/.test(probe.stderr)) throw new Error(`the warm call does not run from the code cache: ${probe.stderr}`);
  for (const [, run] of variants) await run();
  const times = variants.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, [, run]] of variants.entries()) times[i]!.push(await run());
    process.stderr.write(`coldstart: round ${r + 1}/${rounds}\n`);
  }
  rmSync(root, { recursive: true, force: true });
  console.log(`whole-process cold start, ${rounds} interleaved rounds, median (min-max); ratio against the bare Node process of the same kind`);
  for (const [i, [label]] of variants.entries()) {
    const xs = times[i]!;
    const base = median(times[i < callBase ? 0 : callBase]!);
    const ratio = i === 0 || i === callBase ? '' : `   ${(median(xs) / base).toFixed(2)}x`;
    console.log(`  ${label.padEnd(58)} ${median(xs).toFixed(0).padStart(6)} ms (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})${ratio}`);
  }
}

/** Prepares echo's code for the host thread into `cacheDir` (keyed from `keyHome`), as a host that prepares does. */
async function prepareInCache(cacheDir: string, keyHome: string): Promise<void> {
  const saved = { dir: process.env.STRATUS_CACHE_DIR, key: process.env.STRATUS_CACHE_KEY_HOME };
  process.env.STRATUS_CACHE_DIR = cacheDir;
  process.env.STRATUS_CACHE_KEY_HOME = keyHome;
  const host = new Host({ log: () => undefined });
  try {
    await host.startActor(signed);
  } finally {
    await host.shutdown();
    for (const [k, v] of [['STRATUS_CACHE_DIR', saved.dir], ['STRATUS_CACHE_KEY_HOME', saved.key]] as const) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  }
}

// ------------------------------------------------------------------ in process

async function inProcess(rounds: number): Promise<void> {
  async function raw(): Promise<void> {
    const abi = new GuestAbi(() => ({ ok: false, error: 'none' }), () => undefined);
    const t = abi.imports();
    const { instance } = await WebAssembly.instantiate(bytes, { wasmbus: t, wapc: t } as unknown as WebAssembly.Imports);
    abi.bindMemory(instance.exports.memory as WebAssembly.Memory);
    const r = abi.invoke(instance.exports.__guest_call as (a: number, b: number) => number, 'Echo', PAYLOAD);
    if (!r.ok) throw new Error(r.error);
  }
  async function viaHost(host: Host): Promise<void> {
    const d = await host.startActor(signed);
    await host.call(d.id, 'Echo', PAYLOAD);
    await host.stopActor(d.id);
  }
  async function measure(fn: () => Promise<void>, pauseMs = 0): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < rounds; i++) {
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
      const t0 = process.hrtime.bigint();
      await fn();
      out.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return out.sort((a, b) => a - b);
  }
  await raw();
  const rawMs = await measure(raw);
  const inline = new Host({ log: () => undefined });
  await viaHost(inline); // warm up the code paths (and the Asyncify cache), not the module: each round compiles again
  const inlineMs = await measure(() => viaHost(inline));
  await inline.shutdown();
  const worker = new Host({ log: () => undefined, isolation: 'worker' });
  await viaHost(worker);
  const workerMs = await measure(() => viaHost(worker));
  // with a pause the host's spare worker has finished booting before the next start
  const workerWarmMs = await measure(() => viaHost(worker), 300);
  await worker.shutdown();
  const row = (label: string, xs: number[]) =>
    console.log(`  ${label.padEnd(58)} ${median(xs).toFixed(2)} ms (${xs[0]!.toFixed(2)})   ratio ${(median(xs) / median(rawMs)).toFixed(1)}x baseline`);
  console.log(`in-process cold start, ${rounds} rounds, median (min)`);
  console.log(`  ${'raw WebAssembly.instantiate + first call (baseline)'.padEnd(58)} ${median(rawMs).toFixed(2)} ms (${rawMs[0]!.toFixed(2)})`);
  row('startActor + first call, inline lane (default)', inlineMs);
  row('startActor + first call, worker lane, back to back', workerMs);
  row('startActor + first call, worker lane, spare worker ready', workerWarmMs);
}

if (ONLY !== 'in-process') await wholeProcess(numberArg('rounds', 5));
if (ONLY !== 'process') await inProcess(numberArg('in-process-rounds', 20));
