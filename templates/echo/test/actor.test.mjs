import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { loadActor, httpRequest, httpResponse } from './wasmbus.mjs';

test('{{name}} echoes the request as JSON', async () => {
  const actor = await loadActor(await readFile(new URL('../build/{{name}}_s.wasm', import.meta.url)));
  const r = actor.call('HttpServer.HandleRequest', httpRequest('POST', '/echo', 'a=1', new TextEncoder().encode('hi')));
  assert.equal(r.rc, 1, r.error);
  const res = httpResponse(r.response);
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body), { method: 'POST', path: '/echo', query_string: 'a=1', body: [104, 105] });
});

test('{{name}} echoes long strings and bodies (msgpack str8/str16, bin16)', async () => {
  const actor = await loadActor(await readFile(new URL('../build/{{name}}_s.wasm', import.meta.url)));
  const path = '/' + 'segment/'.repeat(40); // 321 bytes
  const query = 'q=' + 'x'.repeat(100);
  const body = new Uint8Array(1000).map((_, i) => i % 251);
  const r = actor.call('HttpServer.HandleRequest', httpRequest('PUT', path, query, body, { 'content-type': ['application/octet-stream'] }));
  assert.equal(r.rc, 1, r.error);
  const res = httpResponse(r.response);
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body), { method: 'PUT', path, query_string: query, body: [...body] });
});
