// read-module.ts: user-named files are read without blocking the event loop, and anything that
// is not a regular file of a sane size is refused with a clear error before it is opened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTOR_MODULE, APP_MANIFEST, readActorModuleFile, readUserFile } from '../../src/core/user-files.js';
import { isStratusError } from '../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'stratus-readmod-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const refused = (code: string, message: RegExp) => (e: unknown) =>
  isStratusError(e) && e.code === code && message.test(e.message);

test('a regular file (and a symlink to one) is read whole', async () => {
  const p = join(dir, 'ok.wasm');
  writeFileSync(p, Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  assert.deepEqual([...await readActorModuleFile(p)], [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  symlinkSync(p, join(dir, 'link.wasm'));
  assert.equal((await readActorModuleFile(join(dir, 'link.wasm'))).length, 8);
});

test('a FIFO is refused without waiting for a writer', { timeout: 20_000 }, async () => {
  const fifo = join(dir, 'pipe.wasm');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  // A read that waited for a writer would never settle: the test's timeout would fail it.
  await assert.rejects(readActorModuleFile(fifo), refused('BAD_REQUEST', /pipe\.wasm is a FIFO, not a \.wasm file\n  hint: give the path of a signed \.wasm file/));
});

test('a directory, a character device, a missing path: each says what it is and what to give instead', async () => {
  const d = join(dir, 'd.wasm');
  mkdirSync(d);
  await assert.rejects(readActorModuleFile(d), refused('BAD_REQUEST', /d\.wasm is a directory, not a \.wasm file/));
  await assert.rejects(readActorModuleFile('/dev/zero'), refused('BAD_REQUEST', /\/dev\/zero is a character device, not a \.wasm file/));
  await assert.rejects(readActorModuleFile(join(dir, 'missing.wasm')), refused('BAD_REQUEST', /cannot read actor module .*missing\.wasm: no such file\n  hint:/));
  await assert.rejects(readActorModuleFile(join(dir, 'ok-not-here', 'x.wasm')), refused('BAD_REQUEST', /no such file/));
});

test('a file over the cap is refused before reading, naming its size and the cap', async () => {
  const big = join(dir, 'big.wasm');
  closeSync(openSync(big, 'w'));
  truncateSync(big, ACTOR_MODULE.maxBytes + 1); // sparse: nothing is written
  await assert.rejects(readActorModuleFile(big), refused('INVALID_MODULE', new RegExp(`actor module .*big\\.wasm is ${ACTOR_MODULE.maxBytes + 1} bytes, over the limit of 64 MiB\n  hint: check that`)));
  const exact = join(dir, 'manifest.yaml');
  closeSync(openSync(exact, 'w'));
  truncateSync(exact, APP_MANIFEST.maxBytes + 10);
  await assert.rejects(readUserFile(exact, APP_MANIFEST), refused('INVALID_MANIFEST', /manifest .*manifest\.yaml is \d+ bytes, over the limit of 1 MiB/));
});
