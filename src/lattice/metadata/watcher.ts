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

  constructor(
    private readonly bucket: MetadataBucket,
    private readonly sink: WatchSink,
    private readonly log: Log,
    /** A snapshot that has not completed after this long is taken as it is (and said in the log). */
    private readonly snapshotTimeoutMs: number,
  ) {}

  /** The first watch; resolves once its snapshot reached the sink. Rejects if the bucket cannot be watched. */
  start(): Promise<void> {
    return this.run();
  }

  /** Watch afresh now (after a reconnect): a new snapshot, then changes. */
  resync(): void {
    this.restart(0);
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.retry);
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

  private async run(): Promise<void> {
    const gen = ++this.generation;
    this.iter?.stop();
    this.iter = undefined;
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
    if (messages === 0) finish();

    void (async () => {
      try {
        for await (const e of iter) {
          if (gen !== this.generation) break;
          const entry: BucketEntry = { key: e.key, revision: e.revision, operation: e.operation, value: e.value };
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
