// What both execution lanes do the same way with calls waiting for an instance and with
// instances left over after a burst.
import { queueTimeoutError } from './call-errors.js';

/** How often a pool checks deadlines and idle instances. */
export const SWEEP_MS = 20;
/** A burst instance above `count` is retired only after idling this long: retiring it as soon as the
 *  queue drained made a steady load create and drop instances constantly (for workers, hundreds of
 *  µs of CPU each). */
export const RETIRE_IDLE_MS = 2000;

export interface QueuedCall {
  operation: string;
  timeoutMs: number;
  /** Time past which the call fails, in the queuing pool's clock (Date.now() or performance.now()). */
  deadline: number;
  reject(e: Error): void;
}

/** Fail the queued calls whose deadline has passed; returns the ones still waiting, in order. */
export function expireQueued<T extends QueuedCall>(queue: T[], now: number, label: string, instances: number): T[] {
  const keep: T[] = [];
  for (const c of queue) {
    if (c.deadline <= now) c.reject(queueTimeoutError(label, c.operation, c.timeoutMs, instances));
    else keep.push(c);
  }
  return keep;
}

/**
 * Waiters for "no call running or waiting" (a host drains its actors before it stops). Lanes call
 * check() whenever a call ends; with nobody waiting that is one length test.
 */
/**
 * A lane's sweep timer: runs `sweep` every SWEEP_MS only while `needed()` says there is work (calls
 * waiting, spare instances to retire, deadlines only the sweep enforces), and stops itself after a
 * sweep that left none: ten thousand idle actors cost no timer at all, where one 20 ms interval per
 * actor kept a host busy doing nothing. One for both lanes.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private readonly tick = (): void => {
    this.sweep();
    if (!this.needed()) this.stop();
  };

  constructor(private readonly sweep: () => void, private readonly needed: () => boolean) {}

  /** Whether it runs now (tests: idle actors keep no timer). */
  get running(): boolean { return this.timer !== undefined; }

  /** Start it if it is not running. */
  arm(): void {
    if (this.timer) return;
    this.timer = setInterval(this.tick, SWEEP_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

export class Settled {
  private waiters: (() => void)[] = [];

  constructor(private readonly isSettled: () => boolean) {}

  wait(): Promise<void> {
    if (this.isSettled()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  check(): void {
    if (this.waiters.length === 0 || !this.isSettled()) return;
    const all = this.waiters;
    this.waiters = [];
    for (const w of all) w();
  }
}
