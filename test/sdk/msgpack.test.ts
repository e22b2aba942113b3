// tier: full — builds AssemblyScript actors (cached between runs)
// The AssemblyScript msgpack codec checked against two independent JS implementations
// (@msgpack/msgpack and msgpackr) on generated values, in both directions, plus every wire
// format the reader must accept (reference §2.1).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { encode as oracleEncode, decode as oracleDecode } from '@msgpack/msgpack';
import { Packr } from 'msgpackr';
import { WasmbusHarness, hex, fromHex } from './harness.js';
import { compileCached, ROOT } from './build-cache.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });
let h: WasmbusHarness;

before(async () => {
  h = await WasmbusHarness.create(await compileCached(join(ROOT, 'sdk', 'assemblyscript', 'tests', 'harness')));
});

/** Byte equality with a short report (first differing offset) instead of megabytes of hex. */
function sameBytes(actual: Uint8Array, expected: Uint8Array, label: string): void {
  if (actual.length === expected.length && Buffer.from(actual).equals(Buffer.from(expected))) return;
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  assert.fail(`${label}: bytes differ at offset ${i} (lengths ${actual.length} vs ${expected.length}): ` +
    `got ${hex(actual.slice(Math.max(0, i - 4), i + 12))} want ${hex(expected.slice(Math.max(0, i - 4), i + 12))}`);
}

/** Buffers (msgpackr) and Uint8Arrays compare equal. */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return Uint8Array.from(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function hasWideInt(v: unknown): boolean {
  if (typeof v === 'number') return Number.isInteger(v) && (v > 0xffffffff || v < -0x80000000);
  if (Array.isArray(v)) return v.some(hasWideInt);
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) return Object.values(v).some(hasWideInt);
  return false;
}

function transcode(bytes: Uint8Array): Uint8Array {
  const r = h.call('Codec.Transcode', bytes);
  assert.equal(r.rc, 1, `transcode failed for ${hex(bytes)}: ${r.error}`);
  return r.response;
}

// Deterministic pseudo-random values (no Math.random so failures reproduce).
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

const INT_EDGES = [0, 1, 5, 31, 32, 127, 128, 255, 256, 300, 65535, 65536, 70000, 2147483647, 2147483648, 4294967295, 4294967296,
  -1, -5, -31, -32, -33, -100, -128, -129, -200, -32768, -32769, -70000, -2147483648, -2147483649, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];

function randomValue(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * (depth > 2 ? 7 : 9));
  switch (pick) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return INT_EDGES[Math.floor(r() * INT_EDGES.length)];
    case 3: return Math.floor((r() - 0.5) * 2 ** Math.floor(r() * 40));
    case 4: return (r() - 0.5) * 1e6 + 0.25; // non-integral -> float64
    case 5: {
      const len = [0, 1, 31, 32, 255, 256, 3000, 70000][Math.floor(r() * (depth === 0 ? 8 : 7))];
      let s = '';
      for (let i = 0; i < len; i++) s += String.fromCharCode(r() < 0.9 ? 32 + Math.floor(r() * 90) : [0xe9, 0x4e2d, 0x1f600][Math.floor(r() * 3)] > 0xffff ? 0x263a : [0xe9, 0x4e2d][Math.floor(r() * 2)]);
      return s;
    }
    case 6: {
      const len = [0, 1, 255, 256, 4000, 65536][Math.floor(r() * (depth === 0 ? 6 : 5))];
      return Uint8Array.from({ length: len }, (_, i) => (i * 7 + len) & 0xff);
    }
    case 7: return Array.from({ length: [0, 1, 15, 16, 40][Math.floor(r() * 5)] }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const n = [0, 1, 15, 16, 20][Math.floor(r() * 5)];
      for (let i = 0; i < n; i++) o[`k${i}_${Math.floor(r() * 1000)}`] = randomValue(r, depth + 1);
      return o;
    }
  }
}

test('AS writer reproduces @msgpack/msgpack and msgpackr bytes on 400 generated values', () => {
  const r = rng(42);
  for (let i = 0; i < 400; i++) {
    const v = randomValue(r, 0);
    const oracle = oracleEncode(v);
    const out = transcode(oracle);
    sameBytes(out, oracle, `value #${i} vs @msgpack/msgpack`);
    // msgpackr writes integers beyond 32 bits as float64 (rmp and @msgpack/msgpack use int64/uint64),
    // so it is only a byte oracle for values without such integers.
    if (!hasWideInt(v)) sameBytes(out, packr.pack(v), `value #${i} vs msgpackr`);
    assert.deepEqual(oracleDecode(out), oracleDecode(oracle));
  }
});

test('AS writer emits minimal forms exactly like rmp (reference §2.1 integer table)', () => {
  const table: [number, string][] = [
    [5, '05'], [127, '7f'], [128, 'cc80'], [255, 'ccff'], [256, 'cd0100'], [300, 'cd012c'], [70000, 'ce00011170'],
    [2147483647, 'ce7fffffff'], [-5, 'fb'], [-100, 'd09c'], [-200, 'd1ff38'], [-70000, 'd2fffeee90'],
  ];
  for (const [n, want] of table) {
    // feed each integer in its widest encoding; the AS writer must shrink it
    const wide = n >= 0 ? 'cf' + BigInt(n).toString(16).padStart(16, '0') : 'd3' + BigInt.asUintN(64, BigInt(n)).toString(16).padStart(16, '0');
    assert.equal(hex(transcode(fromHex(wide))), want, `integer ${n}`);
  }
});

