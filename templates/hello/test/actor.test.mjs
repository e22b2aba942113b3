import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { loadActor, httpRequest, httpResponse } from './wasmbus.mjs';

test('{{name}} greets', async () => {
  const actor = await loadActor(await readFile(new URL('../build/{{name}}_s.wasm', import.meta.url)));
  const r = actor.call('HttpServer.HandleRequest', httpRequest('GET', '/'));
  assert.equal(r.rc, 1, r.error);
  assert.deepEqual(httpResponse(r.response), { status: 200, body: 'Hello from {{name}}' });
});
