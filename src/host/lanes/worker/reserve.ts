// Spare actor workers booted ahead of time. Starting a Node worker (a fresh V8 isolate and Node
// environment) dominates actor cold start; a spare is handed its instance with one message.
//
// The first spare is booted when a worker lane first takes a worker, not when the host is made: a
// host whose actors all run on the host thread (a warm `stratus up`, a `stratus call` from the
// cache) never needs one, and booting it during startup competed with the start for the CPU
// (docs/coldstart.md). The replacement for a taken worker boots a while after that worker is
// online (SPARE_DELAY_MS): "online" comes before the worker has loaded its code and made its
// instance, and a second boot then took CPU from the first request on a two-core machine.
import { Worker } from 'node:worker_threads';

export const WORKER_URL = new URL('./thread.js', import.meta.url);

/** How long after a taken worker is online its replacement starts booting. */
const SPARE_DELAY_MS = 500;

export class WorkerReserve {
  private spares: Worker[] = [];
  private closed = false;

  constructor(private readonly size = 1) {}

  /** Spares that have booted (their 'online' came). */
  private readonly online = new WeakSet<Worker>();

  /**
   * A booted (or booting) spare, replaced in the background; a fresh worker when none is left. The
   * replacement of a booted spare boots at once; that of one still booting (a spare filled ahead
   * of a start, Host.expectStart) or of a fresh worker, SPARE_DELAY_MS after it is online.
   */
  take(): Worker {
    const w = this.spares.shift();
    if (w) {
      if (this.online.has(w)) this.fill();
      else this.fillAfterOnline(w);
      w.removeAllListeners('error');
      w.ref();
      return w;
    }
    const fresh = new Worker(WORKER_URL);
    this.fillAfterOnline(fresh);
    return fresh;
  }

  private fillAfterOnline(w: Worker): void {
    w.once('online', () => setTimeout(() => this.fill(), SPARE_DELAY_MS).unref());
  }

  /** Spares booted or booting, waiting to be taken. */
  get spareCount(): number {
    return this.spares.length;
  }

  /** Boot spares up to `size` (not kept alive by the event loop). */
  fill(): void {
    while (!this.closed && this.spares.length < this.size) {
      const w = new Worker(WORKER_URL);
      w.unref();
      w.on('error', () => this.drop(w));
      w.once('exit', () => this.drop(w));
      w.once('online', () => this.online.add(w));
      this.spares.push(w);
    }
  }

  private drop(w: Worker): void {
    const i = this.spares.indexOf(w);
    if (i >= 0) this.spares.splice(i, 1);
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = this.spares;
    this.spares = [];
    await Promise.all(all.map((w) => w.terminate()));
  }
}
