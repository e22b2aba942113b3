import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { loadActor, httpRequest, httpResponse, decode, encode } from './wasmbus.mjs';

test('{{name}} increments the counter for the path', async () => {
  const counts = new Map();
  const actor = await loadActor(await readFile(new URL('../build/{{name}}_s.wasm', import.meta.url)), (binding, ns, op, payload) => {
    assert.equal(ns, 'wasmcloud:keyvalue');
    assert.equal(op, 'KeyValue.Increment');
    const { key, value } = decode(payload); // IncrementRequest
    const n = (counts.get(key) ?? 0) + value;
    counts.set(key, n);
    return { ok: encode(n) };
  });
  for (const want of [1, 2]) {
    const r = actor.call('HttpServer.HandleRequest', httpRequest('GET', '/bloggo'));
    assert.equal(r.rc, 1, r.error);
    assert.deepEqual(httpResponse(r.response), { status: 200, body: `{"counter": ${want}}` });
  }
  // another path is another counter, however long the path
  const long = '/' + 'a-long-path-segment/'.repeat(20);
  const r = actor.call('HttpServer.HandleRequest', httpRequest('GET', long));
  assert.deepEqual(httpResponse(r.response), { status: 200, body: '{"counter": 1}' });
  assert.equal(counts.size, 2);
});

test('{{name}} answers 500 with the error when the store is unavailable', async () => {
  const actor = await loadActor(await readFile(new URL('../build/{{name}}_s.wasm', import.meta.url)), () => ({ error: 'no link' }));
  const r = actor.call('HttpServer.HandleRequest', httpRequest('GET', '/x'));
  assert.deepEqual(httpResponse(r.response), { status: 500, body: 'Host send error no link' });
});
