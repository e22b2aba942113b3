// Many actors on one host (issue 17 §1): idle actors keep no timer and share one compiled module;
// the sweeper still runs while there is work for it (spare instances to retire); the route cache
// follows actors that start, stop and are updated.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { signedFixture, testHost, utf8, text, until } from '../support/fixtures.js';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { isStratusError } from '../../src/core/errors.js';
import { sharedModuleCount } from '../../src/host/module-memo.js';
import { preparationStats } from '../../src/wasm/host-thread.js';
import type { ActorTable } from '../../src/host/actor-table.js';
import type { Host } from '../../src/host/host.js';

const { host } = testHost({ rpcTimeoutMs: 3000 });
after(() => host.shutdown());

/** Whether the lane of `id` runs its sweeper now (the lanes' own diagnostic getter). */
function sweeping(h: Host, id: string): boolean {
  const lane = (h as unknown as { actors: ActorTable }).actors.get(id)!.lanes.current as unknown as { sweeping: boolean };
  assert.equal(typeof lane.sweeping, 'boolean');
  return lane.sweeping;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('200 idle actors keep no sweeper timer, and copies of one module share one compiled module', async () => {
  const h = testHost().host;
  try {
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push((await h.startActor(await signedFixture('echo', { name: `idle-${i}` }))).id);
    for (const id of ids) assert.equal(sweeping(h, id), false, `actor ${id} keeps a timer while idle`);
    // 200 distinct signed copies: one preparation, one compiled module
    assert.equal(sharedModuleCount(h.scope), 1);
    const stats = preparationStats(h.scope);
    assert.equal(stats.transforms + stats.cacheHits, 1);
    // each still has its own instance and answers
    assert.equal(text(await h.call(ids[0]!, 'Echo.Say', utf8('first'))), 'first');
    assert.equal(text(await h.call(ids[199]!, 'Echo.Say', utf8('last'))), 'last');
    assert.equal(sweeping(h, ids[0]!), false, 'a call that finished at once arms no timer');
  } finally {
    await h.shutdown();
  }
});

test('the sweeper runs while a burst left spare instances, retires them after idling, then stops', async () => {
  const events: string[] = [];
  for (const ev of ['actor_started', 'actor_stopped'] as const) host.events.on(ev, (e: { public_key: string }) => events.push(`${ev} ${e.public_key}`));
  const ponger = await host.startActor(await signedFixture('ponger', { name: 'sweep-ponger', callAlias: 'sweep/ponger' }));
  const pinger = await host.startActor(await signedFixture('pinger', { name: 'sweep-pinger' }), { count: 1, maxInstances: 4 });
  const started = () => events.filter((e) => e === `actor_started ${pinger.id}`).length;
  const stopped = () => events.filter((e) => e === `actor_stopped ${pinger.id}`).length;
  assert.equal(sweeping(host, pinger.id), false);
  // concurrent calls suspend in their actor-to-actor host call: the lane starts spare instances
  const all = await Promise.all(Array.from({ length: 12 }, () => host.call(pinger.id, 'HttpServer.HandleRequest', utf8('sweep/ponger'))));
  for (const r of all) assert.equal(hex(r), 'a4706f6e67');
  assert.ok(started() > 1, `a burst started spare instances (${started()} started)`);
  assert.equal(sweeping(host, pinger.id), true, 'spare instances are the sweeper\'s to retire');
  await until(() => stopped() === started() - 1, 'spare instances retired after idling', 8000);
  await until(() => !sweeping(host, pinger.id), 'the sweeper stops once nothing is left to sweep', 2000);
  assert.equal(hex(await host.call(pinger.id, 'HttpServer.HandleRequest', utf8('sweep/ponger'))), 'a4706f6e67');
  await host.stopActor(pinger.id);
  await host.stopActor(ponger.id);
});

test('cached routes follow the target actor through stop, start and update', async () => {
  const pongerSeed = createKeyPair('module').seed;
  const issuer = createKeyPair('account').seed;
  const ponger = (rev: number, callAlias?: string) => signedFixture('ponger', { name: 'cache-ponger', subject: pongerSeed, issuer, rev, ...(callAlias ? { callAlias } : {}) });
  const pinger = await host.startActor(await signedFixture('pinger', { name: 'cache-pinger' }));
  const ping = () => host.call(pinger.id, 'HttpServer.HandleRequest', utf8('cache/ponger'));
  const unknown = (e: unknown) => isStratusError(e, 'GUEST_ERROR') && /cache\/ponger/.test(e.message);

  await assert.rejects(ping(), unknown, 'no ponger yet');
  const p = await host.startActor(await ponger(0, 'cache/ponger'));
  assert.equal(hex(await ping()), 'a4706f6e67', 'a refusal cached before the start is forgotten');
  await ping(); // now cached
  await host.stopActor(p.id);
  await assert.rejects(ping(), unknown, 'the route to a stopped actor is forgotten');
  await host.startActor(await ponger(0, 'cache/ponger'));
  assert.equal(hex(await ping()), 'a4706f6e67');
  // a live update that drops the call alias: the cached route must not reach the new module
  await host.updateActor(await ponger(1));
  await assert.rejects(ping(), unknown, 'the alias left with the update');
  await host.updateActor(await ponger(2, 'cache/ponger'));
  assert.equal(hex(await ping()), 'a4706f6e67', 'and came back with the next one');
  await host.stopActor(p.id);
  await host.stopActor(pinger.id);
});
