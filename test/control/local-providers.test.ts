// `stratus call`-style one-shot host with built-in providers auto-linked (keyvalue in memory,
// httpserver only when asked), using the runtime's createLocalHost/callModuleOnce extension point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callModuleOnce, createLocalHost } from '../../src/host/local.js';
import { builtinProvidersSetup } from '../../src/control/local-providers.js';
import { jsonToMsgpack, msgpackToJson } from '../../src/codec/json-bridge.js';
import { signActorModule } from '../../src/claims/sign.js';
import { freePort, get, kvcounterWasm } from '../e2e/support.js';

const caps = ['wasmcloud:httpserver', 'wasmcloud:keyvalue'];

test('a single actor file answers through an auto-linked in-memory keyvalue (no running host)', async () => {
  const module = signActorModule(await kvcounterWasm(), { name: 'kvcounter', caps });
  const { reply } = await callModuleOnce({
    module, operation: 'HttpServer.HandleRequest', payload: jsonToMsgpack('HttpServer.HandleRequest', '{"path":"/bloggo"}'),
    setup: builtinProvidersSetup(), log: () => {},
  });
  const r = msgpackToJson('HttpServer.HandleRequest', reply) as { statusCode: number; body: string };
  assert.equal(r.statusCode, 200);
  assert.equal(r.body, '{"counter": 1}');
});

test('without the keyvalue claim nothing is linked and the actor reports the missing claim', async () => {
  const module = signActorModule(await kvcounterWasm(), { name: 'kvcounter', caps: ['wasmcloud:httpserver'] });
  const { reply } = await callModuleOnce({
    module, operation: 'HttpServer.HandleRequest', payload: jsonToMsgpack('HttpServer.HandleRequest', '{"path":"/x"}'),
    setup: builtinProvidersSetup(), log: () => {},
  });
  const r = msgpackToJson('HttpServer.HandleRequest', reply) as { statusCode: number; body: string };
  assert.equal(r.statusCode, 500);
  assert.match(r.body, /missing capability claim for wasmcloud:keyvalue/);
});

test('httpserver is started only when a port is asked for', async () => {
  const host = createLocalHost({ log: () => {} });
  try {
    const actor = await host.startActor(signActorModule(await kvcounterWasm(), { name: 'kvcounter', caps }));
    const port = await freePort();
    await builtinProvidersSetup({ httpPort: port })(host, actor);
    assert.deepEqual(host.inventory().providers.map((p) => p.name).sort(), ['httpserver', 'keyvalue']);
    assert.deepEqual(await get(`http://127.0.0.1:${port}/a`), { status: 200, body: '{"counter": 1}' });
    const other = createLocalHost({ log: () => {} });
    try {
      const a2 = await other.startActor(signActorModule(await kvcounterWasm(), { name: 'kvcounter2', caps }));
      await builtinProvidersSetup()(other, a2);
      assert.deepEqual(other.inventory().providers.map((p) => p.name), ['keyvalue']);
    } finally {
      await other.shutdown();
    }
  } finally {
    await host.shutdown();
  }
});
