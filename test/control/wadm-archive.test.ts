// tier: full — real nats-server -js, a real docker-registry, a provider process from a signed archive
// A wadm manifest whose capability component is a provider archive pushed to a registry: deployed
// on one host (pulled, checked, started as a process), linked to an actor, and called from it.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type Runtime } from '../../src/control/compose.js';
import { HostController } from '../../src/control/controller.js';
import { controlPaths } from '../../src/control/paths.js';
import { StateStore } from '../../src/control/state-store.js';
import { isStratusError } from '../../src/core/errors.js';
import { pushArtifact } from '../../src/oci/push.js';
import { startRegistry, type TestRegistry } from '../oci/registry-server.js';
import { ECHO_CONTRACT, ECHO_PROVIDER, packProvider } from '../providers/process-support.js';
import { hostCallPayload, signedFixture, text, until, utf8, type LogLine } from '../support/fixtures.js';
import { startNats, type RunningServer } from '../support/servers.js';
import { latticeConfig } from '../lattice/ctl-support.js';

let nats: RunningServer;
let reg: TestRegistry;
let runtime: Runtime;
let controller: HostController;
const logs: LogLine[] = [];
const home = mkdtempSync(join(tmpdir(), 'st-wadm-par-'));

before(async () => {
  process.env.STRATUS_CACHE_DIR = join(home, 'cache');
  [nats, reg] = await Promise.all([startNats(), startRegistry()]);
  // the host pulls with its own environment, as wasmCloud's WASMCLOUD_OCI_ALLOWED_INSECURE
  process.env.WASMCLOUD_OCI_ALLOWED_INSECURE = reg.host;
  const paths = controlPaths(join(home, 'stratus'));
  const log = (level: string, t: string) => { logs.push({ level, text: t }); };
  runtime = await createRuntime({ dataDir: paths.dataDir, log, lattice: latticeConfig(nats.url) });
  controller = new HostController({ host: runtime.host, store: new StateStore(paths.stateFile), paths, log, sources: runtime.sources, buildProject: runtime.buildProject });
  await runtime.lattice!.join(controller);
});

after(async () => {
  await runtime.lattice!.leave();
  await Promise.all([nats.stop(), reg.dispose()]);
});

function manifest(image: string, contract: string): string {
  return `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: echoapp
  annotations:
    version: v0.0.1
spec:
  components:
    - name: caller
      type: actor
      properties:
        image: ./caller_s.wasm
      traits:
        - type: spreadscaler
          properties:
            replicas: 1
        - type: linkdef
          properties:
            target: echoer
            values:
              greeting: hi
    - name: echoer
      type: capability
      properties:
        image: ${image}
        contract: ${contract}
`;
}

test('a wadm capability component from a registry runs as a provider process, linked and called from the actor', async () => {
  const packed = packProvider(ECHO_PROVIDER, 'wadmecho');
  const ref = `${reg.host}/stratus/wadmecho:0.1.0`;
  await pushArtifact(ref, new Uint8Array(readFileSync(packed.path)), { insecure: true, env: {}, cacheDir: null });
  writeFileSync(join(home, 'caller_s.wasm'), await signedFixture('hostcall', { name: 'caller', caps: [ECHO_CONTRACT] }));

  // a wrong contract is caught before anything starts
  writeFileSync(join(home, 'wrong.yaml'), manifest(ref, 'wasmcloud:keyvalue'));
  await assert.rejects(controller.deployApp(join(home, 'wrong.yaml')), (e) => isStratusError(e) && /serves acme:echoer, not wasmcloud:keyvalue/.test(e.message));
  assert.deepEqual(runtime.host.inventory().providers, []);

  writeFileSync(join(home, 'app.yaml'), manifest(ref, ECHO_CONTRACT));
  const r = await controller.deployApp(join(home, 'app.yaml'));
  assert.ok(r.notes.some((n) => n.includes('provider archive') && n.includes(ref)), r.notes.join('\n'));
  const prov = runtime.host.inventory().providers.find((p) => p.id === packed.service.publicKey);
  assert.ok(prov, 'the archive provider runs on the host');
  const actor = runtime.host.inventory().actors.find((a) => a.name === 'caller')!;
  const link = runtime.host.links().find((l) => l.actor_id === actor.id);
  assert.equal(link?.provider_id, packed.service.publicKey);
  assert.equal(link?.contract_id, ECHO_CONTRACT);

  await until(() => logs.some((l) => l.text.includes(`linked actor ${actor.id}`)), 'the provider process to log the link');
  const out = text(await runtime.host.call(actor.id, 'Run', hostCallPayload('default', ECHO_CONTRACT, 'Echo.Say', utf8('hi'))));
  assert.match(out, /^echo: hi from \d+$/);

  // a relative .par.gz path in the manifest works too (same provider: already running, kept)
  writeFileSync(join(home, 'wadmecho.par.gz'), readFileSync(packed.path));
  writeFileSync(join(home, 'local.yaml'), manifest('./wadmecho.par.gz', ECHO_CONTRACT));
  const again = await controller.deployApp(join(home, 'local.yaml'));
  assert.ok(again.changes.some((c) => c.kind === 'provider' && c.action === 'kept'), JSON.stringify(again.changes));
});
