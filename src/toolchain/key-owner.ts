// Which project a module key belongs to. A project's actor id is the public key of its module key
// `$STRATUS_HOME/keys/<key>_module.nk`; `<key>` is stratus.json's "key" (written by `stratus new`,
// unique per project) or, in projects without one, the actor's name. Two such projects with the
// same name would silently share one actor id (`ctl start actor` would scale the other one), so
// the first project directory that signs with a name-derived key owns it
// (`<key>_module.owner` beside the key) and another directory is refused with the fix.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { keyPath } from '../claims/keystore.js';
import { fromSeed } from '../claims/nkeys.js';
import { BuildError } from './errors.js';
import { CONFIG_FILE } from './config.js';

/** A key name for a new project: its name and a random suffix, so no two projects share it. */
export function newProjectKeyName(name: string): string {
  return `${name}-${randomBytes(4).toString('hex')}`;
}

function ownerFile(keyName: string): string {
  return keyPath(keyName, 'module').replace(/\.nk$/, '.owner');
}

/** The actor id of an existing module key, for the message; undefined when there is none yet. */
function publicKeyOf(keyName: string): string | undefined {
  try {
    return fromSeed(readFileSync(keyPath(keyName, 'module'), 'utf8').trim(), 'module').publicKey;
  } catch {
    return undefined;
  }
}

/** True if `dir` still holds a project that signs with the name-derived key `keyName`. */
function stillUses(dir: string, keyName: string): boolean {
  try {
    const c = JSON.parse(readFileSync(join(dir, CONFIG_FILE), 'utf8')) as { name?: unknown; key?: unknown };
    return c.key === undefined && c.name === keyName;
  } catch {
    return false; // moved, deleted or unreadable: the key is free to take over
  }
}

/**
 * For a project without "key": records `projectDir` as the owner of the name-derived key, or
 * refuses when another live project directory owns it.
 */
export function claimNameKey(keyName: string, projectDir: string): void {
  const file = ownerFile(keyName);
  const actorId = publicKeyOf(keyName);
  const owner = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (owner === projectDir) return;
  if (owner && stillUses(owner, keyName)) {
    throw new BuildError('config', 'INVALID_PROJECT',
      `another project (${owner}) is also named "${keyName}" and already signs with the key ${keyPath(keyName, 'module')}` +
      `${actorId ? ` (actor id ${actorId})` : ''}; two projects sharing it would be one actor, and starting this one would scale the other`,
      `give this project its own identity: add "key": "${newProjectKeyName(keyName)}" to ${join(projectDir, CONFIG_FILE)} ` +
      `(or rename it in "name"); to take over that identity on purpose, add "key": "${keyName}"`);
  }
  writeFileSync(file, projectDir + '\n', { mode: 0o600 });
}
