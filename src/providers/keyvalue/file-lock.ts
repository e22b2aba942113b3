// A lock between processes on one file system: a file created with O_EXCL holding the owner's pid.
// Used only around opening and closing an lmdb file (rare, milliseconds), so polling is fine.
// A lock left behind by a process that died (or older than STALE_MS, as a pid may be reused) is
// taken over.
import { linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { StratusError } from '../../core/errors.js';

const POLL_MS = 5;
/** Opening or closing a store takes milliseconds; a lock this old was left by a crash. */
const STALE_MS = 30_000;
const GIVE_UP_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ownerOf(path: string): { pid: number; ageMs: number } | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8') || NaN);
    return { pid, ageMs: Date.now() - statSync(path).mtimeMs };
  } catch {
    return undefined; // gone, or being written right now
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, just not ours
  }
}

/** Move a stale lock out of the way; if it turns out to be a fresh one taken meanwhile, put it back. */
function removeIfStale(path: string): void {
  const owner = ownerOf(path);
  if (!owner) return;
  // Without a pid (it could not be written on a full disk) only age tells; a pid of this process is
  // another part of it (another host in the same process) holding the lock.
  const known = Number.isInteger(owner.pid) && owner.pid > 0;
  const dead = known && owner.pid !== process.pid && !isAlive(owner.pid);
  if (!dead && owner.ageMs < STALE_MS) return;
  const aside = `${path}.${process.pid}.stale`;
  try { renameSync(path, aside); } catch { return; } // someone else moved it first
  const moved = ownerOf(aside);
  if (moved && !Object.is(moved.pid, owner.pid)) {
    try { linkSync(aside, path); } catch { /* a third process holds the lock now */ }
  }
  rmSync(aside, { force: true });
}

function tryTake(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, String(process.pid));
  } catch {
    // a full disk: the empty file still locks, and counts as stale only by its age
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Run `fn` holding the lock file `path` (created next to the data it protects). */
export async function withFileLock<T>(path: string, what: string, fn: () => T | Promise<T>): Promise<T> {
  const deadline = Date.now() + GIVE_UP_MS;
  while (!tryTake(path)) {
    removeIfStale(path);
    if (Date.now() > deadline) {
      const owner = ownerOf(path);
      throw new StratusError('INTERNAL', `${what}: another process${owner ? ` (pid ${owner.pid})` : ''} has held ${path} for over ${GIVE_UP_MS / 1000} s`,
        'if no Stratus host is starting or stopping on this data directory, remove that file');
    }
    await sleep(POLL_MS);
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}
