// tier: full — three hosts each load Binaryen and transform on an empty cache (seconds each)
// A new actor whose host-thread code is not in the code cache serves its first request on worker
// threads while Binaryen prepares that code, then moves to the host thread
// (HostOptions.serveWhilePreparing, on for `stratus up`; docs/coldstart.md). Observed through the
// lane the start reports and the order of the answer and the `actor_moved` event: no timings.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signedFixture, testHost, text, until, utf8 } from '../support/fixtures.js';
import { preparationStats, prepareForHostThread } from '../../src/wasm/host-thread.js';
import { SUSPENDING_IMPORTS } from '../../src/host/actor-loader.js';
import { fixture } from '../support/wat.js';
import type { WorkerReserve } from '../../src/host/lanes/worker/reserve.js';

// an empty cache of this file's own, so the first start of each module misses it
const root = mkdtempSync(join(tmpdir(), 'stratus-serve-early-'));
process.env.STRATUS_CACHE_DIR = join(root, 'cache');
process.env.STRATUS_CACHE_KEY_HOME = join(root, 'key');

const hosts: { shutdown(): Promise<void> }[] = [];
after(() => Promise.all(hosts.map((h) => h.shutdown())));

function host(opts: { serveWhilePreparing: boolean; prepareMissing?: boolean }) {
  const h = testHost(opts);
  hosts.push(h.host);
  return h;
}

test('a module missing from the code cache answers its first request on workers, before its transform ends; then moves inline', async () => {
  const { host: h, logs } = host({ serveWhilePreparing: true });
  const order: string[] = [];
  h.events.on('actor_moved', (e) => order.push(`moved ${e.from}->${e.to}: ${e.reason}`));
  const d = await h.startActor(await signedFixture('echo', { name: 'early' }));
  assert.equal(d.lane, 'worker', 'started on worker threads while its code is prepared');
  assert.equal(text(await h.call(d.id, 'Echo.Say', utf8('first'))), 'first');
  order.push('answered');
  await until(() => h.inventory().actors.find((a) => a.id === d.id)?.lane === 'inline', 'the actor moves to the host thread');
  assert.deepEqual(order, ['answered', 'moved worker->inline: its code for the host thread is ready']);
  assert.equal(preparationStats(h.scope).transforms, 1);
  assert.ok(logs.some((l) => /serves on worker threads while its code for the host thread is prepared/.test(l.text)), 'the start says why');
  assert.equal(text(await h.call(d.id, 'Echo.Say', utf8('inline'))), 'inline');

  // the code is cached now: another host starts the same module on the host thread at once
  const { host: warm } = host({ serveWhilePreparing: true });
  const w = await warm.startActor(await signedFixture('echo', { name: 'early' }));
  assert.equal(w.lane, 'inline');
  assert.equal(preparationStats(warm.scope).cacheHits, 1);
});

