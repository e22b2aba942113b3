// The cost of observing (issue 15 item 5): metrics on (tracing off), and tracing on with 1 %
// sampling, each against everything off, measured in the same run.
//
//   node dist/bench/observe.js [--rounds 8] [--requests 4000] [--variants off,metrics,tracing1,tracing0]
//       In-process, safe on a loaded machine: four hosts in this process (off / metrics /
//       tracing 1 % / tracing 0 %, i.e. the unsampled path alone) serve the AssemblyScript kvcounter (in-memory keyvalue); a client in a child
//       process sends the same requests to each in turn. Reported per variant: this process's CPU
//       time per HTTP request (the server side only; user+system from process.cpuUsage) and the
//       time of one invocation through the host (callNow, the HTTP request's payload, its
//       key-value host call included). Ratios are medians of per-round ratios (rounds rotate the
//       order of the variants).
//   node dist/bench/observe.js --parts
//       What one measurement costs: prom-client's Counter#inc / Histogram#observe against the
//       plain-number stats used instead, an unsampled OpenTelemetry SDK span, and what the host's
//       tracer does for one HTTP request at 1 % sampling (its request, invocation and host call).
//   node dist/bench/observe.js --http [--duration 3] [--connections 32] [--starts 2] [--rounds 4] [--tracing0] [--profile <dir>] [--dry-run]
//       Throughput with wrk, measured as bench/http.ts does (every server up, wrk windows
//       alternating between them, medians of per-window ratios): `stratus up` plain, with --metrics, and with
//       OTEL_* tracing at 1 % exporting to an OTLP sink process. Targets: metrics ≥ 0.95 of off,
//       tracing ≥ 0.90. Also the server processes' CPU per request (/proc), which a loaded machine
//       still measures when req/s swings. For a quiet machine; --dry-run starts the servers, checks that each
//       answers and that the sink receives spans, and stops without running wrk.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileProject, loadConfig } from '../src/toolchain/index.js';
import { signActorModule } from '../src/claims/sign.js';
import { Host } from '../src/host/host.js';
import { createProvider } from '../src/providers/registry.js';
import type { HttpServerProvider } from '../src/providers/httpserver/provider.js';
import { loadObservability, type ObserveOptions } from '../src/observe/observability.js';
import { tracingConfigFromEnv } from '../src/observe/tracing/config.js';
import { CLI_ORIGIN } from '../src/core/wire.js';
import { encodeRawHttpRequest } from '../src/providers/httpserver/request-encoder.js';
import { freePort, measure, stopChild, waitForHttp } from './wrk.js';
import { median, numberArg } from './stats.js';

const repo = resolve(fileURLToPath(import.meta.url), '../../..');
const has = (flag: string) => process.argv.includes(flag);

/** Tracing at 1 % of root traces, the variant the 10 % target is about. */
const TRACING_ENV = (endpoint: string) => ({
  OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01',
});



