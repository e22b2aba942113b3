import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest, type ManifestContext } from '../../src/control/manifest.js';
import { isStratusError } from '../../src/core/errors.js';

const ctx: ManifestContext = {
  baseDir: '/apps/demo',
  providers: { httpserver: 'wasmcloud:httpserver', keyvalue: 'wasmcloud:keyvalue' },
  pathKind: (p) => (p === '/apps/demo/kv' ? 'dir' : p === '/apps/demo/build/kv_s.wasm' ? 'file' : p.endsWith('.txt') ? 'file' : 'missing'),
};

const good = `
apiVersion: stratus.dev/v1
kind: Application
metadata: { name: demo }
spec:
  actors:
    - { name: kv, path: ./kv, count: 2 }
    - { name: kv2, path: build/kv_s.wasm }
  providers:
    - name: httpserver
    - { name: keyvalue, linkName: redis }
  links:
    - actor: kv
      provider: httpserver
      values: { port: 8080, address: 127.0.0.1 }
    - { actor: kv, provider: keyvalue, linkName: redis, values: { URL: "redis://x" } }
`;

test('a valid manifest resolves paths, defaults and contracts', () => {
  const m = parseManifest(good, ctx);
  assert.equal(m.name, 'demo');
  assert.deepEqual(m.actors, [
    { name: 'kv', path: '/apps/demo/kv', count: 2 },
    { name: 'kv2', path: '/apps/demo/build/kv_s.wasm', count: 1 },
  ]);
  assert.deepEqual(m.providers, [{ name: 'httpserver', linkName: 'default' }, { name: 'keyvalue', linkName: 'redis' }]);
  // numbers in values become strings (link values are string maps on the wire)
  assert.deepEqual(m.links[0], { actor: 'kv', provider: 'httpserver', linkName: 'default', contract: undefined, values: { port: '8080', address: '127.0.0.1' } });
  assert.equal(m.links[1].linkName, 'redis');
});

function problems(text: string): string {
  try {
    parseManifest(text, ctx, 'manifest app.yaml');
  } catch (e) {
    assert.ok(isStratusError(e, 'INVALID_MANIFEST'));
    return e.message;
  }
  assert.fail('manifest was accepted');
}

test('unknown fields, missing files and unknown providers are all reported at once', () => {
  const msg = problems(`
apiVersion: stratus.dev/v1
kind: Application
metadata: { name: demo }
spec:
  actors:
    - { name: kv, path: ./nope.wasm, replicas: 3 }
    - { name: txt, path: notes.txt }
  providers:
    - name: blobstore
  links:
    - { actor: ghost, provider: httpserver }
`);
  assert.match(msg, /^manifest app\.yaml is invalid/);
  assert.match(msg, /line 7: spec\.actors\[0\]\.replicas: unknown field "replicas"/);
  assert.match(msg, /spec\.actors\[0\]\.path: \/apps\/demo\/nope\.wasm does not exist/);
  assert.match(msg, /spec\.actors\[1\]\.path: .*notes\.txt is not a \.wasm file/);
  assert.match(msg, /spec\.providers\[0\]\.name: unknown provider "blobstore" \(built-in providers: httpserver, keyvalue\)/);
  assert.match(msg, /spec\.links\[0\]\.actor: no actor named "ghost"/);
  assert.match(msg, /spec\.links\[0\]\.provider: no provider "httpserver" with link name "default"/);
});

test('header, name and count are checked', () => {
  const msg = problems(`
apiVersion: v9
kind: Deployment
metadata: { name: "bad name!" }
spec:
  actors: [ { name: kv, path: kv, count: 0 } ]
`);
  assert.match(msg, /apiVersion: must be "stratus\.dev\/v1"/);
  assert.match(msg, /kind: must be "Application"/);
  assert.match(msg, /metadata\.name: "bad name!"/);
  assert.match(msg, /spec\.actors\[0\]\.count: must be a whole number >= 1/);
});

