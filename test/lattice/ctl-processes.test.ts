// tier: full — starts nats-server, host processes and CLI processes
// End to end across processes: two hosts in their own processes on one nats-server, driven by
// `stratus ctl` processes; a stop command ends a host process in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STRATUS_BIN } from '../e2e/support.js';
import { echoActorFile, startNats, until, type RunningServer } from './ctl-support.js';

const MEMBER = join(fileURLToPath(import.meta.url), '..', 'ctl-member-process.js');
let nats: RunningServer;
let dir: string;
const procs: ChildProcess[] = [];

interface HostProc { id: string; child: ChildProcess; exited: Promise<number | null> }

async function hostProcess(...labels: string[]): Promise<HostProc> {
  const child = spawn(process.execPath, [MEMBER, nats.url, ...labels], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d; });
  child.stderr!.on('data', (d: Buffer) => { out += d; });
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  await until(() => /ready N[A-Z2-7]{55}/.test(out) || child.exitCode !== null, 'host process ready', 60_000);
  const id = /ready (N[A-Z2-7]{55})/.exec(out)?.[1];
  if (!id) throw new Error(`host process failed:\n${out}`);
  return { id, child, exited };
}

function stratus(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [STRATUS_BIN, ...args, '--ctl-port', String(nats.port)], { env: { ...process.env, STRATUS_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    child.on('exit', (code) => res({ code, stdout, stderr }));
  });
}

before(async () => {
  nats = await startNats();
  dir = mkdtempSync(join(tmpdir(), 'st-lctl-proc-'));
});

after(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  await nats.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('two host processes: get hosts lists both, an actor starts by auction on the matching one, stop host ends a process', async () => {
  const [east, west] = await Promise.all([hostProcess('zone=east'), hostProcess('zone=west')]);
  const hosts = await stratus(['ctl', 'get', 'hosts', '-o', 'json']);
  assert.equal(hosts.code, 0, hosts.stderr);
  assert.deepEqual(JSON.parse(hosts.stdout).hosts.map((h: any) => h.id).sort(), [east.id, west.id].sort());

  const { path, id } = await echoActorFile(dir, 'procecho');
  const started = await stratus(['ctl', 'start', 'actor', path, '-c', 'zone=west', '-o', 'json']);
  assert.equal(started.code, 0, started.stderr);
  assert.equal(JSON.parse(started.stdout).host_id, west.id);
  const inv = await stratus(['ctl', 'get', 'inventory', west.id, '-o', 'json']);
  assert.deepEqual(JSON.parse(inv.stdout).actors.map((a: any) => a.id), [id]);

  const stop = await stratus(['ctl', 'stop', 'host', west.id]);
  assert.equal(stop.code, 0, stop.stderr);
  assert.equal(await west.exited, 0);
  const left = await stratus(['ctl', 'get', 'hosts', '-o', 'json']);
  assert.deepEqual(JSON.parse(left.stdout).hosts.map((h: any) => h.id), [east.id]);
  east.child.kill('SIGTERM');
  assert.equal(await east.exited, 0);
});
