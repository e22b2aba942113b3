// The append-only journals of the data directory (links, actors): one JSON line per change,
// `{"put": value}` or `{"del": id}`, compacted into a fresh file once it holds far more lines than
// live entries. Pure: the stores do their own reading and writing.

/** Compact once the journal has this many lines more than twice the live entries. */
const COMPACT_SLACK = 64;

/**
 * Replays journal text: `onPut` for each put, `onDel` for each delete (each checks its value; a
 * foreign shape is skipped). Returns how many entries it held, and whether its end is torn (no
 * final newline: a crash mid-append). A torn end must be rewritten before the next append, or that
 * append is glued onto the broken line and lost on the next replay. Unreadable lines are skipped.
 */
export function replayJournal(text: string, onPut: (value: unknown) => void, onDel: (id: unknown) => void): { lines: number; torn: boolean } {
  let lines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let entry: { put?: unknown; del?: unknown };
    try { entry = JSON.parse(line) as typeof entry; } catch { continue; /* a torn last line */ }
    if (typeof entry !== 'object' || entry === null) continue;
    lines++;
    if ('put' in entry) onPut(entry.put);
    else if ('del' in entry) onDel(entry.del);
  }
  return { lines, torn: text.length > 0 && !text.endsWith('\n') };
}

/** Whether a journal of `lines` entries holding `live` entries should be compacted. */
export function needsCompaction(lines: number, live: number): boolean {
  return lines > 2 * live + COMPACT_SLACK;
}
