// Reading a file a user named (an actor module, a manifest) on a path that must never stall the
// event loop: the host serves every actor and control command from one thread, so a synchronous
// read of a FIFO (which waits for a writer forever) or of a device froze all of it.
//
// Order of checks: `stat` the path (no side effects), refuse anything that is not a regular file
// or is over the size cap, then open it with O_NONBLOCK (opening a FIFO swapped in after the stat
// returns at once instead of waiting for a writer, and does not tie up a libuv pool thread), check
// the open handle again, and read it with fs/promises.
import { constants, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { StratusError, type StratusErrorCode } from './errors.js';

const MiB = 1024 * 1024;

export interface UserFileKind {
  /** What the file is, for messages: "actor module". */
  what: string;
  /** What the user should have named, for messages: "a .wasm file". */
  expected: string;
  /** Larger files are refused before reading. */
  maxBytes: number;
  /** Code for a file over the cap: the input was looked at and rejected. */
  tooLargeCode: StratusErrorCode;
  /** How to fix a wrong path. */
  hint: string;
}

/**
 * Actor modules: 64 MiB. Real actors are tens of KiB to a few MiB (kvcounter 23 KiB, a TinyGo
 * actor ~1 MiB); the default linear-memory ceiling of an actor is also 64 MiB (1024 pages), so
 * a module larger than that is a wrong file, not an actor.
 */
export const ACTOR_MODULE: UserFileKind = {
  what: 'actor module',
  expected: 'a .wasm file',
  maxBytes: 64 * MiB,
  tooLargeCode: 'INVALID_MODULE',
  hint: 'give the path of a signed .wasm file (build one with `stratus build`)',
};

/** Application manifests: a few KiB in practice; 1 MiB matches the control API's body cap. */
export const APP_MANIFEST: UserFileKind = {
  what: 'manifest',
  expected: 'a YAML manifest file',
  maxBytes: 1 * MiB,
  tooLargeCode: 'INVALID_MANIFEST',
  hint: 'give the path of an application manifest (see examples/kvcounter/app.yaml)',
};

/** "a FIFO", "a directory", ...: what a non-regular file is, in words. */
export function describeFileType(s: Stats): string {
  if (s.isFIFO()) return 'a FIFO';
  if (s.isDirectory()) return 'a directory';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

function checkSize(path: string, size: number, kind: UserFileKind): void {
  if (size > kind.maxBytes) {
    throw new StratusError(kind.tooLargeCode, `${kind.what} ${path} is ${size} bytes, over the limit of ${kind.maxBytes / MiB} MiB`,
      `check that ${path} is the file you meant`);
  }
}

/** Refuse what cannot be a file of this kind; both the path and the open handle are checked alike. */
function checkStats(path: string, s: Stats, kind: UserFileKind): void {
  if (!s.isFile()) {
    throw new StratusError('BAD_REQUEST', `${path} is ${describeFileType(s)}, not ${kind.expected}`, kind.hint);
  }
  checkSize(path, s.size, kind);
}

function openError(path: string, e: unknown, kind: UserFileKind): StratusError {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOENT: 'no such file', ENOTDIR: 'a parent of it is not a directory', EACCES: 'permission denied',
    ELOOP: 'too many symbolic links', ENAMETOOLONG: 'the path is too long',
  };
  const reason = err.code ? why[err.code] : undefined;
  // A path that names nothing readable is a wrong argument; anything else is an I/O failure.
  if (reason) return new StratusError('BAD_REQUEST', `cannot read ${kind.what} ${path}: ${reason}`, kind.hint);
  return new StratusError('INTERNAL', `cannot read ${kind.what} ${path}: ${err.code ?? err.message}`);
}

/** Refuse a path that names no regular file of this kind, or one over the cap, without opening it. */
export async function checkUserFile(path: string, kind: UserFileKind): Promise<void> {
  try {
    checkStats(path, await stat(path), kind);
  } catch (e) {
    throw e instanceof StratusError ? e : openError(path, e, kind);
  }
}

/** Read a user-named file without blocking the event loop; refuses non-regular and oversized files. */
export async function readUserFile(path: string, kind: UserFileKind): Promise<Uint8Array> {
  await checkUserFile(path, kind);
  // O_NOCTTY: a terminal swapped in after the stat must not become our controlling terminal.
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);
  let handle;
  try {
    handle = await open(path, flags);
  } catch (e) {
    throw openError(path, e, kind);
  }
  try {
    checkStats(path, await handle.stat(), kind);
    const bytes = await handle.readFile();
    // The file may have grown since the stat.
    checkSize(path, bytes.length, kind);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  } catch (e) {
    throw e instanceof StratusError ? e : openError(path, e, kind);
  } finally {
    await handle.close();
  }
}

/** An actor module (.wasm) named by a user: at most {@link ACTOR_MODULE}.maxBytes. */
export function readActorModuleFile(path: string): Promise<Uint8Array> {
  return readUserFile(path, ACTOR_MODULE);
}