test('AS reader accepts every format family: wide ints, float32, str8/16/32, bin8/16/32, array16/32, map16/32', () => {
  const cases: [string, unknown][] = [
    ['d000', 0], ['d1ff38', -200], ['d2fffeee90', -70000], ['d3ffffffffffffffff', -1], ['cd0005', 5], ['ce00000005', 5],
    ['cfffffffffffffffff', 18446744073709551615n],
    ['ca3fc00000', 1.5], ['cb3ff8000000000000', 1.5],
    ['d90161', 'a'], ['da000161', 'a'], ['db0000000161', 'a'],
    ['c40161', Uint8Array.of(0x61)], ['c5000161', Uint8Array.of(0x61)], ['c6000000016' + '1', Uint8Array.of(0x61)],
    ['dc000101', [1]], ['dd0000000101', [1]], ['de0001a16101', { a: 1 }], ['df00000001a16101', { a: 1 }],
    ['c0', null], ['c2', false], ['c3', true],
  ];
  for (const [input, value] of cases) {
    const out = transcode(fromHex(input));
    assert.deepEqual(oracleDecode(out, { useBigInt64: typeof value === 'bigint' }), value, `input ${input}`);
  }
});

test('typed readers accept any integer width that fits and reject what does not (like serde)', () => {
  const typed = (pairs: [string, unknown][]) => {
    const payload = new Uint8Array([...oracleEncode(pairs.length).slice(0, 0), ...fromHex(pairs.length < 16 ? (0x90 | pairs.length).toString(16) : 'dc' + pairs.length.toString(16).padStart(4, '0'))]);
    const parts = pairs.map(([k, v]) => [...oracleEncode(k), ...(v instanceof Uint8Array && v.length > 0 && v[0] === 0xff ? v.slice(1) : oracleEncode(v))]);
    return h.call('Codec.Typed', Uint8Array.from([...payload, ...parts.flat()]));
  };
  const ok = typed([['i32', 1], ['i32', -2147483648], ['u32', 4294967295], ['u16', 65535], ['i8', -128], ['u8', 255], ['i16', -32768], ['i64', -9007199254740991], ['f64', 2.25], ['f32', 0.5], ['bin', 'as str'], ['str', 'é中']]);
  assert.equal(ok.rc, 1, ok.error);
  assert.deepEqual(oracleDecode(ok.response), [1, -2147483648, 4294967295, 65535, -128, 255, -32768, -9007199254740991, 2.25, 0.5, new TextEncoder().encode('as str'), 'é中']);
  // reference §2.1: a Rust guest accepts 01, cc02, d200000001, d30000000000000003 for an I32
  for (const wire of ['01', 'cc02', 'd200000001', 'd30000000000000003']) {
    const r = h.call('Codec.Typed', Uint8Array.from([0x91, ...oracleEncode('i32'), ...fromHex(wire)]));
    assert.equal(r.rc, 1, `${wire}: ${r.error}`);
  }
  // ... and rejects float and str for an integer
  const f = h.call('Codec.Typed', Uint8Array.from([0x91, ...oracleEncode('i32'), ...fromHex('cb4012000000000000')]));
  assert.equal(f.rc, 0);
  assert.match(f.error, /invalid type: floating point/);
  const s = h.call('Codec.Typed', Uint8Array.from([0x91, ...oracleEncode('i32'), ...fromHex('a135')]));
  assert.equal(s.rc, 0);
  assert.match(s.error, /expected integer/);
  const range = typed([['u16', 70000]]);
  assert.equal(range.rc, 0);
  assert.match(range.error, /out of range for u16/);
  // nil is an empty blob (TinyGo writes empty byte slices as nil)
  const nilBlob = h.call('Codec.Typed', Uint8Array.from([0x91, ...oracleEncode('bin'), 0xc0]));
  assert.equal(nilBlob.rc, 1, nilBlob.error);
  assert.deepEqual(oracleDecode(nilBlob.response), [new Uint8Array(0)]);
});

test('truncated and malformed input is a guest error, never a trap, and the module keeps serving', () => {
  for (const bad of ['', 'cd01', 'a5616263', 'c40a00', '92', 'c1', 'dc00', '0101']) {
    const r = h.call('Codec.Transcode', fromHex(bad));
    assert.equal(r.rc, 0, `input ${bad} should fail`);
    assert.match(r.error, /^Guest call failed for method Codec\.Transcode: /);
  }
  assert.equal(hex(transcode(fromHex('93010203'))), '93010203');
});

test('values encoded by the AS writer decode to the same values in msgpackr', () => {
  const r = rng(7);
  for (let i = 0; i < 100; i++) {
    const v = randomValue(r, 0);
    const out = transcode(packr.pack(v));
    assert.deepEqual(plain(packr.unpack(out)), plain(v), `value #${i}`);
  }
});
