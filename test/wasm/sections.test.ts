import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStratusError } from '../../src/core/errors.js';
import { appendCustomSection, findCustomSection, readJwtSection, stripCustomSections } from '../../src/wasm/custom-sections.js';
import { encodeULEB, readULEB } from '../../src/wasm/leb128.js';
import { parseModule, readSections, SECTION } from '../../src/wasm/sections.js';
import { actorModule, wat } from '../claims/fixtures.js';

const KIND_NAMES: Record<string, string> = { func: 'function', table: 'table', memory: 'memory', global: 'global', tag: 'tag' };

function invalidAt(fn: () => unknown, offset: number, pattern: RegExp): void {
  assert.throws(fn, (e) => isStratusError(e, 'INVALID_MODULE') && e.message.includes(`byte offset ${offset}`) && pattern.test(e.message));
}

test('LEB128: minimal encoding, decoding, and over-long values', () => {
  assert.deepEqual(encodeULEB(0), Uint8Array.of(0));
  assert.deepEqual(encodeULEB(127), Uint8Array.of(0x7f));
  assert.deepEqual(encodeULEB(128), Uint8Array.of(0x80, 0x01));
  assert.deepEqual(encodeULEB(624485), Uint8Array.of(0xe5, 0x8e, 0x26));
  assert.deepEqual(readULEB(Uint8Array.of(0xe5, 0x8e, 0x26), 0), { value: 624485, next: 3 });
  assert.deepEqual(readULEB(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x00), 0), { value: 0, next: 5 });
  assert.equal(readULEB(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f), 0).value, 0xffffffff);
  assert.throws(() => readULEB(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 0), /longer than 32 bits/);
  assert.throws(() => readULEB(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x1f), 0), /longer than 32 bits/);
  assert.throws(() => readULEB(Uint8Array.of(0x80), 0), /unexpected end/);
  for (const n of [1, 300, 65536, 2 ** 31, 2 ** 40]) assert.equal(readULEB(encodeULEB(n), 0, 64).value, n);
});

test('imports, exports and memories agree with WebAssembly.Module (the engine as oracle)', async () => {
  const m = await wat(`(module
    (type $t (func (param i32 i64) (result f32)))
    (import "a" "f" (func (type $t)))
    (import "b" "g" (global i32))
    (import "c" "t" (table 2 10 funcref))
    (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
    (memory 2 7)
    (global $g (mut i32) (i32.const 0))
    (func $inner (param f64) (result i32 i32) i32.const 1 i32.const 2)
    (func (export "run") (param i32 i32) (result i32) i32.const 1)
    (export "g" (global $g))
    (export "mem" (memory 0))
    (export "inner" (func $inner))
    (export "imported_f" (func 0)))`);
  const info = parseModule(m);
  const mod = new WebAssembly.Module(m);
  assert.deepEqual(info.imports.map((i) => ({ module: i.module, name: i.name, kind: KIND_NAMES[i.kind] })), WebAssembly.Module.imports(mod));
  assert.deepEqual(info.exports.map((e) => ({ name: e.name, kind: KIND_NAMES[e.kind] })), WebAssembly.Module.exports(mod));
  assert.deepEqual(info.imports[0]!.type, { params: ['i32', 'i64'], results: ['f32'] });
  assert.deepEqual(info.imports[2]!.limits, { min: 2, max: 10, shared: false, memory64: false });
  const byName = Object.fromEntries(info.exports.map((e) => [e.name, e]));
  assert.deepEqual(byName.run!.type, { params: ['i32', 'i32'], results: ['i32'] });
  assert.deepEqual(byName.inner!.type, { params: ['f64'], results: ['i32', 'i32'] });
  assert.deepEqual(byName.imported_f!.type, { params: ['i32', 'i64'], results: ['f32'] });
  assert.equal(byName.g!.type, undefined);
  assert.deepEqual(info.memories, [{ imported: false, limits: { min: 2, max: 7, shared: false, memory64: false } }]);
});

test('custom sections: append, find, read jwt, strip — checked against WebAssembly.Module.customSections', async () => {
  const m = await actorModule();
  const withTwo = appendCustomSection(appendCustomSection(m, 'producers', Uint8Array.of(1, 2)), 'wasmcloud_jwt', new TextEncoder().encode('a.b.c'));
  const mod = new WebAssembly.Module(withTwo);
  assert.deepEqual(new Uint8Array(WebAssembly.Module.customSections(mod, 'producers')[0]!), Uint8Array.of(1, 2));
  assert.equal(new TextDecoder().decode(WebAssembly.Module.customSections(mod, 'wasmcloud_jwt')[0]!), 'a.b.c');
  assert.deepEqual(findCustomSection(withTwo, ['producers'])?.data, Uint8Array.of(1, 2));
  assert.deepEqual(readJwtSection(withTwo), { sectionName: 'wasmcloud_jwt', token: 'a.b.c' });
  assert.equal(readJwtSection(m), undefined);
  const stripped = stripCustomSections(withTwo, ['jwt', 'wasmcloud_jwt']);
  assert.equal(WebAssembly.Module.customSections(new WebAssembly.Module(stripped), 'wasmcloud_jwt').length, 0);
  assert.equal(WebAssembly.Module.customSections(new WebAssembly.Module(stripped), 'producers').length, 1);
  assert.deepEqual(readSections(stripped).filter((s) => s.id === SECTION.custom).map((s) => s.name), ['producers']);
  // a long section (multi-byte size LEB) round-trips
  const big = appendCustomSection(m, 'jwt', new Uint8Array(300).fill(65));
  assert.equal(readJwtSection(big)?.token, 'A'.repeat(300));
});

test('malformed modules: INVALID_MODULE naming the problem and the byte offset', async () => {
  const m = await actorModule();
  invalidAt(() => readSections(Uint8Array.of(0, 0x61)), 0, /only 2 bytes long/);
  invalidAt(() => readSections(new TextEncoder().encode('#!/bin/sh echo hello')), 0, /magic number/);
  assert.throws(() => readSections(Uint8Array.of(0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0)), (e) => isStratusError(e, 'INVALID_MODULE') && /component/.test(e.message));
  // truncated: cut the module in the middle of its last section
  const cut = m.subarray(0, m.length - 3);
  const lastStart = readSections(m).at(-1)!.start;
  invalidAt(() => readSections(cut), lastStart, /declares \d+ bytes but only \d+ remain/);
  invalidAt(() => readSections(Uint8Array.of(...m.subarray(0, 8), 42, 0)), 8, /unknown section id 42/);
  // a type section whose entry is not a function type
  invalidAt(() => parseModule(Uint8Array.of(...m.subarray(0, 8), 1, 2, 1, 0x5f)), 11, /unsupported type form 0x5f/);
  // an import referring to a type that does not exist
  const badImport = Uint8Array.of(...m.subarray(0, 8), 2, 7, 1, 1, 0x61, 1, 0x62, 0x00, 0x05);
  invalidAt(() => parseModule(badImport), 16, /function type index 5 is out of range/);
  // a vector count far larger than its section
  invalidAt(() => parseModule(Uint8Array.of(...m.subarray(0, 8), 2, 5, 0xff, 0xff, 0xff, 0xff, 0x0f)), 15, /claims 4294967295 items/);
  // invalid UTF-8 in a name
  invalidAt(() => parseModule(Uint8Array.of(...m.subarray(0, 8), 0, 3, 2, 0xc3, 0x28)), 10, /not valid UTF-8/);
});
