// The live view of invocations: per actor and operation the count, rate, errors and p50/p99, and
// who calls whom (actor → contract host calls), from the host's call statistics (observe/metrics).
// Rates are the difference between two ticks; everything else is since the host started.
import type { CallStats } from '../observe/metrics/call-stats.js';

export interface OperationRow {
  actor: string; operation: string; count: number; errors: number; perSecond: number;
  outcomes: Record<string, number>; p50Ms: number; p99Ms: number;
}
export interface HostCallRow { actor: string; contract: string; count: number; errors: number; perSecond: number; outcomes: Record<string, number> }
export interface Traffic { operations: OperationRow[]; hostCalls: HostCallRow[] }

const ms = (s: number) => (Number.isFinite(s) ? Math.round(s * 1e6) / 1e3 : 0);

/** Keeps the previous tick's counts to turn totals into rates. One per dashboard. */
export class TrafficMeter {
  private last = new Map<string, number>();
  private lastAt = 0;

  constructor(private readonly calls: CallStats) {}

  tick(now = Date.now()): Traffic {
    const seconds = this.lastAt ? (now - this.lastAt) / 1000 : 0;
    const next = new Map<string, number>();
    const rate = (key: string, count: number) => {
      next.set(key, count);
      const before = this.last.get(key);
      return seconds > 0 && before !== undefined ? Math.max(0, (count - before) / seconds) : 0;
    };
    const operations: OperationRow[] = this.calls.snapshot().map((o) => {
      const errors = Object.entries(o.outcomes).reduce((n, [k, v]) => (k === 'ok' ? n : n + (v ?? 0)), 0);
      return {
        actor: o.actor, operation: o.operation, count: o.count, errors, perSecond: rate(`i ${o.actor} ${o.operation}`, o.count),
        outcomes: o.outcomes as Record<string, number>, p50Ms: ms(o.p50Seconds), p99Ms: ms(o.p99Seconds),
      };
    });
    const hostCalls: HostCallRow[] = [];
    for (const [actor, a] of this.calls.actors.map) {
      for (const [contract, c] of a.hostCalls.map) {
        const count = c.total;
        hostCalls.push({ actor, contract, count, errors: count - c.ok, perSecond: rate(`h ${actor} ${contract}`, count), outcomes: Object.fromEntries(c.entries().filter(([, n]) => n > 0)) });
      }
    }
    this.last = next;
    this.lastAt = now;
    return { operations, hostCalls };
  }
}
