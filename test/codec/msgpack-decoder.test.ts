// The bounded msgpack decoder: the same values as msgpackr (which the wire layout comes from) for
// everything valid, exact errors for what is not, a nesting limit, and work bounded by the input.
// The work bound is checked without a clock: the bytes the decoder reads are counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { encode as oracleEncode } from '@msgpack/msgpack';
import { decodeMsgpack, MAX_DEPTH } from '../../src/codec/msgpack-decoder.js';
import { isStratusError } from '../../src/core/errors.js';
import { counted } from './counted.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });
const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const cat = (...parts: ArrayLike<number>[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

function rng(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

const INTS = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53) + 1];
const STR_LENGTHS = [0, 1, 31, 32, 47, 48, 255, 256, 65535, 65536];

function randomValue(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 3 ? 7 : 9));
  switch (k) {
    case 0: return INTS[Math.floor(r() * INTS.length)];
    case 1: return r() < 0.5 ? null : r() < 0.5;
    case 2: return (r() - 0.5) * 1e6;
    case 3: { // ASCII or not, at the format's length boundaries now and then
      const n = r() < 0.05 ? STR_LENGTHS[Math.floor(r() * STR_LENGTHS.length)]! : Math.floor(r() * 40);
      const alphabet = r() < 0.7 ? 'abcxyz-_/' : 'aé€😀';
      const chunk = Array.from({ length: 16 }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
      return chunk.repeat(Math.ceil(n / 16)).slice(0, n);
    }
    case 4: return new Uint8Array(r() < 0.1 ? [0, 255, 256, 65535, 65536][Math.floor(r() * 5)]! : Math.floor(r() * 20)).map(() => Math.floor(r() * 256));
    case 5: return BigInt(INTS[Math.floor(r() * INTS.length)]!) * 1000n;
    case 6: return 'key';
    case 7: return Array.from({ length: r() < 0.1 ? 20 : Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const n = r() < 0.1 ? 17 : Math.floor(r() * 4);
      for (let i = 0; i < n; i++) o[r() < 0.8 ? `k${i}${'x'.repeat(Math.floor(r() * 40))}` : `ü${i}`] = randomValue(r, depth + 1);
      return o;
    }
  }
}

/** Buffers and Uint8Arrays as plain arrays, so both decoders' bins compare by content. */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return { bin: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') };
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

test('decodes what msgpackr decodes, to the same values, for 400 random messages from two encoders', () => {
  const r = rng(11);
  for (let i = 0; i < 400; i++) {
    const value = randomValue(r, 0);
    for (const bytes of [packr.pack(value), oracleEncode(value, { useBigInt64: true })]) {
      assert.deepEqual(plain(decodeMsgpack(bytes, 'x')), plain(packr.unpack(bytes)), `message ${i}`);
    }
  }
});

test('reads every integer and float form, map keys that are numbers/bool/nil, and bin as a view of the input', () => {
  const cases: [string, unknown][] = [
    ['05', 5], ['e0', -32], ['cc80', 128], ['cd0100', 256], ['ce00011170', 70000], ['cf0000000000000003', 3n],
    ['d0fb', -5], ['d1ff38', -200], ['d2fffeee90', -70000], ['d3fffffffffffffffd', -3n],
    ['ca40900000', 4.5], ['cb4012000000000000', 4.5], ['c0', null], ['c2', false], ['c3', true],
    ['83 01 a161 c0 a162 c3 a163', { 1: 'a', null: 'b', true: 'c' }],
  ];
  for (const [h, v] of cases) assert.deepEqual(decodeMsgpack(hex(h), 'x'), v, h);
  const input = hex('91c403010203');
  const [bin] = decodeMsgpack(input, 'x') as [Uint8Array];
  assert.equal(Object.getPrototypeOf(bin), Uint8Array.prototype);
  assert.deepEqual([...bin], [1, 2, 3]);
  assert.equal(bin.buffer, input.buffer, 'a view, not a copy');
});

test('a "__proto__" key is an own property, never the prototype', () => {
  const v = decodeMsgpack(packr.pack(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}')), 'x') as Record<string, unknown>;
  assert.deepEqual(Object.keys(v), ['__proto__', 'a']);
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.equal((v as { polluted?: boolean }).polluted, undefined);
});

test('says exactly what is wrong, where, and names what was decoded', () => {
  const cases: [string, string][] = [
    ['', 'T: empty payload, expected a msgpack value'],
    ['dd01ffffff', 'T: payload is not valid msgpack (array32 at byte 0 declares 33554431 elements but only 0 bytes follow)'],
    ['dfffffffff 01', 'T: payload is not valid msgpack (map32 at byte 0 declares 4294967295 entries but only 1 byte follows (an entry takes at least 2))'],
    ['82 a16b 01 a176 dbffffffff', 'T: payload is not valid msgpack (str32 at byte 6 declares 4294967295 bytes but only 0 bytes follow)'],
    ['92 01 c6ffffffff 00', 'T: payload is not valid msgpack (bin32 at byte 2 declares 4294967295 bytes but only 1 byte follows)'],
    ['82 a161 01 a162', 'T: payload is not valid msgpack (data ends at byte 6 where a value was expected)'],
    ['92 01', 'T: payload is not valid msgpack (fixarray at byte 0 declares 2 elements but only 1 byte follows)'],
    ['cd01', 'T: payload is not valid msgpack (data ends inside the uint16 at byte 0)'],
    ['01 02', 'T: payload is not valid msgpack (1 byte left over after the value that ends at byte 1)'],
    ['c1', 'T: payload is not valid msgpack (type byte 0xc1 at byte 0 is not used by msgpack)'],
    ['d6ff00000001', 'T: payload is not valid msgpack (fixext4 at byte 0 is a msgpack extension type (255), which wasmCloud\'s wire format does not use)'],
    ['81 91 01 02', 'T: payload is not valid msgpack (the map key at byte 1 is an array; keys must be strings or numbers)'],
  ];
  for (const [h, message] of cases) {
    assert.throws(() => decodeMsgpack(hex(h), 'T'), (e) => isStratusError(e, 'BAD_REQUEST') && e.message === message, h);
  }
});

test(`nesting: ${MAX_DEPTH} levels decode, one more is refused with a clear error (arrays and maps)`, () => {
  const arrays = (n: number) => { const b = new Uint8Array(n + 1).fill(0x91); b[n] = 0x01; return b; };
  const maps = (n: number) => cat(...Array.from({ length: n }, () => hex('81a161')), [0x01]);
  let v = decodeMsgpack(arrays(MAX_DEPTH), 'x');
  for (let i = 0; i < MAX_DEPTH; i++) v = (v as unknown[])[0];
  assert.equal(v, 1);
  let m = decodeMsgpack(maps(MAX_DEPTH), 'x');
  for (let i = 0; i < MAX_DEPTH; i++) m = (m as Record<string, unknown>).a;
  assert.equal(m, 1);
  for (const bytes of [arrays(MAX_DEPTH + 1), maps(MAX_DEPTH + 1), arrays(1_000_000)]) {
    assert.throws(() => decodeMsgpack(bytes, 'T'), new RegExp(`^CodecError: T: payload nests arrays and maps deeper than ${MAX_DEPTH} levels \\(at byte (${MAX_DEPTH}|${MAX_DEPTH * 3})\\)`));
  }
});

test('work is bounded by the bytes present, never by declared lengths (bytes read are counted, no clock)', () => {
  const hostile: [string, Uint8Array][] = [
    ['array32 of 33 M', hex('dd01ffffff')],
    ['map32 of 2^32-1', hex('dfffffffff')],
    ['str32 of 2^32-1', hex('dbffffffff')],
    ['1000 nested array32 headers of 2^32-1', cat(hex('dc03e8'), ...Array.from({ length: 1000 }, () => hex('ddffffffff')))],
    ['array16 of 65535 fixarrays declaring 15 each', cat(hex('dcffff'), new Uint8Array(5000).fill(0x9f))],
    ['map16 of 65535 entries, keys fine, values truncated', cat(hex('deffff'), ...Array.from({ length: 1000 }, () => hex('a161 dc')))],
    ['1 000 000 nested arrays', new Uint8Array(1_000_000).fill(0x91)],
  ];
  for (const [name, bytes] of hostile) {
    const c = counted(bytes);
    assert.throws(() => decodeMsgpack(c.view, name), (e) => isStratusError(e, 'BAD_REQUEST'), name);
    assert.ok(c.reads() <= 2 * bytes.length + 16, `${name}: ${c.reads()} byte reads for ${bytes.length} bytes`);
  }
  // and a large valid message costs the same per byte
  const big = packr.pack({ list: Array.from({ length: 5000 }, (_, i) => ({ k: `v${i}`, n: i, b: new Uint8Array(i % 7) })) });
  const c = counted(big);
  assert.equal((decodeMsgpack(c.view, 'big') as { list: unknown[] }).list.length, 5000);
  assert.ok(c.reads() <= 2 * big.length + 16, `${c.reads()} byte reads for ${big.length} bytes`);
});
