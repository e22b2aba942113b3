// How many connections all of one host's HTTP listeners may hold together: the process's open-file
// limit minus a reserve, so that a flood of idle connections can never take the descriptors the
// control socket, the key-value stores and the host itself need (fault 8: 1 100 idle connections
// under nofile 1024 made `stratus down` fail with EPIPE). Each listener also has its own
// max_connections; a connection needs room in both.
import { readFileSync } from 'node:fs';
import { scopeKey } from '../../core/scope.js';

/**
 * Descriptors kept back from HTTP connections. Node itself holds ~20-30 (stdio, epoll, its thread
 * pool's pipes), each Redis client one, an lmdb environment a few, the control socket one per
 * client, a module or cache file one while read; lingering refusals (see admission.ts) up to 32.
 */
export const FD_RESERVE = 128;
/** Refused connections a host keeps open at once to deliver their 503 (part of FD_RESERVE). */
export const MAX_LINGERING_REFUSALS = 32;
/** Used when the limit cannot be read (not Linux): the usual soft limit. */
const ASSUMED_LIMIT = 1024;

export interface OpenFilesLimit { soft: number; hard: number }

/** The "Max open files" line of /proc/<pid>/limits (`unlimited` is Infinity). Pure. */
export function parseOpenFilesLimit(text: string): OpenFilesLimit | undefined {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
  if (!m) return undefined;
  const n = (s: string) => (s === 'unlimited' ? Infinity : Number(s));
  return { soft: n(m[1]!), hard: n(m[2]!) };
}

/** This process's open-file limits, or undefined where /proc is not there to tell. */
export function readOpenFilesLimit(): OpenFilesLimit | undefined {
  try {
    return parseOpenFilesLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}

/** Connections a process with this soft limit may give to HTTP clients (at least 16). */
export function connectionBudgetFor(softLimit: number): number {
  if (!Number.isFinite(softLimit)) return Number.MAX_SAFE_INTEGER;
  return Math.max(16, softLimit - FD_RESERVE);
}

/** A counter shared by a host's listeners: a connection takes one unit and gives it back on close. */
export class ConnectionBudget {
  private used = 0;
  private lingering = 0;

  constructor(readonly limit: number) {}

  get inUse(): number { return this.used; }

  tryTake(): boolean {
    if (this.used >= this.limit) return false;
    this.used++;
    return true;
  }

  release(): void {
    if (this.used > 0) this.used--;
  }

  /** A refused connection may stay open a moment to deliver its 503; false when too many do. */
  tryLinger(): boolean {
    if (this.lingering >= MAX_LINGERING_REFUSALS) return false;
    this.lingering++;
    return true;
  }

  endLinger(): void {
    if (this.lingering > 0) this.lingering--;
  }
}

/** The budget of one host, sized from the open-file limit when its first listener starts. */
export const CONNECTION_BUDGET = scopeKey('httpserver.connection-budget',
  () => new ConnectionBudget(connectionBudgetFor(readOpenFilesLimit()?.soft ?? ASSUMED_LIMIT)));
