// All Stratus state (keys, data, host state) lives under one directory.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';

/** `$STRATUS_HOME`, default `~/.stratus`. */
export function stratusHome(): string {
  return process.env.STRATUS_HOME || join(homedir(), '.stratus');
}

/**
 * Where Stratus keeps what can be deleted at any time (prepared actor code, OCI blobs):
 * `$STRATUS_CACHE_DIR`, else `$XDG_CACHE_HOME/stratus`, else `~/.cache/stratus`. (bin/code-cache.js
 * applies the same rule on its own: it runs before any of these modules is loaded.)
 */
export function stratusCacheDir(env: Record<string, string | undefined> = process.env): string {
  return env.STRATUS_CACHE_DIR || (env.XDG_CACHE_HOME ? join(env.XDG_CACHE_HOME, 'stratus') : join(homedir(), '.cache', 'stratus'));
}

/** A sub-directory of the Stratus home, created on demand, private to its owner (it holds keys and state). */
export function homeDir(...parts: string[]): string {
  const dir = join(stratusHome(), ...parts);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
