// Progress of a push or pull for people (`stratus push/pull` print it on stderr), for blobs large
// enough to take a while: one line rewritten in place on a terminal; elsewhere (CI logs, pipes) a
// line per quarter at most, so logs stay short. The CLI leaves it off with -o json.
import type { TransferProgress } from './registry-client.js';

/** Blobs under this size finish in a blink; no progress is printed for them. */
export const PROGRESS_MIN_BYTES = 1024 * 1024;

const MiB = 1024 * 1024;

export function progressLine(p: TransferProgress): string {
  const pct = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 100);
  const verb = p.direction === 'push' ? 'pushing' : 'pulling';
  return `${verb} ${p.digest.slice(0, 19)}… ${(p.done / MiB).toFixed(1)}/${(p.total / MiB).toFixed(1)} MiB (${pct}%)`;
}

export function progressReporter(stream: NodeJS.WritableStream & { isTTY?: boolean }): (p: TransferProgress) => void {
  const tty = stream.isTTY === true;
  const lastQuarter = new Map<string, number>();
  return (p) => {
    if (p.total < PROGRESS_MIN_BYTES) return;
    const done = p.done >= p.total;
    if (tty) {
      stream.write(`\r${progressLine(p)}${done ? '\n' : ''}`);
      return;
    }
    const quarter = Math.floor((p.done / p.total) * 4);
    if (quarter === lastQuarter.get(p.digest)) return;
    lastQuarter.set(p.digest, quarter);
    stream.write(`${progressLine(p)}\n`);
  };
}
