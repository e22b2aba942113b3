// Hand experiment, superseded by scripts/bundle-cli.mjs (esbuild; docs/coldstart.md, third pass).
// Kept as the measurement that led to it (docs/coldstart.md, "A bundled entry"): the CLI's own modules that
// a recorded run loaded, as ONE CommonJS file: each transpiled with TypeScript's transpileModule
// (module CommonJS) and wrapped in a registry with a tiny require; packages (yaml, commander, lmdb,
// msgpackr) stay external and load as before. It measures what a bundler would gain; a real bundle
// needs a real bundler (a new devDependency), because of the text rewrites below:
//  - import.meta.url/resolve are replaced with the original file's URL and require.resolve;
//  - a local variable named `exports` is renamed (transpileModule would bind `(0, exports.x)` to it).
// Usage (from the repo root, after `npx tsc -p tsconfig.json`):
//   STRATUS_RECORD_MODULES=/tmp/mods.txt node --import ./bench/bundle-experiment/record-modules.mjs bin/stratus.js call x.wasm Echo.Say
//   (and the same for `up --manifest ...`, appending to the same list)
//   node bench/bundle-experiment/bundle.mjs /tmp/mods.txt /tmp/stratus-bundle.cjs
//   node /tmp/stratus-bundle.cjs up --manifest app.yaml      (compare with node bin/stratus.js ...)
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const [list, outFile] = process.argv.slice(2);
if (!list || !outFile) throw new Error('usage: node bench/bundle-experiment/bundle.mjs <recorded module list> <out.cjs>');
const repo = resolve(fileURLToPath(import.meta.url), '../../..');
const ts = createRequire(resolve(repo, 'package.json'))('typescript');
const files = [...new Set(readFileSync(list, 'utf8').trim().split('\n'))]
  .filter((u) => u.startsWith(`file://${repo}/dist/src/`) && !u.endsWith('/worker/thread.js')) // the worker entry loads in its thread, as ESM
  .map((u) => fileURLToPath(u));
const out = [`'use strict';
const { createRequire: __cr } = require('node:module');
const { dirname: __dn, resolve: __rs } = require('node:path');
const { pathToFileURL: __p2u } = require('node:url');
const __defs = Object.create(null), __cache = Object.create(null);
function __req(from, spec) {
  if (spec.startsWith('.')) {
    const abs = __rs(__dn(from), spec);
    if (__defs[abs]) return __load(abs);
    throw new Error('not in the bundle: ' + abs + ' (from ' + from + ')');
  }
  return __cr(from)(spec);
}
function __load(abs) {
  let m = __cache[abs];
  if (m) return m.exports;
  m = __cache[abs] = { exports: {} };
  __defs[abs](m, m.exports, (s) => __req(abs, s), __p2u(abs).href);
  return m.exports;
}
`];
let main;
for (const f of files) {
  const src = readFileSync(f, 'utf8')
    .replace(/import\.meta\.url/g, '__importMetaUrl')
    .replace(/import\.meta\.resolve\(/g, 'require.resolve(')
    .replace(/(?<![.\w$'])exports(?![\w$:'])/g, 'exps__')
    .replace(/([{,]\s*)exps__(\s*[,}])/g, '$1exports: exps__$2');
  const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
  const isMain = f.endsWith('/cli/main.js'); // the one module with a top-level await
  if (isMain) main = f;
  out.push(`__defs[${JSON.stringify(f)}] = ${isMain ? 'async ' : ''}function (module, exports, require, __importMetaUrl) {{\n${js}\n}};`);
}
if (!main) throw new Error('the recorded list has no dist/src/cli/main.js: record a run of bin/stratus.js');
out.push(`__defs[${JSON.stringify(main)}]({ exports: {} }, {}, (s) => __req(${JSON.stringify(main)}, s), __p2u(${JSON.stringify(main)}).href);`);
writeFileSync(outFile, out.join('\n'));
console.log(`${files.length} modules, ${out.join('\n').length} bytes -> ${outFile}`);
