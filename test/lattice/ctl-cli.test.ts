// tier: full — starts nats-server and CLI processes
// `stratus ctl` in lattice mode as a user runs it: real `node bin/stratus.js` processes with wash's
// flags against two hosts joined to a real nats-server (the hosts run in this test process).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STRATUS_BIN } from '../e2e/support.js';
import { builtinProvider } from '../../src/providers/registry.js';
import { echoActorFile, freePort, startMember, startNats, until, type Member, type RunningServer } from './ctl-support.js';

let nats: RunningServer;
let a: Member, b: Member;
let dir: string;
const HTTP = builtinProvider('httpserver')!;

before(async () => {
  nats = await startNats();
  a = await startMember(nats.url, { labels: { zone: 'east' } });
  b = await startMember(nats.url, { labels: { zone: 'west' } });
  dir = mkdtempSync(join(tmpdir(), 'st-lctl-cli-'));
});

after(async () => {
  await a.stop();
  await b.stop();
  await nats.dispose();
  rmSync(dir, { recursive: true, force: true });
});

interface Run { code: number | null; stdout: string; stderr: string }

/** `stratus <args>` with a private STRATUS_HOME (no local host there) and no lattice variables unless given. */
function stratus(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WASMCLOUD_') && !k.startsWith('WASH_')));
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [STRATUS_BIN, ...args], { env: { ...clean, STRATUS_HOME: dir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    const t = setTimeout(() => { child.kill('SIGKILL'); rej(new Error(`stratus ${args.join(' ')} did not finish\n${stdout}\n${stderr}`)); }, timeoutMs);
    child.on('exit', (code) => { clearTimeout(t); res({ code, stdout, stderr }); });
  });
}

const port = () => String(nats.port);
const json = (r: Run) => {
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
};

