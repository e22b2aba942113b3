// tier: full — runs real hosts in this process (HTTP listeners on free ports, lmdb data dirs) and the CLI as child processes
// Applications own only what they started (issue 14 §1.1), say what they changed (§6), take wadm
// manifests with published images on built-in providers and spread requirements (§4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runHost, type RunningHost } from '../../src/control/daemon.js';
import { isStratusError } from '../../src/core/errors.js';
import { cli, freePort, get, signedKvcounter, tempHome } from '../e2e/support.js';

const HTTP = 'VBMRVPJG4GQVJXINEEYE4KFNTVRCWV6CO5DY4SXUMEWIHKHYDUMKGLRE';

function wadm(name: string, actors: { name: string; image: string; replicas?: number; spread?: string; links: { target: string; values: Record<string, string> }[] }[],
  caps: { name: string; image: string; contract: string; linkName?: string }[]): string {
  const a = actors.map((x) => `    - name: ${x.name}
      type: actor
      properties:
        image: ${x.image}
      traits:
        - type: spreadscaler
          properties:
            replicas: ${x.replicas ?? 1}${x.spread ?? ''}
${x.links.map((l) => `        - type: linkdef
          properties:
            target: ${l.target}
            values:
${Object.entries(l.values).map(([k, v]) => `              ${k}: "${v}"`).join('\n')}
`).join('')}`).join('');
  const c = caps.map((x) => `    - name: ${x.name}
      type: capability
      properties:
        image: ${x.image}
        contract: ${x.contract}${x.linkName ? `\n        link_name: ${x.linkName}` : ''}
      traits:
        - type: spreadscaler
          properties:
            replicas: 1
`).join('');
  return `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: ${name}
spec:
  components:
${a}${c}`;
}

async function withHost(tag: string, labels: Record<string, string>, body: (h: RunningHost, dir: string) => Promise<void>): Promise<void> {
  const home = tempHome(tag);
  const h = await runHost({ home: home.dir, rpcTimeoutMs: 20000, labels, log: () => {} });
  try {
    await body(h, home.dir);
  } finally {
    await h.stop();
    home.cleanup();
  }
}

const actions = (changes: { action: string; what: string }[]) => changes.map((c) => `${c.action} ${c.what.split(' (')[0]}`).sort();

