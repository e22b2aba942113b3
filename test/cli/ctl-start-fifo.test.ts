// tier: full — runs a host process and the CLI
// Fault 9: `stratus ctl start actor <fifo>` must not freeze the host. The module path is opened by
// the host process; a FIFO, a directory or a device is refused with a clear error and the host
// keeps answering. A real host process, a real FIFO (mkfifo), real `stratus` commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cli, startHostProcess, tempHome, type CliResult } from '../e2e/support.js';

const json = (r: CliResult) => {
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
};

test('ctl start actor on a FIFO, a directory or a device: refused at once, the host keeps answering', async () => {
  const home = tempHome('fifo');
  const fifo = join(home.dir, 'actor.wasm');
  const made = spawnSync('mkfifo', [fifo], { encoding: 'utf8' });
  assert.equal(made.status, 0, `mkfifo failed: ${made.stderr}`);
  const dir = join(home.dir, 'dir.wasm');
  mkdirSync(dir);
  const host = await startHostProcess(home.dir);
  try {
    // A host that blocked on the FIFO would never answer: the 30 s guard in cli() then fails the test.
    const r = await cli(home.dir, ['ctl', 'start', 'actor', fifo, '-o', 'json'], 30_000);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const err = json(r);
    assert.equal(err.code, 'BAD_REQUEST');
    assert.match(err.error, /actor\.wasm is a FIFO, not a \.wasm file/);
    assert.match(err.error, /hint: .*signed \.wasm file/);

    // ...and the host still serves other control commands right after.
    const inv = await cli(home.dir, ['ctl', 'get', 'inventory', '-o', 'json'], 30_000);
    assert.equal(inv.code, 0, inv.stdout + inv.stderr);
    assert.equal(json(inv).host_id, host.view.id);
    assert.deepEqual(json(inv).actors, []);

    const d = await cli(home.dir, ['ctl', 'start', 'actor', dir], 30_000);
    assert.equal(d.code, 2, d.stdout + d.stderr);
    assert.match(d.stderr, /dir\.wasm is a directory, not a \.wasm file/);
    const dev = await cli(home.dir, ['ctl', 'start', 'actor', '/dev/zero'], 30_000);
    assert.equal(dev.code, 2, dev.stdout + dev.stderr);
    assert.match(dev.stderr, /\/dev\/zero is a character device, not a \.wasm file/);
  } finally {
    // On a host frozen in a blocking read SIGTERM is never handled; do not leave it behind.
    const stopped = host.stop();
    const killer = setTimeout(() => host.child.kill('SIGKILL'), 10_000);
    await stopped;
    clearTimeout(killer);
    home.cleanup();
  }
});
