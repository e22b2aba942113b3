// Megabyte payloads (issue 17 §2): POST bodies of 1 KiB–4 MiB through the AssemblyScript echo
// example on `stratus up` versus a minimal wasmbus host (a ~60-line Node HTTP server that
// instantiates the same .wasm, unsigned bytes, no fuel, no memory cap, no worker lane), built by
// this bench. Same run, alternating wrk windows per size; prints req/s, CPU per request (whole
// process, all threads) and the ratio per size, medians over rounds.
//   node dist/bench/payload.js [--duration 2] [--rounds 2] [--connections 4] [--sizes 1k,16k,256k,1m,4m] [--cpu-prof]
// --cpu-prof: both servers (and Stratus's actor worker threads) write V8 CPU profiles to
// bench-profiles/ (summarize one with scripts/profile-top.mjs).
// The last row repeats the smallest size after the large ones: an actor moved to worker threads by
// a large request must be back at full speed for small ones (lane-policy.ts).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileProject, loadConfig } from '../src/toolchain/index.js';
import { signActorModule } from '../src/claims/sign.js';
import { cpuMicros, freePort, parseWrk, stopChild, waitForHttp, type WrkResult } from './wrk.js';
import { median } from './stats.js';

const repo = resolve(fileURLToPath(import.meta.url), '../../..');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const DURATION = Number(arg('duration', '2'));
const ROUNDS = Number(arg('rounds', '2'));
const CONNECTIONS = Number(arg('connections', '4'));
const PROFILE = process.argv.includes('--cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=${join(repo, 'bench-profiles')}`] : [];
const SIZES = arg('sizes', '1k,16k,256k,1m,4m').split(',').map((s) => {
  const m = /^(\d+)([km]?)$/i.exec(s.trim());
  if (!m) throw new Error(`--sizes: '${s}' is not a size like 16k or 1m`);
  return Number(m[1]) * (m[2]?.toLowerCase() === 'm' ? 1 << 20 : m[2]?.toLowerCase() === 'k' ? 1 << 10 : 1);
});

// The baseline host: what any wasmbus host must do (copy the request in, the response out,
// msgpack both ways), nothing else.
const MINIMAL_HOST = `
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { pack, unpack } from 'msgpackr';
const mod = new WebAssembly.Module(readFileSync(process.env.WASM));
const OP = Buffer.from('HttpServer.HandleRequest');
function instance() {
  let inst, payload, response, error;
  const mem = () => new Uint8Array(inst.exports.memory.buffer);
  const wasmbus = {
    __guest_request(op, p) { mem().set(OP, op); mem().set(payload, p); },
    __guest_response(p, n) { response = mem().slice(p, p + n); },
    __guest_error(p, n) { error = Buffer.from(mem().slice(p, p + n)).toString(); },
    __host_call() { return 0; }, __host_response() {}, __host_response_len() { return 0; },
    __host_error() {}, __host_error_len() { return 0; }, __console_log() {},
  };
  inst = new WebAssembly.Instance(mod, { wasmbus });
  inst.exports.__wasmbus_rpc_version?.();
  return (req) => {
    payload = pack(req); response = undefined; error = undefined;
    const ok = inst.exports.__guest_call(OP.length, payload.length);
    if (!ok) throw new Error(error);
    return unpack(response);
  };
}
const call = instance();
createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const [path, query = ''] = (req.url ?? '/').split('?');
    let out;
    try {
      out = call({ method: req.method, path, queryString: query, header: {}, body: Buffer.concat(chunks) });
    } catch (e) {
      res.writeHead(500); res.end(String(e)); return;
    }
    const headers = {};
    for (const [k, v] of Object.entries(out.header ?? {})) headers[k] = v;
    headers['content-length'] = out.body.length;
    res.writeHead(out.statusCode, headers);
    res.end(out.body);
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0)); // a clean exit, so --cpu-prof writes its profile
`;

interface Server { url: string; pid: number; stop(): Promise<void> }
// Deadlines are raised to 60 s on the Stratus side (the minimal host has none): on a loaded
// machine a 4 MiB request can wait past the 2 s default, and this bench measures cost, not deadlines.

const work = mkdtempSync(join(tmpdir(), 'stratus-bench-payload-'));

async function echoModule(): Promise<{ unsigned: string; signed: string }> {
  const dir = join(repo, 'examples/echo');
  const wasm = (await compileProject(dir, loadConfig(dir))).wasm;
  const unsigned = join(work, 'echo.wasm');
  const signed = join(work, 'echo_s.wasm');
  writeFileSync(unsigned, wasm);
  writeFileSync(signed, signActorModule(wasm, { name: 'echo', caps: ['wasmcloud:httpserver'] }));
  return { unsigned, signed };
}

async function startMinimal(wasm: string): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [...PROFILE, '--input-type=module', '-e', MINIMAL_HOST], {
    cwd: repo, env: { ...process.env, PORT: String(port), WASM: wasm }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/echo`;
  await waitForHttp(url, child, 'minimal wasmbus host').catch(async (e) => { await stopChild(child); throw e; });
  return { url, pid: child.pid!, stop: () => stopChild(child) };
}

async function startStratus(wasm: string): Promise<Server> {
  const port = await freePort();
  const home = mkdtempSync(join(work, 'home-'));
  const manifest = join(home, 'app.yaml');
  writeFileSync(manifest, `apiVersion: stratus.dev/v1
kind: Application
metadata: { name: payload }
spec:
  actors: [ { name: echo, path: ${wasm} } ]
  providers: [ { name: httpserver } ]
  links:
    - { actor: echo, provider: httpserver, values: { address: "127.0.0.1:${port}", timeout_ms: "60000" } }
`);
  const child = spawn(process.execPath, [...PROFILE, join(repo, 'bin/stratus.js'), 'up', '--manifest', manifest, '--log-level', 'warn', '--rpc-timeout', '60000'], {
    cwd: home, env: { ...process.env, STRATUS_HOME: home }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/echo`;
  await waitForHttp(url, child, 'stratus up').catch(async (e) => { await stopChild(child); throw e; });
  return { url, pid: child.pid!, stop: () => stopChild(child) };
}

/** A wrk script that POSTs the file's bytes. */
function postScript(size: number): string {
  const body = join(work, `body-${size}.bin`);
  writeFileSync(body, randomBytes(size));
  const script = join(work, `post-${size}.lua`);
  writeFileSync(script, `wrk.method = "POST"\nlocal f = io.open("${body}", "rb")\nwrk.body = f:read("*a")\nf:close()\nwrk.headers["Content-Type"] = "application/octet-stream"\n`);
  return script;
}

function post(url: string, pid: number, script: string, seconds: number): WrkResult {
  const before = cpuMicros(pid);
  const r = spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '30s', '--latency', '-s', script, url], { encoding: 'utf8' });
  if (r.error) throw new Error(`wrk could not run (${r.error.message}); install it with \`apt-get install wrk\``);
  const w = parseWrk(r.stdout);
  const requests = w.requests ?? w.rps * seconds;
  return { ...w, cpuUsPerReq: (cpuMicros(pid) - before) / Math.max(1, requests) };
}

