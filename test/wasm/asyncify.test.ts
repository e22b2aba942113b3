// Asyncify (binaryen, asyncify.ts), the host-code preparation around it (prepare.ts: fuel + Asyncify
// + the integrity-checked code cache) and its worker (host-thread.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Asyncifier, AsyncifyError, defaultAsyncifyCacheDir } from '../../src/wasm/asyncify.js';
import { HostCodePreparer, type PrepareRequest } from '../../src/wasm/prepare.js';
import { CACHE_KEY_FILE } from '../../src/wasm/cache-key.js';
import { CodeCache } from '../../src/wasm/code-cache.js';
import { hasPreparedCode, prepareForHostThread, preparationStats } from '../../src/wasm/host-thread.js';
import { HostScope } from '../../src/core/scope.js';
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
const entryFiles = (dir: string) => readdirSync(dir).filter((f) => !f.startsWith('.'));
/** A preparation request with a cache and a home of its own. */
const request = async (over: Partial<PrepareRequest> = {}): Promise<PrepareRequest> =>
  ({ bytes: await source(), imports: IMPORTS, cacheDir: freshDir(), home: freshDir(), ...over });

/** Run the prepared module: it has the fuel import and answers run(5) = 5 + 100 + 15. */
function runPrepared(bytes: Uint8Array): number {
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: { sleep_value: (x: number) => x + 100, log: () => undefined },
    stratus: { refuel: () => 10_000 },
  });
  return (inst.exports.run as (x: number) => number)(5);
}

test('the transform adds the asyncify exports and keeps the module working', async () => {
  const input = await source();
  const out = await new Asyncifier().transform(input, IMPORTS);
  assert.ok(WebAssembly.validate(out));
  const names = parseModule(out).exports.map((e) => e.name);
  for (const n of ASYNCIFY_EXPORTS) assert.ok(names.includes(n), `${n} exported`);
  assert.ok(!parseModule(input).exports.some((e) => e.name.startsWith('asyncify_')));
  const logged: number[] = [];
  const inst = new WebAssembly.Instance(new WebAssembly.Module(out), { env: { sleep_value: (x: number) => x + 100, log: (x: number) => logged.push(x) } });
  assert.equal((inst.exports.run as (x: number) => number)(5), 105 + 15);
  assert.deepEqual(logged, [15]);
});

test('a preparation adds fuel checks and Asyncify; the second of the same bytes is a cache hit without binaryen', async () => {
  const req = await request();
  const p = new HostCodePreparer();
  const first = await p.prepare(req);
  assert.equal(first.cache, 'miss');
  assert.deepEqual(first.warnings, []);
  assert.equal(p.asyncifier.stats.transforms, 1);
  assert.ok(WebAssembly.Module.imports(new WebAssembly.Module(first.bytes)).some((i) => i.module === 'stratus' && i.name === 'refuel'));
  assert.equal(runPrepared(first.bytes), 120);
  assert.equal(entryFiles(req.cacheDir!).length, 1);
  assert.deepEqual(readdirSync(req.cacheDir!).filter((f) => f.startsWith('.')), [], 'no temp files left behind');

  const second = await p.prepare({ ...req, imports: [...IMPORTS, ...IMPORTS] }); // duplicates do not change the key
  assert.equal(second.cache, 'hit');
  assert.equal(p.asyncifier.stats.transforms, 1, 'binaryen not called');
  assert.deepEqual(second.bytes, first.bytes);

  await p.prepare({ ...req, imports: [...IMPORTS, 'env.log'] });
  assert.equal(p.asyncifier.stats.transforms, 2, 'other imports: another key');
  assert.equal(entryFiles(req.cacheDir!).length, 2);
});

test('the cache key is made on first use in $STRATUS_HOME/keys, readable by its owner only', async () => {
  const req = await request();
  await new HostCodePreparer().prepare(req);
  const keyFile = join(req.home, 'keys', CACHE_KEY_FILE);
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.match(readFileSync(keyFile, 'utf8'), /^[0-9a-f]{64}\n$/);
  assert.ok(!readdirSync(req.cacheDir!).some((f) => f.includes('key')), 'the key is not in the cache directory');
  const key = readFileSync(keyFile);
  await new HostCodePreparer().prepare(req);
  assert.deepEqual(readFileSync(keyFile), key, 'kept, not replaced');
});