test('a neighbour keeps answering on the host thread while a new module starts and is prepared', async () => {
  const { host: h } = host({ serveWhilePreparing: true });
  const order: string[] = [];
  const neighbour = await h.startActor(await signedFixture('echo', { name: 'neighbour' }));
  assert.equal(neighbour.lane, 'inline', 'echo is cached by now');
  h.events.on('actor_moved', (e) => { if (e.to === 'inline') order.push('new actor inline'); });
  let answers = 0;
  let starting = true;
  // a module the cache has not seen (the first test cached echo)
  const start = h.startActor(await signedFixture('hostcall', { name: 'newcomer' })).finally(() => { starting = false; });
  while (starting) {
    assert.equal(text(await h.call(neighbour.id, 'Echo.Say', utf8('ping'))), 'ping');
    answers++;
    await new Promise((r) => setImmediate(r));
  }
  const d = await start;
  assert.equal(d.lane, 'worker');
  assert.ok(answers > 0, 'the neighbour answered while the newcomer started');
  let during = 0;
  while (order.length === 0) {
    assert.equal(text(await h.call(neighbour.id, 'Echo.Say', utf8('ping'))), 'ping');
    during++;
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.ok(during > 0, 'the neighbour answered while the newcomer was being prepared');
  assert.equal(h.inventory().actors.find((a) => a.id === neighbour.id)?.lane, 'inline', 'the neighbour never left the host thread');
});

test('without serveWhilePreparing, a start waits for the code and reports the host thread', async () => {
  const { host: h } = host({ serveWhilePreparing: false });
  const d = await h.startActor(await signedFixture('ponger', { name: 'waits' }));
  assert.equal(d.lane, 'inline', 'the start waited for the code (a cache miss: no other test here starts ponger)');
  assert.equal(preparationStats(h.scope).transforms, 1);
});

test('a one-shot host (prepareMissing: false, as `stratus call`) runs a module missing from the cache on workers and starts no preparation', async () => {
  const { host: h, logs } = host({ serveWhilePreparing: true, prepareMissing: false });
  // wapc: no other test here starts it, so it is not in this file's cache
  const d = await h.startActor(await signedFixture('wapc', { name: 'one-shot' }));
  assert.equal(d.lane, 'worker');
  assert.equal(text(await h.call(d.id, 'Op', utf8('!'))), 'Op!');
  assert.deepEqual([preparationStats(h.scope).workersStarted, preparationStats(h.scope).transforms], [0, 0], 'no preparation worker, no transform');
  assert.ok(logs.some((l) => /not in the code cache, and this host does not prepare it/.test(l.text)));
  // a module in the cache still runs on the host thread
  const echo = await h.startActor(await signedFixture('echo', { name: 'one-shot-echo' }));
  assert.equal(echo.lane, 'inline');
});

test('a miss with transformAfter starts no preparation worker until it settles (an actor serving on workers lets its worker boot first)', async () => {
  const { host: h } = host({ serveWhilePreparing: true });
  let gateOpen!: () => void;
  const gate = new Promise<void>((r) => { gateOpen = r; });
  let slow = false;
  // pinger: no other test here prepares it, so it misses this file's cache
  const prepared = prepareForHostThread(h.scope, await fixture('pinger'), { imports: SUSPENDING_IMPORTS, slow: () => { slow = true; }, transformAfter: gate });
  await until(() => slow, 'the lookup reports the miss');
  // without the gate the transform is posted right after `slow`: the worker would have started by now
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(preparationStats(h.scope).workersStarted, 0, 'the preparation worker started before transformAfter settled');
  gateOpen();
  const bytes = await prepared;
  assert.ok(WebAssembly.validate(bytes), 'the prepared code is a module');
  assert.deepEqual([preparationStats(h.scope).workersStarted, preparationStats(h.scope).transforms], [1, 1]);
});

test('expectStart: a module missing from the cache boots the spare worker ahead of its start, which takes it; a cached one boots nothing', async () => {
  const { host: h } = host({ serveWhilePreparing: true });
  const reserve = (h as unknown as { reserve: WorkerReserve }).reserve;
  // echo is cached by the first test; start.wat is not used by any other test here
  await h.expectStart(await signedFixture('echo', { name: 'hinted-cached' }));
  assert.equal(reserve.spareCount, 0, 'a cached module needs no worker');
  const fresh = await signedFixture('start', { name: 'hinted-new' });
  await h.expectStart(fresh);
  assert.equal(reserve.spareCount, 1, 'the spare boots while the deploy goes on');
  const spares = (reserve as unknown as { spares: object[] }).spares;
  const booted = spares[0];
  const d = await h.startActor(fresh);
  assert.equal(d.lane, 'worker');
  assert.ok(!spares.includes(booted!), 'the start took the spare the hint booted');
  // a hint for bytes that are not a module is ignored: the start is what refuses them
  await h.expectStart(Uint8Array.of(1, 2, 3));
});