const human = (n: number) => n >= 1 << 20 ? `${n / (1 << 20)} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} B`;

const { unsigned, signed } = await echoModule();
const minimal = await startMinimal(unsigned);
const stratus = await startStratus(signed).catch(async (e) => { await minimal.stop(); throw e; });
console.log(`wrk -t1 -c${CONNECTIONS}, POST of random bytes to the echo example (JSON answer ~3.6× the body): ${ROUNDS} alternating ${DURATION} s windows per size, medians; CPU = server process, all threads\n`);
console.log('body       stratus req/s  cpu/req   errors | minimal req/s  cpu/req   errors | ratio req/s  cpu minimal/stratus');
try {
  for (const size of [...SIZES, SIZES[0]!]) {
    const script = postScript(size);
    post(minimal.url, minimal.pid, script, 1);
    post(stratus.url, stratus.pid, script, 1);
    const s: WrkResult[] = [], m: WrkResult[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      m.push(post(minimal.url, minimal.pid, script, DURATION));
      s.push(post(stratus.url, stratus.pid, script, DURATION));
    }
    const rps = (xs: WrkResult[]) => median(xs.map((x) => x.rps));
    const cpu = (xs: WrkResult[]) => median(xs.map((x) => x.cpuUsPerReq ?? NaN));
    const errs = (xs: WrkResult[]) => xs.reduce((a, x) => a + x.errors, 0);
    const ratio = median(s.map((x, i) => x.rps / m[i]!.rps));
    const cpuRatio = median(s.map((x, i) => (m[i]!.cpuUsPerReq ?? NaN) / (x.cpuUsPerReq ?? NaN)));
    const fmtCpu = (us: number) => us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(0)} us`;
    console.log(`${human(size).padEnd(10)} ${rps(s).toFixed(0).padStart(13)}  ${fmtCpu(cpu(s)).padStart(8)} ${String(errs(s)).padStart(8)} | ${rps(m).toFixed(0).padStart(13)}  ${fmtCpu(cpu(m)).padStart(8)} ${String(errs(m)).padStart(8)} | ${ratio.toFixed(2).padStart(11)}  ${cpuRatio.toFixed(2)}`);
  }
} finally {
  await stratus.stop();
  await minimal.stop();
  rmSync(work, { recursive: true, force: true });
}
