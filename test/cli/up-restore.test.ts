// tier: full — runs detached hosts and the stratus CLI as processes
// Issue 14 §1.4: `stratus up --detached` says what it restored from the last run (counts and
// names), and `stratus up --clean` starts empty instead.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, freePort, tempHome } from '../e2e/support.js';
import { signedFixture } from '../support/fixtures.js';

const home = tempHome('up-restore');

after(async () => {
  await cli(home.dir, ['down']);
  home.cleanup();
});

async function ok(args: string[]): Promise<string> {
  const r = await cli(home.dir, args, 120_000);
  assert.equal(r.code, 0, `stratus ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('a detached host names what it restored; --clean drops it; the next plain up has nothing to restore', async () => {
  const wasm = join(home.dir, 'echo_s.wasm');
  writeFileSync(wasm, await signedFixture('echo'));
  const first = JSON.parse(await ok(['up', '--detached', '-o', 'json']));
  assert.deepEqual(first.restored.actors, [], 'a fresh home restores nothing');
  await ok(['ctl', 'start', 'actor', wasm]);
  await ok(['ctl', 'start', 'provider', 'httpserver']);
  await ok(['ctl', 'link', 'put', 'echo', 'httpserver', 'wasmcloud:httpserver', `port=${await freePort()}`]);
  await ok(['down']);

  const text = await ok(['up', '--detached']);
  assert.match(text, /restored from the last run \(.*host-state\.json\):\n\s+1 actor\(s\): echo\n\s+1 provider\(s\): httpserver\n\s+1 link\(s\)/);
  assert.match(text, /stratus up --clean/);
  await ok(['down']);
  const json = JSON.parse(await ok(['up', '--detached', '-o', 'json']));
  assert.deepEqual(json.restored, { from: json.restored.from, actors: ['echo'], providers: ['httpserver'], links: 1, failed: [], cleaned: false });
  await ok(['down']);

  const clean = await ok(['up', '--detached', '--clean']);
  assert.match(clean, /started clean/);
  const inv = JSON.parse(await ok(['ctl', 'get', 'inventory', '-o', 'json']));
  assert.deepEqual([inv.actors.length, inv.providers.length], [0, 0]);
  assert.deepEqual(JSON.parse(await ok(['ctl', 'link', 'query', '-o', 'json'])).links, []);
  await ok(['down']);

  const after = JSON.parse(await ok(['up', '--detached', '-o', 'json']));
  assert.deepEqual([after.restored.actors, after.restored.providers, after.restored.links], [[], [], 0]);
  assert.doesNotMatch(await ok(['ctl', 'get', 'hosts']), /restored/);
  await ok(['down']);
});
