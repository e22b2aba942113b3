import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { computeModuleHash } from '../../src/claims/hash.js';
import { linkDefinitionId } from '../../src/claims/linkdef-id.js';
import { appendCustomSection, stripCustomSections } from '../../src/wasm/custom-sections.js';
import { actorModule, wat } from './fixtures.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex').toUpperCase();
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

test('linkdef id vector of §4.7', () => {
  assert.equal(linkDefinitionId('Mbob', 'wasmcloud:testy', 'default'), 'B40411AD09B70A2C83D59923584F66BA2C5A3C274DC4F19416DA49CCD6531F9C');
  assert.notEqual(linkDefinitionId('Mbob', 'wasmcloud:testy', 'other'), linkDefinitionId('Mbob', 'wasmcloud:testy', 'default'));
});

test('hash of a plain module (minimal LEB sizes, no jwt) is SHA-256 of its bytes, upper hex', async () => {
  const m = await actorModule();
  assert.equal(computeModuleHash(m), sha(m));
  assert.match(computeModuleHash(m), /^[0-9A-F]{64}$/);
});

test('hash ignores `jwt` and `wasmcloud_jwt` sections, wherever they are, but not other custom sections', async () => {
  const m = await actorModule();
  const h = computeModuleHash(m);
  assert.equal(computeModuleHash(appendCustomSection(m, 'jwt', text('a.b.c'))), h);
  assert.equal(computeModuleHash(appendCustomSection(m, 'wasmcloud_jwt', text('x.y.z'))), h);
  assert.equal(computeModuleHash(appendCustomSection(appendCustomSection(m, 'jwt', text('1')), 'wasmcloud_jwt', text('2'))), h);
  // a jwt section placed before the code (right after the header) is dropped too
  const early = new Uint8Array([...m.subarray(0, 8), ...appendCustomSection(m.subarray(0, 8), 'jwt', text('t')).subarray(8), ...m.subarray(8)]);
  assert.equal(computeModuleHash(early), h);
  // any other custom section is part of the hash
  const named = appendCustomSection(m, 'producers', text('p'));
  assert.notEqual(computeModuleHash(named), h);
  assert.equal(computeModuleHash(named), sha(named));
});

test('sections are re-emitted with minimal LEB sizes before hashing (§3.3)', async () => {
  const m = await wat('(module (memory 1) (func (export "f") (result i32) i32.const 7))');
  // Re-encode every section size as a padded 5-byte LEB, as some tools emit.
  const padded: number[] = [...m.subarray(0, 8)];
  let pos = 8;
  while (pos < m.length) {
    const id = m[pos++]!;
    let size = 0;
    let shift = 0;
    let b: number;
    do {
      b = m[pos++]!;
      size |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    padded.push(id, (size & 0x7f) | 0x80, ((size >> 7) & 0x7f) | 0x80, ((size >> 14) & 0x7f) | 0x80, ((size >> 21) & 0x7f) | 0x80, (size >> 28) & 0x0f);
    padded.push(...m.subarray(pos, pos + size));
    pos += size;
  }
  const p = Uint8Array.from(padded);
  assert.equal(WebAssembly.validate(p), true);
  assert.notEqual(sha(p), sha(m));
  assert.equal(computeModuleHash(p), sha(m));
  assert.deepEqual(stripCustomSections(p, []), m);
});
