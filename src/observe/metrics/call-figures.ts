// A host's invocation figures as plain JSON totals: per actor and operation the count, errors,
// outcomes and p50/p99; per actor and contract the host calls. What the host dashboard turns into
// rates (src/ui/traffic.ts), and what a lattice member answers the observe extension with
// (src/lattice/control/observe-reply.ts) so that a lattice dashboard can do the same. Pure.
import type { CallStats } from './call-stats.js';

export interface OperationFigures {
  actor: string; operation: string; count: number; errors: number;
  outcomes: Record<string, number>; p50Ms: number; p99Ms: number;
}
export interface HostCallFigures { actor: string; contract: string; count: number; errors: number; outcomes: Record<string, number> }
export interface CallFigures { operations: OperationFigures[]; hostCalls: HostCallFigures[] }

const ms = (s: number) => (Number.isFinite(s) ? Math.round(s * 1e6) / 1e3 : 0);

export function callFigures(calls: CallStats): CallFigures {
  const operations: OperationFigures[] = [];
  const hostCalls: HostCallFigures[] = [];
  for (const [actor, a] of calls.actors.map) {
    for (const [operation, s] of a.operations.map) {
      const count = s.latency.count;
      operations.push({
        actor, operation, count, errors: s.outcomes.total - s.outcomes.ok,
        outcomes: Object.fromEntries(s.outcomes.entries().filter(([, n]) => n > 0)),
        p50Ms: ms(s.latency.quantile(0.5)), p99Ms: ms(s.latency.quantile(0.99)),
      });
    }
    for (const [contract, c] of a.hostCalls.map) {
      const count = c.total;
      hostCalls.push({ actor, contract, count, errors: count - c.ok, outcomes: Object.fromEntries(c.entries().filter(([, n]) => n > 0)) });
    }
  }
  return { operations, hostCalls };
}
