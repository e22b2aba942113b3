// tier: full — builds the kvcounter example with asc, twice
// The build cache of `stratus app deploy`: a project directory is rebuilt only when it is stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('build cache: a project is rebuilt only when its module is missing or older than a source file', async () => {
  const { cpSync, utimesSync, statSync } = await import('node:fs');
  const { buildIfStale } = await import('../../src/control/build-cache.js');
  const { REPO } = await import('../e2e/support.js');
  const dir = mkdtempSync(join(tmpdir(), 'st-bc-'));
  const savedHome = process.env.STRATUS_HOME;
  process.env.STRATUS_HOME = join(dir, '.home'); // signing keys go here, not into ~/.stratus
  try {
    cpSync(join(REPO, 'examples/kvcounter'), dir, { recursive: true, filter: (p) => !p.includes('/build') });
    const first = await buildIfStale(dir);
    assert.equal(first.built, true);
    const second = await buildIfStale(dir);
    assert.deepEqual(second, { wasmPath: first.wasmPath, built: false });
    // touch a source file into the future: stale -> rebuilt
    const future = new Date(statSync(first.wasmPath).mtimeMs + 60_000);
    utimesSync(join(dir, 'assembly/index.ts'), future, future);
    assert.equal((await buildIfStale(dir)).built, true);
  } finally {
    if (savedHome === undefined) delete process.env.STRATUS_HOME; else process.env.STRATUS_HOME = savedHome;
    rmSync(dir, { recursive: true, force: true });
  }
});
