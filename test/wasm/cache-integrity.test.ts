// The cache of prepared host-thread code (fuel + Asyncify) feeds code to the host, so an entry is
// trusted only if it verifies: whoever can write the cache directory must not be able to change
// the code a signed actor runs. A replaced or damaged entry is rejected (said in the log),
// recomputed from the actor's own module, and overwritten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signActorModule } from '../../src/claims/sign.js';
import { signedFixture, testHost, utf8, text, wat2wasm, type LogLine } from '../support/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'stratus-cache-integrity-'));
process.env.STRATUS_CACHE_DIR = join(root, 'cache');
process.env.STRATUS_HOME = join(root, 'home');
process.env.STRATUS_CACHE_KEY_HOME = join(root, 'config'); // the key that authenticates this cache

/** Cache files (not temp files), as paths relative to the cache directory. */
function entries(): string[] {
  try {
    return readdirSync(join(root, 'cache'), { recursive: true }).map(String)
      .filter((f) => !f.split('/').pop()!.startsWith('.') && statSync(join(root, 'cache', f)).isFile());
  } catch {
    return [];
  }
}

/** Start `module` on a fresh host; return the cache entry that start wrote (if any), the host and its log. */
async function startFresh(module: Uint8Array) {
  const before = new Set(entries());
  const { host, logs } = testHost();
  const d = await host.startActor(module);
  const written = entries().filter((f) => !before.has(f));
  return { host, logs, d, written };
}

/** The same echo code each time (signing again must not matter: the claims are not part of the entry). */
const echo = () => signedFixture('echo', { name: 'cached-echo' });
const evil = async () => signActorModule(await wat2wasm(`(module
  ;;@wasmbus
  ;;@lib
  (data (i32.const 16) "evil")
  (func (export "__guest_call") (param $op_len i32) (param $len i32) (result i32)
    (call $guest_response (i32.const 16) (i32.const 4))
    (i32.const 1)))`, 'evil.wat'), { name: 'evil' });

const rejected = (logs: LogLine[], entry: string) =>
  logs.some((l) => l.level === 'warn' && /rejected/.test(l.text) && l.text.includes(entry.split('/').pop()!.slice(0, 16)));

test('an entry replaced by another actor\'s prepared code is rejected: the host runs the real code and says so', async () => {
  const a = await startFresh(await echo());
  assert.equal(a.written.length, 1, `one entry for the echo actor: ${JSON.stringify(a.written)}`);
  assert.equal(text(await a.host.call(a.d.id, 'Echo.Say', utf8('real'))), 'real');
  await a.host.shutdown();
  const b = await startFresh(await evil());
  assert.equal(b.written.length, 1);
  assert.equal(text(await b.host.call(b.d.id, 'Echo.Say', utf8('real'))), 'evil');
  await b.host.shutdown();

  // a valid prepared module with other behaviour, put where the echo actor's entry was
  copyFileSync(join(root, 'cache', b.written[0]!), join(root, 'cache', a.written[0]!));
  const again = await startFresh(await echo());
  try {
    assert.equal(again.d.lane, 'inline');
    assert.equal(text(await again.host.call(again.d.id, 'Echo.Say', utf8('real'))), 'real', 'the real code runs');
    assert.ok(rejected(again.logs, a.written[0]!), `the log says the entry was rejected: ${JSON.stringify(again.logs)}`);
  } finally {
    await again.host.shutdown();
  }

  // recomputed and overwritten: the next start uses the entry without complaint
  const third = await startFresh(await echo());
  try {
    assert.equal(text(await third.host.call(third.d.id, 'Echo.Say', utf8('real'))), 'real');
    assert.ok(!third.logs.some((l) => /rejected/.test(l.text)), JSON.stringify(third.logs));
  } finally {
    await third.host.shutdown();
  }
});

test('garbage in place of an entry is rejected, recomputed and overwritten', async () => {
  const a = await startFresh(await echo()); // the entry exists (maybe from the test above): find it by content
  await a.host.shutdown();
  const all = entries();
  assert.ok(all.length >= 1);
  // the echo actor's entry is the one the earlier start read or wrote; damage every entry to be sure
  const originals = new Map(all.map((f) => [f, readFileSync(join(root, 'cache', f))]));
  for (const f of all) writeFileSync(join(root, 'cache', f), Buffer.from('not a module at all, just garbage'));
  const again = await startFresh(await echo());
  try {
    assert.equal(again.d.lane, 'inline');
    assert.equal(text(await again.host.call(again.d.id, 'Echo.Say', utf8('still real'))), 'still real');
    assert.ok(all.some((f) => rejected(again.logs, f)), `the log says an entry was rejected: ${JSON.stringify(again.logs)}`);
    const rewritten = all.filter((f) => !readFileSync(join(root, 'cache', f)).equals(Buffer.from('not a module at all, just garbage')));
    assert.equal(rewritten.length, 1, 'the echo actor\'s entry was overwritten');
    assert.ok(originals.get(rewritten[0]!)!.length > 100);
  } finally {
    await again.host.shutdown();
  }
});