test('entries made with another key are rejected and rewritten; a key others can read disables the cache', async () => {
  const req = await request();
  await new HostCodePreparer().prepare(req);
  // the same cache directory used by a host with another $STRATUS_HOME (another key)
  const other = await new HostCodePreparer().prepare({ ...req, home: freshDir() });
  assert.equal(other.cache, 'miss');
  assert.equal(other.rejectedEntry, true);
  assert.match(other.warnings.join('\n'), /rejected the cached code .*authentication code does not verify/);
  assert.equal(runPrepared(other.bytes), 120);

  const home = freshDir();
  await new HostCodePreparer().prepare({ ...req, home });
  chmodSync(join(home, 'keys', CACHE_KEY_FILE), 0o644);
  const open = await new HostCodePreparer().prepare({ ...req, home });
  assert.equal(open.cache, 'off');
  assert.match(open.warnings.join('\n'), /code cache is not used: .*can be read or written by other users \(mode 644\); run `chmod 600 /);
  assert.equal(runPrepared(open.bytes), 120, 'still prepared, just not cached');
});

test('an entry whose code was edited (its hash recomputed, no key) is rejected', async () => {
  const req = await request();
  const p = new HostCodePreparer();
  const good = await p.prepare(req);
  const [name] = entryFiles(req.cacheDir!);
  const file = join(req.cacheDir!, name!);
  const entry = readFileSync(file);
  const header = entry.length - good.bytes.length;
  // flip one byte of the code and fix up the recorded code hash (bytes header-64 .. header-32)
  const edited = Buffer.from(entry);
  edited[edited.length - 1] ^= 0xff;
  const { createHash } = await import('node:crypto');
  createHash('sha256').update(edited.subarray(header)).digest().copy(edited, header - 64);
  writeFileSync(file, edited);
  const again = await p.prepare(req);
  assert.equal(again.rejectedEntry, true);
  assert.match(again.warnings.join('\n'), /authentication code does not verify/);
  assert.deepEqual(again.bytes, good.bytes);
  assert.deepEqual(readFileSync(file), entry, 'entry rewritten as it was');
  // and with the code left alone but the recorded hash wrong
  const badHash = Buffer.from(entry);
  badHash[header - 40] ^= 1;
  writeFileSync(file, badHash);
  assert.match((await p.prepare(req)).warnings.join('\n'), /does not match the hash recorded/);
});

test('CodeCache refuses entries in the old format and misses on absent ones', async () => {
  const dir = freshDir();
  const cache = new CodeCache(dir, Buffer.alloc(32, 7));
  const key = Buffer.alloc(32, 1);
  assert.deepEqual(await cache.read(key), { kind: 'miss' });
  writeFileSync(cache.fileFor(key), await source()); // a bare module, as format 1 stored them
  const r = await cache.read(key);
  assert.ok(r.kind === 'rejected' && /not an entry of this cache/.test(r.reason), JSON.stringify(r));
  await cache.write(key, Uint8Array.of(1, 2, 3));
  assert.deepEqual(await cache.read(key), { kind: 'hit', bytes: Uint8Array.of(1, 2, 3) });
  assert.ok((await cache.read(Buffer.alloc(32, 2))).kind === 'miss');
});

test('through the host\'s worker: the worker is made once per scope; a cache hit is found on the host thread, with no worker and no binaryen', async () => {
  const req = await request();
  const scope = new HostScope();
  try {
    const a = await prepareForHostThread(scope, await source(), { imports: IMPORTS, cacheDir: req.cacheDir, home: req.home });
    assert.equal(runPrepared(a), 120);
    assert.deepEqual({ ...preparationStats(scope) }, { transforms: 1, cacheHits: 0, rejectedEntries: 0, cacheWriteErrors: 0, binaryenLoads: 1, workersStarted: 1 });
  } finally {
    await scope.close();
  }
  const fresh = new HostScope(); // a new scope: no worker yet, and a hit needs none (cache-lookup.ts)
  try {
    const b = await prepareForHostThread(fresh, await source(), { imports: IMPORTS, cacheDir: req.cacheDir, home: req.home });
    assert.equal(runPrepared(b), 120);
    await prepareForHostThread(fresh, await source(), { imports: IMPORTS, cacheDir: req.cacheDir, home: req.home });
    assert.deepEqual({ ...preparationStats(fresh) }, { transforms: 0, cacheHits: 2, rejectedEntries: 0, cacheWriteErrors: 0, binaryenLoads: 0, workersStarted: 0 });
  } finally {
    await fresh.close();
  }
  await assert.rejects(prepareForHostThread(fresh, await source(), { imports: IMPORTS }), /closed/);
});

test('a hint\'s lookup (hasPreparedCode) keeps its hit for the preparation that follows, once; a miss starts nothing', async () => {
  const req = await request();
  const scope = new HostScope();
  try {
    assert.equal(await hasPreparedCode(scope, await source(), { imports: IMPORTS, cacheDir: req.cacheDir, home: req.home }), false);
    assert.equal(preparationStats(scope).workersStarted, 0, 'a lookup starts no worker');
    await prepareForHostThread(scope, await source(), { imports: IMPORTS, cacheDir: req.cacheDir, home: req.home });
    assert.equal(await hasPreparedCode(scope, await source(), { imports: IMPORTS, cacheDir: req.cacheDir, home: req.home }), true);
    // the entry is gone from disk: the next preparation is served from what the lookup kept
    for (const f of entryFiles(req.cacheDir!)) rmSync(join(req.cacheDir!, f));
    const kept = await prepareForHostThread(scope, await source(), { imports: IMPORTS, cacheDir: req.cacheDir, home: req.home });
    assert.equal(runPrepared(kept), 120);
    assert.equal(preparationStats(scope).cacheHits, 1);
    // kept once: the one after looks at the cache again, and finds nothing there
    assert.equal(await hasPreparedCode(scope, await source(), { imports: IMPORTS, cacheDir: req.cacheDir, home: req.home }), false);
  } finally {
    await scope.close();
  }
});

test('the worker\'s errors keep their name and message; a rejected entry is logged by the caller', async () => {
  const scope = new HostScope();
  const logs: string[] = [];
  try {
    await assert.rejects(prepareForHostThread(scope, Uint8Array.of(0, 0x61, 0x73, 0x6d, 9), { imports: IMPORTS, cacheDir: null }),
      (e: unknown) => e instanceof Error && e.name === 'FuelError');
    await assert.rejects(prepareForHostThread(scope, await source(), { imports: ['bad'], cacheDir: null }),
      (e: unknown) => e instanceof Error && e.name === 'AsyncifyError' && /module\.name/.test(e.message));
    const req = await request();
    await prepareForHostThread(scope, await source(), { imports: IMPORTS, cacheDir: req.cacheDir, home: req.home });
    for (const f of entryFiles(req.cacheDir!)) writeFileSync(join(req.cacheDir!, f), 'garbage');
    const out = await prepareForHostThread(scope, await source(), { imports: IMPORTS, cacheDir: req.cacheDir, home: req.home, log: (_l, t) => logs.push(t) });
    assert.equal(runPrepared(out), 120);
    assert.equal(logs.length, 1);
    assert.match(logs[0]!, /rejected the cached code .*not an entry of this cache.*preparing the module again/);
    assert.equal(preparationStats(scope).rejectedEntries, 1);
  } finally {
    await scope.close();
  }
});

/** (module (func)): the smallest module with code. */
const WASM_MIN = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 4, 1, 2, 0, 0x0b];

test('an idle preparation worker does not keep the process alive', () => {
  const mod = (p: string) => JSON.stringify(new URL(`../../src/${p}`, import.meta.url).href);
  const script = `
    const { prepareForHostThread } = await import(${mod('wasm/host-thread.js')});
    const { HostScope } = await import(${mod('core/scope.js')});
    const scope = new HostScope(); // never closed
    const bytes = Uint8Array.from(${JSON.stringify([...WASM_MIN])});
    const out = await prepareForHostThread(scope, bytes, { imports: ['env.f'], cacheDir: null });
    console.log(WebAssembly.validate(out));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, 'exited by itself');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'true');
});

