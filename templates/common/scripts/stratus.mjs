#!/usr/bin/env node
// Runs the installed `stratus` command with this project's arguments (`npm run build`, `npm test`),
// and when there is none, says how to install it instead of the shell's "stratus: not found".
// STRATUS_BIN may name the command (e.g. /path/to/stratus/bin/stratus.js) when it is not on PATH.
import { spawnSync } from 'node:child_process';

const bin = process.env.STRATUS_BIN || 'stratus';
const viaNode = bin.endsWith('.js');
const r = spawnSync(viaNode ? process.execPath : bin, viaNode ? [bin, ...process.argv.slice(2)] : process.argv.slice(2), { stdio: 'inherit' });
if (r.error && r.error.code === 'ENOENT') {
  process.stderr.write(`error: stratus is not installed (no "${bin}" on PATH), so this project cannot be built.
  Install it once, then run this again:
    npm install -g /path/to/stratus          # from a clone of stratus, after "npm install" there
    npm install -g stratus-0.1.0.tgz         # or from a tarball made by "npm pack" in the clone
    (cd /path/to/stratus && npm link)        # or link a clone you keep working on
  Or point STRATUS_BIN at it: STRATUS_BIN=/path/to/stratus/bin/stratus.js npm test
`);
  process.exit(127);
}
if (r.error) {
  process.stderr.write(`error: cannot run ${bin}: ${r.error.message}\n`);
  process.exit(1);
}
process.exit(r.status ?? 1);
