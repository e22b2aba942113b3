// tier: full — runs an actor on worker threads and drives it back to the host thread
// Issue 17 §2: an actor moved to worker threads by one long call returns to the host thread for
// its short ones (lane-policy.ts), and a second move makes the way back longer (no flapping).
// Calls made while the actor changes lanes all succeed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { testHost, text, workActor } from '../support/fixtures.js';
import { QUIET_STREAK } from '../../src/host/lanes/lane-policy.js';

const { host, logs } = testHost({ rpcTimeoutMs: 30_000 });
after(() => host.shutdown());

// "Work" fills and copies 15 MiB 200 times (hundreds of ms: past the 50 ms slice); anything else
// answers "alive" at once.
const WORK = `
        (if (i32.lt_u (memory.size) (i32.const 512)) (then (drop (memory.grow (i32.sub (i32.const 512) (memory.size))))))
        (local.set $i (i32.const 200))
        (loop $more
          (memory.fill (i32.const 0x10000) (local.get $i) (i32.const 0xf00000))
          (memory.copy (i32.const 0x1000000) (i32.const 0x10000) (i32.const 0xf00000))
          (br_if $more (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))`;

const laneOf = (id: string) => host.inventory().actors.find((a) => a.id === id)?.lane;

/** Short calls, four at a time, until the actor is inline again (or `limit` calls, or 60 s: the way
 *  back also needs time on workers, MIN_WORKER_MS doubled per move, and on a quiet machine 20 000
 *  short calls take less than that); returns how many ran. */
async function shortCallsUntilInline(id: string, limit: number): Promise<number> {
  let n = 0;
  const giveUpAt = Date.now() + 60_000;
  while (n < limit && Date.now() < giveUpAt && laneOf(id) !== 'inline') {
    const answers = await Promise.all([0, 1, 2, 3].map(() => host.call(id, 'Alive', new Uint8Array(0))));
    for (const a of answers) assert.equal(text(a), 'alive');
    n += 4;
  }
  return n;
}

test('one long call moves the actor to worker threads; short calls bring it back; a second move needs a longer streak', async () => {
  const moves: Array<{ from: string; to: string }> = [];
  host.events.on('actor_moved', (e) => moves.push({ from: e.from, to: e.to }));
  const a = await host.startActor(await workActor('mover', WORK), { maxMemoryPages: 1024 });
  assert.equal(a.lane, 'inline');

  assert.equal(text(await host.call(a.id, 'Work', new Uint8Array(0))), 'done');
  assert.equal(laneOf(a.id), 'worker');

  const first = await shortCallsUntilInline(a.id, Infinity);
  assert.equal(laneOf(a.id), 'inline', `still on workers after ${first} short calls`);
  assert.ok(first >= QUIET_STREAK, `returned after ${first} calls, before the streak of ${QUIET_STREAK}`);
  assert.ok(logs.some((l) => l.text.includes('mover') && l.text.includes('runs on the host thread again')));

  // a second long call moves it again; now the streak to come back is twice as long
  assert.equal(text(await host.call(a.id, 'Work', new Uint8Array(0))), 'done');
  assert.equal(laneOf(a.id), 'worker');
  const early = await shortCallsUntilInline(a.id, QUIET_STREAK + 8);
  assert.equal(laneOf(a.id), 'worker', `back inline after ${early} calls: the second stay needs ${2 * QUIET_STREAK}`);
  const second = early + await shortCallsUntilInline(a.id, Infinity);
  assert.equal(laneOf(a.id), 'inline', `still on workers after ${second} short calls`);
  assert.ok(second >= 2 * QUIET_STREAK);

  assert.deepEqual(moves, [
    { from: 'inline', to: 'worker' }, { from: 'worker', to: 'inline' },
    { from: 'inline', to: 'worker' }, { from: 'worker', to: 'inline' },
  ]);
  // and it still serves both kinds of calls on the host thread
  assert.equal(text(await host.call(a.id, 'Alive', new Uint8Array(0))), 'alive');
  await host.stopActor(a.id);
});
