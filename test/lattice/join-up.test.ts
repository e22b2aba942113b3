// tier: full — starts nats-server and host processes (stratus up)
// `stratus up` joining a lattice as a user runs it, in real processes:
// - with --lattice-prefix and no NATS where the default points, it starts a local nats-server and
//   stops it on exit (the default is moved with STRATUS_DEFAULT_NATS: this machine runs its own
//   server on 4222); without nats-server on PATH it says how to install one;
// - two hosts on one NATS share links: a link put through host A's control socket serves HTTP on
//   host B, and B restarted gets it back from the bucket;
// - seeds never appear in output, logs, or a detached host's command line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { cli, freePort, get, startHostProcess, STRATUS_BIN, tempHome, type CliResult } from '../e2e/support.js';
import { startNats, type RunningServer } from '../support/servers.js';
import { signedC } from '../support/fixtures.js';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { answers } from '../../src/lattice/local-nats.js';

let nats: RunningServer;
before(async () => { nats = await startNats(); });
after(async () => { await nats?.dispose(); });

const json = (r: CliResult) => {
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
};

async function untilTrue(pred: () => Promise<boolean>, what: string, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('stratus up --lattice-prefix with no NATS at the default address starts a local nats-server -js (data under STRATUS_HOME) and stops it on exit', async () => {
  const home = tempHome('lup');
  const port = await freePort();
  process.env.STRATUS_DEFAULT_NATS = `127.0.0.1:${port}`;
  try {
    assert.equal(await answers('127.0.0.1', port), false, 'nothing there before');
    const h = await startHostProcess(home.dir, ['--lattice-prefix', 'local-e2e']);
    assert.match(h.output(), new RegExp(`started nats-server -js on 127\\.0\\.0\\.1:${port} \\(data in ${home.dir.replace(/[.]/g, '\\.')}/nats`));
    assert.equal(h.view.lattice_prefix, 'local-e2e');
    // it is a JetStream server, and the host made its bucket there
    const nc = await natsConnect({ servers: `nats://127.0.0.1:${port}` });
    const info = await (await jetstreamManager(nc)).streams.info('KV_LATTICEDATA_local-e2e');
    assert.equal(info.config.deny_delete, true);
    await nc.close();
    assert.equal(await h.stop(), 0, h.output());
    assert.equal(await answers('127.0.0.1', port), false, 'the local nats-server stopped with the host');
    assert.match(readFileSync(join(home.dir, 'nats.log'), 'utf8'), /Server is ready/);
  } finally {
    delete process.env.STRATUS_DEFAULT_NATS;
    home.cleanup();
  }
});

test('without nats-server on PATH and nothing listening, stratus up says how to install NATS or where to point, and exits 1', async () => {
  const home = tempHome('lnone');
  const port = await freePort();
  try {
    const r = await new Promise<CliResult>((resolve) => {
      const child = spawn(process.execPath, [STRATUS_BIN, 'up', '-x', 'nowhere'], {
        env: { ...process.env, STRATUS_HOME: home.dir, STRATUS_DEFAULT_NATS: `127.0.0.1:${port}`, PATH: dirname(process.execPath) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '', stderr = '';
      child.stdout.on('data', (b: Buffer) => { stdout += b; });
      child.stderr.on('data', (b: Buffer) => { stderr += b; });
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`no NATS server answers on 127\\.0\\.0\\.1:${port}, and nats-server is not installed`));
    assert.match(r.stderr, /install nats-server .*or point at a running server with --nats-host\/--nats-port/);
  } finally {
    home.cleanup();
  }
});

test('a bad lattice setting is refused before anything starts (exit 2), without repeating a secret', async () => {
  const home = tempHome('lbad');
  const seed = createKeyPair('server').seed;
  try {
    const r = await cli(home.dir, ['up', '--nats-port', String(nats.port), '--cluster-seed', seed]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--cluster-seed is not a valid cluster seed/);
    assert.ok(!r.stderr.includes(seed) && !r.stdout.includes(seed));
    const d = await cli(home.dir, ['up', '--detached', '-x', 'a.b']);
    assert.equal(d.code, 2);
    assert.match(d.stderr, /--lattice-prefix "a\.b" is not a valid lattice prefix/);
  } finally {
    home.cleanup();
  }
});

test('two host processes on one NATS: a link put on host A serves HTTP on host B; B restarted gets it back; no seed is ever printed', async () => {
  const homeA = tempHome('la'), homeB = tempHome('lb');
  const cluster = createKeyPair('cluster').seed;
  const hostSeedB = createKeyPair('server').seed;
  const prefix = `e2e-${process.pid}`;
  const common = ['--nats-port', String(nats.port), '-x', prefix];
  const hosts: { stop(): Promise<number | null>; output(): string }[] = [];
  try {
    // A in the background with the cluster seed as a flag: it must not reach the child's command line
    const upA = await cli(homeA.dir, ['up', '--detached', ...common, '--cluster-seed', cluster, '-o', 'json']);
    assert.equal(upA.code, 0, upA.stderr);
    const pidA = json(upA).pid as number;
    assert.ok(!readFileSync(`/proc/${pidA}/cmdline`, 'utf8').includes(cluster), 'the seed is passed in the environment, not argv');

    process.env.WASMCLOUD_HOST_SEED = hostSeedB;
    process.env.WASMCLOUD_CLUSTER_SEED = cluster;
    const b = await startHostProcess(homeB.dir, common);
    hosts.push(b);
    delete process.env.WASMCLOUD_HOST_SEED;
    delete process.env.WASMCLOUD_CLUSTER_SEED;
    const runB = (...args: string[]) => cli(homeB.dir, args);
    const runA = (...args: string[]) => cli(homeA.dir, args);

    const http = json(await runB('ctl', 'start', 'provider', 'httpserver', '-o', 'json'));
    const kv = json(await runB('ctl', 'start', 'provider', 'keyvalue', '-o', 'json'));
    const file = join(homeB.dir, 'kvcounter_s.wasm');
    writeFileSync(file, await signedC('kvcounter', { caps: ['wasmcloud:keyvalue', 'wasmcloud:httpserver'] }));
    const actor = json(await runB('ctl', 'start', 'actor', file, '-o', 'json'));
    const port = await freePort();

    // the links are put on A, where neither the actor nor the providers run
    const p1 = await runA('ctl', 'link', 'put', actor.id, kv.id, 'wasmcloud:keyvalue', 'backend=memory');
    assert.equal(p1.code, 0, p1.stderr);
    const p2 = await runA('ctl', 'link', 'put', actor.id, http.id, 'wasmcloud:httpserver', `port=${port}`);
    assert.equal(p2.code, 0, p2.stderr);
    await untilTrue(async () => (await get(`http://127.0.0.1:${port}/e2e`).catch(() => ({ status: 0, body: '' }))).status === 200, 'B to serve HTTP');
    assert.equal((await get(`http://127.0.0.1:${port}/e2e`)).body, '{"counter":2}');
    const onB = json(await runB('ctl', 'link', 'query', '-o', 'json'));
    assert.equal(onB.links.length, 2);

    // B restarted: providers and actor come back from its state, the links from the bucket
    assert.equal(await b.stop(), 0, b.output());
    hosts.pop();
    process.env.WASMCLOUD_HOST_SEED = hostSeedB;
    const b2 = await startHostProcess(homeB.dir, common);
    hosts.push(b2);
    delete process.env.WASMCLOUD_HOST_SEED;
    await untilTrue(async () => (await get(`http://127.0.0.1:${port}/e2e`).catch(() => ({ status: 0, body: '' }))).status === 200, 'B to serve HTTP again');
    assert.equal(json(await runB('ctl', 'link', 'query', '-o', 'json')).links.length, 2);

    const hostsView = await runA('ctl', 'get', 'hosts', '-o', 'json');
    const everything = [b.output(), b2.output(), hostsView.stdout, readFileSync(join(homeA.dir, 'host.log'), 'utf8'), upA.stdout, upA.stderr].join('\n');
    for (const secret of [cluster, hostSeedB]) assert.ok(!everything.includes(secret), 'no seed in any output or log');
    assert.match(everything, new RegExp(`joined lattice ${prefix}`));
  } finally {
    delete process.env.WASMCLOUD_HOST_SEED;
    delete process.env.WASMCLOUD_CLUSTER_SEED;
    for (const h of hosts) await h.stop();
    await cli(homeA.dir, ['down']);
    homeA.cleanup();
    homeB.cleanup();
  }
});
