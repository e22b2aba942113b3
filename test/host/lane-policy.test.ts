// Lane placement as pure decisions (src/host/lanes/lane-policy.ts): when an actor that moved to
// worker threads goes back to the host thread, and that repeated moves make the way back longer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { afterWorkerCall, enterWorker, returnBar, QUIET_CALL_MS, QUIET_STREAK, MIN_WORKER_MS } from '../../src/host/lanes/lane-policy.js';

/** Feeds `n` calls of `ms` each at clock `now`; returns the index of the call that decided a return, or -1. */
function feed(stay: ReturnType<typeof enterWorker>, n: number, ms: number, now: number): number {
  for (let i = 0; i < n; i++) if (afterWorkerCall(stay, ms, now)) return i;
  return -1;
}

test('returns after QUIET_STREAK short calls once MIN_WORKER_MS has passed, not before', () => {
  const stay = enterWorker(undefined, 0);
  assert.equal(feed(stay, QUIET_STREAK - 1, 1, MIN_WORKER_MS), -1, 'one call short of the streak');
  assert.equal(afterWorkerCall(stay, 1, MIN_WORKER_MS), true);

  const early = enterWorker(undefined, 0);
  assert.equal(feed(early, QUIET_STREAK * 4, 1, MIN_WORKER_MS - 1), -1, 'streak complete but too soon after the move');
  assert.equal(afterWorkerCall(early, 1, MIN_WORKER_MS), true, 'the next short call once the time has passed');
});

test('a long call resets the streak', () => {
  const stay = enterWorker(undefined, 0);
  assert.equal(feed(stay, QUIET_STREAK - 1, 1, 5000), -1);
  assert.equal(afterWorkerCall(stay, QUIET_CALL_MS, 5000), false, 'a call of QUIET_CALL_MS is not short');
  assert.equal(feed(stay, QUIET_STREAK - 1, 1, 5000), -1, 'the streak starts over');
  assert.equal(afterWorkerCall(stay, 1, 5000), true);
});

test('every further move doubles the streak and the wait (hysteresis), up to a cap', () => {
  let stay = enterWorker(undefined, 0);
  assert.deepEqual(returnBar(stay), { calls: QUIET_STREAK, ms: MIN_WORKER_MS });
  stay = enterWorker(stay, 10_000);
  assert.equal(stay.moves, 2);
  assert.equal(stay.quiet, 0);
  assert.deepEqual(returnBar(stay), { calls: 2 * QUIET_STREAK, ms: 2 * MIN_WORKER_MS });
  assert.equal(feed(stay, 2 * QUIET_STREAK - 1, 1, 10_000 + 2 * MIN_WORKER_MS), -1);
  assert.equal(afterWorkerCall(stay, 1, 10_000 + 2 * MIN_WORKER_MS), true);
  for (let i = 0; i < 20; i++) stay = enterWorker(stay, 0);
  assert.deepEqual(returnBar(stay), { calls: 64 * QUIET_STREAK, ms: 64 * MIN_WORKER_MS }, 'capped: a heavy actor is still re-tried');
});
