// tier: full — runs host processes (stratus up) and the CLI
// `stratus up --detached`, `stratus ctl ...`, `stratus app ...` and `stratus down` as a user runs
// them: separate `node bin/stratus.js` processes against a temp STRATUS_HOME.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cli, freePort, get, signedKvcounter, tempHome, writeManifest, type CliResult } from './support.js';

const json = (r: CliResult) => {
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
};

test('without a host, ctl commands fail with exit 1 and say how to start one; a .wasm file can still be called', async () => {
  const home = tempHome('nohost');
  try {
    const text = await cli(home.dir, ['ctl', 'get', 'hosts']);
    assert.equal(text.code, 1);
    assert.equal(text.stderr.trim(), `error: no Stratus host is running (looked for ${join(home.dir, 'host.sock')}); start one with \`stratus up\``);
    const j = await cli(home.dir, ['ctl', 'get', 'inventory', '-o', 'json']);
    assert.equal(j.code, 1);
    assert.match(json(j).error, /^no Stratus host is running/);
    const down = await cli(home.dir, ['down']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /no Stratus host is running/);
    // ...but an actor file can be tried without a host: keyvalue (memory) is linked automatically
    const file = await signedKvcounter(home.dir);
    const once = await cli(home.dir, ['ctl', 'call', file, 'HttpServer.HandleRequest', '--data', '{"path":"/bloggo"}', '-o', 'json']);
    assert.equal(once.code, 0, once.stderr);
    assert.equal(json(once).statusCode, 200);
    assert.equal(json(once).body, '{"counter": 1}');
  } finally {
    home.cleanup();
  }
});