test('undeploy leaves what was started by hand (and its live port), restores a scaled actor, and --dry-run changes nothing', async () => {
  await withHost('own', {}, async (h, dir) => {
    const c = h.controller;
    // by hand, before any app: httpserver + keyvalue, actor A on port P1
    const fileA = await signedKvcounter(dir, undefined, 'handmade');
    const fileB = await signedKvcounter(dir, undefined, 'appmade');
    const http = await c.startProvider('httpserver');
    const kv = await c.startProvider('keyvalue');
    const a = await c.startActorFile(fileA, 1);
    const p1 = await freePort();
    await c.putLink({ actor_id: a.id, provider_id: http.id, contract_id: 'wasmcloud:httpserver', link_name: 'default', values: { address: `127.0.0.1:${p1}` } });
    await c.putLink({ actor_id: a.id, provider_id: kv.id, contract_id: 'wasmcloud:keyvalue', link_name: 'default', values: { backend: 'memory' } });
    assert.deepEqual(await get(`http://127.0.0.1:${p1}/x`), { status: 200, body: '{"counter": 1}' });

    // an app that uses A (3 instances now), the same providers, and its own actor B on P2
    const p2 = await freePort();
    const manifest = join(dir, 'shop.yaml');
    writeFileSync(manifest, wadm('shop', [
      { name: 'a', image: fileA, replicas: 3, links: [{ target: 'web', values: { address: `127.0.0.1:${p1}` } }, { target: 'kv', values: { backend: 'memory' } }] },
      { name: 'b', image: `file://${fileB}`, links: [{ target: 'web', values: { address: `127.0.0.1:${p2}` } }, { target: 'kv', values: { backend: 'memory' } }] },
    ], [
      { name: 'web', image: 'wasmcloud.azurecr.io/httpserver:0.17.0', contract: 'wasmcloud:httpserver' },
      { name: 'kv', image: 'keyvalue', contract: 'wasmcloud:keyvalue' },
    ]));
    const before = JSON.stringify(c.host.inventory().actors.map((x) => [x.id, x.count]));
    const plan = await c.deployApp(manifest, { dryRun: true });
    assert.equal(plan.dryRun, true);
    assert.deepEqual(actions(plan.changes), [
      'kept link a → httpserver', 'kept link a → keyvalue', 'kept provider "web" → built-in httpserver', 'kept provider "kv" → built-in keyvalue',
      'put link b → httpserver', 'put link b → keyvalue', 'scaled actor a', 'started actor b',
    ].sort());
    assert.equal(JSON.stringify(c.host.inventory().actors.map((x) => [x.id, x.count])), before, 'a dry run starts and scales nothing');
    assert.deepEqual(c.listApps(), [], 'a dry run records no app');
    assert.match(plan.changes.find((x) => x.action === 'kept' && x.what.startsWith('provider "kv"'))!.detail!, /running before this app; it will not stop it/);
    assert.match(plan.notes.join('\n'), /component "web": wasmcloud\.azurecr\.io\/httpserver:0\.17\.0 runs on Stratus's built-in httpserver provider/);

    const dep = await c.deployApp(manifest);
    assert.deepEqual(actions(dep.changes), actions(plan.changes), 'the deploy did what the dry run said');
    assert.equal(dep.changes.find((x) => x.action === 'scaled')!.detail, '1 → 3 instance(s)');
    assert.equal(c.host.inventory().actors.find((x) => x.id === a.id)!.count, 3);
    assert.deepEqual(await get(`http://127.0.0.1:${p2}/y`), { status: 200, body: '{"counter": 1}' });

    // deploying the same manifest again changes nothing and says so
    const again = await c.deployApp(manifest);
    assert.deepEqual([...new Set(again.changes.map((x) => x.action))], ['kept']);

    const status = c.appStatus('shop');
    assert.equal(status.status, 'deployed');
    assert.equal(status.format, 'wadm');
    assert.deepEqual(status.components.filter((x) => x.kind !== 'link').map((x) => [x.kind, x.startedByApp]).sort(),
      [['actor', false], ['actor', true], ['provider', false], ['provider', false]].sort());
    assert.match(c.getApp('shop').manifestText!, /wasmcloud\.azurecr\.io\/httpserver:0\.17\.0/);

    const undeployPlan = await c.undeployApp('shop', { dryRun: true });
    assert.deepEqual(actions(undeployPlan.changes), [
      'left link handmade on wasmcloud:httpserver', 'left link handmade on wasmcloud:keyvalue', 'left provider httpserver', 'left provider keyvalue',
      'removed actor appmade', 'removed link appmade on wasmcloud:httpserver', 'removed link appmade on wasmcloud:keyvalue', 'restored actor handmade',
    ].sort(), JSON.stringify(undeployPlan.changes, null, 1));
    assert.match(undeployPlan.changes.find((x) => x.action === 'restored')!.detail!, /3 → 1 instance\(s\), as before the app/);
    assert.equal(c.host.inventory().actors.length, 2, 'a dry run stops nothing');
    assert.equal(c.listApps().length, 1);

    const gone = await c.undeployApp('shop');
    assert.deepEqual(actions(gone.changes), actions(undeployPlan.changes));
    const inv = c.host.inventory();
    assert.deepEqual(inv.actors.map((x) => [x.id, x.count]), [[a.id, 1]], 'A stays, back at its own count; B is gone');
    assert.deepEqual(inv.providers.map((x) => x.id).sort(), [http.id, kv.id].sort(), 'hand-started providers stay');
    assert.deepEqual(await get(`http://127.0.0.1:${p1}/x`), { status: 200, body: '{"counter": 2}' }, "the hand-made actor's port still serves");
    await assert.rejects(get(`http://127.0.0.1:${p2}/y`), /fetch failed/);
    assert.deepEqual(c.host.links().map((l) => l.actor_id), [a.id, a.id]);
    assert.ok(c.host.links().every((l) => l.provider_id === HTTP || l.provider_id === kv.id));
  });
});

test('a deploy puts outbound links while its actors start and inbound ones only once they run; it reports actors, then links', async () => {
  await withHost('order', {}, async (h, dir) => {
    const c = h.controller;
    const file = await signedKvcounter(dir, undefined, 'ordered');
    const port = await freePort();
    const seen: string[] = [];
    c.host.events.on('linkdef_set', (ld) => seen.push(`${ld.contract_id} ${c.host.runsActor(ld.actor_id) ? 'running' : 'not running'}`));
    const manifest = join(dir, 'ordered.yaml');
    writeFileSync(manifest, wadm('ordered', [
      { name: 'counter', image: file, links: [{ target: 'web', values: { address: `127.0.0.1:${port}` } }, { target: 'kv', values: { backend: 'memory' } }] },
    ], [
      { name: 'web', image: 'httpserver', contract: 'wasmcloud:httpserver' },
      { name: 'kv', image: 'keyvalue', contract: 'wasmcloud:keyvalue' },
    ]));
    const dep = await c.deployApp(manifest);
    assert.equal(seen.find((x) => x.startsWith('wasmcloud:httpserver')), 'wasmcloud:httpserver running', 'the listener\'s link was put before the actor ran');
    assert.ok(seen.some((x) => x.startsWith('wasmcloud:keyvalue')));
    assert.deepEqual(dep.changes.map((x) => `${x.action} ${x.what.split(' (')[0]}`), [
      'started provider "web" → built-in httpserver', 'started provider "kv" → built-in keyvalue', 'started actor counter',
      'put link counter → keyvalue', 'put link counter → httpserver',
    ]);
    assert.deepEqual(c.getApp('ordered').links.map((l) => l.contract_id), ['wasmcloud:keyvalue', 'wasmcloud:httpserver']);
    assert.deepEqual(await get(`http://127.0.0.1:${port}/x`), { status: 200, body: '{"counter": 1}' });
  });
});

test('shared providers are reference-counted across apps: the last app to go stops what an app started', async () => {
  await withHost('share', {}, async (h, dir) => {
    const c = h.controller;
    const f1 = await signedKvcounter(dir, ['wasmcloud:keyvalue'], 'one');
    const f2 = await signedKvcounter(dir, ['wasmcloud:keyvalue'], 'two');
    const m = (name: string, file: string) => {
      const p = join(dir, `${name}.yaml`);
      writeFileSync(p, wadm(name, [{ name: 'x', image: file, links: [{ target: 'kv', values: { backend: 'memory' } }] }],
        [{ name: 'kv', image: 'wasmcloud.azurecr.io/kvredis:0.21.0', contract: 'wasmcloud:keyvalue' }]));
      return p;
    };
    // kvredis maps onto the built-in keyvalue; an explicit backend wins over its Redis default
    const first = await c.deployApp(m('first', f1));
    assert.deepEqual(actions(first.changes), ['put link x → keyvalue', 'started actor x', 'started provider "kv" → built-in keyvalue']);
    const second = await c.deployApp(m('second', f2));
    assert.match(second.changes.find((x) => x.kind === 'provider')!.detail!, /shared with app "first"/);

    const u1 = await c.undeployApp('first');
    assert.match(JSON.stringify(u1.changes.find((x) => x.kind === 'provider')), /"action":"left".*still used by app \\"second\\"/);
    assert.equal(c.host.inventory().providers.length, 1, 'still used by "second"');
    const u2 = await c.undeployApp('second');
    assert.deepEqual(actions(u2.changes), ['removed actor two', 'removed link two on wasmcloud:keyvalue', 'removed provider keyvalue']);
    assert.equal(c.host.inventory().providers.length, 0, 'the ownership passed to "second", so it went with it');
  });
});

test("spread requirements are matched against the host's labels; claims needing an absent link are warned about", async () => {
  await withHost('spread', { zone: 'east' }, async (h, dir) => {
    const c = h.controller;
    const file = await signedKvcounter(dir, ['wasmcloud:keyvalue', 'wasmcloud:httpserver'], 'spready');
    const spread = (zones: string[]) => `\n            spread:\n${zones.map((z) => `              - name: ${z}\n                requirements:\n                  zone: ${z}\n                weight: 50\n`).join('')}`.trimEnd();
    const p = join(dir, 'spread.yaml');
    writeFileSync(p, wadm('spread', [{ name: 's', image: file, replicas: 4, spread: spread(['east', 'west']), links: [{ target: 'kv', values: { backend: 'memory' } }] }],
      [{ name: 'kv', image: 'keyvalue', contract: 'wasmcloud:keyvalue' }]));
    const r = await c.deployApp(p);
    assert.equal(c.host.inventory().actors[0]!.count, 2, 'the east half of 4 replicas');
    assert.match(r.warnings.join('\n'), /component "s": 2 instance\(s\) of spread "west" need a host with zone=west; this host has not/);
    assert.match(r.warnings.join('\n'), /actor "s" claims wasmcloud:httpserver but the manifest links it to no provider for it/);
    await c.undeployApp('spread');

    writeFileSync(p, wadm('spread', [{ name: 's', image: file, replicas: 2, spread: spread(['west']), links: [] }], []));
    await assert.rejects(c.deployApp(p), (e) => isStratusError(e, 'INVALID_MANIFEST') && /component "s" cannot run on this host: no spread entry's requirements match its labels \(wanted: "west" \(zone=west\); host labels: .*zone=east/.test(e.message));
    assert.equal(c.host.inventory().actors.length, 0, 'nothing started');
  });
});

test('the CLI: app validate (lines, suggestions, exit 3), deploy and undeploy output, --dry-run, status, get', async () => {
  const home = tempHome('appcli');
  const run = (...args: string[]) => cli(home.dir, args);
  try {
    const bad = join(home.dir, 'bad.yaml');
    writeFileSync(bad, wadm('bad', [{ name: 'a', image: './missing.wasm', links: [{ target: 'web', values: {} }] }],
      [{ name: 'web', image: 'wasmcloud.azurecr.io/httpserver:0.17.0', contract: 'wasmcloud:httpserver' }]).replace('type: capability', 'type: capabilities'));
    const v = await run('app', 'validate', bad);
    assert.equal(v.code, 3, v.stdout + v.stderr);
    assert.match(v.stdout, /bad\.yaml:\d+: spec\.components\[0\]\.properties\.image: "\.\/missing\.wasm" is neither an existing file/);
    assert.match(v.stdout, /bad\.yaml:\d+: spec\.components\[1\]\.type: unknown component type "capabilities"; did you mean "capability"\?/);
    const vj = JSON.parse((await run('app', 'validate', bad, '-o', 'json')).stdout);
    assert.equal(vj.valid, false);
    assert.ok(vj.problems.every((p: { line?: number }) => typeof p.line === 'number'));

    const file = await signedKvcounter(home.dir, ['wasmcloud:httpserver', 'wasmcloud:keyvalue'], 'clicounter');
    const port = await freePort();
    const good = join(home.dir, 'good.yaml');
    writeFileSync(good, wadm('good', [{ name: 'counter', image: file, links: [{ target: 'web', values: { address: `127.0.0.1:${port}` } }] }],
      [{ name: 'web', image: 'wasmcloud.azurecr.io/httpserver:0.17.0', contract: 'wasmcloud:httpserver' }]));
    const ok = await run('app', 'validate', good);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /valid wadm manifest "good" \(1 actor\(s\), 1 provider\(s\), 1 link\(s\)\)/);
    assert.match(ok.stdout, /warning: actor "counter" claims wasmcloud:keyvalue but the manifest links it to no provider/);

    assert.equal((await run('up', '--detached', '--rpc-timeout', '20000')).code, 0);
    const dry = await run('app', 'deploy', good, '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^dry run: deploying application "good" would change:\n {2}would start +provider "web" → built-in httpserver/m);
    assert.match(dry.stdout, /would start +actor counter/);
    assert.match(dry.stdout, /would put +link counter → httpserver/);
    assert.match(dry.stdout, /note: component "web": wasmcloud\.azurecr\.io\/httpserver:0\.17\.0 runs on Stratus's built-in httpserver provider/);
    assert.equal(JSON.parse((await run('ctl', 'get', 'inventory', '-o', 'json')).stdout).actors.length, 0);

    const dep = await run('app', 'deploy', good);
    assert.equal(dep.code, 0, dep.stderr);
    assert.match(dep.stdout, /^deployed application "good": 1 actor\(s\), 1 provider\(s\), 1 link\(s\)\n {2}started +provider/);
    assert.match(dep.stdout, /warning: actor "counter" claims wasmcloud:keyvalue/);
    const st = await run('app', 'status', 'good');
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, /application "good" \(wadm manifest .*good\.yaml\): deployed/);
    assert.match(st.stdout, /actor +clicounter +M[A-Z2-7]{55} +yes \(1\) +yes/);
    const got = await run('app', 'get', 'good');
    assert.match(got.stdout, /^apiVersion: core\.oam\.dev\/v1beta1/);
    const missing = await run('app', 'status', 'goof');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no application named "goof" is deployed; did you mean "good"\?/);

    const und = await run('app', 'undeploy', 'good', '--dry-run');
    assert.match(und.stdout, /would remove +actor clicounter/);
    assert.equal(JSON.parse((await run('ctl', 'get', 'inventory', '-o', 'json')).stdout).actors.length, 1);
    const gone = await run('app', 'undeploy', 'good');
    assert.match(gone.stdout, /^undeployed application "good"\n {2}removed +link/);
    assert.equal(JSON.parse((await run('ctl', 'get', 'inventory', '-o', 'json')).stdout).actors.length, 0);
  } finally {
    await cli(home.dir, ['down']);
    home.cleanup();
  }
});
