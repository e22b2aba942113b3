// Runs a bundled CommonJS file of the CLI (dist/cli/*.cjs) with a V8 code cache, so a command
// does not compile the same ~0.5–1.3 MiB of JavaScript again on every start. Node 20 has no module
// compile cache (`module.enableCompileCache()` came in Node 22), so this does what it does, for
// our own bundle only: compile the file with `vm.Script` and V8's `cachedData`, and after the
// first run write the code V8 compiled (including the functions that ran, not only the top level)
// next to the bundle, like Python's __pycache__.
//
// Measured (docs/coldstart.md, "Fifth pass"; `node dist/bench/coldstart.js --rounds 9 --only
// process --compare`, same run, interleaved): warm `stratus up` to the first 200 152 -> 126 ms,
// `stratus call` 133 -> 120 ms; bare Node 64 and 59 ms.
//
// Rules that keep it safe:
//  - The cache file's name holds the bundle's size and mtime, Node's version and the CPU, so a new
//    build or another Node never reads an old cache (V8 checks only the source's length and its
//    own flags; `npm run build` also deletes dist/cli/ with every cache in it). V8 rejects data it
//    cannot use (wrong flags, a corrupt file): the file then runs compiled afresh and the cache is
//    written again.
//  - One cache per command word: `stratus down` compiles other functions than `stratus up`,
//    although both run command-up.cjs. A `--help` run writes nothing (it would cache little).
//  - It is written at most once per process, to a temporary file renamed into place (concurrent
//    runs never read a half-written file): at exit when there was none and the command succeeded
//    (a failed run compiled only its way to the error), or 2 s after the start for a command that
//    keeps running (`up`, `dev`). Such a command also rewrites a cache it used when it compiled
//    over 10 % more than the cache held: the first `up` after a build may have been a `--detached`
//    parent or a test that stopped at once, and a cache is never grown otherwise (measured: a
//    half-size `up` cache left by the test suite cost a warm `up` ~20 ms).
//  - Where the install is read-only for this user (a global npm install), the cache goes to the
//    user's cache instead (`$STRATUS_CACHE_DIR` or `~/.cache/stratus`, `cli-code-cache/`); where
//    neither can be written, the run is as it was, uncached.
//  - Functions V8 restores from a code cache lose the script's dynamic-import callback (Node 20
//    throws "A dynamic import callback was not specified"), so the bundle's few import() calls
//    (ES-module-only packages) are rewritten by scripts/bundle-cli.mjs to call `__import`, which
//    this file passes in beside the CommonJS wrapper's arguments.
//  - `NODE_DEBUG=stratus-code-cache` says hit, miss, rejected or written; `STRATUS_CODE_CACHE=off`
//    turns it off (to measure without it).
'use strict';
const { isAscii } = require('node:buffer');
const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { Module, createRequire } = require('node:module');
const { homedir } = require('node:os');
const { basename, dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { debuglog } = require('node:util');
const vm = require('node:vm');

const debug = debuglog('stratus-code-cache');
const WRITE_AFTER_MS = 2000;
/** A used cache is rewritten when a long-running command compiled this much more than it held
 *  (a cache the test suite left for `up` held 768 KiB of the ~940 a served request compiles). */
const GROWTH = 1.1;

/**
 * Requires the CommonJS file at `file` (an absolute path), through the code cache in
 * `<its directory>/code-cache/` (or the user's cache) when it can, else plainly.
 * @param {string} file
 * @param {string[]} args the command line after the program name (names the cache)
 */
function runBundle(file, args) {
  if (process.env.STRATUS_CODE_CACHE === 'off') {
    createRequire(file)(file);
    return;
  }
  const st = statSync(file);
  const word = /^[a-z][a-z-]*$/.test(args[0] ?? '') ? args[0] : 'main';
  const prefix = `${basename(file)}.${word}.`; // this bundle and command, any build
  const name = `${prefix}${st.size}-${Math.floor(st.mtimeMs)}.${process.version}-${process.arch}.v8`;
  // next to the bundle; for an install this user cannot write (a global npm install), in the
  // user's cache (where the actors' code cache is), under a name made of the install's path
  const dirs = [join(dirname(file), 'code-cache'), join(userCacheBase(), 'cli-code-cache', dirname(file).replace(/[^A-Za-z0-9._-]/g, '_'))];
  let cacheFile = join(dirs[0], name);
  let cachedData;
  for (const dir of dirs) {
    try {
      cachedData = readFileSync(join(dir, name));
      cacheFile = join(dir, name);
      break;
    } catch { /* not cached there */ }
  }
  // the bundle build writes ASCII (scripts/bundle-cli.mjs): read as Latin-1, the same string
  // without UTF-8 decoding (~2 ms of 1.3 MiB); anything else as UTF-8
  const raw = readFileSync(file);
  const source = isAscii(raw) ? raw.latin1Slice(0, raw.length) : raw.toString('utf8');
  // the CommonJS wrapper, plus the importer the bundle's dynamic imports call (scripts/bundle-cli.mjs)
  const wrapped = `(function (exports, require, module, __filename, __dirname, __import) { ${source}\n});`;
  const script = new vm.Script(wrapped, { filename: file, cachedData });
  const rejected = cachedData !== undefined && script.cachedDataRejected === true;
  debug('%s %s', cachedData === undefined ? 'miss' : rejected ? 'rejected' : 'hit', cacheFile);
  if (!args.includes('--help') && !args.includes('-h')) {
    const used = cachedData !== undefined && !rejected ? cachedData.length : 0;
    let written = false;
    // onlyIfMore: rewrite a cache this run used only when this run compiled clearly more than it
    // held (the first run of `up` may have been a `--detached` parent that exits at once)
    const write = (onlyIfMore) => {
      if (written) return;
      written = true;
      const data = script.createCachedData();
      if (onlyIfMore && data.length <= used * GROWTH) return;
      for (const dir of dirs) {
        try {
          mkdirSync(dir, { recursive: true });
          const tmp = join(dir, `${name}.${process.pid}.tmp`);
          writeFileSync(tmp, data);
          renameSync(tmp, join(dir, name));
          debug('written %s', join(dir, name));
          forgetOlder(dir, prefix, name);
          return;
        } catch (err) {
          debug('not written to %s: %s', dir, err instanceof Error ? err.message : String(err));
        }
      }
    };
    // a command still running after WRITE_AFTER_MS writes (or grows) its cache then; one that ends
    // before writes at exit, only when there was none and the command succeeded (a failed run
    // compiled only its way to the error)
    setTimeout(() => write(used > 0), WRITE_AFTER_MS).unref();
    if (used === 0) process.once('exit', (code) => { if (code === 0) write(false); });
  }
  // what require(file) would do: a module in Node's cache, run with the CommonJS wrapper's arguments
  const mod = new Module(file, undefined);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(dirname(file));
  Module._cache[file] = mod;
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file), importer(file));
  mod.loaded = true;
}