test('a link whose contract does not match its provider, and duplicate links, are rejected', () => {
  const msg = problems(`
apiVersion: stratus.dev/v1
kind: Application
metadata: { name: demo }
spec:
  actors: [ { name: kv, path: kv } ]
  providers: [ { name: httpserver } ]
  links:
    - { actor: kv, provider: httpserver, contract: "wasmcloud:keyvalue" }
    - { actor: kv, provider: httpserver }
    - { actor: kv, provider: httpserver }
`);
  assert.match(msg, /implements wasmcloud:httpserver, not wasmcloud:keyvalue/);
  assert.match(msg, /spec\.links\[2\]: duplicate link for actor "kv" on wasmcloud:httpserver/);
});

test('YAML syntax errors and non-mapping documents give a clear message', () => {
  assert.match(problems('apiVersion: [unclosed'), /not valid YAML/);
  assert.match(problems('- just\n- a list'), /must be a YAML mapping/);
});

test('the shipped examples/kvcounter/app.yaml validates against the real provider registry', async () => {
  const { readFileSync, statSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { BUILTIN_PROVIDERS } = await import('../../src/providers/registry.js');
  const { REPO } = await import('../e2e/support.js');
  const providers: Record<string, string> = {};
  for (const p of BUILTIN_PROVIDERS) if (p.runsAs === 'provider') providers[p.name] = p.contractId;
  const dir = join(REPO, 'examples/kvcounter');
  const m = parseManifest(readFileSync(join(dir, 'app.yaml'), 'utf8'), {
    baseDir: dir, providers,
    pathKind: (p) => { try { return statSync(p).isDirectory() ? 'dir' : 'file'; } catch { return 'missing'; } },
  });
  assert.equal(m.actors[0].path, dir, 'the manifest points at the project directory, so `npm start` builds it');
  assert.deepEqual(m.links.map((l) => l.provider), ['httpserver', 'keyvalue']);
  assert.equal(m.links[0].values.address, '127.0.0.1:8080');
  assert.deepEqual(m.links[1].values, {}, 'default (durable lmdb) keyvalue backend');
});

test('every shipped examples/*/app.yaml validates and points at existing project directories', async () => {
  const { readdirSync, readFileSync, statSync, existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { BUILTIN_PROVIDERS } = await import('../../src/providers/registry.js');
  const { REPO } = await import('../e2e/support.js');
  const providers: Record<string, string> = {};
  for (const p of BUILTIN_PROVIDERS) if (p.runsAs === 'provider') providers[p.name] = p.contractId;
  const kinds = (p: string) => { try { return statSync(p).isDirectory() ? 'dir' as const : 'file' as const; } catch { return 'missing' as const; } };
  const found = readdirSync(join(REPO, 'examples')).filter((d) => existsSync(join(REPO, 'examples', d, 'app.yaml')));
  assert.ok(found.length >= 3, `examples with manifests: ${found.join(', ')}`);
  const ports = new Map<string, string>();
  for (const d of found) {
    const dir = join(REPO, 'examples', d);
    // app.yaml plus variants such as app-redis.yaml (alternatives, so they may share a port)
    for (const file of readdirSync(dir).filter((f) => /^app(-[a-z0-9-]+)?\.yaml$/.test(f))) {
      const m = parseManifest(readFileSync(join(dir, file), 'utf8'), { baseDir: dir, providers, pathKind: kinds }, `manifest ${d}/${file}`);
      for (const a of m.actors) assert.ok(existsSync(join(a.path, 'stratus.json')), `${d}/${file}: ${a.path} is an actor project`);
      for (const l of m.links) if (l.values.address) {
        const owner = ports.get(l.values.address);
        assert.ok(owner === undefined || owner === d, `${d}/${file}: ${l.values.address} is used by example ${owner}`);
        ports.set(l.values.address, d);
      }
    }
  }
});
