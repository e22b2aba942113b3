// tier: full — builds the echo example with asc (cached between runs)
// An answer whose last field is a big JsonWriter's view is sent in place (SDK `respondWithTail`,
// bytes.ts): the msgpack head goes into the headroom before the JSON instead of head and JSON
// being copied into a second buffer. Checked on the echo example through the bare wasmbus ABI:
// the answers decode to the same JSON as a small answer (sent the copying way), and the first
// 4 MiB call grows memory to what the request and its JSON need, not to that plus a 14 MiB copy.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildCached, isolateStratusHome, ROOT } from './build-cache.js';
import { WasmbusHarness } from './harness.js';
import { encodeHttpRequest, decodeHttpResponse } from '../../src/codec/interfaces/httpserver.js';

isolateStratusHome();
const MiB = 1024 * 1024;
let wasm: Uint8Array;
before(async () => { ({ wasm } = await buildCached(join(ROOT, 'examples', 'echo'))); });

function echo(h: WasmbusHarness, body: Uint8Array): { method: string; path: string; body: number[]; contentType: string[] | undefined } {
  const r = h.call('HttpServer.HandleRequest', encodeHttpRequest({ method: 'POST', path: '/in-place', queryString: '', header: {}, body }));
  assert.equal(r.rc, 1, r.error);
  const res = decodeHttpResponse(r.response);
  assert.equal(res.statusCode, 200);
  return { ...JSON.parse(Buffer.from(res.body).toString()), contentType: res.header['content-type'] };
}

test('big answers go out in place with the same bytes a small (copied) answer has; the first 4 MiB call needs no second copy', async () => {
  const h = await WasmbusHarness.create(wasm);
  const small = new Uint8Array([1, 2, 255]);
  const s = echo(h, small); // a 64-byte JsonWriter: no headroom, the copying path
  assert.deepEqual(s.body, [1, 2, 255]);
  assert.deepEqual(s.contentType, ['application/json']);

  const big = new Uint8Array(randomBytes(4 * MiB));
  const b = echo(h, big); // a 16 MiB JsonWriter: headroom, answered in place
  assert.equal(b.method, 'POST');
  assert.equal(b.path, '/in-place');
  assert.deepEqual(b.contentType, ['application/json']);
  assert.ok(Buffer.from(Uint8Array.from(b.body)).equals(Buffer.from(big)), 'the echoed bytes differ');
  // request copy 4 MiB + JSON 16 MiB (+ the 14 MiB copy of the answer before this change: 52 MiB)
  assert.ok(h.memoryBytes < 32 * MiB, `memory after the first 4 MiB call: ${h.memoryBytes / MiB} MiB`);

  // the room is forgotten between calls: a small answer after a big one is still right
  assert.deepEqual(echo(h, small).body, [1, 2, 255]);
  assert.equal(echo(h, big).body.length, big.length);
});