test('detached host driven by ctl: providers, actor, links, scale, claims, call-free HTTP, stop, down', async () => {
  const home = tempHome('ctl');
  const run = (...args: string[]) => cli(home.dir, args);
  try {
    const up = await run('up', '--detached', '--rpc-timeout', '20000', '-o', 'json');
    assert.equal(up.code, 0, up.stdout + up.stderr);
    const hostId = json(up).id as string;
    assert.match(hostId, /^N[A-Z2-7]{55}$/);
    const twice = await run('up', '--detached');
    assert.equal(twice.code, 2); // used wrongly: stop the running host first, or use another STRATUS_HOME
    assert.match(twice.stderr, /already running/);

    const hosts = json(await run('ctl', 'get', 'hosts', '-o', 'json'));
    assert.equal(hosts.hosts[0].id, hostId);
    assert.equal(hosts.hosts[0].rpc_timeout_ms, 20000);
    assert.match((await run('ctl', 'get', 'hosts')).stdout, new RegExp(`^Host ID.*\\n${hostId}`));

    const http = json(await run('ctl', 'start', 'provider', 'httpserver', '-o', 'json'));
    const kv = json(await run('ctl', 'start', 'provider', 'keyvalue', '-o', 'json'));
    assert.equal(kv.contractId, 'wasmcloud:keyvalue');
    const dup = await run('ctl', 'start', 'provider', 'keyvalue');
    assert.equal(dup.code, 2); // BAD_REQUEST: use another --link-name
    assert.match(dup.stderr, /already running with link name "default"/);

    const actor = json(await run('ctl', 'start', 'actor', await signedKvcounter(home.dir), '-o', 'json'));
    assert.match(actor.id, /^M[A-Z2-7]{55}$/);
    const port = await freePort();
    const put1 = await run('ctl', 'link', 'put', actor.id, kv.id, 'wasmcloud:keyvalue', 'backend=memory');
    assert.equal(put1.code, 0, put1.stderr);
    const put2 = await run('ctl', 'link', 'put', actor.id, http.id, 'wasmcloud:httpserver', `port=${port}`, '-o', 'json');
    assert.deepEqual(json(put2).values, { port: String(port) });
    assert.deepEqual(await get(`http://127.0.0.1:${port}/bloggo`), { status: 200, body: '{"counter": 1}' });
    // ctl call goes through the same running host (JSON -> msgpack -> actor -> JSON)
    const called = await run('ctl', 'call', actor.id, 'HttpServer.HandleRequest', '--data', '{"path":"/bloggo"}', '-o', 'json');
    assert.equal(called.code, 0, called.stderr);
    assert.equal(json(called).statusCode, 200);
    assert.equal(json(called).body, '{"counter": 2}');
    const unknown = await run('ctl', 'call', 'MNOPE', 'HttpServer.HandleRequest', '--data', '{}');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /MNOPE/);

    const badPair = await run('ctl', 'link', 'put', actor.id, kv.id, 'wasmcloud:keyvalue', 'novalue');
    assert.equal(badPair.code, 2);
    assert.match(badPair.stderr, /"novalue" must look like KEY=VALUE/);
    const wrongContract = await run('ctl', 'link', 'put', actor.id, kv.id, 'wasmcloud:httpserver', 'port=1');
    assert.equal(wrongContract.code, 1);
    assert.match(wrongContract.stderr, /implements wasmcloud:keyvalue, not wasmcloud:httpserver/);

    const scaled = json(await run('ctl', 'scale', 'actor', actor.id, '3', '-o', 'json'));
    assert.equal(scaled.count, 3);
    const inv = json(await run('ctl', 'get', 'inventory', hostId, '-o', 'json'));
    assert.equal(inv.host_id, hostId);
    const otherHost = await run('ctl', 'get', 'inventory', 'NOTTHISHOST');
    assert.equal(otherHost.code, 1);
    assert.match(otherHost.stderr, new RegExp(`no host NOTTHISHOST .* the local host is ${hostId}`));
    assert.equal(inv.actors[0].instances.length, 3);
    assert.deepEqual(inv.providers.map((p: { name: string }) => p.name).sort(), ['httpserver', 'keyvalue']);
    assert.match((await run('ctl', 'get', 'inventory')).stdout, /Actor ID\s+Name\s+Instances\s+Lane[\s\S]*kvcounter\s+3\s+inline/);
    const claims = json(await run('ctl', 'get', 'claims', '-o', 'json'));
    assert.equal(claims.claims[0].sub, actor.id);
    assert.equal(claims.claims[0].caps, 'wasmcloud:httpserver,wasmcloud:keyvalue');
    assert.equal(typeof claims.claims[0].rev, 'string');
    const q = json(await run('ctl', 'link', 'query', '-o', 'json'));
    assert.equal(q.links.length, 2);
    assert.match(q.links[0].id, /^[0-9A-F]{64}$/);

    assert.equal((await run('ctl', 'link', 'del', actor.id, 'wasmcloud:httpserver')).code, 0);
    await assert.rejects(get(`http://127.0.0.1:${port}/bloggo`), /fetch failed/);
    const delAgain = await run('ctl', 'link', 'del', actor.id, 'wasmcloud:httpserver');
    assert.equal(delAgain.code, 1);
    assert.match(delAgain.stderr, /no link for .* on wasmcloud:httpserver/);

    assert.equal((await run('ctl', 'stop', 'actor', actor.id)).code, 0);
    const gone = await run('ctl', 'stop', 'actor', actor.id);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no actor M[A-Z2-7]+ is running/);
    assert.equal((await run('ctl', 'stop', 'provider', kv.id)).code, 0);
    const inv2 = json(await run('ctl', 'get', 'inventory', '-o', 'json'));
    assert.equal(inv2.actors.length, 0);
    assert.deepEqual(inv2.providers.map((p: { name: string }) => p.name), ['httpserver']);

    const down = await run('down', '-o', 'json');
    assert.deepEqual(json(down), { host_id: hostId, stopped: true });
  } finally {
    await cli(home.dir, ['down']);
    home.cleanup();
  }
});

