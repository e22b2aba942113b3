import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncifyModule, asyncifyStats, AsyncifyError, defaultAsyncifyCacheDir } from '../../src/wasm/asyncify.js';
import { parseModule } from '../../src/wasm/sections.js';
import { compileWat } from '../support/wat.js';

const WAT = `(module
  (import "env" "sleep_value" (func $sleep (param i32) (result i32)))
  (import "env" "log" (func $log (param i32)))
  (memory (export "memory") 1)
  (func (export "run") (param $x i32) (result i32)
    (local $k i32)
    (local.set $k (i32.mul (local.get $x) (i32.const 3)))
    (memory.fill (i32.const 64) (i32.const 0) (i32.const 16))
    (call $log (local.get $k))
    (i32.add (call $sleep (local.get $x)) (local.get $k))))`;
const IMPORTS = ['env.sleep_value'];
const ASYNCIFY_EXPORTS = ['asyncify_get_state', 'asyncify_start_rewind', 'asyncify_start_unwind', 'asyncify_stop_rewind', 'asyncify_stop_unwind'];

const freshDir = () => mkdtempSync(join(tmpdir(), 'stratus-asyncify-'));
const source = () => compileWat(WAT, 'asyncify.wat', { validate: true, debugNames: false });
const wasmFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.wasm'));

test('the transform adds the asyncify exports and keeps the module working', async () => {
  const input = await source();
  const out = await asyncifyModule(input, { imports: IMPORTS, cacheDir: freshDir() });
  assert.ok(WebAssembly.validate(out));
  const names = parseModule(out).exports.map((e) => e.name);
  for (const n of ASYNCIFY_EXPORTS) assert.ok(names.includes(n), `${n} exported`);
  assert.ok(!parseModule(input).exports.some((e) => e.name.startsWith('asyncify_')));
  const logged: number[] = [];
  const inst = new WebAssembly.Instance(new WebAssembly.Module(out), { env: { sleep_value: (x: number) => x + 100, log: (x: number) => logged.push(x) } });
  assert.equal((inst.exports.run as (x: number) => number)(5), 105 + 15);
  assert.deepEqual(logged, [15]);
});

test('second transform of the same bytes is a cache hit and does not run binaryen', async () => {
  const dir = freshDir();
  const input = await source();
  const s0 = asyncifyStats();
  const first = await asyncifyModule(input, { imports: IMPORTS, cacheDir: dir });
  const s1 = asyncifyStats();
  assert.equal(s1.transforms, s0.transforms + 1);
  assert.equal(wasmFiles(dir).length, 1);
  assert.deepEqual(readdirSync(dir).filter((f) => !f.endsWith('.wasm')), [], 'no temp files left behind');

  const second = await asyncifyModule(input, { imports: [...IMPORTS, ...IMPORTS], cacheDir: dir }); // duplicates do not change the key
  const s2 = asyncifyStats();
  assert.equal(s2.transforms, s1.transforms, 'binaryen not called');
  assert.equal(s2.cacheHits, s1.cacheHits + 1);
  assert.deepEqual(second, first);

  await asyncifyModule(input, { imports: [...IMPORTS, 'env.log'], cacheDir: dir });
  assert.equal(asyncifyStats().transforms, s2.transforms + 1, 'other imports: another key');
  assert.equal(wasmFiles(dir).length, 2);
});

