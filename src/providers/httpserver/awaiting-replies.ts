// Requests whose reply is still to come (the actor suspended on a host call, or its writes wait for
// a commit), kept so a sweeper can answer the overdue ones.
//
// An intrusive doubly-linked list, not a Set: a Set's hash table is reallocated as it grows and
// shrinks with the requests in flight, and V8 keeps each replaced table linked to its successor
// with its old entries (for live iterators). Once one of those tables is promoted to the old
// generation it keeps every later table, and the requests in them, alive through young-generation
// GCs until the next full GC. Measured with the lmdb backend under load: in about half of the host
// starts, 2 MB of finished requests survived every scavenge and scavenges took 5-7 ms instead of
// 1.4 ms. A removed node here is unlinked and cleared, so nothing finished stays reachable.

export interface AwaitingReply<T> {
  /** Date.now() after which the sweeper answers for the actor. */
  readonly deadline: number;
  readonly res: T;
  /** Set once the reply (or the sweeper's answer) went out: later outcomes are dropped. */
  done: boolean;
  prev: AwaitingReply<T> | null;
  next: AwaitingReply<T> | null;
}

export class AwaitingReplies<T> {
  private head: AwaitingReply<T> | null = null;
  private tail: AwaitingReply<T> | null = null;
  private count = 0;

  get size(): number { return this.count; }

  add(res: T, deadline: number): AwaitingReply<T> {
    const node: AwaitingReply<T> = { deadline, res, done: false, prev: this.tail, next: null };
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
    this.count++;
    return node;
  }

  /** Mark the node answered and drop it; false if it had been answered already. */
  settle(node: AwaitingReply<T>): boolean {
    if (node.done) return false;
    node.done = true;
    this.unlink(node);
    return true;
  }

  /** Settle and hand over every node whose deadline is at or before `now`. */
  expire(now: number, overdue: (res: T) => void): void {
    let node = this.head;
    while (node) {
      const next = node.next;
      if (node.deadline <= now && this.settle(node)) overdue(node.res);
      node = next;
    }
  }

  /** Drop everything (the listener is closing; its connections are being destroyed). */
  clear(): void {
    let node = this.head;
    while (node) {
      const next = node.next;
      node.done = true;
      node.prev = node.next = null;
      node = next;
    }
    this.head = this.tail = null;
    this.count = 0;
  }

  private unlink(node: AwaitingReply<T>): void {
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = node.next = null;
    this.count--;
  }
}
