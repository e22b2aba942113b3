// wadm `core.oam.dev/v1beta1` manifests read into Stratus's AppManifest: components, traits,
// published images onto built-in providers, and problems with line numbers and suggestions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkManifest, parseManifest, type ManifestContext } from '../../src/control/manifest.js';
import { formatProblem } from '../../src/control/manifest-problems.js';
import { splitReplicas, sharesOnHost, type SpreadEntry } from '../../src/control/wadm/spread.js';
import { missingLinkWarnings } from '../../src/control/app-changes.js';
import { isStratusError } from '../../src/core/errors.js';
import { REPO } from '../e2e/support.js';

const ctx: ManifestContext = {
  baseDir: '/apps/shop',
  providers: { httpserver: 'wasmcloud:httpserver', keyvalue: 'wasmcloud:keyvalue' },
  pathKind: (p) => (p === '/apps/shop/build/kv_s.wasm' ? 'file' : p === '/apps/shop/counter' ? 'dir' : 'missing'),
};

const shop = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: shop
  annotations:
    version: v0.0.1
    description: "counter behind HTTP"
spec:
  components:
    - name: counter
      type: actor
      properties:
        image: file:///apps/shop/build/kv_s.wasm
      traits:
        - type: spreadscaler
          properties:
            replicas: 4
            spread:
              - name: east
                requirements:
                  zone: us-east-1
                weight: 75
              - name: west
                requirements:
                  zone: us-west-1
                weight: 25
        - type: linkdef
          properties:
            target: httpserver
            values:
              address: 127.0.0.1:8080
        - type: linkdef
          properties:
            target: redis
            values:
              URL: redis://127.0.0.1:6380
    - name: pulled
      type: actor
      properties:
        image: wasmcloud.azurecr.io/echo:0.3.8
    - name: httpserver
      type: capability
      properties:
        image: wasmcloud.azurecr.io/httpserver:0.17.0
        contract: wasmcloud:httpserver
      traits:
        - type: spreadscaler
          properties:
            replicas: 1
    - name: redis
      type: capability
      properties:
        image: wasmcloud.azurecr.io/kvredis:0.21.0
        contract: wasmcloud:keyvalue
        link_name: cache
