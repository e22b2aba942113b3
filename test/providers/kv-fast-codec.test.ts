// The key-value hot-path codec must produce and accept exactly what the general codec does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { encode as msgpackEncode } from '@msgpack/msgpack';
import { fastIncrementRequest, packInt } from '../../src/providers/keyvalue/fast-codec.js';
import { decodeIncrement } from '../../src/providers/keyvalue/codec.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });
const I32 = [0, 1, 31, 32, 127, 128, 255, 256, 65535, 65536, 2 ** 31 - 1, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31)];

test('packInt writes the same minimal integers as msgpackr', () => {
  for (const n of [...I32, ...Array.from({ length: 2000 }, (_, i) => (i * 7919 * 104729) % 2 ** 31 - 2 ** 30)]) {
    assert.deepEqual([...packInt(n)], [...packr.pack(n)], String(n));
  }
});

test('fastIncrementRequest agrees with the general decoder, in either field order and from either encoder', () => {
  let hits = 0;
  for (const value of I32) {
    for (const key of ['', '_bloggo', 'k'.repeat(31), 'k'.repeat(200)]) {
      for (const bytes of [packr.pack({ key, value }), packr.pack({ value, key }), msgpackEncode({ key, value })]) {
        const fast = fastIncrementRequest(bytes);
        if (fast) { hits++; assert.deepEqual(fast, { key, value }); }
        assert.deepEqual(decodeIncrement(bytes), { key, value });
      }
    }
  }
  assert.ok(hits > 200, `fast path hits: ${hits}`);
});

test('anything else is left to the general decoder', () => {
  for (const msg of [{ key: 'ü', value: 1 }, { key: 'a', value: 1.5 }, { key: 'a' }, { key: 'a', value: 1, x: 2 }, { key: 'a', value: 2 ** 33 }]) {
    assert.equal(fastIncrementRequest(packr.pack(msg)), undefined, JSON.stringify(msg));
  }
  assert.throws(() => decodeIncrement(packr.pack({ key: 'a' })), /missing field "value"/);
  assert.deepEqual(decodeIncrement(packr.pack({ key: 'ü', value: 3 })), { key: 'ü', value: 3 });
});
