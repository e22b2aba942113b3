// Issue 11 fault 1: an actor whose one invocation makes 100 000 synchronous host calls (lmdb
// Increment) held the host thread for seconds: neighbours stalled, the call's deadline did not
// hold, nothing was logged and the actor stayed on the host thread. The watchdog must see time
// spent in synchronous host calls, not only fuel.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from '../../src/codec/msgpack.js';
import { isStratusError } from '../../src/core/errors.js';
import { createProvider } from '../../src/providers/registry.js';
import { hostCallPayload, signedFixture, testHost, text, utf8 } from '../support/fixtures.js';

const dataDir = mkdtempSync(join(tmpdir(), 'stratus-hostcall-loop-'));
const { host, logs } = testHost({ rpcTimeoutMs: 2000, dataDir });
after(async () => {
  await host.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

function loopPayload(count: number): Uint8Array {
  const call = hostCallPayload('default', 'wasmcloud:keyvalue', 'KeyValue.Increment', encode({ key: 'loop', value: 1 }));
  const out = new Uint8Array(4 + call.length);
  new DataView(out.buffer).setUint32(0, count, true);
  out.set(call, 4);
  return out;
}

test('a loop of synchronous host calls is stopped by the watchdog: the actor moves to worker threads, the neighbour keeps answering', async () => {
  const kv = await host.startProvider(createProvider('keyvalue'));
  const looper = await host.startActor(await signedFixture('hostcall-loop', { name: 'kv-looper', caps: ['wasmcloud:keyvalue'] }));
  const echo = await host.startActor(await signedFixture('echo', { name: 'neighbour' }));
  await host.putLink({ actor_id: looper.id, provider_id: kv.id, contract_id: 'wasmcloud:keyvalue', link_name: 'default', values: {} });
  assert.equal(looper.lane, 'inline');
  // a small loop is an ordinary call
  assert.equal(text(await host.call(looper.id, 'Loop', loopPayload(10))), 'done');

  const bad = host.call(looper.id, 'Loop', loopPayload(100_000)).then((v) => text(v), (e: unknown) => e);
  const neighbour: Promise<string>[] = [];
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 5));
    neighbour.push(host.call(echo.id, 'Echo.Say', utf8(`n${i}`)).then(text));
  }
  const outcome = await bad;
  assert.ok(isStratusError(outcome, 'INTERRUPTED'), `the looping call must be stopped, got: ${String(outcome)}`);
  assert.match((outcome as Error).message, /held the host thread|on the host thread/);
  assert.match((outcome as Error).message, /after making host calls, so it could not be re-run/);
  assert.deepEqual(await Promise.all(neighbour), ['n0', 'n1', 'n2', 'n3', 'n4']);
  assert.equal(host.inventory().actors.find((a) => a.id === looper.id)?.lane, 'worker');
  assert.ok(logs.some((l) => l.level === 'warn' && l.text.includes('now runs on worker threads')), 'the move is logged');
  // on worker threads it still works
  assert.equal(text(await host.call(looper.id, 'Loop', loopPayload(10))), 'done');
});
