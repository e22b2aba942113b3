// tier: full — real nats-server -js, two provider processes, real HTTP over a real socket
// The built-in providers implement the same CapabilityProvider interface the SDK runs, so they
// run as processes unchanged: kvcounter (C) behind httpserver and keyvalue, both in their own
// processes, reached over NATS both ways (httpserver -> actor, actor -> keyvalue).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../support/servers.js';
import { signedC, until } from '../support/fixtures.js';
import { builtinAsProcess, hostWithProcesses, packProvider } from './process-support.js';

const { host, logs, archives } = hostWithProcesses();

test('httpserver and keyvalue, unchanged, as provider processes serve the kvcounter actor', async () => {
  const KV = 'wasmcloud:keyvalue';
  const HTTP = 'wasmcloud:httpserver';
  const source = archives();
  const kv = await source.open(packProvider(builtinAsProcess('keyvalue'), 'kv-proc', { capid: KV }).path, 'default');
  const http = await source.open(packProvider(builtinAsProcess('httpserver'), 'http-proc', { capid: HTTP }).path, 'default');
  await host.startProvider(kv);
  await host.startProvider(http);
  const actor = await host.startActor(await signedC('kvcounter', { caps: [KV, HTTP] }));
  const port = await freePort();
  await host.putLink({ actor_id: actor.id, provider_id: kv.id, contract_id: KV, link_name: 'default', values: { backend: 'memory' } });
  await host.putLink({ actor_id: actor.id, provider_id: http.id, contract_id: HTTP, link_name: 'default', values: { address: `127.0.0.1:${port}` } });
  await until(() => logs.filter((l) => l.text.includes(`linked actor ${actor.id}`)).length >= 2, 'both provider processes to take their links');
  let res!: Response;
  for (let i = 0; ; i++) {
    try {
      res = await fetch(`http://127.0.0.1:${port}/bloggo`, { headers: { connection: 'close' } });
      break;
    } catch (e) {
      if (i > 100) throw e; // the listener opens when the process applies the link
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  assert.equal(res.status, 200, await res.clone().text());
  assert.deepEqual(await res.json(), { counter: 1 });
  const again = await fetch(`http://127.0.0.1:${port}/bloggo`, { headers: { connection: 'close' } });
  assert.deepEqual(await again.json(), { counter: 2 });
  await host.stopProvider(http.id, 'default');
  await host.stopProvider(kv.id, 'default');
});
