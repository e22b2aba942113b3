// Invocation and host-call statistics per actor, kept as plain numbers because they are updated on
// every call: a Map lookup per label level and a few additions. They are what /metrics renders
// and what the dashboard's per-actor view reads (snapshot()).
import type { Outcome } from '../../host/events.js';
import type { LaneKind } from '../../host/lanes/lane.js';
import { BoundedMap } from './bounded-map.js';
import { LatencyHistogram } from './histogram.js';

/** Bounds on label values (see bounded-map.ts): actors are bounded by what runs, operations and
 *  contracts by what callers send. */
export const LIMITS = { actors: 4096, operationsPerActor: 64, contractsPerActor: 32 } as const;

/** Counts by outcome; `ok` has its own field because it is by far the most frequent. */
export class OutcomeCounts {
  ok = 0;
  readonly failed = new Map<Outcome, number>();

  add(outcome: Outcome): void {
    if (outcome === 'ok') this.ok++;
    else this.failed.set(outcome, (this.failed.get(outcome) ?? 0) + 1);
  }

  /** [outcome, count] pairs, ok first. */
  entries(): [Outcome, number][] {
    return [['ok', this.ok], ...this.failed];
  }

  get total(): number {
    let n = this.ok;
    for (const c of this.failed.values()) n += c;
    return n;
  }
}

export class OperationStats {
  readonly outcomes = new OutcomeCounts();
  readonly latency = new LatencyHistogram();
}

export class ActorStats {
  readonly operations = new BoundedMap(LIMITS.operationsPerActor, () => new OperationStats());
  readonly hostCalls = new BoundedMap(LIMITS.contractsPerActor, () => new OutcomeCounts());
  /** Moves between lanes, by `from>to`. */
  readonly moves = new Map<string, number>();
}

export class CallStats {
  readonly actors = new BoundedMap(LIMITS.actors, () => new ActorStats());

  invocation(actorId: string, operation: string, outcome: Outcome, seconds: number): void {
    const op = this.actors.get(actorId).operations.get(operation);
    op.outcomes.add(outcome);
    op.latency.observe(seconds);
  }

  hostCall(actorId: string, contractId: string, outcome: Outcome): void {
    this.actors.get(actorId).hostCalls.get(contractId).add(outcome);
  }

  laneMove(actorId: string, from: LaneKind, to: LaneKind): void {
    const moves = this.actors.get(actorId).moves;
    const key = `${from}>${to}`;
    moves.set(key, (moves.get(key) ?? 0) + 1);
  }
}
