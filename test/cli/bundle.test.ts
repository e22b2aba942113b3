// tier: full — runs the stratus CLI as processes
// The bundled CLI (scripts/bundle-cli.mjs, docs/coldstart.md): `npm run build` makes
// dist/cli/main.cjs, a file per command module and the actor worker lane's thread entry
// (lane-worker.cjs); bin/stratus.js runs the command's file, and real commands work through it —
// including one that starts an actor worker thread on the bundled entry. bin/stratus.js's choice (which file, or tsc's output)
// is also checked on stub trees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { isAscii } from 'node:buffer';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signActorModule } from '../../src/claims/sign.js';
import { COMMAND_OWNERS } from '../../src/cli/commands.js';
import { fixture } from '../support/wat.js';
import { startNats } from '../support/servers.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');
const BUNDLE_DIR = join(REPO, 'dist/cli');
const BUNDLE = join(BUNDLE_DIR, 'main.cjs');
const TSC_MAIN = join(REPO, 'dist/src/cli/main.js');

// Loaded before bin/stratus.js: at exit, prints which CommonJS files the process loaded and which
// files it started worker threads on, so a test can tell which bundle file ran (and that commander
// did not load from node_modules).
const RECORDER = `
const wt = require('node:worker_threads');
const workers = [];
const Worker = wt.Worker;
wt.Worker = class extends Worker { constructor(file, opts) { workers.push(String(file)); super(file, opts); } };
process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify({ files: Object.keys(require.cache), workers }) + '\\n'));
`;

