// Reading a host's log file line by line, and following it as it grows (`stratus logs -f`). A
// file that shrinks (rotated or truncated) is read again from its start.
import { open, stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';

export interface TailOptions {
  follow: boolean;
  onLine(line: string): void;
  /** Called once the lines present at the start have been read (before following). */
  onCaughtUp?(): void;
  /** Ends following. */
  signal?: AbortSignal;
  /** How often the file is checked when no change notice arrives (ms). */
  pollMs?: number;
}

const CHUNK = 64 * 1024;

/** Reads `path` from `from` to its end, calling onLine per complete line; returns the new offset and any partial line. */
async function readFrom(path: string, from: number, partial: string, onLine: (l: string) => void): Promise<{ offset: number; partial: string }> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(CHUNK);
    let offset = from;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
      const text = partial + buf.toString('utf8', 0, bytesRead);
      const lines = text.split('\n');
      partial = lines.pop()!;
      for (const l of lines) onLine(l);
    }
    return { offset, partial };
  } finally {
    await fh.close();
  }
}

/** Every line of the file, then (with `follow`) each line appended, until `signal` aborts. */
export async function tailFile(path: string, opts: TailOptions): Promise<void> {
  let { offset, partial } = await readFrom(path, 0, '', opts.onLine);
  if (!opts.follow && partial) opts.onLine(partial);
  opts.onCaughtUp?.();
  if (!opts.follow) return;
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(path, () => wake?.());
  } catch { /* polling alone then */ }
  const pollMs = opts.pollMs ?? 500;
  try {
    while (!opts.signal?.aborted) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs);
        wake = () => { clearTimeout(t); resolve(); };
        opts.signal?.addEventListener('abort', wake, { once: true });
      });
      wake = undefined;
      if (opts.signal?.aborted) break;
      const size = await stat(path).then((s) => s.size, () => offset);
      if (size < offset) { offset = 0; partial = ''; } // truncated or replaced
      if (size !== offset) ({ offset, partial } = await readFrom(path, offset, partial, opts.onLine));
    }
  } finally {
    watcher?.close();
  }
}
