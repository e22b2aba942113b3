// Burst instances (above `count`, up to maxInstances) are kept while load continues and retired
// only after idling: killing them as soon as the queue drained made steady load spawn and kill
// worker threads continuously.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { signedFixture, testHost, utf8, text, until } from '../support/fixtures.js';

// Worker-thread lane (isolation: 'worker'); the host-thread lane has its own tests in inline-lane.test.ts.
const { host } = testHost({ isolation: 'worker' });
after(() => host.shutdown());

test('a burst instance serves later bursts instead of being killed and respawned; it is retired after idling', async () => {
  const events: string[] = [];
  for (const ev of ['actor_started', 'actor_stopped'] as const) host.events.on(ev, (e: { public_key: string }) => events.push(`${ev} ${e.public_key}`));
  const d = await host.startActor(await signedFixture('echo', { name: 'bursty' }), { count: 1, maxInstances: 2 });
  const started = () => events.filter((e) => e === `actor_started ${d.id}`).length;
  const stopped = () => events.filter((e) => e === `actor_stopped ${d.id}`).length;
  const burst = async (round: number) => {
    const out = await Promise.all(Array.from({ length: 8 }, (_, i) => host.call(d.id, 'Echo', utf8(`r${round}-${i}`))));
    out.forEach((b, i) => assert.equal(text(b), `r${round}-${i}`));
  };
  await burst(0); // the queued calls make the pool start its second instance
  await until(() => started() === 2, 'burst instance started');
  for (let round = 1; round < 10; round++) {
    await burst(round);
    await new Promise((r) => setTimeout(r, 30)); // room for a (wrong) retire-and-respawn to happen
  }
  assert.equal(started(), 2, 'one warm instance plus one burst instance, each started once');
  assert.equal(stopped(), 0, 'the burst instance stays while calls keep coming');
  // once idle long enough, the pool shrinks back to `count`
  await until(() => stopped() === 1, 'burst instance retired after idling', 8000);
  assert.equal(text(await host.call(d.id, 'Echo', utf8('after'))), 'after');
  await host.stopActor(d.id);
});

test('scaling down retires surplus instances right away', async () => {
  const stops: string[] = [];
  host.events.on('actor_stopped', (e: { public_key: string }) => stops.push(e.public_key));
  const d = await host.startActor(await signedFixture('echo', { name: 'scaled' }), { count: 3 });
  await host.scaleActor(d.id, 1);
  assert.equal(stops.filter((k) => k === d.id).length, 2);
  assert.equal(text(await host.call(d.id, 'Echo', utf8('x'))), 'x');
  await host.stopActor(d.id);
});
