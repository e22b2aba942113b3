// Progress for people: a step that takes longer than a second shows a spinner with its elapsed
// time on a terminal; when the output is not a terminal nothing but the result lines is written
// (logs and pipes stay clean). Belongs to one `stratus dev` run; no process-wide state.
import { performance } from 'node:perf_hooks';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface ProgressOptions {
  /** A step shows its spinner once it has run this long (default 1000 ms). */
  spinnerAfterMs?: number;
  /** Spinner redraw interval (default 100 ms). */
  frameMs?: number;
}

export class Progress {
  private readonly after: number;
  private readonly frameMs: number;

  constructor(private readonly out: ProgressStream, o: ProgressOptions = {}) {
    this.after = o.spinnerAfterMs ?? 1000;
    this.frameMs = o.frameMs ?? 100;
  }

  get tty(): boolean {
    return this.out.isTTY === true;
  }

  /** A result line (always written). */
  line(text: string): void {
    this.out.write(text + '\n');
  }

  /**
   * Run `work`, showing `label` with a spinner if it outlasts the threshold on a terminal. The
   * spinner line is erased before the promise settles, so the caller's next line starts clean.
   */
  async step<T>(label: string, work: () => Promise<T>): Promise<{ value: T; ms: number }> {
    const t0 = performance.now();
    let frame = 0;
    let shown = false;
    let timer: NodeJS.Timeout | undefined;
    const draw = () => {
      shown = true;
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      this.out.write(`\r\x1b[K${FRAMES[frame++ % FRAMES.length]} ${label} ${s} s`);
    };
    let delay: NodeJS.Timeout | undefined;
    if (this.tty) {
      delay = setTimeout(() => {
        draw();
        timer = setInterval(draw, this.frameMs);
      }, this.after);
    }
    try {
      const value = await work();
      return { value, ms: performance.now() - t0 };
    } finally {
      clearTimeout(delay);
      clearInterval(timer);
      if (shown) this.out.write('\r\x1b[K');
    }
  }
}

/** Seconds with one decimal, for people. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