function stratus(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string; loaded: string[]; workers: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-bundle-rec-'));
  const recorder = join(dir, 'recorder.cjs');
  writeFileSync(recorder, RECORDER);
  try {
    const r = spawnSync(process.execPath, ['--require', recorder, join(REPO, 'bin/stratus.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
    const m = /\nLOADED (.*)\n$/.exec(r.stderr);
    const rec = m ? JSON.parse(m[1]!) as { files: string[]; workers: string[] } : { files: [], workers: [] };
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.replace(/\nLOADED .*\n$/, ''), loaded: rec.files, workers: rec.workers };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertRanTheBundle(loaded: string[], file: string): void {
  const path = join(BUNDLE_DIR, file);
  assert.ok(loaded.includes(path), `bin/stratus.js did not load ${path}; loaded: ${loaded.join(', ')}`);
  assert.equal(loaded.filter((f) => f.startsWith(BUNDLE_DIR + '/')).length, 1, `more than one bundle file loaded: ${loaded.join(', ')}`);
  assert.ok(!loaded.some((f) => f.includes('/node_modules/commander/')), 'commander was loaded from node_modules: the bundle was not used (it has commander inside)');
}

test('the build made the bundle, and it is not older than tsc\'s output (else bin/stratus.js would not use it)', () => {
  const bundle = statSync(BUNDLE, { throwIfNoEntry: false });
  assert.ok(bundle, `${BUNDLE} is missing: run \`npm run build\` (tsc, then scripts/bundle-cli.mjs), not only tsc`);
  assert.ok(bundle.mtimeMs >= statSync(TSC_MAIN).mtimeMs, `${BUNDLE} is older than ${TSC_MAIN}: run \`npm run build\``);
  // every top-level command has its own file, and they are as new as main.cjs
  const owners = JSON.parse(readFileSync(join(BUNDLE_DIR, 'commands.json'), 'utf8')) as Record<string, string>;
  assert.deepEqual(Object.keys(owners).sort(), Object.keys(COMMAND_OWNERS).sort());
  for (const [word, file] of Object.entries(owners)) {
    const f = statSync(join(BUNDLE_DIR, file), { throwIfNoEntry: false });
    assert.ok(f && f.mtimeMs >= statSync(TSC_MAIN).mtimeMs, `the bundle file of \`stratus ${word}\`, ${file}, is missing or older than ${TSC_MAIN}`);
  }
  assert.equal(owners.up, owners.down, 'up and down come from one module');
});

test('--version and --help run through the bundle', () => {
  const v = stratus(['--version']);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout.trim(), '0.1.0');
  assertRanTheBundle(v.loaded, 'main.cjs');
  const h = stratus(['--help']);
  assert.equal(h.code, 0, h.stderr);
  // help loads every command module: all of them are in the bundle
  for (const word of ['keys', 'claims', 'inspect', 'call', 'new', 'build', 'up', 'down', 'ctl', 'app', 'push', 'pull', 'logs', 'dev', 'ui', 'par']) {
    assert.match(h.stdout, new RegExp(`\\n  ${word}\\b`), `stratus --help does not list ${word}`);
  }
  assertRanTheBundle(h.loaded, 'main.cjs');
});

test('inspect, and call with an empty code cache (the actor runs on a worker thread) run through the bundle', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-bundle-'));
  try {
    const wasm = join(dir, 'echo.wasm');
    writeFileSync(wasm, signActorModule(await fixture('echo'), { name: 'echo' }));
    const env = { STRATUS_HOME: join(dir, 'home'), STRATUS_CACHE_DIR: join(dir, 'cache'), STRATUS_CACHE_KEY_HOME: join(dir, 'key') };
    const i = stratus(['inspect', wasm, '-o', 'json'], env);
    assert.equal(i.code, 0, i.stderr);
    assert.equal((JSON.parse(i.stdout) as { portable: boolean }).portable, true);
    assertRanTheBundle(i.loaded, 'command-inspect.cjs');
    const c = stratus(['call', wasm, 'Echo.Say', '--data', '"hello"', '-o', 'json'], env);
    assert.equal(c.code, 0, c.stderr);
    assert.equal((JSON.parse(c.stdout) as { reply: string }).reply, 'hello');
    assertRanTheBundle(c.loaded, 'command-call.cjs');
    // the actor's worker threads (the one it runs on, and the spare booted after it) ran the bundled lane entry
    assert.ok(c.workers.length >= 1, 'the call started no worker thread: the test no longer covers the worker entry');
    for (const w of c.workers) assert.equal(w.replace(/^file:\/\//, ''), join(BUNDLE_DIR, 'lane-worker.cjs'));
    // a command's own --help comes from its file too
    const ch = stratus(['call', '--help']);
    assert.equal(ch.code, 0, ch.stderr);
    assert.match(ch.stdout, /Usage: stratus call/);
    assertRanTheBundle(ch.loaded, 'command-call.cjs');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** bin/ as it is in the repository (stratus.js, code-cache.js, and package.json making it CommonJS). */
function copyBin(root: string): void {
  mkdirSync(join(root, 'bin'), { recursive: true });
  for (const f of readdirSync(join(REPO, 'bin'))) copyFileSync(join(REPO, 'bin', f), join(root, 'bin', f));
}

test('bin/stratus.js runs the bundle only when it exists and is not older than tsc\'s output', () => {
  const root = mkdtempSync(join(tmpdir(), 'stratus-bin-choice-'));
  try {
    mkdirSync(join(root, 'dist/src/cli'), { recursive: true });
    mkdirSync(join(root, 'dist/cli'));
    copyBin(root);
    writeFileSync(join(root, 'package.json'), '{"type":"module"}');
    writeFileSync(join(root, 'dist/src/cli/main.js'), "process.stdout.write('tsc');");
    const run = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/stratus.js'), ...args], { encoding: 'utf8' }).stdout;
    assert.equal(run(), 'tsc', 'no bundle: tsc\'s output');
    const bundle = join(root, 'dist/cli/main.cjs');
    writeFileSync(bundle, "process.stdout.write('bundle');");
    const t = Date.now() / 1000;
    utimesSync(join(root, 'dist/src/cli/main.js'), t - 10, t - 10);
    utimesSync(bundle, t, t);
    assert.equal(run(), 'bundle', 'a bundle newer than tsc\'s output');
    utimesSync(bundle, t - 20, t - 20);
    assert.equal(run(), 'tsc', 'a bundle older than tsc\'s output (a tsc-only build since): tsc\'s output');
    utimesSync(bundle, t, t);
    writeFileSync(join(root, 'dist/cli/commands.json'), '{"call":"command-call.cjs"}');
    writeFileSync(join(root, 'dist/cli/command-call.cjs'), "process.stdout.write('call bundle');");
    assert.equal(run('call'), 'call bundle', 'a command with its own file');
    assert.equal(run('inspect'), 'bundle', 'a command without one: main.cjs');
    assert.equal(run('toString'), 'bundle', 'not an own property of the table: main.cjs');
    utimesSync(join(root, 'dist/cli/command-call.cjs'), t - 20, t - 20);
    assert.equal(run('call'), 'tsc', 'a stale command file: tsc\'s output');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** A package tree with bin/ as in the repository, an empty dist/cli/ and tsc's main.js 10 s old (the caller removes it). */
function stubTree(tag: string, tscMain: string): { root: string; t: number } {
  const root = mkdtempSync(join(tmpdir(), `stratus-${tag}-`));
  copyBin(root);
  mkdirSync(join(root, 'dist/src/cli'), { recursive: true });
  mkdirSync(join(root, 'dist/cli'));
  writeFileSync(join(root, 'package.json'), '{"type":"module"}');
  const t = Date.now() / 1000;
  writeFileSync(join(root, 'dist/src/cli/main.js'), tscMain);
  utimesSync(join(root, 'dist/src/cli/main.js'), t - 10, t - 10);
  return { root, t };
}

test('the bundle runs through a V8 code cache: written after the first run, used by the next, rewritten when rejected, never for --help', () => {
  const { root, t } = stubTree('code-cache', "process.stdout.write('tsc');");
  try {
    // a CommonJS bundle that uses what require() gives a module: its own require, module, __filename
    const bundle = join(root, 'dist/cli/main.cjs');
    writeFileSync(join(root, 'dist/cli/helper.cjs'), 'module.exports = (n) => n * 2;');
    writeFileSync(bundle, [
      "const double = require('./helper.cjs');",
      'function work(n) { let s = 0; for (let i = 0; i < n; i++) s += double(i); return s; }',
      "if (process.argv.includes('boom')) throw new Error('boom from the bundle');",
      // not ASCII (unlike a real bundle): read as UTF-8
      "process.stdout.write(JSON.stringify({ sum: work(10), self: require.cache[__filename] === module, file: __filename, dir: __dirname, text: 'déjà → ✓' }));",
    ].join('\n'));
    const userCache = join(root, 'user-cache');
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const r = spawnSync(process.execPath, [join(root, 'bin/stratus.js'), ...args], { encoding: 'utf8', env: { ...process.env, NODE_DEBUG: 'stratus-code-cache', STRATUS_CACHE_DIR: userCache, ...env } });
      const said = [...r.stderr.matchAll(/STRATUS-CODE-CACHE \d+: (\w+(?: \w+)?)/g)].map((m) => m[1]!.replace(/ \/.*$/, ''));
      return { code: r.status, stdout: r.stdout, stderr: r.stderr, said };
    };
    const cacheDir = join(root, 'dist/cli/code-cache');
    const cached = () => (statSync(cacheDir, { throwIfNoEntry: false }) ? readdirSync(cacheDir) : []);
    const expected = JSON.stringify({ sum: 90, self: true, file: bundle, dir: join(root, 'dist/cli'), text: 'déjà → ✓' });

    const help = run(['--help']);
    assert.equal(help.stdout, expected);
    assert.deepEqual(help.said, ['miss'], help.stderr);
    assert.deepEqual(cached(), [], 'a --help run wrote a cache');

    const first = run([]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, expected);
    assert.deepEqual(first.said, ['miss', 'written'], first.stderr);
    const files = cached();
    assert.equal(files.length, 1);
    assert.match(files[0]!, new RegExp(`^main\\.cjs\\.main\\.${statSync(bundle).size}-\\d+\\.${process.version.replaceAll('.', '\\.')}-${process.arch}\\.v8$`));

    const second = run([]);
    assert.equal(second.stdout, expected);
    assert.deepEqual(second.said, ['hit'], second.stderr);

    // a corrupt cache is rejected by V8: the run is still right, and the cache is written again
    writeFileSync(join(cacheDir, files[0]!), Buffer.alloc(4096, 7));
    const corrupt = run([]);
    assert.equal(corrupt.stdout, expected);
    assert.deepEqual(corrupt.said, ['rejected', 'written'], corrupt.stderr);
    assert.deepEqual(run([]).said, ['hit']);

    // another command word has its own cache file
    assert.deepEqual(run(['inspect']).said, ['miss', 'written']);
    assert.equal(cached().length, 2);

    // a new build of the bundle (another mtime) never reads the old cache, and removes it when it writes its own
    const before = cached().filter((f) => f.startsWith('main.cjs.main.'));
    utimesSync(bundle, t + 5, t + 5);
    assert.deepEqual(run([]).said, ['miss', 'written']);
    const after = cached().filter((f) => f.startsWith('main.cjs.main.'));
    assert.equal(after.length, 1);
    assert.notDeepEqual(after, before);
    assert.equal(cached().filter((f) => f.startsWith('main.cjs.inspect.')).length, 1, 'another command\'s cache is kept');

    // an error in the bundle is reported against the bundle's own file, with the usual exit code
    const boom = run(['boom']);
    assert.equal(boom.code, 1);
    assert.match(boom.stderr, /boom from the bundle/);
    assert.ok(boom.stderr.includes(`${bundle}:3`), `the stack does not name ${bundle}:3: ${boom.stderr}`);

    // off: no cache at all
    const off = run([], { STRATUS_CODE_CACHE: 'off' });
    assert.equal(off.stdout, expected);
    assert.deepEqual(off.said, []);
    // an install this user cannot write: the cache goes to the user's cache directory, and is read from there
    rmSync(cacheDir, { recursive: true });
    writeFileSync(cacheDir, 'not a directory');
    const readOnly = run([]);
    assert.equal(readOnly.code, 0, readOnly.stderr);
    assert.equal(readOnly.stdout, expected);
    assert.deepEqual(readOnly.said, ['miss', 'not written', 'written'], readOnly.stderr);
    assert.match(readOnly.stderr, new RegExp(`written ${userCache}/cli-code-cache/`));
    assert.deepEqual(run([]).said, ['hit']);
    // neither can be written: the run is as it was, uncached
    const nowhere = run([], { STRATUS_CACHE_DIR: join(cacheDir, 'below-a-file') });
    assert.equal(nowhere.code, 0, nowhere.stderr);
    assert.equal(nowhere.stdout, expected);
    assert.deepEqual(nowhere.said, ['miss', 'not written', 'not written'], nowhere.stderr);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a command that keeps running rewrites a cache it used when it compiled clearly more; a failed run writes none', () => {
  const { root } = stubTree('code-cache-grow', '');
  try {
    // a short path, and a long-running one that runs 300 more functions (as `up` serving requests)
    const more = Array.from({ length: 300 }, (_, i) => `function f${i}(x) { let s = x; for (let k = 0; k < 3; k++) s = (s * ${i + 3} + k) % 1000003; return s; }`).join('\n');
    writeFileSync(join(root, 'dist/cli/main.cjs'), [
      more,
      "if (process.env.STUB_FAIL) { process.exitCode = 2; return; }",
      "if (process.env.STUB_LONG) { let s = 0; " + Array.from({ length: 300 }, (_, i) => `s += f${i}(s);`).join(' ') + " setTimeout(() => process.stdout.write(String(s)), 2600); }",
      "else process.stdout.write('short');",
    ].join('\n'));
    const run = (env: NodeJS.ProcessEnv = {}) => {
      const r = spawnSync(process.execPath, [join(root, 'bin/stratus.js')], { encoding: 'utf8', env: { ...process.env, NODE_DEBUG: 'stratus-code-cache', STRATUS_CACHE_DIR: join(root, 'user-cache'), ...env } });
      return { code: r.status, said: [...r.stderr.matchAll(/STRATUS-CODE-CACHE \d+: (\w+)/g)].map((m) => m[1]!) };
    };
    assert.deepEqual(run({ STUB_FAIL: '1' }), { code: 2, said: ['miss'] }, 'a failed run writes no cache');
    assert.deepEqual(run(), { code: 0, said: ['miss', 'written'] });
    const file = join(root, 'dist/cli/code-cache', readdirSync(join(root, 'dist/cli/code-cache'))[0]!);
    const small = statSync(file).size;
    assert.deepEqual(run({ STUB_LONG: '1' }), { code: 0, said: ['hit', 'written'] }, 'the long run compiled more than the cache held: rewritten');
    assert.ok(statSync(file).size > small * 1.1, `the cache did not grow (${small} -> ${statSync(file).size} bytes)`);
    assert.deepEqual(run({ STUB_LONG: '1' }), { code: 0, said: ['hit'] }, 'nothing more to add: kept');
    assert.deepEqual(run(), { code: 0, said: ['hit'] });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the real CLI bundle is read from its code cache on the second run', () => {
  const env = { ...process.env, NODE_DEBUG: 'stratus-code-cache' };
  const runs = [0, 1].map(() => spawnSync(process.execPath, [join(REPO, 'bin/stratus.js'), 'keys', '--help'], { encoding: 'utf8', env }));
  // --help writes nothing; a real command does, and the next run reads it
  for (const r of runs) assert.equal(r.status, 0, r.stderr);
  const gen = () => spawnSync(process.execPath, [join(REPO, 'bin/stratus.js'), 'keys', 'gen', 'account', '-o', 'json'], { encoding: 'utf8', env });
  const a = gen();
  const b = gen();
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  assert.match(JSON.parse(b.stdout).public_key as string, /^A[A-Z2-7]{55}$/);
  assert.match(b.stderr, /STRATUS-CODE-CACHE \d+: hit .*command-keys\.cjs\.keys\./, `the second run did not read the cache: ${a.stderr} / ${b.stderr}`);
});

test('dynamic imports in the bundle (ES-module-only packages) work when it runs from its code cache', async () => {
  // every import() left in the output goes through the importer bin/code-cache.js passes in; and
  // the files are ASCII (bin/code-cache.js reads them as Latin-1)
  for (const f of readdirSync(BUNDLE_DIR).filter((x) => x.endsWith('.cjs'))) {
    const bytes = readFileSync(join(BUNDLE_DIR, f));
    assert.ok(isAscii(bytes), `${f} is not ASCII`);
    const text = bytes.toString('latin1');
    const raw = [...text.matchAll(/(?<![\w$.])import\(/g)].filter((m) => !text.slice(0, m.index).endsWith('(s) => '));
    assert.equal(raw.length, 0, `${f} has an import() that does not go through __import`);
  }
  // the NATS client is imported on first use: from a cache hit too
  const nats = await startNats();
  try {
    const env = { ...process.env, NODE_DEBUG: 'stratus-code-cache' };
    const port = new URL(nats.url).port;
    const runs = [0, 1, 2].map(() => spawnSync(process.execPath, [join(REPO, 'bin/stratus.js'), 'ctl', 'get', 'hosts', '-x', 'cache-test', '--ctl-port', port, '--timeout-ms', '200', '-o', 'json'], { encoding: 'utf8', env }));
    for (const r of runs) {
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { hosts: [] });
    }
    assert.match(runs[2]!.stderr, /STRATUS-CODE-CACHE \d+: hit .*command-ctl\.cjs\.ctl\./, 'the last run did not come from the cache');
  } finally {
    await nats.dispose();
  }
});
