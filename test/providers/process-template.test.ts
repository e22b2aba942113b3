// tier: full — scaffolds and builds a provider project, real nats-server -js and a provider process
// `stratus new provider` makes a project that builds into a signed .par.gz as is; a host in a
// lattice starts it from the archive and a wat actor calls it over NATS with its link value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostCallPayload, signedFixture, text, until, utf8 } from '../support/fixtures.js';
import { hostWithProcesses } from './process-support.js';
import { STRATUS_BIN } from '../e2e/support.js';

const { host, logs, archives } = hostWithProcesses();

test('stratus new provider: builds and packs as is; started from the archive, an actor calls it', async () => {
  const work = mkdtempSync(join(tmpdir(), 'stratus-newprov-'));
  const env = { ...process.env, STRATUS_HOME: join(work, 'home') };
  const dir = join(work, 'greeter');
  const made = spawnSync(process.execPath, [STRATUS_BIN, 'new', 'provider', 'greeter', '--path', dir, '--capid', 'acme:greeter', '-o', 'json'], { encoding: 'utf8', env });
  assert.equal(made.status, 0, made.stderr);
  assert.equal(JSON.parse(made.stdout).capid, 'acme:greeter');
  const built = spawnSync('npm', ['run', 'build'], { cwd: dir, encoding: 'utf8', env });
  assert.equal(built.status, 0, built.stdout + built.stderr);
  const par = join(dir, 'build', 'greeter.par.gz');
  assert.ok(existsSync(par));
  const inspect = spawnSync(process.execPath, [STRATUS_BIN, 'par', 'inspect', par, '-o', 'json'], { encoding: 'utf8', env });
  assert.equal(inspect.status, 0, inspect.stderr);
  assert.equal(JSON.parse(inspect.stdout).runnableHere, true);

  const source = archives();
  const provider = await source.open(par, 'default');
  await host.startProvider(provider);
  const actor = await host.startActor(await signedFixture('hostcall', { name: 'greeted', caps: ['acme:greeter'] }));
  await host.putLink({ actor_id: actor.id, provider_id: provider.id, contract_id: 'acme:greeter', link_name: 'default', values: { greeting: 'bonjour' } });
  await until(() => logs.some((l) => l.text.includes(`linked actor ${actor.id}`)), 'the provider to take the link');
  assert.equal(text(await host.call(actor.id, 'Run', hostCallPayload('default', 'acme:greeter', 'Greeter.Greet', utf8('world')))), 'bonjour, world');
  await host.stopProvider(provider.id, 'default');
});
