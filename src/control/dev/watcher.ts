// Watches an actor project's sources and calls back once per burst of saves (editors write a file
// in several steps: temp file, rename, chmod). Build output, node_modules, dot files and editor
// backups are ignored, so a build never triggers the next one.
import { watch, type FSWatcher } from 'node:fs';
import { sep } from 'node:path';

const IGNORED_DIRS = new Set(['build', 'node_modules']);

/** True for a path (relative to the project) whose change should rebuild. Pure. */
export function isSourceChange(relPath: string): boolean {
  const parts = relPath.split(/[\\/]/).filter((p) => p !== '');
  if (parts.length === 0) return false;
  if (IGNORED_DIRS.has(parts[0])) return false;
  if (parts.some((p) => p.startsWith('.'))) return false;
  const last = parts[parts.length - 1];
  // editor backups and swap files: foo.ts~, #foo.ts#, 4913 (vim's write test)
  if (last.endsWith('~') || (last.startsWith('#') && last.endsWith('#')) || last === '4913') return false;
  return true;
}

export interface SourceWatcher {
  close(): void;
}

export interface WatchOptions {
  /** Quiet time after the last change before `onChange` (default 120 ms). */
  debounceMs?: number;
  onError?(e: Error): void;
}

/** Recursive watch of `dir`; `onChange(files)` gets the changed paths of one burst. */
export function watchSources(dir: string, onChange: (files: string[]) => void, o: WatchOptions = {}): SourceWatcher {
  const debounce = o.debounceMs ?? 120;
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const watcher: FSWatcher = watch(dir, { recursive: true }, (_event, filename) => {
    const rel = filename === null ? '' : String(filename);
    if (closed || !isSourceChange(rel)) return;
    pending.add(rel.split(sep).join('/'));
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...pending].sort();
      pending = new Set();
      if (!closed) onChange(files);
    }, debounce);
  });
  watcher.on('error', (e) => o.onError?.(e));
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      watcher.close();
    },
  };
}