/**
 * Removes the caches of earlier builds of the same bundle and command (another size or mtime, or
 * another Node) from `dir`: in the user's cache nothing else would (a new build empties only
 * dist/cli/). Best effort.
 */
function forgetOlder(dir, prefix, name) {
  try {
    for (const f of readdirSync(dir)) {
      if (f !== name && f.startsWith(prefix) && f.endsWith('.v8')) rmSync(join(dir, f), { force: true });
    }
  } catch { /* another run removed it first, or the directory went away */ }
}

/** `$STRATUS_CACHE_DIR`, else `$XDG_CACHE_HOME/stratus`, else `~/.cache/stratus`: the rule of
 *  stratusCacheDir() in src/core/home.ts, restated because this runs before that module loads. */
function userCacheBase() {
  return process.env.STRATUS_CACHE_DIR
    || (process.env.XDG_CACHE_HOME ? join(process.env.XDG_CACHE_HOME, 'stratus') : join(homedir(), '.cache', 'stratus'));
}

/**
 * import() for the bundle at `file`: code compiled by vm.Script has no dynamic-import callback of
 * its own once V8 restores it from a code cache, so the bundle calls this one, made in this
 * module. A relative specifier resolves against the bundle's directory, as its own import() did.
 */
function importer(file) {
  return (specifier) => import(/^\.\.?\//.test(specifier) ? pathToFileURL(join(dirname(file), specifier)).href : specifier);
}

module.exports = { runBundle };