// An OTLP/HTTP sink in its own process: accepts spans, counts them (GET /count), keeps nothing.
const SINK = `
import { createServer } from 'node:http';
let spans = 0;
createServer((req, res) => {
  if (req.method === 'GET') { res.end(String(spans)); return; }
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => { spans += (body.match(/"spanId"/g) ?? []).length; res.writeHead(200, { 'content-type': 'application/json' }); res.end('{}'); });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

async function startSink(): Promise<{ url: string; count(): Promise<number>; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--input-type=module', '-e', SINK], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try { await fetch(url); break; } catch { /* not yet */ }
    if (i > 100) throw new Error('the OTLP sink process did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, count: async () => Number(await (await fetch(url)).text()), stop: () => stopChild(child) };
}

let built: Uint8Array | undefined;
async function kvcounter(): Promise<Uint8Array> {
  built ??= signActorModule((await compileProject(join(repo, 'examples/kvcounter'), loadConfig(join(repo, 'examples/kvcounter')))).wasm,
    { name: 'kvcounter', caps: ['wasmcloud:httpserver', 'wasmcloud:keyvalue'] });
  return built;
}

// ------------------------------------------------------------------ --parts

async function parts(): Promise<void> {
  const { Registry, Counter, Histogram } = await import('prom-client');
  const { BasicTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler, RandomIdGenerator } = await import('@opentelemetry/sdk-trace-base');
  const { NewTrace, newSpanId, RatioRule } = await import('../src/observe/tracing/ids.js');
  const { ROOT_CONTEXT } = await import('@opentelemetry/api');
  const { CallStats } = await import('../src/observe/metrics/call-stats.js');
  const actor = `M${'A'.repeat(55)}`;
  const op = 'HttpServer.HandleRequest';
  const reg = new Registry();
  const counter = new Counter({ name: 'c_total', help: 'h', labelNames: ['actor', 'operation', 'outcome'], registers: [reg] }).labels(actor, op, 'ok');
  const histogram = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['actor', 'operation'], registers: [reg] }).labels(actor, op);
  const stats = new CallStats();
  const tracer = new BasicTracerProvider({ sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.01) }) }).getTracer('b');
  const ids = new RandomIdGenerator();
  const sdkRatio = new TraceIdRatioBasedSampler(0.01);
  const ratio = new RatioRule(0.01);
  const { HostTracer } = await import('../src/observe/tracing/host-tracer.js');
  const noExport = { export: (_s: unknown[], done: (r: { code: number }) => void) => done({ code: 0 }), shutdown: async () => {} };
  const hostTracer = new HostTracer(tracingConfigFromEnv(TRACING_ENV('http://127.0.0.1:9'))!, { exporters: [noExport] });
  hostTracer.start(`N${'A'.repeat(55)}`);
  let sink = 0;
  const N = 500_000;
  const cases: [string, (i: number) => void][] = [
    ['prom-client Counter#inc (cached labels)', () => counter.inc()],
    ['prom-client Histogram#observe (cached labels)', (i) => histogram.observe((i % 100) * 1e-5)],
    ['CallStats#invocation (count + histogram)', (i) => stats.invocation(actor, op, 'ok', (i % 100) * 1e-5)],
    ['OpenTelemetry SDK span, unsampled (1 %)', () => tracer.startSpan('x', {}, ROOT_CONTEXT).end()],
    ['new unsampled traceparent, SDK ids and ratio sampler', () => {
      const t = ids.generateTraceId();
      if (sdkRatio.shouldSample(ROOT_CONTEXT, t).decision === 0) sink += `00-${t}-${ids.generateSpanId()}-00`.length;
    }],
    ['new unsampled traceparent, observe/tracing/ids.ts', () => {
      const t = new NewTrace();
      if (!ratio.sampledWords(t)) sink += `00-${t.id}-${newSpanId()}-00`.length;
    }],
    // what the host's tracer does per HTTP request at 1 % (listener, invocation, key-value host call, their ends)
    ['request through HostTracer, 1 % sampled', () => {
      const rt = hostTracer.request('GET', '/bloggo', undefined, undefined, actor);
      const inv = { origin: CLI_ORIGIN, target: CLI_ORIGIN, operation: op, msg: new Uint8Array(0), id: '', traceContext: rt.traceContext };
      const call = hostTracer.traceInvocation(inv, actor, 'kvcounter')!;
      const kv = hostTracer.traceHostCall(call, actor, 'default', 'wasmcloud:keyvalue', 'KeyValue.Increment');
      hostTracer.ended(kv, 'ok');
      hostTracer.ended(call, 'ok');
      rt.end?.(200);
    }],
  ];
  const results = new Map<string, number[]>();
  for (let round = 0; round < 5; round++) {
    for (const [name, fn] of cases) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < N; i++) fn(i);
      const ns = Number(process.hrtime.bigint() - t0) / N;
      results.set(name, [...(results.get(name) ?? []), ns]);
    }
  }
  for (const [name, xs] of results) console.log(`  ${name.padEnd(56)} ${median(xs).toFixed(0).padStart(6)} ns`);
  if (sink === 0) console.log('  (no traceparent was made: the sampler sampled everything?)');
  await hostTracer.shutdown();
}

// ------------------------------------------------------------------ in-process (default)

// The client: a child process sending `n` GETs over `conns` keep-alive connections when asked.
const CLIENT = `
import { request, Agent } from 'node:http';
process.on('message', async ({ port, n, conns }) => {
  const agent = new Agent({ keepAlive: true, maxSockets: conns });
  let left = n, errors = 0;
  const one = () => new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/bloggo', agent }, (res) => { if (res.statusCode !== 200) errors++; res.resume(); res.on('end', resolve); });
    req.on('error', () => { errors++; resolve(); });
    req.end();
  });
  await Promise.all(Array.from({ length: conns }, async () => { while (left-- > 0) await one(); }));
  agent.destroy();
  process.send({ errors });
});
`;

interface Variant { name: string; observe: ObserveOptions }

async function observedServer(v: Variant): Promise<{ host: Host; port: number; actorId: string; dispose(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-bench-observe-'));
  const obs = await loadObservability(v.observe);
  const host = new Host({ dataDir, log: () => {}, telemetry: obs.telemetry });
  obs.attach(host);
  const http = createProvider('httpserver') as HttpServerProvider;
  const kv = createProvider('keyvalue');
  await host.startProvider(http);
  await host.startProvider(kv);
  const actor = await host.startActor(await kvcounter());
  await host.putLink({ actor_id: actor.id, provider_id: http.id, contract_id: http.contractId, link_name: 'default', values: { port: '0' } });
  await host.putLink({ actor_id: actor.id, provider_id: kv.id, contract_id: kv.contractId, link_name: 'default', values: { backend: 'memory' } });
  return {
    host, port: http.listeners()[0]!.port, actorId: actor.id,
    dispose: async () => { await host.shutdown(); rmSync(dataDir, { recursive: true, force: true }); },
  };
}

async function inProcess(): Promise<void> {
  const ROUNDS = numberArg('rounds', 8);
  const REQUESTS = numberArg('requests', 4000);
  const CALLS = numberArg('calls', 20000);
  const sink = await startSink();
  const variants: Variant[] = [
    { name: 'off', observe: {} },
    { name: 'metrics', observe: { metrics: true } },
    { name: 'tracing 1 %', observe: { tracing: tracingConfigFromEnv(TRACING_ENV(sink.url)) } },
    // what the unsampled 99 % cost alone (no span is ever made)
    { name: 'tracing 0 %', observe: { tracing: tracingConfigFromEnv({ ...TRACING_ENV(sink.url), OTEL_TRACES_SAMPLER_ARG: '0' }) } },
    // what a sampled request costs (only with --variants off,tracing100: one hundredth of it is what 1 % adds)
    { name: 'tracing 100 %', observe: { tracing: tracingConfigFromEnv({ ...TRACING_ENV(sink.url), OTEL_TRACES_SAMPLER_ARG: '1' }) } },
  ];
  // --variants off,metrics: only these (e.g. to profile one with --cpu-prof)
  const only = process.argv.includes('--variants') ? process.argv[process.argv.indexOf('--variants') + 1]!.split(',') : undefined;
  if (only) variants.splice(0, variants.length, ...variants.filter((v) => only.includes(v.name.replace(/[ %]/g, ''))));
  else variants.pop(); // tracing 100 % only when asked for
  const servers = await Promise.all(variants.map(observedServer));
  const client = spawn(process.execPath, ['--input-type=module', '-e', CLIENT], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const send = (port: number, n: number) => new Promise<{ errors: number }>((res) => {
    client.once('message', (m) => res(m as { errors: number }));
    client.send({ port, n, conns: 4 });
  });
  const payload = encodeRawHttpRequest({ method: 'GET', path: '/bloggo', queryString: '', headerNames: [], headerValues: [], body: new Uint8Array(0) });
  const cpuPerReq = variants.map(() => [] as number[]);
  const nsPerCall = variants.map(() => [] as number[]);
  try {
    for (const s of servers) await send(s.port, 500); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < variants.length; k++) {
        const i = (k + round) % variants.length; // rotate the order: no variant always runs first
        const s = servers[i]!;
        const c0 = process.cpuUsage();
        const r = await send(s.port, REQUESTS);
        const c = process.cpuUsage(c0);
        if (r.errors) throw new Error(`${variants[i]!.name}: ${r.errors} failed requests`);
        cpuPerReq[i]!.push((c.user + c.system) / REQUESTS);
        const t0 = process.hrtime.bigint();
        for (let j = 0; j < CALLS; j++) {
          const out = s.host.callNow(s.actorId, 'HttpServer.HandleRequest', payload);
          if (out instanceof Promise) await out;
        }
        nsPerCall[i]!.push(Number(process.hrtime.bigint() - t0) / CALLS);
      }
    }
  } finally {
    client.kill();
    for (const s of servers) await s.dispose();
  }
  const spans = await sink.count();
  await sink.stop();
  console.log(`${variants.length} hosts in this process, AssemblyScript kvcounter, in-memory keyvalue; ${ROUNDS} rounds of ${REQUESTS} requests (4 connections, client in a child process) and ${CALLS} in-process invocations per variant\n`);
  console.log(`  ${'variant'.padEnd(12)} ${'server CPU per HTTP request'.padEnd(30)} ${'invocation (callNow)'.padEnd(24)}`);
  for (let i = 0; i < variants.length; i++) {
    const cpu = median(cpuPerReq[i]!);
    const call = median(nsPerCall[i]!);
    const cpuRatio = i === 0 ? '' : ` (×${median(cpuPerReq[i]!.map((x, r) => x / cpuPerReq[0]![r]!)).toFixed(3)})`;
    const callRatio = i === 0 ? '' : ` (×${median(nsPerCall[i]!.map((x, r) => x / nsPerCall[0]![r]!)).toFixed(3)})`;
    console.log(`  ${variants[i]!.name.padEnd(12)} ${`${cpu.toFixed(1)} µs${cpuRatio}`.padEnd(30)} ${`${(call / 1000).toFixed(2)} µs${callRatio}`.padEnd(24)}`);
  }
  console.log(`\n  (× = median of per-round ratios against off; targets on throughput: metrics within 5 %, tracing 1 % within 10 %)`);
  console.log(`  spans received by the OTLP sink: ${spans} (about 3 per sampled request)`);
}

// ------------------------------------------------------------------ --http (wrk; for a quiet machine)

async function startStratus(module: string, extraArgs: string[], env: Record<string, string>, name: string): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const home = mkdtempSync(join(tmpdir(), 'stratus-bench-observe-'));
  const manifest = join(home, 'app.yaml');
  writeFileSync(manifest, `apiVersion: stratus.dev/v1