test('a cache hit in a fresh process does not load binaryen at all', async () => {
  const dir = freshDir();
  const input = await source();
  await asyncifyModule(input, { imports: IMPORTS, cacheDir: dir });
  const inputFile = join(dir, 'input.bin');
  writeFileSync(inputFile, input);
  const mod = new URL('../../src/wasm/asyncify.js', import.meta.url).href;
  const script = `
    import { readFileSync } from 'node:fs';
    const { asyncifyModule, asyncifyStats } = await import(${JSON.stringify(mod)});
    const out = await asyncifyModule(new Uint8Array(readFileSync(${JSON.stringify(inputFile)})), { imports: ${JSON.stringify(IMPORTS)}, cacheDir: ${JSON.stringify(dir)} });
    console.log(JSON.stringify({ ...asyncifyStats(), valid: WebAssembly.validate(out) }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const stats = JSON.parse(r.stdout) as { transforms: number; cacheHits: number; binaryenLoads: number; valid: boolean };
  assert.deepEqual(stats, { transforms: 0, cacheHits: 1, cacheWriteErrors: 0, binaryenLoads: 0, valid: true });
});

test('a corrupt cache entry is ignored and rewritten', async () => {
  const dir = freshDir();
  const input = await source();
  const good = await asyncifyModule(input, { imports: IMPORTS, cacheDir: dir });
  const [file] = wasmFiles(dir);
  writeFileSync(join(dir, file!), good.subarray(0, good.length - 3)); // truncated: fails WebAssembly.validate
  const s0 = asyncifyStats();
  const again = await asyncifyModule(input, { imports: IMPORTS, cacheDir: dir });
  assert.equal(asyncifyStats().transforms, s0.transforms + 1);
  assert.deepEqual(again, good);
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, file!))), good, 'entry rewritten');
});

test('an unusable cache directory does not fail the transform', async () => {
  const blocker = join(freshDir(), 'not-a-dir');
  writeFileSync(blocker, 'x');
  const s0 = asyncifyStats();
  const out = await asyncifyModule(await source(), { imports: IMPORTS, cacheDir: join(blocker, 'asyncify') });
  assert.ok(WebAssembly.validate(out));
  assert.equal(asyncifyStats().cacheWriteErrors, s0.cacheWriteErrors + 1);
});

test('binaryen failures become a short AsyncifyError, without binaryen output on stderr', async () => {
  // tail calls validate in V8 but asyncify cannot handle them
  const tail = await compileTailCall();
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { written.push(String(chunk)); return true; }) as typeof write;
  let err: unknown;
  try {
    await asyncifyModule(tail, { imports: IMPORTS, cacheDir: freshDir() });
  } catch (e) {
    err = e;
  } finally {
    process.stderr.write = write;
  }
  assert.ok(err instanceof AsyncifyError, String(err));
  assert.match(err.message, /tail call/);
  assert.ok(err.message.length < 400 && !err.message.includes('\n'), err.message);
  assert.deepEqual(written, []);
});

test('features outside the supported set are reported, not carried along', async () => {
  const eh = await compileWithFeature(`(module
    (import "env" "sleep_value" (func $sleep (param i32) (result i32)))
    (memory (export "memory") 1)
    (tag $t (param i32))
    (func (export "f") (param i32) (result i32)
      (try (result i32) (do (call $sleep (local.get 0))) (catch $t))))`, { exceptions: true });
  assert.ok(WebAssembly.validate(eh));
  await assert.rejects(asyncifyModule(eh, { imports: IMPORTS, cacheDir: freshDir() }),
    (e: unknown) => e instanceof AsyncifyError && /exception-handling/.test(e.message));
});

test('invalid input and bad import names are refused before binaryen', async () => {
  await assert.rejects(asyncifyModule(Uint8Array.of(0, 0x61, 0x73, 0x6d, 9), { imports: IMPORTS, cacheDir: freshDir() }),
    (e: unknown) => e instanceof AsyncifyError && /not a valid WebAssembly module/.test(e.message));
  await assert.rejects(asyncifyModule(await source(), { imports: ['sleep_value'], cacheDir: freshDir() }), /module\.name/);
  await assert.rejects(asyncifyModule(await source(), { imports: [], cacheDir: freshDir() }), AsyncifyError);
});

test('default cache dir: STRATUS_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
  const saved = { s: process.env.STRATUS_CACHE_DIR, x: process.env.XDG_CACHE_HOME };
  try {
    process.env.STRATUS_CACHE_DIR = '/srv/cache';
    process.env.XDG_CACHE_HOME = '/xdg';
    assert.equal(defaultAsyncifyCacheDir(), '/srv/cache/asyncify');
    delete process.env.STRATUS_CACHE_DIR;
    assert.equal(defaultAsyncifyCacheDir(), '/xdg/stratus/asyncify');
    delete process.env.XDG_CACHE_HOME;
    assert.match(defaultAsyncifyCacheDir(), /\/\.cache\/stratus\/asyncify$/);
  } finally {
    for (const [k, v] of [['STRATUS_CACHE_DIR', saved.s], ['XDG_CACHE_HOME', saved.x]] as const) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  }
});

async function compileWithFeature(text: string, features: Record<string, boolean>): Promise<Uint8Array> {
  const { default: wabtInit } = await import('wabt');
  const wabt = await wabtInit();
  const m = wabt.parseWat('feature.wat', text, features);
  try {
    return new Uint8Array(m.toBinary({}).buffer);
  } finally {
    m.destroy();
  }
}

function compileTailCall(): Promise<Uint8Array> {
  return compileWithFeature(`(module
    (import "env" "sleep_value" (func $sleep (param i32) (result i32)))
    (memory (export "memory") 1)
    (func $g (param i32) (result i32) (call $sleep (local.get 0)))
    (func (export "f") (param i32) (result i32) (return_call $g (local.get 0))))`, { tail_call: true });
}
