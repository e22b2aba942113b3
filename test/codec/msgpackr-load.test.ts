// tier: full — starts node processes (a fresh module cache each)
// msgpackr is loaded without its native string extractor (src/codec/msgpackr-load.ts), the
// variable that says so is not left for child processes, and a user's own setting is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CODEC = new URL('../../src/codec/msgpack.js', import.meta.url).href;
const PROBE = `
const { encode } = await import(${JSON.stringify(CODEC)});
const { createRequire } = await import('node:module');
const require = createRequire(${JSON.stringify(fileURLToPath(import.meta.url))});
const loaded = Object.keys(require.cache);
process.stdout.write(JSON.stringify({
  bytes: Buffer.from(encode({ a: 1 })).toString('hex'),
  msgpackr: loaded.some((f) => f.includes('/msgpackr/')),
  extractor: loaded.some((f) => f.includes('msgpackr-extract')),
  env: process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED ?? null,
}));`;

function probe(env: NodeJS.ProcessEnv): { bytes: string; msgpackr: boolean; extractor: boolean; env: string | null } {
  const clean = { ...process.env };
  delete clean.MSGPACKR_NATIVE_ACCELERATION_DISABLED;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE], { encoding: 'utf8', env: { ...clean, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('the codec loads msgpackr without msgpackr-extract and leaves no variable behind; a user\'s setting wins', () => {
  const plain = probe({});
  assert.deepEqual(plain, { bytes: '81a16101', msgpackr: true, extractor: false, env: null });
  const userOn = probe({ MSGPACKR_NATIVE_ACCELERATION_DISABLED: 'false' });
  assert.deepEqual(userOn, { bytes: '81a16101', msgpackr: true, extractor: true, env: 'false' });
});
