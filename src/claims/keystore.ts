// Keys kept like wash keeps them: `$STRATUS_HOME/keys/<name>_<kind>.nk`, one seed per file,
// generated on first use and reused afterwards (so re-signing a module keeps its actor id).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StratusError } from '../core/errors.js';
import { homeDir } from '../core/home.js';
import { createKeyPair, fromSeed, type KeyKind, type KeyPair } from './nkeys.js';

export function keysDir(): string {
  return homeDir('keys');
}

export function keyPath(name: string, kind: KeyKind): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new StratusError('BAD_REQUEST', `invalid key name "${name}"`, 'use letters, digits, ".", "_" and "-"');
  }
  return join(keysDir(), `${name}_${kind}.nk`);
}

export interface StoredKey {
  keyPair: KeyPair;
  path: string;
  /** True when this call generated the key. */
  created: boolean;
}

/** Load `<name>_<kind>.nk`, or generate and save it (mode 0600). */
export function loadOrCreateKey(name: string, kind: KeyKind): StoredKey {
  const path = keyPath(name, kind);
  if (existsSync(path)) {
    const seed = readFileSync(path, 'utf8').trim();
    try {
      return { keyPair: fromSeed(seed, kind), path, created: false };
    } catch (e) {
      throw new StratusError('BAD_REQUEST', `key file ${path} does not hold a valid ${kind} seed: ${(e as Error).message}`,
        'delete the file to have a new key generated, or put a valid seed in it');
    }
  }
  const keyPair = createKeyPair(kind);
  writeFileSync(path, keyPair.seed + '\n', { mode: 0o600 });
  return { keyPair, path, created: true };
}
