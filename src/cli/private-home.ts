// $STRATUS_HOME holds signing keys, the host's seed and state, the control socket and the host
// log: only its owner may read it. Directories are made 0700 and the log 0600; ones left more open
// by an earlier version are tightened rather than trusted.
import { chmodSync, existsSync, fchmodSync, fstatSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StratusError } from '../core/errors.js';

const GROUP_OR_OTHER = 0o077;

function tighten(path: string, mode: number, set: () => void): void {
  if ((mode & GROUP_OR_OTHER) === 0) return;
  try {
    set();
  } catch (e) {
    throw new StratusError('INTERNAL', `cannot make ${path} private to its owner: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'set STRATUS_HOME to a directory you own');
  }
}

/** Create `dir` (and missing parents) 0700, or take group/other access away from an existing one. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir, statSync(dir).mode, () => chmodSync(dir, 0o700));
}

/** The home and what under it already holds keys or state, made private. */
export function ensurePrivateHome(home: string): void {
  ensurePrivateDir(home);
  for (const sub of ['keys', 'data']) {
    const dir = join(home, sub);
    if (existsSync(dir)) ensurePrivateDir(dir);
  }
}

/** Open `path` for appending, readable by its owner only (an existing file is tightened to 0600). */
export function openPrivateLog(path: string): number {
  const fd = openSync(path, 'a', 0o600);
  tighten(path, fstatSync(fd).mode, () => fchmodSync(fd, 0o600));
  return fd;
}
