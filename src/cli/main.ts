// The `stratus` command: wash-style sub-commands, each defined in its own module under commands/.
// Only the module of the command being run is loaded (commands.ts): importing all of them cost
// ~200 ms of a `stratus up` or `stratus call` (docs/coldstart.md). Help and unknown commands
// load them all, so the help text and commander's "did you mean" stay complete.
import { Command } from 'commander';
import { commandModules } from './commands.js';
import { exitCodeFor, fail } from './output.js';

const program = new Command('stratus')
  .description('Stratus: run wasmCloud actors on Node.js')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride((err) => {
    // commander's own usage errors exit 2; --help/--version exit 0
    process.exit(exitCodeFor(err));
  });

// No top-level await: the bundled CLI (scripts/bundle-cli.mjs) is CommonJS, which has none.
async function main(): Promise<void> {
  for (const mod of await commandModules(process.argv[2])) mod.register(program);
  await program.parseAsync(process.argv);
}

main().catch((e: unknown) => {
  // Actions report their own errors; this catches one that escaped (or a command module that
  // failed to load), with the same rule.
  fail('text', e);
});
