// tier: full — builds AssemblyScript actors (cached between runs)
// Header maps in generated bindings are checked while decoding and turned into a Map only when
// read (the kvcounter never reads them). Requests decoded that way must behave exactly like an
// eager decode: same errors, same re-encoded bytes, same headers, one Map per object.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { decode as oracleDecode, encode as oracleEncode } from '@msgpack/msgpack';
import { WasmbusHarness, hex } from './harness.js';
import { compileCached, ROOT } from './build-cache.js';

let h: WasmbusHarness;
let reply: Uint8Array = new Uint8Array(0);

before(async () => {
  h = await WasmbusHarness.create(await compileCached(join(ROOT, 'sdk', 'assemblyscript', 'tests', 'harness')), () => ({ ok: reply }));
});

type Answer = [string | null, Uint8Array | null, Record<string, string[]> | null, boolean | null];

/** A request whose header map has the integer key 1 (not expressible with a JS object). */
function intKeyRequest(path: string): Uint8Array {
  const bytes = oracleEncode({ method: 'GET', path, queryString: '', header: {}, body: new Uint8Array(0) });
  const at = hex(bytes).indexOf(hex(oracleEncode('header')) + '80') / 2 + 7; // the empty map
  return Uint8Array.from([...bytes.subarray(0, at), 0x81, 0x01, 0x91, 0xa1, 0x78, ...bytes.subarray(at + 1)]);
}

function request(header: unknown, extra: Record<string, unknown> = {}): Uint8Array {
  return oracleEncode({ method: 'GET', path: '/p', queryString: 'a=1', header, body: new Uint8Array(0), ...extra });
}

test('lazily decoded headers: same errors, re-encoding and headers as the eager decode', () => {
  const inputs: Uint8Array[] = [
    request({}),
    request({ host: ['localhost:8080'] }),
    request({ accept: ['*/*', 'text/plain'], 'x-größe': ['日本', '😀', ''], 'user-agent': ['t'] }),
    request({ long: ['x'.repeat(300)], [`k${'y'.repeat(70000)}`]: ['v'] }),
    request({ host: 'not a list' }),
    request({ host: [1] }),
    request([['host', ['x']]]),
    request({ host: ['x'] }, { body: null }),
    oracleEncode({ header: { a: ['1'] }, method: 'GET', path: '/', queryString: '', body: new Uint8Array(0), extra: 1 }),
    oracleEncode({ method: 'GET', path: '/', queryString: '', body: new Uint8Array(0) }),
    intKeyRequest('/'),
  ];
  const full = request({ a: ['1', '2'], b: ['3'] });
  for (let cut = 1; cut < full.length; cut += 3) inputs.push(full.subarray(0, cut)); // truncated
  let lazyOk = 0;
  for (const bytes of inputs) {
    const r = h.call('Lazy.Request', bytes);
    assert.equal(r.rc, 1, r.error);
    const [lazy, eager] = oracleDecode(r.response) as [Answer, Answer];
    assert.deepEqual(lazy, eager, hex(bytes.subarray(0, 64)));
    if (lazy[0] === null) { lazyOk++; assert.equal(lazy[3], true); }
  }
  assert.ok(lazyOk >= 5, `${lazyOk} inputs decoded`);
  // the re-encoding of a valid request is the request (declared order, minimal forms)
  const [lazy] = oracleDecode(h.call('Lazy.Request', inputs[2]!).response) as [Answer];
  assert.equal(hex(lazy[1]!), hex(inputs[2]!));
  assert.deepEqual(lazy[2], { accept: ['*/*', 'text/plain'], 'x-größe': ['日本', '😀', ''], 'user-agent': ['t'] });
});

test('generated dispatch: headers read, replaced or never touched; errors in headers still fail the call', () => {
  const call = (path: string, header: unknown) => {
    const r = h.call('HttpServer.HandleRequest', oracleEncode({ method: 'GET', path, queryString: '', header, body: new Uint8Array(0) }));
    return { r, res: r.rc === 1 ? oracleDecode(r.response) as { header: Record<string, string[]>; body: Uint8Array } : undefined };
  };
  const echo = call('/echo', { host: ['h'], accept: ['a', 'b'] });
  assert.deepEqual(echo.res!.header, { host: ['h'], accept: ['a', 'b'] });
  assert.equal(Buffer.from(echo.res!.body).toString(), 'same');
  const set = call('/set', { host: ['h'] });
  assert.deepEqual(set.res!.header, { k: ['v'] });
  assert.equal(Buffer.from(set.res!.body).toString(), 'same');
  const untouched = call('/untouched', { host: ['h'] });
  // a response whose header map was never created still encodes `header: {}` (80)
  assert.equal(hex(untouched.r.response), '83aa737461747573436f6465ccc8a668656164657280a4626f6479c400');
  const bad = call('/untouched', { host: [3] });
  assert.equal(bad.r.rc, 0);
  assert.match(bad.r.error, /deserialization: message 'HandleRequest': invalid type: expected a string$/);
  const badKey = h.call('HttpServer.HandleRequest', intKeyRequest('/untouched'));
  assert.equal(badKey.rc, 0);
  assert.match(badKey.error, /invalid type: expected a string$/);
});

test('a sender reply decoded lazily has its headers when read after the call', () => {
  reply = oracleEncode({ statusCode: 201, header: { 'content-type': ['text/plain'], vary: ['a', 'b'] }, body: new Uint8Array(0) });
  const r = h.call('Sender.Http', new Uint8Array(0));
  assert.equal(r.rc, 1, r.error);
  assert.deepEqual(oracleDecode(r.response), { 'content-type': ['text/plain'], vary: ['a', 'b'] });
  reply = new Uint8Array(0);
});
