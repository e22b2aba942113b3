// The `stratus` command: wash-style sub-commands, each defined in its own module under commands/.
import { Command } from 'commander';
import * as keys from './commands/keys.js';
import * as claims from './commands/claims.js';
import * as inspect from './commands/inspect.js';
import * as call from './commands/call.js';
import * as newCmd from './commands/new.js';
import * as build from './commands/build.js';
import * as up from './commands/up.js';
import * as ctl from './commands/ctl.js';
import * as app from './commands/app.js';

const program = new Command('stratus')
  .description('Stratus: run wasmCloud actors on Node.js')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride((err) => {
    // commander's own usage errors exit 2; --help/--version exit 0
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

for (const mod of [keys, claims, inspect, call, newCmd, build, up, ctl, app]) mod.register(program);

await program.parseAsync(process.argv);
