// tier: full — starts nats-server and CLI processes
// A wadm manifest deployed to a lattice: each spread entry of an actor placed on a host whose labels
// meet its requirements (the instances split by weight), capability components on the built-in
// providers their published images map to, placed by their spread requirements.
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

before(async () => {
  nats = await startNats();
  east = await startMember(nats.url, { labels: { zone: 'east' } });
  west = await startMember(nats.url, { labels: { zone: 'west' } });
  dir = mkdtempSync(join(tmpdir(), 'st-wadm-lat-'));
});

after(async () => {
  await east.stop();
  await west.stop();
  await nats.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [STRATUS_BIN, ...args, '--ctl-port', String(nats.port)],
      { env: { ...process.env, STRATUS_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    child.on('exit', (code) => res({ code, stdout, stderr }));
  });
}

test('a wadm spreadscaler splits an actor over hosts by label requirements and weight', async () => {
  const { path, id } = await echoActorFile(dir, 'wadmecho', { caps: ['wasmcloud:keyvalue'] });
  const file = join(dir, 'spread.yaml');
  writeFileSync(file, `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: spread
spec:
  components:
    - name: echo
      type: actor
      properties:
        image: file://${path}
      traits:
        - type: spreadscaler
          properties:
            replicas: 3
            spread:
              - name: east
                requirements: { zone: east }
                weight: 67
              - name: west
                requirements: { zone: west }
                weight: 33
        - type: linkdef
          properties:
            target: store
            values: { backend: memory }
    - name: store
      type: capability
      properties:
        image: wasmcloud.azurecr.io/kvredis:0.21.0
        contract: wasmcloud:keyvalue
      traits:
        - type: spreadscaler
          properties:
            replicas: 1
            spread:
              - name: west
                requirements: { zone: west }
`);
  const r = await run(['app', 'deploy', file, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.actors, [
    { name: 'echo', id, host_id: east.host.id, count: 2 },
    { name: 'echo', id, host_id: west.host.id, count: 1 },
  ]);
  assert.deepEqual(out.providers, [{ name: 'keyvalue', id: builtinProvider('keyvalue')!.id, link_name: 'default', host_id: west.host.id }]);
  assert.equal(east.host.inventory().actors.find((a) => a.id === id)?.count, 2);
  assert.equal(west.host.inventory().actors.find((a) => a.id === id)?.count, 1);
  assert.deepEqual(east.host.inventory().providers, []);
  // the link put through the lattice carries the values as written (a chosen backend beats kvredis's Redis default)
  const stored = [...east.host.links(), ...west.host.links()].filter((l) => l.actor_id === id);
  assert.deepEqual(stored[0]!.values, { backend: 'memory' });

  const text = await run(['app', 'deploy', file]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /note: component "store": wasmcloud\.azurecr\.io\/kvredis:0\.21\.0 runs on Stratus's built-in keyvalue provider/);
  assert.equal(east.host.inventory().actors.find((a) => a.id === id)?.count, 2, 'deploying again changes nothing');

  const dry = await run(['app', 'deploy', file, '--dry-run']);
  assert.equal(dry.code, 2);
  assert.match(dry.stderr, /--dry-run is not available for lattice deploys yet/);
});
