// wadm's spreadscaler arithmetic: `replicas` instances split over the spread entries by weight,
// and which of them a host with given labels takes. Pure.
import type { SpreadShare } from '../manifest.js';

export interface SpreadEntry {
  name: string;
  requirements: Record<string, string>;
  /** Relative share; wadm's default is 100. */
  weight: number;
}

/**
 * Instances per entry: each gets replicas × weight / total, rounded down, and what is left goes
 * one by one to the entries with the largest remainders (ties: the order written), so the counts
 * always add up to `replicas`.
 */
export function splitReplicas(replicas: number, spread: SpreadEntry[]): SpreadShare[] {
  if (spread.length === 0) return [{ name: 'default', requirements: {}, count: replicas }];
  const total = spread.reduce((n, s) => n + s.weight, 0);
  if (total <= 0) return spread.map((s) => ({ name: s.name, requirements: s.requirements, count: 0 }));
  const exact = spread.map((s) => (replicas * s.weight) / total);
  const counts = exact.map(Math.floor);
  let left = replicas - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    counts[i]!++;
  }
  return spread.map((s, i) => ({ name: s.name, requirements: s.requirements, count: counts[i]! }));
}

/** Whether a host's labels meet every requirement. */
export function meets(labels: Record<string, string>, requirements: Record<string, string>): boolean {
  return Object.entries(requirements).every(([k, v]) => labels[k] === v);
}

/** The shares a host with `labels` takes when it is the only host (every share it meets). */
export function sharesOnHost(shares: SpreadShare[], labels: Record<string, string>): { taken: SpreadShare[]; left: SpreadShare[] } {
  const taken = shares.filter((s) => s.count > 0 && meets(labels, s.requirements));
  return { taken, left: shares.filter((s) => s.count > 0 && !taken.includes(s)) };
}

export function requirementsText(r: Record<string, string>): string {
  const t = Object.entries(r).map(([k, v]) => `${k}=${v}`).join(', ');
  return t || 'no requirements';
}
