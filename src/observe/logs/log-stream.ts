// The recent log of a host in memory, and subscriptions to what comes next: what a dashboard
// tails and filters (by actor, level, ...) without reading the log file.
import type { LogRecord } from './record.js';

export type LogFilter = (r: LogRecord) => boolean;

export class LogStream {
  private readonly ring: LogRecord[] = [];
  private next = 0;
  private readonly subscribers = new Set<{ fn: (r: LogRecord) => void; filter?: LogFilter }>();

  constructor(readonly capacity = 1000) {}

  push(r: LogRecord): void {
    if (this.ring.length < this.capacity) this.ring.push(r);
    else this.ring[this.next] = r;
    this.next = (this.next + 1) % this.capacity;
    for (const s of this.subscribers) {
      if (s.filter && !s.filter(r)) continue;
      try { s.fn(r); } catch { /* a failing subscriber must not stop logging or the others */ }
    }
  }

  /** The last `limit` records kept (oldest first) that pass `filter`. */
  recent(limit = this.capacity, filter?: LogFilter): LogRecord[] {
    const inOrder = this.ring.length < this.capacity ? this.ring : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    const picked = filter ? inOrder.filter(filter) : inOrder;
    return picked.slice(Math.max(0, picked.length - limit));
  }

  /** Records from now on (that pass `filter`); returns the unsubscribe function. */
  subscribe(fn: (r: LogRecord) => void, filter?: LogFilter): () => void {
    const s = { fn, ...(filter ? { filter } : {}) };
    this.subscribers.add(s);
    return () => { this.subscribers.delete(s); };
  }
}
