// tier: full — prepares a 100 k-function module (seconds of work by design)
// Preparing an uncached actor for the host thread (fuel injection + Asyncify) must not hold the
// event loop: a 0.8 MB module with 100 k functions used to stall every other actor for 1.4 s.
// While such a module is prepared, a neighbouring inline actor keeps answering, all along.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signActorModule } from '../../src/claims/sign.js';
import { encodeULEB } from '../../src/wasm/leb128.js';
import { WASM_HEADER } from '../../src/wasm/sections.js';
import { signedFixture, testHost, utf8, text } from '../support/fixtures.js';

// a cache of its own, so the big module is prepared from scratch, and a home for the cache key
const root = mkdtempSync(join(tmpdir(), 'stratus-prepare-'));
process.env.STRATUS_CACHE_DIR = join(root, 'cache');
process.env.STRATUS_HOME = join(root, 'home');

const { host } = testHost();
after(() => host.shutdown());

const section = (id: number, payload: number[]) => [id, ...encodeULEB(payload.length), ...payload];
const vec = (items: number[][]) => [...encodeULEB(items.length), ...items.flat()];
const name = (s: string) => [...encodeULEB(s.length), ...Buffer.from(s)];

/**
 * A wasmbus actor with `n` extra functions (f0 calls __host_call, the others only compute): ~0.9 MB,
 * which Binaryen takes seconds to walk. __guest_call answers with an empty response.
 */
function bigActor(n: number): Uint8Array {
  const I32 = 0x7f;
  const types = section(1, vec([
    [0x60, 2, I32, I32, 1, I32], // 0: __guest_call
    [0x60, 0, 1, I32], // 1: f(i)
    [0x60, 8, I32, I32, I32, I32, I32, I32, I32, I32, 1, I32], // 2: __host_call
    [0x60, 2, I32, I32, 0], // 3: __guest_response
  ]));
  const imports = section(2, vec([
    [...name('wasmbus'), ...name('__host_call'), 0, 2], // func 0
    [...name('wasmbus'), ...name('__guest_response'), 0, 3], // func 1
  ]));
  const funcs = section(3, vec([[0], ...Array.from({ length: n }, () => [1])]));
  const memory = section(5, vec([[0x00, 1]]));
  const exports = section(7, vec([[...name('memory'), 2, 0], [...name('__guest_call'), 0, 2]]));
  const body = (code: number[]) => [...encodeULEB(code.length + 1), 0x00, ...code]; // no locals
  const bodies: number[][] = [body([0x41, 0, 0x41, 0, 0x10, 1, 0x41, 1, 0x0b])];
  bodies.push(body([...Array.from({ length: 8 }, () => [0x41, 0]).flat(), 0x10, 0, 0x0b]));
  for (let i = 1; i < n; i++) bodies.push(body([0x41, i & 63, 0x41, 1, 0x6a, 0x0b]));
  const code = section(10, [...encodeULEB(bodies.length), ...bodies.flat()]);
  return Uint8Array.from([...WASM_HEADER, ...types, ...imports, ...funcs, ...memory, ...exports, ...code]);
}

const cacheEntries = () => {
  try {
    return readdirSync(join(root, 'cache'), { recursive: true }).map(String).filter((f) => !f.split('/').pop()!.startsWith('.')).length;
  } catch {
    return 0;
  }
};

test('while a 100 k-function module is prepared, a neighbouring inline actor keeps answering all along', async (t) => {
  const echo = await host.startActor(await signedFixture('echo', { name: 'prep-neighbour' }));
  assert.equal(echo.lane, 'inline');
  const big = signActorModule(bigActor(100_000), { name: 'big' });
  assert.ok(big.length > 800_000, `${big.length} bytes`);

  // The preparation ends when its result is in the cache (written right after the transform, before
  // compiling). Until then the neighbour is called once per timer turn; answers are bucketed into
  // tenths of the preparation, and (nearly) every tenth must have some.
  const entries = cacheEntries();
  const answeredAt: number[] = [];
  const t0 = performance.now();
  let prepared = 0;
  let startError: unknown;
  const starting = host.startActor(big).catch((e: unknown) => { startError = e; });
  while (prepared === 0 && startError === undefined) {
    assert.equal(text(await host.call(echo.id, 'Echo.Say', utf8('ping'))), 'ping');
    answeredAt.push(performance.now());
    if (cacheEntries() > entries) prepared = performance.now();
    await new Promise((r) => setTimeout(r, 1));
  }
  await starting;
  assert.equal(startError, undefined);
  const tenths = new Set(answeredAt.filter((at) => at < prepared).map((at) => Math.floor(((at - t0) / (prepared - t0)) * 10)));
  const seen = `the neighbour answered in ${tenths.size} of 10 tenths of the preparation (${answeredAt.length} answers in ${(prepared - t0).toFixed(0)} ms)`;
  t.diagnostic(seen);
  assert.ok(tenths.size >= 8, seen);

  const d = host.inventory().actors.find((a) => a.name === 'big')!;
  assert.equal(d.lane, 'inline', 'prepared for the host thread');
  assert.equal((await host.call(d.id, 'Any', new Uint8Array(0))).length, 0);
});
