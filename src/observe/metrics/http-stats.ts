// HTTP responses by status, per linked actor (never by path: paths are unbounded). A listener
// takes its actor's counter once and counts every response it writes.

import type { StatusCounter } from '../hooks.js';

export class StatusCounts implements StatusCounter {
  /** Responses by status code (HTTP codes are a small bounded set). */
  readonly byStatus = new Map<number, number>();

  count(status: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }
}

export class HttpStats {
  readonly byActor = new Map<string, StatusCounts>();

  /** The counter for `actorId`'s listener (kept across relinks, so counts never go back). */
  forActor(actorId: string): StatusCounts {
    let c = this.byActor.get(actorId);
    if (!c) this.byActor.set(actorId, c = new StatusCounts());
    return c;
  }
}
