// `stratus keys`: generate and list nkeys, like `wash keys`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createKeyPair, fromSeed, KEY_KINDS, type KeyKind } from '../../claims/nkeys.js';
import { keysDir } from '../../claims/keystore.js';
import { StratusError } from '../../core/errors.js';
import { addOutputOption, commandAction, emit } from '../output.js';

function parseKind(kind: string): KeyKind {
  const k = kind.toLowerCase() as KeyKind;
  if (!KEY_KINDS.includes(k)) {
    throw new StratusError('BAD_REQUEST', `unknown key type "${kind}"`, `use one of: ${KEY_KINDS.join(', ')}`);
  }
  return k;
}

export function register(program: Command): void {
  const keys = program.command('keys').description('generate and list ed25519 nkeys (accounts, modules, services, servers, ...)');

  addOutputOption(keys.command('gen')
    .argument('<keytype>', `type of key: ${KEY_KINDS.join(' | ')}`)
    .description('generate a new key pair and print its public key and seed (the seed is not stored)'))
    .action(commandAction((format, kind: string) => {
      const kp = createKeyPair(parseKind(kind));
      emit(format, { public_key: kp.publicKey, seed: kp.seed },
        () => `Public Key: ${kp.publicKey}\nSeed: ${kp.seed}\n\nRemember that the seed is private, treat it as a secret.`);
    }));

  addOutputOption(keys.command('list')
    .description(`list the keys kept under $STRATUS_HOME/keys (used by \`stratus claims sign\`)`))
    .action(commandAction((format) => {
      const dir = keysDir();
      const rows = readdirSync(dir).filter((f) => f.endsWith('.nk')).sort().map((file) => {
        try {
          const kp = fromSeed(readFileSync(join(dir, file), 'utf8').trim());
          return { file, kind: kp.kind, public_key: kp.publicKey };
        } catch (e) {
          return { file, kind: 'invalid', public_key: '', error: (e as Error).message };
        }
      });
      emit(format, { directory: dir, keys: rows }, () =>
        rows.length === 0 ? `No keys in ${dir}` : [`Keys in ${dir}:`, ...rows.map((r) => `  ${r.file.padEnd(32)} ${r.kind.padEnd(8)} ${r.public_key}`)].join('\n'));
    }));
}