test('an unusable cache directory does not fail the preparation', async () => {
  const blocker = join(freshDir(), 'not-a-dir');
  writeFileSync(blocker, 'x');
  const r = await new HostCodePreparer().prepare(await request({ cacheDir: join(blocker, 'asyncify') }));
  assert.equal(runPrepared(r.bytes), 120);
  assert.equal(r.cacheWriteFailed, true);
  assert.match(r.warnings.join('\n'), /could not store the prepared code/);
});

test('binaryen failures become a short AsyncifyError, without binaryen output on stderr', async () => {
  // tail calls validate in V8 but asyncify cannot handle them
  const tail = await compileTailCall();
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { written.push(String(chunk)); return true; }) as typeof write;
  let err: unknown;
  try {
    await new Asyncifier().transform(tail, IMPORTS);
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
  await assert.rejects(new Asyncifier().transform(eh, IMPORTS),
    (e: unknown) => e instanceof AsyncifyError && /exception-handling/.test(e.message));
});

test('invalid input and bad import names are refused before binaryen', async () => {
  const a = new Asyncifier();
  await assert.rejects(a.transform(Uint8Array.of(0, 0x61, 0x73, 0x6d, 9), IMPORTS),
    (e: unknown) => e instanceof AsyncifyError && /not a valid WebAssembly module/.test(e.message));
  await assert.rejects(a.transform(await source(), ['sleep_value']), /module\.name/);
  await assert.rejects(a.transform(await source(), []), AsyncifyError);
  assert.equal(a.stats.binaryenLoads, 0);
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