`;

test('a wadm Application becomes actors, built-in providers and links', () => {
  const r = checkManifest(shop, ctx, 'manifest shop.yaml');
  assert.deepEqual(r.problems, []);
  const m = r.manifest!;
  assert.equal(m.format, 'wadm');
  assert.equal(m.name, 'shop');
  assert.deepEqual(m.actors.map((a) => [a.name, a.path, a.count]), [['counter', '/apps/shop/build/kv_s.wasm', 4], ['pulled', 'wasmcloud.azurecr.io/echo:0.3.8', 1]]);
  assert.deepEqual(m.actors[0]!.spread, [
    { name: 'east', requirements: { zone: 'us-east-1' }, count: 3 },
    { name: 'west', requirements: { zone: 'us-west-1' }, count: 1 },
  ]);
  assert.deepEqual(m.providers.map((p) => [p.component, p.name, p.linkName]), [['httpserver', 'httpserver', 'default'], ['redis', 'keyvalue', 'cache']]);
  assert.deepEqual(m.links, [
    { actor: 'counter', provider: 'httpserver', linkName: 'default', contract: undefined, values: { address: '127.0.0.1:8080' } },
    // kvredis keeps the actor's keys as they are (raw_keys); the URL given picks Redis already
    { actor: 'counter', provider: 'keyvalue', linkName: 'cache', contract: undefined, values: { raw_keys: 'true', URL: 'redis://127.0.0.1:6380' } },
  ]);
  assert.match(m.notes.join('\n'), /component "httpserver": wasmcloud\.azurecr\.io\/httpserver:0\.17\.0 runs on Stratus's built-in httpserver provider/);
  assert.match(m.notes.join('\n'), /component "redis": .*kvredis.* built-in keyvalue provider .*backend=redis, raw_keys=true/);
  // no scaler on "pulled": wadm would not run it; said so
  assert.match(r.warnings.map(formatProblem).join('\n'), /line \d+: spec\.components\[1\]\.traits: component "pulled" has no spreadscaler/);
});

test('a kvredis link without a URL is pointed at Redis, as kvredis would be', () => {
  const m = parseManifest(shop.replace('              URL: redis://127.0.0.1:6380\n', '              bucket: ""\n').replace("values:\n              bucket", 'values:\n              bucket'), ctx);
  assert.deepEqual(m.links[1]!.values, { backend: 'redis', bucket: '' });
  const bare = parseManifest(shop.replace(/\n            values:\n              URL: redis:\/\/127\.0\.0\.1:6380/, ''), ctx);
  assert.deepEqual(bare.links[1]!.values, { backend: 'redis', raw_keys: 'true' });
});

function problems(text: string): string[] {
  const r = checkManifest(text, ctx, 'manifest shop.yaml');
  assert.notEqual(r.problems.length, 0, 'manifest was accepted');
  return r.problems.map(formatProblem);
}

test('typos get the line and a suggestion; missing properties are named', () => {
  const bad = shop
    .replace('      type: actor\n      properties:\n        image: file', '      type: actr\n      properties:\n        image: file')
    .replace('            replicas: 1', '            replica: 1')
    .replace('        - type: linkdef\n          properties:\n            target: redis', '        - type: linkdfe\n          properties:\n            target: redis')
    .replace('        image: wasmcloud.azurecr.io/echo:0.3.8', '        imagee: wasmcloud.azurecr.io/echo:0.3.8');
  const p = problems(bad);
  const lines = bad.split('\n');
  const lineOf = (s: string) => lines.findIndex((l) => l.includes(s)) + 1;
  assert.ok(p.includes(`line ${lineOf('type: actr')}: spec.components[0].type: unknown component type "actr"; did you mean "actor"? (types: actor, capability)`), p.join('\n'));
  assert.ok(p.some((x) => x.startsWith(`line ${lineOf('replica: 1')}: spec.components[2].traits[0].properties.replica: unknown field "replica"; did you mean "replicas"?`)), p.join('\n'));
  assert.ok(p.some((x) => x.startsWith(`line ${lineOf('type: linkdfe')}: spec.components[0].traits[2].type: unknown trait type "linkdfe"; did you mean "linkdef"?`)), p.join('\n'));
  assert.ok(p.some((x) => x.startsWith(`line ${lineOf('imagee:')}: spec.components[1].properties.imagee: unknown field "imagee"; did you mean "image"?`)), p.join('\n'));
  assert.ok(p.some((x) => /spec\.components\[1\]\.properties\.image: is required/.test(x)), p.join('\n'));
  // the misspelt field is the problem; "replicas is required" on top would say the same twice
  assert.ok(!p.some((x) => /spec\.components\[2\]\.traits\[0\]\.properties\.replicas: is required/.test(x)), p.join('\n'));
  const none = problems(shop.replace('            replicas: 1', '            spread: []')).join('\n');
  assert.match(none, /spec\.components\[2\]\.traits\[0\]\.properties\.replicas: is required: how many instances to run/);
});

test('images Stratus cannot run are refused by name; wrong contracts, targets and apiVersion typos are caught', () => {
  const p = problems(shop
    .replace('apiVersion: core.oam.dev/v1beta1', 'apiVersion: core.oam.dev/v1beta')
    .replace('wasmcloud.azurecr.io/kvredis:0.21.0', 'wasmcloud.azurecr.io/nats_messaging:0.17.2')
    .replace('contract: wasmcloud:httpserver', 'contract: wasmcloud:keyvalue'));
  const text = p.join('\n');
  assert.match(text, /apiVersion: must be "stratus\.dev\/v1" \(Stratus\) or "core\.oam\.dev\/v1beta1" \(wadm\), got "core\.oam\.dev\/v1beta"; did you mean "core\.oam\.dev\/v1beta1"\?/);
  const q = problems(shop
    .replace('wasmcloud.azurecr.io/kvredis:0.21.0', 'wasmcloud.azurecr.io/nats_messaging:0.17.2')
    .replace('contract: wasmcloud:httpserver', 'contract: wasmcloud:keyvalue')
    .replace('target: httpserver', 'target: htpserver')).join('\n');
  // nats_messaging has no built-in counterpart: it is run as wasmCloud's own archive (no problem here)
  assert.ok(!/components\[3\]\.properties\.image/.test(q), q);
  assert.match(q, /spec\.components\[2\]\.properties\.contract: wasmcloud\.azurecr\.io\/httpserver:0\.17\.0 serves wasmcloud:httpserver, not wasmcloud:keyvalue/);
  assert.match(q, /spec\.components\[0\]\.traits\[1\]\.properties\.target: no capability component named "htpserver"; did you mean "httpserver"\?/);
  // any other registry image is a provider archive; it needs its contract
  const archive = parseManifest(shop.replace('wasmcloud.azurecr.io/httpserver:0.17.0', 'localhost:5000/acme/blobstore:1.0.0'), ctx);
  assert.deepEqual(archive.providers.find((x) => x.component === 'httpserver')!.archive, { contract: 'wasmcloud:httpserver' });
  assert.equal(archive.providers.find((x) => x.component === 'httpserver')!.name, 'localhost:5000/acme/blobstore:1.0.0');
  assert.equal(archive.links[0]!.contract, 'wasmcloud:httpserver');
  const r = problems(shop.replace('wasmcloud.azurecr.io/httpserver:0.17.0', 'localhost:5000/acme/blobstore:1.0.0').replace('        contract: wasmcloud:httpserver\n', '')).join('\n');
  assert.match(r, /contract: missing: localhost:5000\/acme\/blobstore:1\.0\.0 is a provider archive, and the contract it serves/);
  assert.match(problems(shop.replace('wasmcloud.azurecr.io/httpserver:0.17.0', './nope.par.gz')).join('\n'), /provider archive \/apps\/shop\/nope\.par\.gz does not exist/);
  assert.match(problems(shop.replace('wasmcloud.azurecr.io/httpserver:0.17.0', 'htpserver')).join('\n'), /"htpserver" is neither a built-in or published provider, nor a provider archive.*did you mean the built-in "httpserver"\?/);
  // an actor image that is neither a file nor a registry reference
  assert.match(problems(shop.replace('file:///apps/shop/build/kv_s.wasm', './nope.wasm')).join('\n'),
    /"\.\/nope\.wasm" is neither an existing file or actor project \(looked for \/apps\/shop\/nope\.wasm\) nor an OCI reference/);
  // wasmCloud 1.0's type and a linkdef on the wrong side
  const s = problems(shop.replace('      type: actor\n      properties:\n        image: wasm', '      type: component\n      properties:\n        image: wasm')
    .replace('        link_name: cache\n', '        link_name: cache\n      traits:\n        - type: linkdef\n          properties: { target: counter }\n')).join('\n');
  assert.match(s, /"component" is wasmCloud 1\.0's WebAssembly component type; Stratus runs wasmCloud 0\.x actors: use type "actor"/);
  assert.match(s, /spec\.components\[3\]\.traits\[0\]\.type: linkdef traits belong on the actor that uses the provider/);
});

test('a capability config reaches a provider archive as its configuration JSON; built-ins warn and ignore it', () => {
  const archiveShop = (config: string) => shop.replace('wasmcloud.azurecr.io/httpserver:0.17.0', 'localhost:5000/acme/blobstore:1.0.0')
    .replace('        contract: wasmcloud:httpserver\n', `        contract: wasmcloud:httpserver\n        config:${config}\n`);
  const mapping = parseManifest(archiveShop('\n          bucket: pics\n          retries: 3'), ctx);
  assert.deepEqual(mapping.providers.find((x) => x.component === 'httpserver')!.archive, { contract: 'wasmcloud:httpserver', config: '{"bucket":"pics","retries":3}' });
  const opaque = parseManifest(archiveShop(' "opaque text"'), ctx);
  assert.equal(opaque.providers.find((x) => x.component === 'httpserver')!.archive!.config, 'opaque text');
  assert.match(problems(archiveShop(' [1, 2]')).join('\n'), /properties\.config: must be a mapping or a string .* not a list/);
  // the built-in kvredis counterpart takes none: a warning, and nothing is passed
  const builtin = checkManifest(shop.replace('        link_name: cache\n', '        link_name: cache\n        config: { a: 1 }\n'), ctx, 'shop.yaml');
  assert.deepEqual(builtin.problems, []);
  assert.match(builtin.warnings.map(formatProblem).join('\n'), /properties\.config: built-in providers take no provider configuration/);
  assert.equal(builtin.manifest!.providers.find((x) => x.component === 'redis')!.archive, undefined);
});

test('parseManifest throws one INVALID_MANIFEST naming every problem with its line', () => {
  try {
    parseManifest(shop.replace('type: capability', 'type: capabilty'), ctx, 'manifest shop.yaml');
    assert.fail('accepted');
  } catch (e) {
    assert.ok(isStratusError(e, 'INVALID_MANIFEST'));
    const line = shop.split('\n').indexOf('      type: capability') + 1;
    assert.equal(shop.split('\n')[line - 2], '    - name: httpserver');
    assert.match(e.message, new RegExp(`^manifest shop\\.yaml is invalid:\\n {2}- line ${line}: spec`));
    assert.match(e.message, /spec\.components\[2\]\.type: unknown component type "capabilty"; did you mean "capability"\?/);
    assert.match(e.message, /no capability component named "httpserver"/);
    assert.match(e.message, /hint: see docs\/app-manifests\.md/);
  }
});

test('spread arithmetic: replicas split by weight add up; a host takes the entries whose requirements it meets', () => {
  const spread: SpreadEntry[] = [{ name: 'a', requirements: { zone: 'a' }, weight: 1 }, { name: 'b', requirements: { zone: 'b' }, weight: 1 }, { name: 'c', requirements: {}, weight: 1 }];
  for (const replicas of [1, 2, 3, 4, 5, 7, 10]) {
    const shares = splitReplicas(replicas, spread);
    assert.equal(shares.reduce((n, s) => n + s.count, 0), replicas);
    assert.ok(Math.max(...shares.map((s) => s.count)) - Math.min(...shares.map((s) => s.count)) <= 1);
  }
  assert.deepEqual(splitReplicas(10, [{ name: 'x', requirements: {}, weight: 80 }, { name: 'y', requirements: {}, weight: 20 }]).map((s) => s.count), [8, 2]);
  const { taken, left } = sharesOnHost(splitReplicas(6, spread), { zone: 'b', other: '1' });
  assert.deepEqual(taken.map((s) => s.name), ['b', 'c']);
  assert.deepEqual(left.map((s) => s.name), ['a']);
});

test('an actor claiming a contract the manifest never links is warned about', () => {
  const m = parseManifest(shop, ctx);
  const w = missingLinkWarnings(m, new Map([['counter', ['wasmcloud:httpserver', 'wasmcloud:keyvalue', 'wasmcloud:builtin:logging']], ['pulled', ['wasmcloud:keyvalue']]]), ctx.providers);
  assert.deepEqual(w, ['actor "pulled" claims wasmcloud:keyvalue but the manifest links it to no provider for it, so its wasmcloud:keyvalue calls will be denied (add a capability component for keyvalue and a linkdef trait on "pulled" targeting it)']);
});

test('the shipped wadm example validates, and the JSON Schema lists what the parser accepts', async () => {
  const { BUILTIN_PROVIDERS } = await import('../../src/providers/registry.js');
  const { statSync } = await import('node:fs');
  const providers = Object.fromEntries(BUILTIN_PROVIDERS.filter((p) => p.create).map((p) => [p.name, p.contractId]));
  const dir = join(REPO, 'examples/kvcounter');
  const r = checkManifest(readFileSync(join(dir, 'wadm.yaml'), 'utf8'), {
    baseDir: dir, providers, pathKind: (p) => { try { return statSync(p).isDirectory() ? 'dir' : 'file'; } catch { return 'missing'; } },
  });
  assert.deepEqual(r.problems, []);
  assert.equal(r.manifest!.format, 'wadm');
  const schema = JSON.parse(readFileSync(join(REPO, 'schemas/wadm-application.schema.json'), 'utf8'));
  assert.equal(schema.properties.apiVersion.const, 'core.oam.dev/v1beta1');
  const types = schema.definitions.component.properties.type.enum as string[];
  assert.deepEqual([...types].sort(), ['actor', 'capability', 'provider']);
  const traits = schema.definitions.trait.properties.type.enum as string[];
  assert.deepEqual([...traits].sort(), ['daemonscaler', 'linkdef', 'spreadscaler']);
  const own = JSON.parse(readFileSync(join(REPO, 'schemas/stratus-application.schema.json'), 'utf8'));
  assert.equal(own.properties.apiVersion.const, 'stratus.dev/v1');
  assert.deepEqual([...own.properties.spec.properties.providers.items.properties.name.enum].sort(), Object.keys(providers).sort(), 'the schema names every built-in provider');
});