test('app deploy / list / undeploy, and a bad manifest is rejected before anything starts (exit 3)', async () => {
  const home = tempHome('app');
  const run = (...args: string[]) => cli(home.dir, args);
  try {
    assert.equal((await run('up', '--detached', '--rpc-timeout', '20000')).code, 0);
    const bad = join(home.dir, 'bad.yaml');
    writeFileSync(bad, `apiVersion: stratus.dev/v1
kind: Application
metadata: { name: broken }
spec:
  actors: [ { name: a, path: ./missing.wasm } ]
  providers: [ { name: httpserver }, { name: blobstore } ]
  links: [ { actor: a, provider: httpserver, colour: blue } ]
`);
    const rejected = await run('app', 'deploy', bad);
    assert.equal(rejected.code, 3, rejected.stderr);
    assert.match(rejected.stderr, /missing\.wasm does not exist/);
    assert.match(rejected.stderr, /unknown provider "blobstore"/);
    assert.match(rejected.stderr, /unknown field "colour"/);
    assert.equal(json(await run('ctl', 'get', 'inventory', '-o', 'json')).providers.length, 0, 'nothing started');

    const port = await freePort();
    const manifest = writeManifest(home.dir, { actorPath: await signedKvcounter(home.dir), port, kvValues: { backend: 'memory' }, name: 'counter' });
    const dep = json(await run('app', 'deploy', manifest, '-o', 'json'));
    assert.equal(dep.name, 'counter');
    assert.equal(dep.links.length, 2);
    assert.deepEqual(await get(`http://127.0.0.1:${port}/bloggo`), { status: 200, body: '{"counter": 1}' });
    const listed = await run('app', 'list');
    assert.match(listed.stdout, /counter\s+deployed\s+1\s+2\s+2/, `exit ${listed.code}: ${listed.stderr}`);

    // Redeploying the name with different contents removes what only the old version had.
    const full = readFileSync(manifest, 'utf8');
    const slimmer = writeManifest(home.dir, { actorPath: await signedKvcounter(home.dir), port, kvValues: { backend: 'memory' }, name: 'counter', noKvLink: true });
    const redep = await run('app', 'deploy', slimmer, '-o', 'json');
    assert.equal(redep.code, 0, `${redep.stderr}${redep.stdout}`);
    assert.equal(json(redep).links.length, 1);
    const links = json(await run('ctl', 'link', 'query', '-o', 'json')).links as { contract_id: string }[];
    assert.deepEqual(links.map((l) => l.contract_id), ['wasmcloud:httpserver'], 'the keyvalue link of the old version is gone');
    const noKv = await get(`http://127.0.0.1:${port}/bloggo`);
    assert.equal(noKv.status, 500);
    assert.match(noKv.body, /missing link definition for wasmcloud:keyvalue/);
    // and back: the link is put again
    writeFileSync(manifest, full);
    assert.equal((await run('app', 'deploy', manifest)).code, 0);
    assert.equal(json(await run('ctl', 'link', 'query', '-o', 'json')).links.length, 2);

    const undeploy = await run('app', 'undeploy', 'counter');
    assert.equal(undeploy.code, 0, undeploy.stderr);
    await assert.rejects(get(`http://127.0.0.1:${port}/bloggo`), /fetch failed/);
    const inv = json(await run('ctl', 'get', 'inventory', '-o', 'json'));
    assert.equal(inv.actors.length + inv.providers.length, 0);
    assert.equal(json(await run('ctl', 'link', 'query', '-o', 'json')).links.length, 0);
    assert.deepEqual(json(await run('app', 'list', '-o', 'json')).apps, []);
    const again = await run('app', 'undeploy', 'counter');
    assert.equal(again.code, 2); // BAD_REQUEST: the name argument names no deployed application
    assert.match(again.stderr, /no application named "counter"/);

    // A deploy that fails part-way (port taken by another program) says so and can be undeployed.
    const blocker = createServer();
    const busy = await freePort();
    await new Promise<void>((r) => blocker.listen(busy, '127.0.0.1', () => r()));
    try {
      const m2 = writeManifest(home.dir, { actorPath: await signedKvcounter(home.dir), port: busy, kvValues: { backend: 'memory' }, name: 'blocked' });
      const failed = await run('app', 'deploy', m2);
      assert.equal(failed.code, 1);
      assert.match(failed.stderr, /deploying application "blocked" failed part-way: .*port/);
      assert.match(failed.stderr, new RegExp(`${busy}`));
      const listed2 = await run('app', 'list');
      assert.match(listed2.stdout, /blocked\s+failed/, `exit ${listed2.code}: ${listed2.stderr}`);
      assert.equal((await run('app', 'undeploy', 'blocked')).code, 0);
      const inv3 = json(await run('ctl', 'get', 'inventory', '-o', 'json'));
      assert.equal(inv3.actors.length + inv3.providers.length, 0);
    } finally {
      blocker.close();
    }
  } finally {
    await cli(home.dir, ['down']);
    home.cleanup();
  }
});