kind: Application
metadata: { name: bench }
spec:
  actors: [ { name: kvcounter, path: ${module} } ]
  providers: [ { name: httpserver }, { name: keyvalue } ]
  links:
    - { actor: kvcounter, provider: httpserver, values: { address: "127.0.0.1:${port}" } }
    - { actor: kvcounter, provider: keyvalue, values: { backend: memory } }
`);
  // --profile <dir>: each server writes a V8 CPU profile to <dir>/<variant>/ when it stops
  const i = process.argv.indexOf('--profile');
  const prof = i > 0 ? ['--cpu-prof', `--cpu-prof-dir=${join(resolve(process.argv[i + 1]!), name.replace(/[ %]/g, ''))}`] : [];
  const child = spawn(process.execPath, [...prof, join(repo, 'bin/stratus.js'), 'up', '--manifest', manifest, '--log-level', 'warn', ...extraArgs], {
    cwd: home, env: { ...process.env, STRATUS_HOME: home, ...env }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/bloggo`;
  const stop = async () => { await stopChild(child); rmSync(home, { recursive: true, force: true }); };
  try {
    await waitForHttp(url, child, `stratus up ${extraArgs.join(' ')}`);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, pid: child.pid!, stop };
}

async function overHttp(): Promise<void> {
  const DURATION = numberArg('duration', 3);
  const CONNECTIONS = numberArg('connections', 32);
  const STARTS = numberArg('starts', 2);
  const ROUNDS = numberArg('rounds', 4);
  const dry = has('--dry-run');
  const dir = mkdtempSync(join(tmpdir(), 'stratus-bench-observe-build-'));
  const module = join(dir, 'kvcounter_s.wasm');
  writeFileSync(module, await kvcounter());
  const sink = await startSink();
  const metricsPort = await freePort();
  const names = ['off', 'metrics', 'tracing 1 %'];
  const ratios: number[][] = [[], []];
  // the server's CPU per request (all its threads, from /proc): what a loaded machine still measures when req/s swings
  const cpuRatios: number[][] = [[], []];
  const cpu: number[][] = [[], [], [], []];
  // --tracing0: a fourth server tracing at 0 % (the unsampled path alone, nothing exported), to tell the two costs apart
  const zero = has('--tracing0');
  const best = [0, 0, 0];
  try {
    for (let start = 0; start < STARTS; start++) {
      const servers = [
        await startStratus(module, [], {}, 'off'),
        await startStratus(module, ['--metrics', `127.0.0.1:${metricsPort}`], {}, 'metrics'),
        await startStratus(module, [], TRACING_ENV(sink.url), 'tracing1'),
        ...(zero ? [await startStratus(module, [], { ...TRACING_ENV(sink.url), OTEL_TRACES_SAMPLER_ARG: '0' }, 'tracing0')] : []),
      ];
      try {
        if (dry) {
          // 1000 requests to the traced server: the chance that none of them is sampled at 1 % is 4e-5
          for (const [i, s] of servers.entries()) for (let n = 0; n < (i === 2 ? 1000 : 200); n++) await (await fetch(s.url)).text();
          const m = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
          if (!m.includes('stratus_invocations_total')) throw new Error('the --metrics server has no stratus_invocations_total');
          const until = Date.now() + 15_000; // the batch span processor exports every 5 s
          while ((await sink.count()) === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
          const spans = await sink.count();
          if (spans === 0) throw new Error('the traced server exported no spans to the OTLP sink');
          console.log(`dry run: the three servers answer; /metrics is served; the traced server exported ${spans} span(s) for 1000 requests`);
          return;
        }
        const o = { threads: 1, connections: CONNECTIONS, duration: DURATION };
        for (const s of servers) measure(s.url, s.pid, { ...o, duration: 2 });
        for (let round = 0; round < ROUNDS; round++) {
          const r = servers.map((s) => measure(s.url, s.pid, o));
          r.forEach((x, i) => { if (x.errors) console.log(`  ${names[i]}: ${x.errors} non-2xx responses`); best[i] = Math.max(best[i]!, x.rps); cpu[i]!.push(x.cpuUsPerReq!); });
          ratios[0]!.push(r[1]!.rps / r[0]!.rps);
          ratios[1]!.push(r[2]!.rps / r[0]!.rps);
          cpuRatios[0]!.push(r[1]!.cpuUsPerReq! / r[0]!.cpuUsPerReq!);
          cpuRatios[1]!.push(r[2]!.cpuUsPerReq! / r[0]!.cpuUsPerReq!);
          console.log(`  start ${start + 1} window ${round + 1}: off ${r[0]!.rps.toFixed(0)}, metrics ${r[1]!.rps.toFixed(0)}, tracing ${r[2]!.rps.toFixed(0)} req/s; `
            + `server CPU per request ${r.map((x) => x.cpuUsPerReq!.toFixed(1)).join(' / ')} µs${zero ? ` (last: tracing 0 % at ${r[3]!.rps.toFixed(0)} req/s)` : ''}`);
        }
      } finally {
        for (const s of servers) await s.stop();
      }
    }
  } finally {
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nwrk -t1 -c${CONNECTIONS}, ${STARTS} starts × ${ROUNDS} windows of ${DURATION} s per server; best req/s: off ${best[0]!.toFixed(0)}, metrics ${best[1]!.toFixed(0)}, tracing ${best[2]!.toFixed(0)}`);
  const m = median(ratios[0]!);
  const t = median(ratios[1]!);
  console.log(`  metrics on, tracing off / everything off: ${m.toFixed(3)} (target ≥ 0.95: ${m >= 0.95 ? 'met' : 'NOT met'})`);
  console.log(`  tracing at 1 % / everything off:          ${t.toFixed(3)} (target ≥ 0.90: ${t >= 0.9 ? 'met' : 'NOT met'})`);
  const cm = median(cpuRatios[0]!), ct = median(cpuRatios[1]!);
  console.log(`server CPU per request (median µs: off ${median(cpu[0]!).toFixed(1)}, metrics ${median(cpu[1]!).toFixed(1)}, tracing ${median(cpu[2]!).toFixed(1)}), as throughput would be on a machine with the cores to spare:`);
  console.log(`  metrics on, tracing off / everything off: ${(1 / cm).toFixed(3)} (CPU ×${cm.toFixed(3)})`);
  console.log(`  tracing at 1 % / everything off:          ${(1 / ct).toFixed(3)} (CPU ×${ct.toFixed(3)})`);
  if (zero) {
    const cz = median(cpu[3]!.map((x, i) => x / cpu[0]![i]!));
    console.log(`  tracing at 0 % / everything off:          ${(1 / cz).toFixed(3)} (CPU ×${cz.toFixed(3)}; the unsampled path alone)`);
  }
}

if (has('--parts')) await parts();
else if (has('--http')) await overHttp();
else await inProcess();
