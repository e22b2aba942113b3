// The host-thread ("inline") lane: actors run as plain calls on the host's thread, deadlines come from
// injected fuel checks, async host calls suspend the instance (Asyncify), and an actor that holds the
// thread too long moves to worker threads without losing the call.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { signedFixture, testHost, utf8, text } from '../support/fixtures.js';
import { isStratusError } from '../../src/core/errors.js';
import { preparationStats } from '../../src/wasm/host-thread.js';

const { host, logs } = testHost({ rpcTimeoutMs: 1500 });
after(() => host.shutdown());

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('actors run on the host thread by default; isolation: worker puts them on worker threads', async () => {
  const d = await host.startActor(await signedFixture('echo', { name: 'inline-echo' }));
  assert.equal(d.lane, 'inline');
  assert.equal(text(await host.call(d.id, 'Echo.Say', utf8('hi'))), 'hi');
  const w = testHost({ isolation: 'worker' }).host;
  try {
    const dw = await w.startActor(await signedFixture('echo', { name: 'worker-echo' }));
    assert.equal(dw.lane, 'worker');
    assert.equal(text(await w.call(dw.id, 'Echo.Say', utf8('hi'))), 'hi');
  } finally {
    await w.shutdown();
  }
  await host.stopActor(d.id);
});

test('a re-signed module reuses the Asyncify transform of the same code (the claims token is not part of the cache key)', async () => {
  const a = await host.startActor(await signedFixture('echo', { name: 'signed-once' }));
  const before = preparationStats(host.scope);
  const b = await host.startActor(await signedFixture('echo', { name: 'signed-again' }));
  assert.notEqual(a.id, b.id);
  const after = preparationStats(host.scope);
  assert.equal(after.transforms, before.transforms, 'no second transform');
  // on the same host the copy shares the compiled module (src/host/module-memo.ts): no preparation at all
  assert.equal(after.cacheHits, before.cacheHits);
  assert.equal(text(await host.call(b.id, 'Echo.Say', utf8('again'))), 'again');
  // another host (same code cache) finds the transform on disk under the same key
  const other = testHost().host;
  try {
    const c = await other.startActor(await signedFixture('echo', { name: 'signed-elsewhere' }));
    assert.deepEqual([preparationStats(other.scope).transforms, preparationStats(other.scope).cacheHits], [0, 1]);
    assert.equal(text(await other.call(c.id, 'Echo.Say', utf8('there'))), 'there');
  } finally {
    await other.shutdown();
  }
  assert.deepEqual(host.inventory().actors.find((x) => x.id === b.id)?.name, 'signed-again');
  await host.stopActor(a.id);
  await host.stopActor(b.id);
});

test('a loop under a short deadline is stopped by its fuel checks: TIMEOUT, the actor stays inline and serves again', async () => {
  const looper = await host.startActor(await signedFixture('loop', { name: 'inline-loop' }));
  await assert.rejects(host.call(looper.id, 'Loop', new Uint8Array(0), undefined, { timeoutMs: 30 }),
    (e) => isStratusError(e, 'TIMEOUT') && /did not answer Loop within 30 ms/.test(e.message));
  assert.equal(host.inventory().actors.find((a) => a.id === looper.id)?.lane, 'inline');
  assert.equal(text(await host.call(looper.id, 'Alive', new Uint8Array(0))), 'alive');
  await host.stopActor(looper.id);
});

test('a call holding the host thread over 50 ms moves the actor to workers; the call is re-run there and others keep serving', async () => {
  const looper = await host.startActor(await signedFixture('loop', { name: 'inline-slow' }));
  const echo = await host.startActor(await signedFixture('echo', { name: 'inline-echo2' }));
  const stuck = host.call(looper.id, 'Loop', new Uint8Array(0)).then(() => 'answered', (e: unknown) => e);
  // the host thread is free again well before the looper's deadline
  await new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < 10; i++) assert.equal(text(await host.call(echo.id, 'Echo.Say', utf8(`n${i}`))), `n${i}`);
  const err = await stuck;
  assert.ok(isStratusError(err, 'TIMEOUT'), String(err));
  assert.match((err as Error).message, /did not answer Loop within 1500 ms/);
  assert.equal(host.inventory().actors.find((a) => a.id === looper.id)?.lane, 'worker');
  assert.ok(logs.some((l) => l.level === 'warn' && l.text.includes('now runs on worker threads')));
  assert.equal(text(await host.call(looper.id, 'Alive', new Uint8Array(0))), 'alive');
  assert.equal(host.inventory().actors.find((a) => a.id === echo.id)?.lane, 'inline');
  await host.stopActor(looper.id);
  await host.stopActor(echo.id);
});

test('an actor-to-actor call suspends the caller (Asyncify); concurrent callers use separate instances', async () => {
  const ponger = await host.startActor(await signedFixture('ponger', { name: 'inline-ponger', callAlias: 'inline/ponger' }));
  const pinger = await host.startActor(await signedFixture('pinger', { name: 'inline-pinger' }));
  assert.equal(pinger.lane, 'inline');
  assert.equal(hex(await host.call(pinger.id, 'HttpServer.HandleRequest', utf8('inline/ponger'))), 'a4706f6e67');
  const all = await Promise.all(Array.from({ length: 20 }, () => host.call(pinger.id, 'HttpServer.HandleRequest', utf8('inline/ponger'))));
  for (const r of all) assert.equal(hex(r), 'a4706f6e67');
  await assert.rejects(host.call(pinger.id, 'X', utf8('inline/nobody')), (e) => isStratusError(e, 'GUEST_ERROR') && /inline\/nobody/.test(e.message));
  // more calls than instances: the rest queue and are served as instances come free
  const few = await host.startActor(await signedFixture('pinger', { name: 'inline-pinger2' }), { maxInstances: 2 });
  const many = await Promise.all(Array.from({ length: 300 }, () => host.call(few.id, 'HttpServer.HandleRequest', utf8('inline/ponger'))));
  for (const r of many) assert.equal(hex(r), 'a4706f6e67');
  await host.stopActor(few.id);
  await host.stopActor(ponger.id);
  await host.stopActor(pinger.id);
});

test('a trap or a memory ceiling fails only that call; a fresh instance serves the next one', async () => {
  const t = await host.startActor(await signedFixture('trap', { name: 'inline-trap' }));
  await assert.rejects(host.call(t.id, 'Trap.Now', new Uint8Array(0)), (e) => isStratusError(e, 'TRAP') && /trapped in Trap.Now/.test(e.message));
  assert.equal(text(await host.call(t.id, 'Ok.Now', new Uint8Array(0))), 'ok');
  const g = await host.startActor(await signedFixture('grow', { name: 'inline-grow' }), { maxMemoryPages: 4 });
  assert.equal(g.lane, 'inline');
  await assert.rejects(host.call(g.id, 'Grow', new Uint8Array(0)), (e) => isStratusError(e, 'MEMORY_LIMIT') && /ceiling of 4 pages/.test(e.message));
  await assert.rejects(host.call(g.id, 'Big', new Uint8Array(0)),
    (e) => isStratusError(e, 'TRAP') && /trapped in Big: unreachable \(its memory was at 0\.2 of its 0\.3 MiB ceiling/.test(e.message));
  assert.deepEqual([...await host.call(g.id, 'Size', new Uint8Array(0))], [1, 0, 0, 0]);
  await host.stopActor(t.id);
  await host.stopActor(g.id);
});
