// Draining the httpserver before the host stops (fault 10, HTTP side), with a real Host, a real
// C kvcounter built from source and a key-value provider whose replies the test releases: requests
// in flight when the drain starts get their actor's real answer, new connections are refused, a
// request that arrives on an open connection during the drain is answered 503 without reaching the
// actor, and idle keep-alive connections are closed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { signedC, testHost } from '../support/fixtures.js';
import { MemoryKv } from '../support/fixtures-provider.js';
import { createProvider } from '../../src/providers/registry.js';
import { statusForActorError } from '../../src/providers/httpserver/listener.js';
import { notStartedError, StratusError, type StratusErrorCode } from '../../src/core/errors.js';
import type { HttpServerProvider } from '../../src/providers/httpserver/provider.js';
import { decode } from '../../src/codec/msgpack.js';
import { freePort } from '../support/servers.js';
import { get, rawClient, rawGet, refused, until } from './httpserver-helpers.js';
import type { Invocation } from '../../src/core/wire.js';

/** A key-value provider whose Increments of keys with "bloggo" wait until the test opens the gate. */
class GatedKv extends MemoryKv {
  private open!: () => void;
  private readonly gate = new Promise<void>((r) => { this.open = r; });
  waiting = 0;
  release(): void { this.open(); }
  override async handle(inv: Invocation): Promise<Uint8Array> {
    if (decode<{ key: string }>(inv.msg).key.includes('bloggo')) {
      this.waiting++;
      await this.gate;
    }
    return super.handle(inv);
  }
}

const { host } = testHost();
after(() => host.shutdown());

test('drain: in-flight requests get their actor\'s answer, new connections are refused, nothing new is answered', { timeout: 60_000 }, async () => {
  const kv = new GatedKv();
  await host.startProvider(kv);
  const http = createProvider('httpserver') as HttpServerProvider;
  await host.startProvider(http);
  const actor = await host.startActor(await signedC('kvcounter', { caps: ['wasmcloud:keyvalue', 'wasmcloud:httpserver'] }));
  await host.putLink({ actor_id: actor.id, provider_id: kv.id, contract_id: kv.contractId, link_name: 'default', values: {} });
  const port = await freePort();
  await host.putLink({ actor_id: actor.id, provider_id: http.id, contract_id: 'wasmcloud:httpserver', link_name: 'default', values: { port: String(port) } });

  // an idle keep-alive connection (one request answered), one that never sent anything, and one
  // whose request is half sent when the drain starts
  const idle = await rawClient(port);
  assert.equal(await rawGet(idle, '/warm'), 200);
  const silent = await rawClient(port);
  const late = await rawClient(port);
  late.socket.write('GET /late HTTP/1.1\r\nHost: t\r\n'); // headers not finished yet

  // five requests in flight, each suspended in its Increment
  const agent = new Agent({ keepAlive: true, maxSockets: 5 });
  const inFlight = Array.from({ length: 5 }, () => get(port, '/bloggo', { agent }));
  await until(() => kv.waiting === 5, 'five Increments waiting');

  const drained = http.drain(10_000);
  // the listening socket is closed at once: a new connection is refused
  assert.equal(await refused(port), true, 'new connections are refused while draining');
  // the idle connection and the silent one are closed
  await idle.closed;
  await silent.closed;
  // a request completed on an open connection during the drain is not given to the actor
  late.socket.write('\r\n');
  const lateText = await late.closed;
  assert.match(lateText, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
  assert.match(lateText, /connection: close/i);

  kv.release();
  const answers = await Promise.all(inFlight);
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200]);
  assert.deepEqual(answers.map((a) => a.body.toString()).sort(), [1, 2, 3, 4, 5].map((n) => `{"counter":${n}}`));
  for (const a of answers) assert.equal(a.headers.connection, 'close', 'a drained connection is not kept alive');
  await drained;
  assert.equal(kv.calls.length, 6, 'only /warm and the five in-flight requests reached the actor');
  agent.destroy();
  // putting a link after the drain is refused: the provider is shutting down
  await assert.rejects(http.putLink({ id: 'x', actor_id: 'MOTHER', provider_id: http.id, link_name: 'default', contract_id: 'wasmcloud:httpserver', values: { port: '0' } }),
    /shutting down/);
  await host.stopProvider(http.id);
  await host.stopProvider(kv.id);
  await host.stopActor(actor.id);
});

test('drain: past its deadline every connection is closed and the drain resolves', { timeout: 30_000 }, async () => {
  const kv = new GatedKv();
  await host.startProvider(kv);
  const http = createProvider('httpserver', { linkName: 'stuck' }) as HttpServerProvider;
  await host.startProvider(http);
  const actor = await host.startActor(await signedC('kvcounter', { caps: ['wasmcloud:keyvalue', 'wasmcloud:httpserver'] }));
  await host.putLink({ actor_id: actor.id, provider_id: kv.id, contract_id: kv.contractId, link_name: 'default', values: {} });
  const port = await freePort();
  await host.putLink({ actor_id: actor.id, provider_id: http.id, contract_id: 'wasmcloud:httpserver', link_name: 'stuck', values: { port: String(port), timeout_ms: '60000' } });
  const c = await rawClient(port);
  c.socket.write('GET /bloggo-stuck HTTP/1.1\r\nHost: t\r\n\r\n');
  await until(() => kv.waiting === 1, 'the Increment waiting');
  await http.drain(200); // the actor never answers within it
  await c.closed;
  kv.release();
  await host.stopProvider(http.id, 'stuck');
  await host.stopProvider(kv.id);
  await host.stopActor(actor.id);
});

test('503 only when the actor certainly did nothing; a call stopped mid-way is a 500', () => {
  const err = (code: string) => new StratusError(code as StratusErrorCode, 'x');
  assert.equal(statusForActorError(err('ACTOR_NOT_RUNNING')), 503, 'not running / queued and never started');
  assert.equal(statusForActorError(err('UNKNOWN_TARGET')), 503);
  assert.equal(statusForActorError(err('INTERRUPTED')), 500, 'stopped while the call ran: it may have done its work');
  assert.equal(statusForActorError(err('TIMEOUT')), 504, 'ran out of time: outcome unknown');
  assert.equal(statusForActorError(notStartedError('TIMEOUT', 'queued')), 503, 'timed out waiting for an instance: never started');
  assert.equal(statusForActorError(err('GUEST_ERROR')), 500);
  assert.equal(statusForActorError(new Error('plain')), 500);
});
