// Spare actor workers booted ahead of time. Starting a Node worker (a fresh V8 isolate and Node
// environment) dominates actor cold start; a spare is handed its instance with one message.
//
// The first spare is booted when a worker lane first takes a worker, not when the host is made: a
// host whose actors all run on the host thread (a warm `stratus up`, a `stratus call` from the
// cache) never needs one, and booting it during startup competed with the start for the CPU
// (docs/coldstart.md). The replacement for a taken worker boots once that worker is online, so the
// two boots do not compete either.
import { Worker } from 'node:worker_threads';

export const WORKER_URL = new URL('./thread.js', import.meta.url);

export class WorkerReserve {
  private spares: Worker[] = [];
  private closed = false;

  constructor(private readonly size = 1) {}

  /** A booted (or booting) spare, replaced in the background; a fresh worker when none is left. */
  take(): Worker {
    const w = this.spares.shift();
    if (w) {
      this.fill();
      w.removeAllListeners('error');
      w.ref();
      return w;
    }
    const fresh = new Worker(WORKER_URL);
    fresh.once('online', () => this.fill());
    return fresh;
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
