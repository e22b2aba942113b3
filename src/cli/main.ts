// The `stratus` command: wash-style sub-commands, each defined in its own module under commands/.
// Only the module of the command being run is loaded (commands.ts): importing all of them cost
// ~200 ms of a `stratus up` or `stratus call` (docs/coldstart.md). Help and unknown commands
// load them all, so the help text and commander's "did you mean" stay complete.
import { commandModules } from './commands.js';
import { runCli } from './program.js';

runCli(commandModules);