test('ctl get hosts lists every host of the lattice (flags, or wash\'s environment variables)', async () => {
  const r = await stratus(['ctl', 'get', 'hosts', '--ctl-port', port(), '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const ids = json(r).hosts.map((h: any) => h.id).sort();
  assert.deepEqual(ids, [a.host.id, b.host.id].sort());
  assert.deepEqual(json(r).hosts.find((h: any) => h.id === a.host.id).labels, a.ctx.config.labels);

  const text = await stratus(['ctl', 'get', 'hosts'], { WASMCLOUD_CTL_HOST: '127.0.0.1', WASMCLOUD_CTL_PORT: port() });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^Host ID\s+Friendly name\s+Uptime\s+Labels/);
  assert.ok(text.stdout.includes(a.host.id) && text.stdout.includes(b.host.id), text.stdout);
  assert.match(text.stdout, /zone=east/);

  // another lattice prefix has no hosts
  const other = await stratus(['ctl', 'get', 'hosts', '--ctl-port', port(), '-x', 'elsewhere', '-o', 'json']);
  assert.equal(other.code, 0);
  assert.deepEqual(json(other), { hosts: [] });
  // no NATS there: exit 1 and what to check
  const down = await stratus(['ctl', 'get', 'hosts', '--ctl-port', String(await freePort())]);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /cannot reach the lattice's NATS server at nats:\/\/127\.0\.0\.1:\d+/);
  // a bad flag value is a usage error
  const bad = await stratus(['ctl', 'get', 'hosts', '--ctl-port', 'eighty']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--ctl-port must be a whole number/);
});

test('ctl watch -o json prints the events another command causes', async () => {
  const watch: ChildProcess = spawn(process.execPath, [STRATUS_BIN, 'ctl', 'watch', '--ctl-port', port(), '-o', 'json'], { env: { ...process.env, STRATUS_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  watch.stdout!.on('data', (d: Buffer) => { out += d; });
  watch.stderr!.on('data', (d: Buffer) => { err += d; });
  const exited = new Promise<number | null>((r) => watch.once('exit', (c) => r(c)));
  try {
    await until(() => /watching events of lattice "default"/.test(err), 'watch to subscribe');
    const started = await stratus(['ctl', 'start', 'provider', 'httpserver', '--host-id', b.host.id, '--ctl-port', port(), '-o', 'json']);
    assert.equal(started.code, 0, started.stderr);
    assert.deepEqual(json(started), { id: HTTP.id, name: 'httpserver', contractId: 'wasmcloud:httpserver', linkName: 'default', host_id: b.host.id });
    await until(() => out.split('\n').some((l) => l.includes('"com.wasmcloud.lattice.provider_started"')), 'the event in watch');
    const line = out.split('\n').find((l) => l.includes('"com.wasmcloud.lattice.provider_started"'))!;
    const e = JSON.parse(line);
    assert.equal(e.source, b.host.id);
    assert.equal(e.data.public_key, HTTP.id);
    assert.equal(e.specversion, '1.0');
    for (const l of out.trim().split('\n')) JSON.parse(l); // one event per line, each JSON

    // starting it there again is refused by the host: the CLI exits as it would locally (2)
    const again = await stratus(['ctl', 'start', 'provider', 'httpserver', '--host-id', b.host.id, '--ctl-port', port()]);
    assert.equal(again.code, 2, again.stderr);
    assert.match(again.stderr, /already running on this host/);
  } finally {
    watch.kill('SIGINT');
  }
  assert.equal(await exited, 0);
});

test('start actor by auction with constraints, inventory, claims, links, scale, stop; no bidder', async () => {
  const { path, id } = await echoActorFile(dir, 'cliecho');
  const started = await stratus(['ctl', 'start', 'actor', path, '-c', 'zone=east', '--ctl-port', port(), '-o', 'json']);
  assert.equal(started.code, 0, started.stderr);
  assert.deepEqual(json(started), { id, name: 'cliecho', host_id: a.host.id, actor_ref: `file://${path}`, count: 1 });

  const inv = await stratus(['ctl', 'get', 'inventory', a.host.id, '--ctl-port', port(), '-o', 'json']);
  assert.equal(inv.code, 0, inv.stderr);
  assert.equal(json(inv).actors[0].id, id);
  const invText = await stratus(['ctl', 'get', 'inventory', a.host.id, '--ctl-port', port()]);
  assert.match(invText.stdout, new RegExp(`Host inventory \\(${a.host.id}\\)[\\s\\S]*${id}\\s+cliecho\\s+1`));
  const which = await stratus(['ctl', 'get', 'inventory', '--ctl-port', port()]);
  assert.equal(which.code, 2);
  assert.match(which.stderr, /has 2 hosts; name the one you mean/);

  const scaled = await stratus(['ctl', 'scale', 'actor', id, '3', '--ctl-port', port(), '-o', 'json']);
  assert.equal(scaled.code, 0, scaled.stderr);
  await until(() => a.host.inventory().actors.find((x) => x.id === id)?.count === 3, 'scaled to 3');

  const put = await stratus(['ctl', 'link', 'put', id, HTTP.id, 'wasmcloud:httpserver', 'port=0', '--ctl-port', port(), '-x', 'default']);
  assert.equal(put.code, 0, put.stderr);
  assert.match(put.stdout, /published link/);

  // wash's order works too: stop actor <host-id> <actor-id>
  const stopped = await stratus(['ctl', 'stop', 'actor', a.host.id, id, '--ctl-port', port(), '-o', 'json']);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.deepEqual(json(stopped), { accepted: true, error: '' });
  assert.ok(!a.host.inventory().actors.some((x) => x.id === id));
  const gone = await stratus(['ctl', 'stop', 'actor', id, '--ctl-port', port()]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /is not running on any host of lattice "default"/);

  const none = await stratus(['ctl', 'start', 'actor', path, '-c', 'zone=north', '--ctl-port', port(), '--auction-timeout-ms', '500']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no host of lattice "default" bid for actor file:\/\/.* with constraints zone=north/);

  // a module the host refuses: the failure event's error, with its exit code (3: input rejected)
  const unsigned = join(dir, 'plain.wasm');
  (await import('node:fs')).writeFileSync(unsigned, await (await import('../support/wat.js')).fixture('echo'));
  const refused = await stratus(['ctl', 'start', 'actor', unsigned, '--host-id', a.host.id, '--ctl-port', port()]);
  assert.equal(refused.code, 3, refused.stderr);
  assert.match(refused.stderr, /claims/);
});

test('ctl stop host stops one host; update and watch need a lattice', async () => {
  const c = await startMember(nats.url, { labels: { zone: 'south' } });
  const r = await stratus(['ctl', 'stop', 'host', c.host.id, '--ctl-port', port()]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /acknowledged the stop request/);
  await c.stopped;
  const local = await stratus(['ctl', 'watch']);
  assert.equal(local.code, 2);
  assert.match(local.stderr, /watch needs a lattice/);
});
