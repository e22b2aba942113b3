// The live view of invocations: per actor and operation the count, rate, errors and p50/p99, and
// who calls whom (actor → contract host calls), from a host's call figures (observe/metrics).
// Rates are the difference between two ticks; everything else is since the host started. On a
// lattice dashboard each row also names the host whose figures it is.
import type { CallStats } from '../observe/metrics/call-stats.js';
import { callFigures, type CallFigures, type HostCallFigures, type OperationFigures } from '../observe/metrics/call-figures.js';

/** The host a row's figures come from (lattice dashboard only). */
interface OnHost { hostId?: string; hostName?: string }
export type OperationRow = OperationFigures & OnHost & { perSecond: number };
export type HostCallRow = HostCallFigures & OnHost & { perSecond: number };
/** A host of the lattice that keeps no figures the dashboard can read: `metrics-off` (a Stratus
 *  host started without --metrics/--ui) or `not-reported` (it did not answer: not a Stratus host, or away). */
export interface TrafficGap { hostId: string; hostName: string; reason: 'metrics-off' | 'not-reported' }
export interface Traffic { operations: OperationRow[]; hostCalls: HostCallRow[]; gaps?: TrafficGap[] }

/** Turns totals into rates: keeps the previous tick's counts. One per dashboard (per host on a lattice dashboard). */
export class RateMeter {
  private last = new Map<string, number>();
  private lastAt = 0;

  tick(f: CallFigures, now = Date.now()): Traffic {
    const seconds = this.lastAt ? (now - this.lastAt) / 1000 : 0;
    const next = new Map<string, number>();
    const rate = (key: string, count: number) => {
      next.set(key, count);
      const before = this.last.get(key);
      return seconds > 0 && before !== undefined ? Math.max(0, (count - before) / seconds) : 0;
    };
    const operations = f.operations.map((o) => ({ ...o, perSecond: rate(`i ${o.actor} ${o.operation}`, o.count) }));
    const hostCalls = f.hostCalls.map((c) => ({ ...c, perSecond: rate(`h ${c.actor} ${c.contract}`, c.count) }));
    this.last = next;
    this.lastAt = now;
    return { operations, hostCalls };
  }
}

/** A host's own figures with rates (the host dashboard). */
export class TrafficMeter {
  private readonly rates = new RateMeter();

  constructor(private readonly calls: CallStats) {}

  tick(now = Date.now()): Traffic {
    return this.rates.tick(callFigures(this.calls), now);
  }
}
