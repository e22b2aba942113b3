// tier: full — real nats-server -js, a real docker-registry, provider processes from signed archives
// The ctl `launch provider` subject with provider archives: a file:// .par.gz (file loads allowed)
// and an OCI reference pulled from a registry (digest-checked, cached), each started as a process
// on the chosen host; refusals say what was wrong.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { pushArtifact } from '../../src/oci/push.js';
import { controlPaths } from '../../src/control/paths.js';
import { startRegistry, type TestRegistry } from '../oci/registry-server.js';
import { CONFIG_PROVIDER, ECHO_CONTRACT, ECHO_PROVIDER, packProvider } from '../providers/process-support.js';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { STRATUS_BIN } from '../e2e/support.js';
import { echoActorFile, rawClient, requestText, startMember, startNats, watchEvents, type EventLog, type Member, type RunningServer } from './ctl-support.js';

const P = 'wasmbus.ctl.default';
const OK = '{"accepted":true,"error":""}';
let nats: RunningServer;
let reg: TestRegistry;
let host: Member;
let strict: Member;
let nc: NatsConnection;
let ev: EventLog;
const cache = mkdtempSync(join(tmpdir(), 'st-par-cache-'));

before(async () => {
  // the host pulls with its own environment, as wasmCloud's WASMCLOUD_OCI_* settings
  process.env.STRATUS_CACHE_DIR = cache;
  [nats, reg] = await Promise.all([startNats(), startRegistry()]);
  process.env.WASMCLOUD_OCI_ALLOWED_INSECURE = reg.host;
  host = await startMember(nats.url, { archives: true, allowFileLoad: true });
  strict = await startMember(nats.url, { archives: true, allowFileLoad: false });
  nc = await rawClient(nats.url);
  ev = await watchEvents(nc);
});

after(async () => {
  ev.close();
  await nc.close();
  await Promise.all([host.stop(), strict.stop()]);
  await Promise.all([nats.stop(), reg.dispose()]);
});

const inv = async (m: Member) => JSON.parse(await requestText(nc, `${P}.get.${m.host.id}.inv`, ''));

test('launch provider with a file:// archive starts it as a process; the host without file loads refuses', async () => {
  const packed = packProvider(ECHO_PROVIDER, 'fileecho');
  const ref = `file://${packed.path}`;
  assert.equal(await requestText(nc, `${P}.cmd.${host.host.id}.lp`, JSON.stringify({ provider_ref: ref, link_name: 'default', annotations: { app: 'a1' } })), OK);
  const started = await ev.next((e) => e.type === 'com.wasmcloud.lattice.provider_started' && e.data.public_key === packed.service.publicKey, 'provider_started');
  assert.equal(started.source, host.host.id);
  assert.equal(started.data.image_ref, ref);
  assert.deepEqual(started.data.annotations, { app: 'a1' });
  const provs = (await inv(host)).providers;
  assert.deepEqual(provs.map((p: any) => [p.id, p.link_name]), [[packed.service.publicKey, 'default']]);

  const refused = JSON.parse(await requestText(nc, `${P}.cmd.${strict.host.id}.lp`, JSON.stringify({ provider_ref: ref, link_name: 'default' })));
  assert.equal(refused.accepted, false);
  assert.match(refused.error, /WASMCLOUD_ALLOW_FILE_LOAD=true/);
  const notArchive = JSON.parse(await requestText(nc, `${P}.cmd.${host.host.id}.lp`, JSON.stringify({ provider_ref: 'file:///tmp/x.wasm', link_name: 'default' })));
  assert.match(notArchive.error, /does not name a provider archive/);

  assert.equal(await requestText(nc, `${P}.cmd.${host.host.id}.sp`, JSON.stringify({ provider_ref: packed.service.publicKey, link_name: 'default', contract_id: '' })), OK);
  assert.deepEqual((await inv(host)).providers, []);
});

