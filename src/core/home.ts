// All Stratus state (keys, data, host state) lives under one directory.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';

/** `$STRATUS_HOME`, default `~/.stratus`. */
export function stratusHome(): string {
  return process.env.STRATUS_HOME || join(homedir(), '.stratus');
}

/** A sub-directory of the Stratus home, created on demand, private to its owner (it holds keys and state). */
export function homeDir(...parts: string[]): string {
  const dir = join(stratusHome(), ...parts);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
