// tier: full — scaffolds and builds a provider project, real nats-server and a provider process
// `stratus new provider` packs a self-contained archive: copied to a fresh folder and started by a
// host after the project folder is gone, it unpacks its own code and serves a wasm actor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { packageRoot } from '../../src/codegen/generate.js';
import { readArchive } from '../../src/par/archive.js';
import { hostTarget } from '../../src/par/target.js';
import { hostCallPayload, signedFixture, text, until, utf8 } from '../support/fixtures.js';
import { hostWithProcesses } from '../providers/process-support.js';
import { STRATUS_BIN } from '../e2e/support.js';

const { host, logs, archives } = hostWithProcesses();
const work = mkdtempSync(join(tmpdir(), 'stratus-bundle-'));
// where the provider process (a child of this test's host, with its environment) unpacks itself
process.env.STRATUS_PROVIDER_CACHE = join(work, 'cache');

/** The launcher's gzipped payload, unpacked: its index and whole text. */
function payloadOf(script: string): { paths: string[]; raw: string } {
  const m = /\nvar PAYLOAD = "([A-Za-z0-9+/=]+)";\n$/.exec(script);
  assert.ok(m, 'the script ends with its payload');
  const raw = gunzipSync(Buffer.from(m[1], 'base64'));
  const n = raw.readUInt32BE(0);
  const index = JSON.parse(raw.subarray(4, 4 + n).toString('utf8')) as [string, number, number][];
  return { paths: index.map((e) => e[0]), raw: raw.toString('latin1') };
}

test('the template packs a self-contained .par.gz that runs with the project gone', async () => {
  const env = { ...process.env, STRATUS_HOME: join(work, 'home') };
  const dir = join(work, 'greeter');
  const made = spawnSync(process.execPath, [STRATUS_BIN, 'new', 'provider', 'greeter', '--path', dir, '--capid', 'acme:greeter', '-o', 'json'], { encoding: 'utf8', env });
  assert.equal(made.status, 0, made.stderr);
  const built = spawnSync('npm', ['run', 'build'], { cwd: dir, encoding: 'utf8', env });
  assert.equal(built.status, 0, built.stdout + built.stderr);
  assert.match(built.stdout, /build\/greeter: \d+ files from the project, stratus and \d+ packages/);

  // the binary in the archive is the launcher, and nothing in it points back at this machine's files
  const par = join(work, 'elsewhere', 'greeter.par.gz');
  mkdirSync(join(work, 'elsewhere'));
  copyFileSync(join(dir, 'build', 'greeter.par.gz'), par);
  const script = new TextDecoder().decode(readArchive(readFileSync(par)).binaries.get(hostTarget()));
  assert.match(script, /^#!\/usr\/bin\/env node\n/);
  const { paths, raw } = payloadOf(script);
  for (const p of ['app/provider.mjs', 'app/package.json', 'stratus/package.json', 'stratus/dist/src/provider-sdk/index.js', 'node_modules/msgpackr/package.json', 'node_modules/@nats-io/transport-node/package.json']) {
    assert.ok(paths.includes(p), `${p} is in the payload`);
  }
  assert.ok(!paths.some((p) => p.startsWith('stratus/dist/src/cli/') || p.startsWith('stratus/dist/test/')), 'only the stratus modules the provider reaches');
  for (const local of [dir, packageRoot(), '/work/']) assert.ok(!raw.includes(local) && !script.includes(local), `no reference to ${local}`);

  renameSync(dir, `${dir}.gone`); // the project is gone: only the archive is left
  const source = archives();
  const provider = await source.open(par, 'default');
  await host.startProvider(provider);
  const actor = await host.startActor(await signedFixture('hostcall', { name: 'greeted', caps: ['acme:greeter'] }));
  await host.putLink({ actor_id: actor.id, provider_id: provider.id, contract_id: 'acme:greeter', link_name: 'default', values: { greeting: 'salut' } });
  await until(() => logs.some((l) => l.text.includes(`linked actor ${actor.id}`)), 'the provider to take the link');
  assert.equal(text(await host.call(actor.id, 'Run', hostCallPayload('default', 'acme:greeter', 'Greeter.Greet', utf8('monde')))), 'salut, monde');
  // it ran from what it unpacked
  const hash = /\nconst HASH = "([0-9a-f]{64})";\n/.exec(script)?.[1];
  assert.ok(hash && existsSync(join(work, 'cache', hash, 'app', 'provider.mjs')));
  await host.stopProvider(provider.id, 'default');
});
