#!/usr/bin/env node
// Runs the bundled CLI (`npm run build` makes dist/cli/ with scripts/bundle-cli.mjs: one file
// instead of ~160 modules loaded one by one, docs/coldstart.md): the command's own file from
// dist/cli/commands.json, or main.cjs (every command: help, --version, unknown words). It runs
// only when it is at least as new as tsc's dist/src/cli/main.js; otherwise tsc's output does, so
// a tsc-only build (and a bundle left stale by one: tsc rewrites every output file) runs the code
// just compiled.
// The bundle runs through a V8 code cache (bin/code-cache.js). This folder is CommonJS
// (bin/package.json): an ES module entry costs the ESM loader's start, ~8 ms of a ~130 ms `up`.
'use strict';
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { runBundle } = require('./code-cache.js');

const at = (rel) => join(__dirname, rel);
const mtime = (rel) => statSync(at(rel), { throwIfNoEntry: false })?.mtimeMs;
let file = 'main.cjs';
try {
  const owners = JSON.parse(readFileSync(at('../dist/cli/commands.json'), 'utf8'));
  const first = process.argv[2];
  if (first !== undefined && Object.hasOwn(owners, first)) file = owners[first];
} catch { /* no per-command files: main.cjs, if it is there */ }
const bundle = mtime(`../dist/cli/${file}`);
const compiled = mtime('../dist/src/cli/main.js');
if (bundle !== undefined && compiled !== undefined && bundle >= compiled) runBundle(at(`../dist/cli/${file}`), process.argv.slice(2));
else import(pathToFileURL(at('../dist/src/cli/main.js')).href);
