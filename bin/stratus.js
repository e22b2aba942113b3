#!/usr/bin/env node
// Runs the bundled CLI, dist/cli/main.cjs (`npm run build` makes it with scripts/bundle-cli.mjs: one
// file instead of ~160 modules loaded one by one, docs/coldstart.md), when it is at least as new as
// tsc's dist/src/cli/main.js; otherwise tsc's output, so a tsc-only build (and a bundle left stale
// by one: tsc rewrites every output file) runs the code just compiled.
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';

const mtime = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
const bundle = mtime('../dist/cli/main.cjs');
const compiled = mtime('../dist/src/cli/main.js');
if (bundle !== undefined && compiled !== undefined && bundle >= compiled) createRequire(import.meta.url)('../dist/cli/main.cjs');
else await import('../dist/src/cli/main.js');
