// The spare worker is booted when a worker lane first needs one, not when a host is made: a host
// whose actors run on the host thread never boots a thread it does not use (docs/coldstart.md).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WorkerReserve } from '../../src/host/lanes/worker/reserve.js';
import { signedFixture, testHost, text, until, utf8 } from '../support/fixtures.js';

const reserves: WorkerReserve[] = [];
after(() => Promise.all(reserves.map((r) => r.close())));

test('a new reserve boots nothing; the first take boots the taken worker, then a spare once that one is online', async () => {
  const reserve = new WorkerReserve(1);
  reserves.push(reserve);
  assert.equal(reserve.spareCount, 0, 'nothing booted before a worker is needed');
  const first = reserve.take();
  assert.equal(reserve.spareCount, 0, 'the spare does not compete with the boot of the worker being waited for');
  await once(first, 'online');
  await until(() => reserve.spareCount === 1, 'a spare is booted once the taken worker is online');
  const spare = spareOf(reserve);
  await until(() => (reserve as unknown as { online: WeakSet<object> }).online.has(spare), 'the spare has booted');
  const second = reserve.take();
  assert.notEqual(second, first);
  assert.equal(reserve.spareCount, 1, 'taking a booted spare boots its replacement at once');
  await Promise.all([first.terminate(), second.terminate()]);
});

test('taking a spare that is still booting defers its replacement until that one is online', async () => {
  const reserve = new WorkerReserve(1);
  reserves.push(reserve);
  reserve.fill(); // as Host.expectStart does ahead of a start
  assert.equal(reserve.spareCount, 1);
  const taken = reserve.take();
  assert.equal(reserve.spareCount, 0, 'a second boot would compete with the one the start waits for');
  await once(taken, 'online');
  await until(() => reserve.spareCount === 1, 'the replacement boots once the taken one is online');
  await taken.terminate();
});

function spareOf(reserve: WorkerReserve): import('node:worker_threads').Worker {
  return (reserve as unknown as { spares: import('node:worker_threads').Worker[] }).spares[0]!;
}

test('a host whose actor runs on the host thread boots no spare worker', async () => {
  const { host } = testHost();
  try {
    const d = await host.startActor(await signedFixture('echo', { name: 'inline-only' }));
    assert.equal(d.lane, 'inline');
    assert.equal(text(await host.call(d.id, 'Echo.Say', utf8('hi'))), 'hi');
    // the reserve is private to the host: read through a cast, as nothing else shows it
    const reserve = (host as unknown as { reserve: WorkerReserve }).reserve;
    assert.equal(reserve.spareCount, 0);
  } finally {
    await host.shutdown();
  }
});

test('a host with worker isolation boots its spare after the first start, so the next start takes it', async () => {
  const { host } = testHost({ isolation: 'worker' });
  try {
    const reserve = (host as unknown as { reserve: WorkerReserve }).reserve;
    assert.equal(reserve.spareCount, 0, 'nothing booted by making the host');
    const a = await host.startActor(await signedFixture('echo', { name: 'on-workers-a' }));
    assert.equal(a.lane, 'worker');
    await until(() => reserve.spareCount === 1, 'a spare is booted after the first worker');
    const b = await host.startActor(await signedFixture('echo', { name: 'on-workers-b' }));
    assert.equal(text(await host.call(b.id, 'Echo.Say', utf8('b'))), 'b');
  } finally {
    await host.shutdown();
  }
});
