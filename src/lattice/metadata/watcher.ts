// Follows every key of the bucket the way OTP's metadata loader does (reference §4.7: deliver
// last_per_subject, filter `>`, no acks), through nats.js's KV watch (an ordered push consumer).
//
// A watch starts with a snapshot: the last value (or delete marker) of every key. It is complete
// when the entry at the stream's last sequence has arrived: with last_per_subject delivery in
// stream order, the newest message of the stream is always the last one delivered. The snapshot
// goes to the sink as one batch (so the sink can drop keys that vanished while it was not
// looking); changes after it go one by one.
//
// Resuming after NATS restarts or partitions: nats.js reconnects and re-subscribes, but the
// ordered consumer behind the watch is recreated only after two missed 30 s heartbeats (nats.js
// jetstream `pushconsumer.js`). `resync()` (called on every reconnect) starts a fresh watch at
// once and takes a new snapshot; a watch that ends on its own is restarted with backoff.
//
// A watch can also stall with no event on our connection: its consumer (R1) lived on a server of
// the cluster that died while we stayed connected to another one. nats.js names such a server as
// "deleted" only if it was gossiped, not one of the configured seeds, and its own recovery did not
// always come within 30 s (meta-cluster.test.ts failed 2 runs in 5). So the watcher checks itself:
// every `checkEveryMs` it asks the stream for its last sequence; a watch still behind a sequence
// the previous check saw has stalled, and is watched afresh. One stream-info request per check.
import type { QueuedIterator } from '@nats-io/nats-core';
import type { KvWatchEntry } from '@nats-io/kv';
import type { MetadataBucket } from './bucket.js';

export interface BucketEntry {
  key: string;
  revision: number;
  operation: 'PUT' | 'DEL' | 'PURGE';
  value: Uint8Array;
}

export interface WatchSink {
  /** The whole bucket (one entry per key, delete markers included), after a (re)start. */
  snapshot(entries: BucketEntry[]): void;
  /** One change after the snapshot. */
  entry(e: BucketEntry): void;
}

type Log = (level: 'debug' | 'info' | 'warn' | 'error', text: string) => void;

const MAX_BACKOFF_MS = 5000;

export class BucketWatcher {
  private generation = 0;
  private iter: QueuedIterator<KvWatchEntry> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The highest revision the current watch delivered (snapshot or change). */
  private seen = 0;
  /** The stream's last sequence at the previous check, if the watch was behind it then. */
  private behind: number | undefined;
  private checker: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly bucket: MetadataBucket,
    private readonly sink: WatchSink,
    private readonly log: Log,
    /** A snapshot that has not completed after this long is taken as it is (and said in the log). */
    private readonly snapshotTimeoutMs: number,
    /** How often the watch is checked for a stall (0: never). */
    private readonly checkEveryMs = 5000,
  ) {}

  /** The first watch; resolves once its snapshot reached the sink. Rejects if the bucket cannot be watched. */
  async start(): Promise<void> {
    await this.run();
    if (this.checkEveryMs > 0 && !this.stopped) {
      this.checker = setInterval(() => { void this.check(); }, this.checkEveryMs);
      this.checker.unref();
    }
  }

  /** Watch afresh now (after a reconnect): a new snapshot, then changes. */
  resync(): void {
    this.restart(0);
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.retry);
    clearInterval(this.checker);
    this.iter?.stop();
    this.iter = undefined;
  }

  private restart(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.run().catch((e: unknown) => {
        if (this.stopped) return;
        const next = Math.min(MAX_BACKOFF_MS, Math.max(250, delayMs * 2));
        this.log('warn', `watching the lattice bucket failed (${(e as Error).message}); retrying in ${next} ms`);
        this.restart(next);
      });
    }, delayMs);
    this.retry.unref();
  }

  /** A stalled watch (behind a sequence the previous check saw) is watched afresh. */
  private async check(): Promise<void> {
    if (this.checking || this.stopped || !this.iter) return;
    this.checking = true;
    try {
      const gen = this.generation;
      const { lastSeq } = await this.bucket.lastRevision();
      if (gen !== this.generation || this.stopped) return;
      if (this.behind !== undefined && this.seen < this.behind) {
        this.log('warn', `the lattice bucket watch stalled (it delivered revision ${this.seen}; the bucket was at ${this.behind} a check ago): its consumer may have lived on a NATS server that left; watching afresh`);
        this.behind = undefined;
        this.restart(0);
        return;
      }
      this.behind = this.seen < lastSeq ? lastSeq : undefined;
    } catch {
      // no answer (a cluster electing a leader, or without quorum): the next check asks again
    } finally {
      this.checking = false;
    }
  }

  private async run(): Promise<void> {
    const gen = ++this.generation;
    this.iter?.stop();
    this.iter = undefined;
    this.seen = 0;
    this.behind = undefined;
    const { lastSeq, messages } = await this.bucket.lastRevision();
    const iter = await this.bucket.kv.watch({ key: '>' });
    if (gen !== this.generation || this.stopped) {
      iter.stop();
      return;
    }
    this.iter = iter;
    const snapshot: BucketEntry[] = [];
    let complete = false;
    let done!: () => void;
    const snapshotDone = new Promise<void>((r) => { done = r; });
    const finish = () => {
      if (complete) return;
      complete = true;
      clearTimeout(timer);
      this.deliver(() => this.sink.snapshot(snapshot));
      done();
    };
    const timer = setTimeout(() => {
      if (complete || gen !== this.generation) return;
      this.log('warn', `the lattice bucket's snapshot did not complete within ${this.snapshotTimeoutMs} ms (${snapshot.length} key(s) so far, waiting for revision ${lastSeq}); going on with what arrived`);
      finish();
    }, this.snapshotTimeoutMs);
    timer.unref();
    if (messages === 0) {
      this.seen = lastSeq; // an empty stream delivers nothing: there is nothing to be behind
      finish();
    }

    void (async () => {
      try {
        for await (const e of iter) {
          if (gen !== this.generation) break;
          const entry: BucketEntry = { key: e.key, revision: e.revision, operation: e.operation, value: e.value };
          if (entry.revision > this.seen) this.seen = entry.revision;
          if (complete) this.deliver(() => this.sink.entry(entry));
          else {
            snapshot.push(entry);
            if (e.revision >= lastSeq) finish();
          }
        }
      } catch (e) {
        if (gen === this.generation && !this.stopped) this.log('warn', `the lattice bucket watch failed: ${(e as Error).message}`);
      }
      if (gen === this.generation && !this.stopped) {
        finish();
        this.log('warn', 'the lattice bucket watch ended; watching again');
        this.restart(250);
      }
    })();
    await snapshotDone;
  }

  /** A sink that throws must not end the watch. */
  private deliver(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log('error', `applying a lattice bucket change failed: ${(e as Error).message}`);
    }
  }
}
