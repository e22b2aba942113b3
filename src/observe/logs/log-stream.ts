// The recent log of a host in memory, and subscriptions to what comes next: what a dashboard
// tails and filters (by actor, level, ...) without reading the log file.
import type { LogRecord } from './record.js';

export type LogFilter = (r: LogRecord) => boolean;

export class LogStream {
  private readonly ring: LogRecord[] = [];
  private next = 0;
  /** Records pushed since the start: the cursor `after()` hands out (a record's number is its position in this count). */
  private pushed = 0;
  private readonly subscribers = new Set<{ fn: (r: LogRecord) => void; filter?: LogFilter }>();

  constructor(readonly capacity = 1000) {}

  push(r: LogRecord): void {
    if (this.ring.length < this.capacity) this.ring.push(r);
    else this.ring[this.next] = r;
    this.next = (this.next + 1) % this.capacity;
    this.pushed++;
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

  /**
   * The records pushed after `cursor` (0, or a cursor an earlier call returned), oldest first, at
   * most the newest `limit`; `cursor` is what to pass next time and `missed` how many were pushed
   * after `cursor` but are no longer kept (or were beyond `limit`). A poller (the lattice
   * dashboard, over the control interface's observe extension) reads the log this way without
   * subscribing. A cursor from before a restart of the stream (larger than what was pushed)
   * reads everything kept.
   */
  after(cursor: number, limit = this.capacity): { records: LogRecord[]; cursor: number; missed: number } {
    const from = cursor > this.pushed || cursor < 0 ? 0 : cursor;
    const fresh = this.pushed - from;
    const kept = Math.min(fresh, this.ring.length);
    const take = Math.min(kept, Math.max(0, limit));
    return { records: take ? this.recent(take) : [], cursor: this.pushed, missed: fresh - take };
  }

  /** Records from now on (that pass `filter`); returns the unsubscribe function. */
  subscribe(fn: (r: LogRecord) => void, filter?: LogFilter): () => void {
    const s = { fn, ...(filter ? { filter } : {}) };
    this.subscribers.add(s);
    return () => { this.subscribers.delete(s); };
  }
}
