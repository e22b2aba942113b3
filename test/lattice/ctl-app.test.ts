// tier: full — starts nats-server and CLI processes
// `stratus app deploy` in lattice mode: a manifest's actors and providers placed by label
// constraints through auctions, links put through the control interface.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STRATUS_BIN } from '../e2e/support.js';
import { builtinProvider } from '../../src/providers/registry.js';
import { echoActorFile, startMember, startNats, type Member, type RunningServer } from './ctl-support.js';

let nats: RunningServer;
let east: Member, west: Member;
let dir: string;
const HTTP = builtinProvider('httpserver')!;
const KV = builtinProvider('keyvalue')!;

before(async () => {
  nats = await startNats();
  east = await startMember(nats.url, { labels: { zone: 'east' } });
  west = await startMember(nats.url, { labels: { zone: 'west' } });
  dir = mkdtempSync(join(tmpdir(), 'st-lctl-app-'));
});

after(async () => {
  await east.stop();
  await west.stop();
  await nats.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function deploy(manifest: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [STRATUS_BIN, 'app', 'deploy', manifest, '--ctl-port', String(nats.port), '-o', 'json'],
      { env: { ...process.env, STRATUS_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    child.on('exit', (code) => res({ code, stdout, stderr }));
  });
}

function manifest(name: string, actorPath: string, actorZone: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `apiVersion: stratus.dev/v1
kind: Application
metadata:
  name: ${name}
spec:
  actors:
    - name: echo
      path: ${actorPath}
      count: 2
      constraints:
        zone: ${actorZone}
  providers:
    - name: httpserver
      constraints:
        zone: west
    - name: keyvalue
      constraints:
        zone: east
  links:
    - actor: echo
      provider: keyvalue
      values:
        backend: memory
`);
  return file;
}

test('app deploy places each part on a host whose labels match, and puts the links', async () => {
  const { path, id } = await echoActorFile(dir, 'appecho', { caps: ['wasmcloud:keyvalue', 'wasmcloud:httpserver'] });
  const r = await deploy(manifest('spread', path, 'east'));
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out, {
    name: 'spread',
    actors: [{ name: 'echo', id, host_id: east.host.id, count: 2 }],
    providers: [
      { name: 'httpserver', id: HTTP.id, link_name: 'default', host_id: west.host.id },
      { name: 'keyvalue', id: KV.id, link_name: 'default', host_id: east.host.id },
    ],
    links: [{ actor_id: id, provider_id: KV.id, contract_id: 'wasmcloud:keyvalue', link_name: 'default' }],
  });
  assert.equal(east.host.inventory().actors.find((a) => a.id === id)?.count, 2);
  assert.deepEqual(west.host.inventory().providers.map((p) => p.name), ['httpserver']);
  assert.deepEqual(east.host.inventory().providers.map((p) => p.name), ['keyvalue']);
  // the link was stored by whichever host the queue group picked (no shared bucket in this test)
  const stored = [...east.host.links(), ...west.host.links()].filter((l) => l.actor_id === id);
  assert.equal(stored.length, 1);
  assert.deepEqual(stored[0]!.values, { backend: 'memory' });

  // deploying again reuses what runs: nothing new starts
  const again = await deploy(manifest('spread', path, 'east'));
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout).actors, out.actors);
  assert.equal(east.host.inventory().actors.length, 1);
  assert.equal(west.host.inventory().actors.length, 0);
});

test('app deploy with constraints no host meets fails with exit 1 and names them', async () => {
  const { path } = await echoActorFile(dir, 'nowhere');
  const r = await deploy(manifest('lost', path, 'north'));
  assert.equal(r.code, 1, r.stdout);
  assert.match(JSON.parse(r.stdout).error, /no host of lattice "default" with labels zone=north can start actor "echo"/);
});

test('an invalid manifest is rejected before the lattice is contacted (exit 3)', async () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'apiVersion: stratus.dev/v1\nkind: Application\nmetadata:\n  name: bad\nspec:\n  providers:\n    - name: httpserver\n      constraints: [east]\n');
  const r = await deploy(file);
  assert.equal(r.code, 3);
  assert.match(JSON.parse(r.stdout).error, /spec\.providers\[0\]\.constraints: must be a mapping of label: value/);
});
