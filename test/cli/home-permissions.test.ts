// tier: full — runs the stratus CLI as processes
// $STRATUS_HOME holds signing keys, the host's seed and state, and the host log: after
// `stratus up --detached` (and `claims sign`, which creates keys) none of it may be readable by
// other users. Real commands, real file modes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempHome } from '../e2e/support.js';
import { actorModule } from '../claims/fixtures.js';

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

test('a fresh home: keys/, data/, the home itself 0700; key files, host.log and state 0600', async () => {
  const tmp = tempHome('perm');
  const home = join(tmp.dir, 'home');
  try {
    const wasm = join(tmp.dir, 'a.wasm');
    writeFileSync(wasm, await actorModule());
    const signed = await cli(home, ['claims', 'sign', wasm, '-n', 'a']);
    assert.equal(signed.code, 0, signed.stdout + signed.stderr);
    assert.equal(mode(home), '700');
    assert.equal(mode(join(home, 'keys')), '700');
    assert.equal(mode(join(home, 'keys', 'a_account.nk')), '600');

    const up = await cli(home, ['up', '--detached', '--rpc-timeout', '20000']);
    assert.equal(up.code, 0, up.stdout + up.stderr);
    try {
      assert.equal(mode(home), '700');
      assert.equal(mode(join(home, 'host.log')), '600');
      assert.equal(mode(join(home, 'data')), '700');
      assert.equal(mode(join(home, 'data', 'host-state.json')), '600');
      assert.equal(mode(join(home, 'host.sock')), '600');
    } finally {
      const down = await cli(home, ['down']);
      assert.equal(down.code, 0, down.stdout + down.stderr);
    }
  } finally {
    tmp.cleanup();
  }
});

test('a home left open by an earlier version is tightened by `up --detached`', async () => {
  const tmp = tempHome('perm-old');
  const home = join(tmp.dir, 'home');
  try {
    mkdirSync(join(home, 'keys'), { recursive: true });
    chmodSync(home, 0o755);
    chmodSync(join(home, 'keys'), 0o755);
    writeFileSync(join(home, 'host.log'), 'an old log line\n');
    chmodSync(join(home, 'host.log'), 0o644);
    const up = await cli(home, ['up', '--detached', '--rpc-timeout', '20000']);
    assert.equal(up.code, 0, up.stdout + up.stderr);
    try {
      assert.equal(mode(home), '700');
      assert.equal(mode(join(home, 'keys')), '700');
      assert.equal(mode(join(home, 'host.log')), '600');
    } finally {
      const down = await cli(home, ['down']);
      assert.equal(down.code, 0, down.stdout + down.stderr);
    }
  } finally {
    tmp.cleanup();
  }
});
