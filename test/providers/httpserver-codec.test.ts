// The hot-path HttpRequest encoder must emit exactly what msgpackr (wasmCloud's byte layout) and an
// independent msgpack codec agree on, at every size boundary of the format.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '@msgpack/msgpack';
import { encodeRawHttpRequest } from '../../src/providers/httpserver/request-encoder.js';
import { encodeHttpRequest, decodeHttpResponse } from '../../src/providers/httpserver/codec.js';
import { groupHeaders } from '../../src/providers/httpserver/listener.js';

const ascii = (n: number, seed: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(33 + ((i * 7 + seed) % 90))).join('');

describe('HttpRequest encoding', () => {
  it('matches the reference bytes for GET /bloggo with no headers (reference §2.3)', () => {
    const bytes = encodeRawHttpRequest({ method: 'GET', path: '/bloggo', queryString: '', headerNames: [], headerValues: [], body: new Uint8Array() });
    assert.equal(Buffer.from(bytes).toString('hex'),
      '85a66d6574686f64a3474554a470617468a72f626c6f67676fab7175657279537472696e67a0a668656164657280a4626f6479c400');
  });

  it('a body given as the chunks it arrived in encodes to the same bytes as the joined body', () => {
    for (const sizes of [[1], [100, 200], [255, 1], [65535, 1, 0, 3], [70000, 1 << 20]]) {
      const chunks = sizes.map((n, k) => new Uint8Array(n).map((_, i) => (i * 13 + k) & 0xff));
      const joined = Buffer.concat(chunks);
      const head = { method: 'POST', path: '/up', queryString: 'a=1', headerNames: ['x'], headerValues: [['y']] };
      assert.deepEqual(Buffer.from(encodeRawHttpRequest({ ...head, body: chunks })), Buffer.from(encodeRawHttpRequest({ ...head, body: joined })), `chunks ${sizes}`);
    }
  });

  it('emits the same bytes as msgpackr across str/map/array/bin size boundaries', () => {
    const strLens = [0, 1, 31, 32, 255, 256, 65535, 65536];
    const counts = [0, 1, 15, 16, 40];
    const bodyLens = [0, 255, 256, 65535, 65536, 70000];
    let cases = 0;
    for (const sl of strLens) {
      for (const hc of counts) {
        const bl = bodyLens[(sl + hc) % bodyLens.length]!;
        const names = Array.from({ length: hc }, (_, i) => `x-h${i}-${ascii(i % 3 === 0 ? Math.min(sl, 40) : 3, i)}`.toLowerCase());
        const values = names.map((_, i) => Array.from({ length: i === 0 ? Math.max(1, hc) : 1 + (i % 2) }, (_, j) => ascii(j === 0 ? sl : 5, i + j)));
        const body = new Uint8Array(bl).map((_, i) => (i * 31) & 0xff);
        const req = { method: 'PATCH', path: '/' + ascii(sl, 1), queryString: ascii(sl, 2) };
        const ours = encodeRawHttpRequest({ ...req, headerNames: names, headerValues: values, body });
        const header: Record<string, string[]> = {};
        names.forEach((n, i) => { header[n] = values[i]!; });
        const reference = encodeHttpRequest({ ...req, header, body });
        assert.deepEqual(Buffer.from(ours), Buffer.from(reference), `str ${sl}, headers ${hc}, body ${bl}`);
        const back = decode(ours) as Record<string, unknown>;
        assert.equal(back.path, req.path);
        assert.deepEqual(back.header, header);
        assert.deepEqual(Buffer.from(back.body as Uint8Array), Buffer.from(body));
        cases++;
      }
    }
    assert.equal(cases, strLens.length * counts.length);
  });

  it('passes the client\'s URL bytes through unchanged (Node hands them over latin1-decoded)', () => {
    const latin1Path = Buffer.from('/caf\u00e9', 'utf8').toString('latin1'); // what Node puts in req.url
    const bytes = encodeRawHttpRequest({ method: 'GET', path: latin1Path, queryString: '', headerNames: [], headerValues: [], body: new Uint8Array() });
    assert.equal((decode(bytes) as { path: string }).path, '/café');
  });

  it('groups repeated header names (any case) in first-seen order and drops non-ASCII values', () => {
    const g = groupHeaders(['Host', 'h', 'X-A', '1', 'x-a', '2', 'X-Bin', 'caf\u00e9', 'Accept', '*/*', 'X-A', '3']);
    assert.deepEqual(g.names, ['host', 'x-a', 'accept']);
    assert.deepEqual(g.values, [['h'], ['1', '2', '3'], ['*/*']]);
  });
});

describe('HttpResponse decoding', () => {
  it('flattens multi-valued headers into one line per value, a single string value as one line', () => {
    const r = decodeHttpResponse(encode({ statusCode: 200, header: { a: ['1', '2'], b: 'x' }, body: 'hi' }));
    assert.deepEqual(r.headerLines, ['a', '1', 'a', '2', 'b', 'x']);
    assert.equal(Buffer.from(r.body).toString(), 'hi');
  });

  it('reads what Rust\'s serde defaults allow: header and body left out, body nil', () => {
    for (const reply of [{ statusCode: 204 }, { statusCode: 204, header: null, body: null }]) {
      const r = decodeHttpResponse(encode(reply));
      assert.deepEqual([r.statusCode, r.headerLines, r.body.length], [204, [], 0], JSON.stringify(reply));
    }
  });

  it('refuses a header value that is neither a string nor a list of strings, naming it', () => {
    assert.throws(() => decodeHttpResponse(encode({ statusCode: 200, header: { b: 5 }, body: new Uint8Array(0) })),
      /HttpResponse\.header\.b: expected an array of strings, got integer 5$/);
  });
});
