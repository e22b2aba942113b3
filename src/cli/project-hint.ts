// Hints in the words of the workflow the user is in. A module at `<dir>/build/<name>_s.wasm` beside
// `<dir>/stratus.json` was made by `stratus build`, so the fix for a claims problem is a field in
// stratus.json and a rebuild, not `stratus claims sign` flags (those stay as the alternative).
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { isStratusError, StratusError, type StratusErrorCode } from '../core/errors.js';

/** The project directory a module was built in, if it looks like `stratus build` output. */
export function projectOf(file: string): string | undefined {
  const abs = resolve(file);
  if (basename(dirname(abs)) !== 'build') return undefined;
  const dir = dirname(dirname(abs));
  return existsSync(join(dir, 'stratus.json')) ? dir : undefined;
}

function shown(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
}

/** The stratus.json way to fix `code`, or undefined when the project has no say in it. */
function projectFix(code: StratusErrorCode, message: string, dir: string): string | undefined {
  const p = shown(dir);
  const rebuild = `\`stratus build --path ${p}\``;
  switch (code) {
    case 'NO_CLAIMS': return `build it with ${rebuild}: it signs the module with the claims in ${join(p, 'stratus.json')}`;
    case 'BAD_SIGNATURE':
    case 'HASH_MISMATCH': return `the module changed after it was signed: rebuild it with ${rebuild}`;
    case 'EXPIRED':
    case 'NOT_YET_VALID': return `rebuild it with ${rebuild} (a build signs it anew)`;
    case 'UNTRUSTED_ISSUER': return `set "issuer" in ${join(p, 'stratus.json')} to the name of a trusted account key, then ${rebuild}`;
    case 'MISSING_CLAIM': return `add the contract id to "claims" in ${join(p, 'stratus.json')}, then ${rebuild}`;
    case 'BAD_REQUEST': return /revision/.test(message) ? `raise "revision" in ${join(p, 'stratus.json')}, then ${rebuild}` : undefined;
    default: return undefined;
  }
}

/** `e` with its hint in stratus.json terms when `file` belongs to a project; otherwise `e` itself. */
export function withProjectHint(e: unknown, file: string): unknown {
  if (!isStratusError(e)) return e;
  const dir = projectOf(file);
  if (!dir) return e;
  const [message] = e.message.split('\n  hint: ');
  const fix = projectFix(e.code, message, dir);
  if (!fix) return e;
  const other = e.hint ?? e.message.split('\n  hint: ')[1];
  const out = new StratusError(e.code, message, other ? `${fix} (or: ${other})` : fix);
  out.notStarted = e.notStarted;
  return out;
}

/** Runs `f`; a failure about the module `file` gets the project's hint. */
export async function projectHinted<T>(file: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw withProjectHint(e, file);
  }
}
