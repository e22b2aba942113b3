// tier: full — runs host processes (stratus up) and the CLI
// `stratus up --trusted-issuer`: only actors signed by the listed accounts start; others are
// refused with a clear error, and the host keeps serving the trusted ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { signActorModule } from '../../src/claims/sign.js';
import { fixture } from '../support/fixtures.js';
import { cli, startHostProcess, tempHome } from './support.js';

test('an issuer allow-list admits trusted actors and refuses others by name', async () => {
  const home = tempHome('issuers');
  const trusted = createKeyPair('account');
  const stranger = createKeyPair('account');
  const echo = await fixture('echo');
  const good = join(home.dir, 'good.wasm');
  const bad = join(home.dir, 'bad.wasm');
  writeFileSync(good, signActorModule(echo, { name: 'good', issuer: trusted.seed }));
  writeFileSync(bad, signActorModule(echo, { name: 'bad', issuer: stranger.seed }));
  const host = await startHostProcess(home.dir, ['--trusted-issuer', trusted.publicKey]);
  try {
    const ok = await cli(home.dir, ['ctl', 'start', 'actor', good, '-o', 'json']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const refused = await cli(home.dir, ['ctl', 'start', 'actor', bad, '-o', 'json']);
    assert.notEqual(refused.code, 0);
    const err = JSON.parse(refused.stdout);
    assert.equal(err.code, 'UNTRUSTED_ISSUER');
    assert.ok(err.error.includes(stranger.publicKey), err.error);
    const id: string = JSON.parse(ok.stdout).id;
    assert.match(id, /^M/);
    const called = await cli(home.dir, ['ctl', 'call', id, 'Echo.Say', '--data', '"still serving"', '-o', 'json']);
    assert.equal(called.code, 0, called.stdout + called.stderr);
    assert.equal(JSON.parse(called.stdout), 'still serving');
  } finally {
    await host.stop();
    home.cleanup();
  }
});

test('a malformed --trusted-issuer is a usage error (exit 2), not a host that trusts nobody', async () => {
  const home = tempHome('issuers-bad');
  try {
    const r = await cli(home.dir, ['up', '--trusted-issuer', 'not-a-key']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /not an account public key/);
  } finally {
    home.cleanup();
  }
});
