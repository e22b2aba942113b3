// When an actor changes lanes, as pure decisions (actor-lanes.ts carries them out).
//
// An inline call that holds the host thread past its time slice (INLINE_SLICE_MS of real work:
// fuel checks, host calls) is stopped, and the actor moves to worker threads, so one slow actor
// cannot stall the others again. The stopped call had no effect if it made no host call yet, so
// it runs again on the worker lane with what is left of its deadline; otherwise its effects are
// unknown and it fails with an error that says so (INTERRUPTED).
//
// The move is not for good: one megabyte request should not leave an actor at worker-lane speed
// for its small ones. On the worker lane every call's service time is noted; once enough calls in
// a row were short (QUIET_CALL_MS, well under the slice) and enough time passed since the move,
// the actor returns to the host thread. Both the streak and the wait double with every move, so an
// actor whose large calls keep coming back settles on the worker lane instead of flapping.
import type { SliceExceeded } from './inline-lane.js';

export interface SliceDecision {
  /** Run the stopped call again on the worker lane. */
  rerun: boolean;
  /** Why the actor moves (logged, and in the `actor_moved` event). */
  reason: string;
}

export function afterSliceExceeded(e: SliceExceeded): SliceDecision {
  return {
    rerun: e.replayable,
    reason: e.replayable ? 'a call computed past the time slice' : 'a call computed past the time slice after making host calls',
  };
}

/** A call served in less than this on the worker lane would not have bothered the host thread. */
export const QUIET_CALL_MS = 10;
/** Short calls in a row before the first return; doubles with each later move to workers. */
export const QUIET_STREAK = 32;
/** Least time on the worker lane before the first return; doubles with each later move. */
export const MIN_WORKER_MS = 1000;
/** Doublings stop here (streak 2048 calls, wait ~64 s): a heavy actor is still re-tried now and then. */
const MAX_DOUBLINGS = 6;

/** What the policy remembers about one actor's stay on the worker lane (owned by its ActorLanes). */
export interface WorkerStay {
  /** Moves to the worker lane so far (the current one included). */
  moves: number;
  /** Clock reading (ms) when the current stay began. */
  since: number;
  /** Short calls in a row since the last long one. */
  quiet: number;
}

/** A new stay on the worker lane; `previous` is the stay before (undefined on the first move). */
export function enterWorker(previous: WorkerStay | undefined, now: number): WorkerStay {
  return { moves: (previous?.moves ?? 0) + 1, since: now, quiet: 0 };
}

/** Calls needed and time to wait on this stay before returning to the host thread. */
export function returnBar(stay: WorkerStay): { calls: number; ms: number } {
  const d = Math.min(stay.moves - 1, MAX_DOUBLINGS);
  return { calls: QUIET_STREAK * 2 ** d, ms: MIN_WORKER_MS * 2 ** d };
}

/** Notes one call served on the worker lane; true when the actor should return to the host thread now. */
export function afterWorkerCall(stay: WorkerStay, serviceMs: number, now: number): boolean {
  if (serviceMs >= QUIET_CALL_MS) {
    stay.quiet = 0;
    return false;
  }
  stay.quiet++;
  const bar = returnBar(stay);
  return stay.quiet >= bar.calls && now - stay.since >= bar.ms;
}

export function returnReason(stay: WorkerStay): string {
  return `its last ${stay.quiet} calls each took under ${QUIET_CALL_MS} ms`;
}
