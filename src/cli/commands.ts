// Which module under commands/ defines each top-level command, so main.ts loads only the one being
// run. The command modules pull in most of Stratus between them (the host, the OCI client, the
// code generator, the provider archive tools); a `stratus up` needs one of them.
// test/cli/commands-table.test.ts checks this table against what the modules register.
import type { Command } from 'commander';

export interface CommandModule { register(program: Command): void }

type Load = () => Promise<CommandModule>;

/** Every command module, in the order their commands appear in `stratus --help`. */
export const COMMAND_MODULES: readonly Load[] = [
  () => import('./commands/keys.js'),
  () => import('./commands/claims.js'),
  () => import('./commands/inspect.js'),
  () => import('./commands/call.js'),
  () => import('./commands/new.js'),
  () => import('./commands/build.js'),
  () => import('./commands/up.js'),
  () => import('./commands/ctl.js'),
  () => import('./commands/app.js'),
  () => import('./commands/push.js'),
  () => import('./commands/pull.js'),
  () => import('./commands/logs.js'),
  () => import('./commands/dev.js'),
  () => import('./commands/ui.js'),
  () => import('./commands/par.js'),
];

/** Top-level command name → index in COMMAND_MODULES of the module that registers it. */
export const COMMAND_OWNERS: Readonly<Record<string, number>> = {
  keys: 0, claims: 1, inspect: 2, call: 3, new: 4, gen: 4, build: 5, up: 6, down: 6, ctl: 7, app: 8,
  push: 9, pull: 10, logs: 11, dev: 12, ui: 13, par: 14,
};

/** The modules to register for a command line whose first argument is `first`. */
export async function commandModules(first: string | undefined): Promise<CommandModule[]> {
  const owner = first !== undefined && Object.hasOwn(COMMAND_OWNERS, first) ? COMMAND_OWNERS[first] : undefined;
  if (owner !== undefined) return [await COMMAND_MODULES[owner]!()];
  // --version needs no command at all
  if (first === '--version' || first === '-V') return [];
  return Promise.all(COMMAND_MODULES.map((load) => load()));
}
