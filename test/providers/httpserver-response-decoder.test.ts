// The fast HttpResponse decoder must agree with the general one on everything it accepts, and
// leave everything else to it (so error messages stay the general decoder's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { encode as msgpackEncode } from '@msgpack/msgpack';
import { fastDecodeHttpResponse } from '../../src/providers/httpserver/response-decoder.js';
import { decodeHttpResponse, decodeHttpResponseGeneral } from '../../src/providers/httpserver/codec.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

function rng(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

test('fast path equals the general decoder on 500 generated responses (both encoders)', () => {
  const r = rng(7);
  let fastHits = 0;
  for (let i = 0; i < 500; i++) {
    const header: Record<string, string[] | string> = {};
    const nh = Math.floor(r() * 5);
    for (let h = 0; h < nh; h++) {
      const name = `x-h${h}${'a'.repeat(Math.floor(r() * 40))}`;
      header[name] = r() < 0.2 ? `v${h}` : Array.from({ length: Math.floor(r() * 3) }, (_, k) => `val-${k}-${'z'.repeat(Math.floor(r() * 300))}`);
    }
    const body = new Uint8Array(Math.floor(r() * (r() < 0.1 ? 70000 : 300))).map(() => Math.floor(r() * 256));
    const msg = { statusCode: 200 + Math.floor(r() * 400), header, body };
    for (const bytes of [packr.pack(msg), msgpackEncode(msg)]) {
      const general = decodeHttpResponseGeneral(bytes);
      const fast = fastDecodeHttpResponse(bytes);
      if (fast) {
        fastHits++;
        assert.deepEqual({ ...fast, body: [...fast.body] }, { ...general, body: [...general.body] });
      }
      const used = decodeHttpResponse(bytes);
      assert.deepEqual({ ...used, body: [...used.body] }, { ...general, body: [...general.body] });
    }
  }
  assert.ok(fastHits > 900, `the fast path should take the common shape (took ${fastHits} of 1000)`);
});

test('unusual shapes fall through to the general decoder and its errors', () => {
  const cases: unknown[] = [
    { statusCode: 200, header: { 'x-ü': ['ä'] }, body: new Uint8Array([1]) }, // non-ASCII text
    { statusCode: 200, header: {}, body: 'text body' },                       // body as str
    { statusCode: 200, header: {}, body: new Uint8Array(0), extra: 1 },        // unknown key
    { statusCode: 70000, header: {}, body: new Uint8Array(0) },                 // not a status
    { header: {}, body: new Uint8Array(0) },                                    // missing statusCode
    { statusCode: 100, header: {}, body: new Uint8Array(0) },                   // not final
  ];
  for (const c of cases) {
    const bytes = packr.pack(c);
    assert.equal(fastDecodeHttpResponse(bytes), undefined, JSON.stringify(c));
  }
  assert.throws(() => decodeHttpResponse(packr.pack({ header: {}, body: new Uint8Array(0) })), /HttpResponse: missing field "statusCode"/);
  assert.throws(() => decodeHttpResponse(packr.pack({ statusCode: 200, header: { a: 5 }, body: new Uint8Array(0) })), /HttpResponse\.header\.a: expected an array of strings/);
  assert.throws(() => decodeHttpResponse(packr.pack({ statusCode: 100, header: {}, body: new Uint8Array(0) })), /not a final HTTP status/);
  assert.equal(fastDecodeHttpResponse(new Uint8Array([0x83, 0xa4])), undefined, 'truncated');
  assert.deepEqual(decodeHttpResponse(packr.pack({ statusCode: 200, header: { 'x-ü': ['ä'] }, body: new Uint8Array([1]) })).headerLines, ['x-ü', 'ä']);
});