test('launch provider with an OCI reference pulls the archive, caches it by digest and starts it; a missing one fails with provider_start_failed', async () => {
  const packed = packProvider(ECHO_PROVIDER, 'ociecho');
  const ref = `${reg.host}/stratus/ociecho:0.1.0`;
  await pushArtifact(ref, new Uint8Array(readFileSync(packed.path)), { insecure: true, env: {}, cacheDir: null });
  assert.equal(await requestText(nc, `${P}.cmd.${strict.host.id}.lp`, JSON.stringify({ provider_ref: ref, link_name: 'default', host_id: strict.host.id })), OK);
  const started = await ev.next((e) => e.type === 'com.wasmcloud.lattice.provider_started' && e.data.public_key === packed.service.publicKey, 'provider_started');
  assert.equal(started.source, strict.host.id);
  assert.equal(started.data.image_ref, ref);
  assert.equal(started.data.contract_id, ECHO_CONTRACT);
  assert.deepEqual((await inv(strict)).providers.map((p: any) => p.id), [packed.service.publicKey]);
  assert.equal(readdirSync(join(cache, 'oci', 'archives')).filter((f) => f.endsWith('.par.gz')).length, 1);

  // a second launch of the same archive and link name is refused once its id is read
  assert.equal(await requestText(nc, `${P}.cmd.${strict.host.id}.lp`, JSON.stringify({ provider_ref: ref, link_name: 'default' })), OK);
  const dup = await ev.next((e) => e.type === 'com.wasmcloud.lattice.provider_start_failed' && e.data.provider_ref === ref, 'provider_start_failed (duplicate)');
  assert.match(dup.data.error, /already running/);

  const missing = `${reg.host}/stratus/nothing:9.9.9`;
  assert.equal(await requestText(nc, `${P}.cmd.${strict.host.id}.lp`, JSON.stringify({ provider_ref: missing, link_name: 'default' })), OK);
  const failed = await ev.next((e) => e.type === 'com.wasmcloud.lattice.provider_start_failed' && e.data.provider_ref === missing, 'provider_start_failed (missing)');
  assert.match(failed.data.error, /nothing/);
  assert.deepEqual((await inv(strict)).providers.map((p: any) => p.id), [packed.service.publicKey]);
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [STRATUS_BIN, ...args, '--ctl-port', String(nats.port)],
      { env: { ...process.env, STRATUS_HOME: cache }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    child.on('exit', (code) => res({ code, stdout, stderr }));
  });
}

test('ctl start provider --config: the start configuration reaches the provider process as HostData config_json (lp "configuration")', async () => {
  const packed = packProvider(CONFIG_PROVIDER, 'configured');
  const config = '{"greeting":"bonjour","n":2}';
  const r = await cli(['ctl', 'start', 'provider', packed.path, '-x', 'default', '--host-id', host.host.id, '--config', config, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(JSON.parse(r.stdout).id, packed.service.publicKey);
  const seen = host.logs.find((l) => l.text.includes('config_json='));
  assert.ok(seen, `the provider printed its HostData; host log: ${JSON.stringify(host.logs.slice(-5))}`);
  assert.equal(JSON.parse(seen.text.slice(seen.text.indexOf('config_json=') + 'config_json='.length)), config);
  // kept for the restore of \`stratus up\`
  const saved = JSON.parse(readFileSync(controlPaths(host.home).stateFile, 'utf8')).providers as { name: string; config?: string }[];
  assert.ok(saved.some((p) => p.name === packed.path && p.config === config), JSON.stringify(saved));
  // a built-in provider takes its settings as link values: a configuration is refused, saying so
  const builtin = await cli(['ctl', 'start', 'provider', 'httpserver', '-x', 'default', '--host-id', host.host.id, '--config', config]);
  assert.notEqual(builtin.code, 0);
  assert.match(builtin.stderr + builtin.stdout, /takes no start configuration; give its settings as link values/);
  assert.equal(await requestText(nc, `${P}.cmd.${host.host.id}.sp`, JSON.stringify({ provider_ref: packed.service.publicKey, link_name: 'default', contract_id: '' })), OK);
});

test('stratus app deploy -x: a wadm capability component from a registry is launched as an archive on a lattice host and linked', async () => {
  const packed = packProvider(ECHO_PROVIDER, 'appecho');
  const ref = `${reg.host}/stratus/appecho:0.1.0`;
  await pushArtifact(ref, new Uint8Array(readFileSync(packed.path)), { insecure: true, env: {}, cacheDir: null });
  const actor = await echoActorFile(cache, 'appcaller', { caps: [ECHO_CONTRACT] });
  const file = join(cache, 'app.yaml');
  writeFileSync(file, `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: parapp
spec:
  components:
    - name: caller
      type: actor
      properties:
        image: file://${actor.path}
      traits:
        - type: linkdef
          properties:
            target: echoer
            values:
              greeting: hi
    - name: echoer
      type: capability
      properties:
        image: ${ref}
        contract: ${ECHO_CONTRACT}
        link_name: app
`);
  const r = await cli(['app', 'deploy', file, '-x', 'default', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.providers.map((p: any) => [p.id, p.link_name]), [[packed.service.publicKey, 'app']]);
  assert.deepEqual(out.links, [{ actor_id: actor.id, provider_id: packed.service.publicKey, contract_id: ECHO_CONTRACT, link_name: 'app' }]);
  const runner = [host, strict].find((m) => m.host.id === out.providers[0].host_id)!;
  assert.ok((await inv(runner)).providers.some((p: any) => p.id === packed.service.publicKey && p.link_name === 'app'));
});
