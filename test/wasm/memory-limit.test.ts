import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signActorModule } from '../../src/claims/sign.js';
import { verifyActorModule } from '../../src/claims/verify.js';
import { isStratusError } from '../../src/core/errors.js';
import { limitMemory } from '../../src/wasm/memory-limit.js';
import { parseModule } from '../../src/wasm/sections.js';
import { actorModule, echoImports, wat } from '../claims/fixtures.js';

const GROW = '(func (export "grow") (param i32) (result i32) local.get 0 memory.grow)';
type Grow = (n: number) => number;

function instantiate(bytes: Uint8Array): { grow: Grow; memory: WebAssembly.Memory } {
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), echoImports());
  return { grow: inst.exports.grow as Grow, memory: inst.exports.memory as WebAssembly.Memory };
}

test('memory without a declared max gets the limit; memory.grow fails past it', async () => {
  const m = await actorModule({ memory: '1', extraExports: GROW });
  assert.equal(instantiate(m).grow(10), 1); // unlimited before
  const limited = limitMemory(m, 4);
  assert.deepEqual(parseModule(limited).memories[0]!.limits, { min: 1, max: 4, shared: false, memory64: false });
  const { grow, memory } = instantiate(limited);
  assert.equal(grow(2), 1);     // 1 -> 3 pages
  assert.equal(grow(2), -1);    // 5 > 4: refused by the engine
  assert.equal(grow(1), 3);     // exactly 4 is fine
  assert.equal(grow(1), -1);
  assert.equal(memory.buffer.byteLength, 4 * 65536);
  assert.throws(() => memory.grow(1), RangeError); // host-side growth is capped too
});

test('a smaller declared max is kept; a larger one is lowered', async () => {
  const small = limitMemory(await actorModule({ memory: '1 2', extraExports: GROW }), 100);
  assert.equal(parseModule(small).memories[0]!.limits.max, 2);
  const big = limitMemory(await actorModule({ memory: '1 65536', extraExports: GROW }), 3);
  assert.equal(parseModule(big).memories[0]!.limits.max, 3);
  const { grow } = instantiate(big);
  assert.equal(grow(2), 1);
  assert.equal(grow(1), -1);
});

test('initial memory above the limit -> MEMORY_LIMIT with sizes and a fix', async () => {
  const m = await actorModule({ memory: '20' });
  assert.throws(() => limitMemory(m, 16), (e) => isStratusError(e, 'MEMORY_LIMIT') &&
    /starts at 20 pages \(1.25 MiB\), above the limit of 16 pages \(1 MiB\)/.test(e.message) && /maxMemoryPages/.test(e.message));
  assert.throws(() => limitMemory(m, -1), (e) => isStratusError(e, 'BAD_REQUEST'));
});

test('rewriting keeps everything else: the actor still runs, and data segments land where they did', async () => {
  const m = await wat(`(module
    (memory (export "memory") 1)
    (data (i32.const 100) "hello")
    (func (export "read") (result i32) (i32.load8_u (i32.const 104))))`);
  const limited = limitMemory(m, 1);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(limited));
  assert.equal((inst.exports.read as () => number)(), 'o'.charCodeAt(0));
  assert.equal(parseModule(limited).memories[0]!.limits.max, 1);
});

test('modules without a defined memory are returned unchanged; imported memories are left to the host', async () => {
  const none = await wat('(module (func (export "f")))');
  assert.equal(limitMemory(none, 1), none);
  const imported = await wat('(module (import "env" "memory" (memory 1)) (func (export "f")))');
  assert.equal(limitMemory(imported, 1), imported);
});

test('limiting a signed module changes its hash: verification must happen first', async () => {
  const signed = signActorModule(await actorModule({ memory: '1' }), { name: 'x' });
  assert.equal(verifyActorModule(signed).unsigned, false);
  assert.throws(() => verifyActorModule(limitMemory(signed, 8)), (e) => isStratusError(e, 'HASH_MISMATCH'));
});
