// The `stratus` program: commander with the command modules `load` gives for the command line.
// main.ts passes commands.ts's loader (only the module of the command being run); the bundled
// CLI's per-command files (scripts/bundle-cli.mjs) pass the one module they hold.
import { Command } from 'commander';
import type { CommandModule } from './commands.js';
import { exitCodeFor, fail } from './output.js';

/** Registers the modules `load` returns for the first argument, then runs the command line. */
export function runCli(load: (first: string | undefined) => Promise<CommandModule[]>): void {
  const program = new Command('stratus')
    .description('Stratus: run wasmCloud actors on Node.js')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride((err) => {
      // commander's own usage errors exit 2; --help/--version exit 0
      process.exit(exitCodeFor(err));
    });
  // No top-level await: the bundled CLI is CommonJS, which has none.
  (async () => {
    for (const mod of await load(process.argv[2])) mod.register(program);
    await program.parseAsync(process.argv);
  })().catch((e: unknown) => {
    // Actions report their own errors; this catches one that escaped (or a command module that
    // failed to load), with the same rule.
    fail('text', e);
  });
}
