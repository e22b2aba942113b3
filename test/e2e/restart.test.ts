// tier: full — runs host processes (stratus up) and the CLI
// Persistence across a real host restart: `stratus up` (child process), count, `stratus down`,
// `stratus up` again without a manifest: actors, providers, links, apps and the counter survive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, freePort, get, signedKvcounter, startHostProcess, tempHome, writeManifest } from './support.js';

test('links, actors, providers, apps and keyvalue data survive stratus down + stratus up', async () => {
  const home = tempHome('restart');
  try {
    const port = await freePort();
    const manifest = writeManifest(home.dir, { actorPath: await signedKvcounter(home.dir), port });
    const first = await startHostProcess(home.dir, ['--manifest', manifest]);
    const url = `http://127.0.0.1:${port}/bloggo`;
    assert.deepEqual(await get(url), { status: 200, body: '{"counter": 1}' });
    assert.deepEqual(await get(url), { status: 200, body: '{"counter": 2}' });
    // the control socket is private to this user
    assert.equal(statSync(join(home.dir, 'host.sock')).mode & 0o777, 0o600);

    const down = await cli(home.dir, ['down']);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, new RegExp(`host ${first.view.id} stopped`));
    assert.equal(await first.stop(), 0, first.output());
    assert.match(first.output(), /shutting down/);
    assert.equal(existsSync(join(home.dir, 'host.sock')), false, 'socket removed');
    assert.equal(existsSync(join(home.dir, 'host.pid')), false, 'pid file removed');
    await assert.rejects(get(url), /fetch failed/);

    // The module copy the host keeps under data/actors is what gets restored.
    const inv = JSON.parse((await cli(home.dir, ['ctl', 'get', 'inventory', '-o', 'json'])).stdout);
    assert.match(inv.error, /no Stratus host is running/);

    const second = await startHostProcess(home.dir); // no manifest this time
    try {
      assert.equal(second.view.id, first.view.id, 'host id is stable across restarts');
      assert.match(second.output(), /restored 2 provider\(s\), 1 actor\(s\), 2 link\(s\)/);
      assert.deepEqual(await get(url), { status: 200, body: '{"counter": 3}' });
      const links = JSON.parse((await cli(home.dir, ['ctl', 'link', 'query', '-o', 'json'])).stdout);
      assert.deepEqual(links.links.map((l: { contract_id: string }) => l.contract_id).sort(), ['wasmcloud:httpserver', 'wasmcloud:keyvalue']);
      const actorId = links.links[0].actor_id as string;
      assert.ok(existsSync(join(home.dir, 'data', 'actors', `${actorId}.wasm`)));
      const apps = JSON.parse((await cli(home.dir, ['app', 'list', '-o', 'json'])).stdout);
      assert.equal(apps.apps.length, 1);
      assert.equal(apps.apps[0].name, 'kvcounter');
      assert.equal(apps.apps[0].status, 'deployed', JSON.stringify(apps.apps[0].problems));

      // Deploying the same manifest again is idempotent: nothing doubles, the count continues.
      const again = await cli(home.dir, ['app', 'deploy', manifest, '-o', 'json']);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      const inv2 = JSON.parse((await cli(home.dir, ['ctl', 'get', 'inventory', '-o', 'json'])).stdout);
      assert.equal(inv2.actors.length, 1);
      assert.equal(inv2.actors[0].instances.length, 1);
      assert.equal(inv2.providers.length, 2);
      assert.deepEqual(await get(url), { status: 200, body: '{"counter": 4}' });
    } finally {
      assert.equal(await second.stop(), 0, second.output());
    }
  } finally {
    home.cleanup();
  }
});

test('after a crash (SIGKILL) the next stratus up replaces the stale socket and restores everything', async () => {
  const home = tempHome('crash');
  try {
    const port = await freePort();
    const manifest = writeManifest(home.dir, { actorPath: await signedKvcounter(home.dir), port });
    const first = await startHostProcess(home.dir, ['--manifest', manifest]);
    const url = `http://127.0.0.1:${port}/bloggo`;
    assert.deepEqual(await get(url), { status: 200, body: '{"counter": 1}' });
    first.child.kill('SIGKILL');
    await first.stop();
    assert.equal(existsSync(join(home.dir, 'host.sock')), true, 'a crashed host leaves its socket behind');
    const hosts = await cli(home.dir, ['ctl', 'get', 'hosts']);
    assert.equal(hosts.code, 1);
    assert.match(hosts.stderr, /no Stratus host is running/);

    const second = await startHostProcess(home.dir);
    try {
      assert.equal(second.view.id, first.view.id);
      assert.deepEqual(await get(url), { status: 200, body: '{"counter": 2}' });
    } finally {
      assert.equal(await second.stop(), 0, second.output());
    }
  } finally {
    home.cleanup();
  }
});

test('stratus up with an invalid manifest exits 3 and leaves no host behind', async () => {
  const home = tempHome('badup');
  try {
    const bad = join(home.dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: stratus.dev/v1\nkind: Application\nmetadata: { name: x }\nspec: { actors: [ { name: a, path: nope.wasm } ] }\n');
    const r = await cli(home.dir, ['up', '--manifest', bad]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, /nope\.wasm does not exist/);
    assert.equal(existsSync(join(home.dir, 'host.sock')), false);
    const help = await cli(home.dir, ['up', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--detached/);
    assert.match(help.stdout, /--rpc-timeout/);
    assert.match(help.stdout, /--isolation/);
    const lane = await cli(home.dir, ['up', '--isolation', 'threads']);
    assert.equal(lane.code, 2, lane.stdout + lane.stderr);
    assert.match(lane.stderr, /--isolation must be inline or worker, got "threads"/);
  } finally {
    home.cleanup();
  }
});
