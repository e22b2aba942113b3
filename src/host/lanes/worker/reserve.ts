// Spare actor workers booted ahead of time. Starting a Node worker (a fresh V8 isolate and Node
// environment) dominates actor cold start; a spare is handed its instance with one message.
import { Worker } from 'node:worker_threads';

export const WORKER_URL = new URL('./thread.js', import.meta.url);

export class WorkerReserve {
  private spares: Worker[] = [];
  private closed = false;

  constructor(private readonly size = 1) {}

  /** A booted (or booting) spare, replaced in the background; a fresh worker when none is left. */
  take(): Worker {
    const w = this.spares.shift();
    this.fill();
    if (w) {
      w.removeAllListeners('error');
      w.ref();
      return w;
    }
    return new Worker(WORKER_URL);
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
