// tier: full — builds actors with asc and clang
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStratusError } from '../../src/core/errors.js';
import { SUPPORTED_WASI, WASMBUS_FUNCTIONS } from '../../src/wasm/abi.js';
import { assertPortable, checkPortability, formatPortabilityReport, type ImportClass } from '../../src/wasm/portability.js';
import { actorWat, assemblyScript, clangWasm, wat } from '../claims/fixtures.js';

/** An otherwise valid actor with extra imports. */
async function actorWith(extraImports: string, extraExports = ''): Promise<Uint8Array> {
  return wat(actorWat({ extraImports, extraExports }));
}

function classes(bytes: Uint8Array): Record<string, ImportClass> {
  return Object.fromEntries(checkPortability(bytes).imports.map((i) => [`${i.module}.${i.name}`, i.class]));
}

test('a complete wasmbus actor is portable; init functions are reported in host call order', async () => {
  const m = await actorWith(
    '(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))',
    '(func (export "_start")) (func (export "__wasmbus_rpc_version") (result i32) i32.const 1) (func (export "wapc_init"))');
  const r = checkPortability(m);
  assert.equal(r.portable, true, JSON.stringify(r.problems));
  assert.deepEqual(r.problems, []);
  assert.equal(r.imports.filter((i) => i.class === 'wasmbus').length, 8);
  assert.equal(r.imports.find((i) => i.name === 'fd_write')?.class, 'wasi');
  assert.deepEqual(r.initFunctions, ['__wasmbus_rpc_version', 'wapc_init', '_start']);
  assert.equal(r.exports.find((e) => e.name === '__guest_call')?.role, 'required');
  assert.equal(assertPortable(m).portable, true);
  assert.match(formatPortabilityReport(r, 'a.wasm'), /^a\.wasm: PORTABLE/);
});

test('the `wapc` module name carries the same ABI', async () => {
  const m = await wat(actorWat().replace(/"wasmbus"/g, '"wapc"'));
  const r = checkPortability(m);
  assert.equal(r.portable, true);
  assert.ok(r.imports.every((i) => i.class === 'wapc'));
});

test('the seed blog\'s TinyGo encoding/json imports: syscall/js and runtime hooks are not portable, with the JSON fix', async () => {
  // Exactly the import list printed in the TinyGo + wasmCloud blog post.
  const m = await actorWith(`
    (import "env" "runtime.ticks" (func $runtime.ticks (result f64)))
    (import "env" "syscall/js.valueGet" (func $syscall/js.valueGet (param i32 i64 i32 i32)))
    (import "env" "syscall/js.valuePrepareString" (func $syscall/js.valuePrepareString (param i32 i64)))
    (import "env" "syscall/js.valueLoadString" (func $syscall/js.valueLoadString (param i64 i32 i32 i32)))
    (import "env" "syscall/js.finalizeRef" (func $syscall/js.finalizeRef (param i64)))`);
  const r = checkPortability(m);
  assert.equal(r.portable, false);
  const c = classes(m);
  assert.equal(c['env.runtime.ticks'], 'tinygo-js-runtime');
  for (const n of ['valueGet', 'valuePrepareString', 'valueLoadString', 'finalizeRef']) assert.equal(c[`env.syscall/js.${n}`], 'tinygo-syscall-js');
  assert.equal(r.problems.length, 5);
  const js = r.imports.find((i) => i.name === 'syscall/js.valueGet')!;
  assert.match(js.explanation!, /wasm_exec\.js/);
  assert.match(js.fix!, /encoding\/json/);
  const text = formatPortabilityReport(r);
  // the four syscall/js imports share one explanation
  assert.equal(text.match(/why: syscall\/js functions/g)?.length, 1);
  assert.match(text, /4 problems: env\.syscall\/js\.valueGet/);
  assert.throws(() => assertPortable(m), (e) => isStratusError(e, 'NOT_PORTABLE') && /encoding\/json/.test(e.message) && /stratus inspect/.test(e.message));
});

test('Go GOOS=js glue (gojs / go modules)', async () => {
  const m = await actorWith('(import "gojs" "runtime.wasmExit" (func (param i32))) (import "go" "debug" (func (param i32)))');
  const c = classes(m);
  assert.equal(c['gojs.runtime.wasmExit'], 'go-js');
  assert.equal(c['go.debug'], 'go-js');
  assert.match(checkPortability(m).problems[0]!.fix, /tinygo build -target wasm -scheduler none/);
});

test('wasm-bindgen imports', async () => {
  const m = await actorWith('(import "__wbindgen_placeholder__" "__wbindgen_describe" (func (param i32))) (import "wbg" "__wbg_log_abc123" (func (param i32 i32)))');
  const r = checkPortability(m);
  assert.ok(r.imports.filter((i) => i.class === 'wasm-bindgen').length === 2);
  assert.match(r.problems[0]!.fix, /wasm32-unknown-unknown without wasm-bindgen/);
  assert.match(r.problems[0]!.fix, /wasmbus-rpc/);
});

test('AssemblyScript: a real asc build imports env.abort by default; `--use abort=` removes it', async () => {
  const src = 'export function add(a: i32, b: i32): i32 { if (a < 0) throw new Error("negative"); return a + b; }';
  const plain = await assemblyScript(src);
  const r = checkPortability(plain);
  const abort = r.imports.find((i) => i.module === 'env' && i.name === 'abort');
  assert.ok(abort, 'asc default build imports env.abort');
  assert.equal(abort.class, 'assemblyscript');
  assert.match(abort.fix!, /--use abort=/);
  const fixed = await assemblyScript(src, { use: ['abort='] });
  assert.equal(checkPortability(fixed).imports.length, 0);
  // still not an actor: no __guest_call -> missing export
  assert.throws(() => assertPortable(fixed), (e) => isStratusError(e, 'MISSING_EXPORT') && /__guest_call/.test(e.message));
});

test('C via clang: a real freestanding actor is portable; an undefined symbol becomes an unknown env import', () => {
  const actorC = `
    __attribute__((import_module("wasmbus"), import_name("__guest_request"))) void guest_request(void *op, void *payload);
    __attribute__((import_module("wasmbus"), import_name("__guest_response"))) void guest_response(const void *p, int len);
    static char buf[4096];
    __attribute__((export_name("__guest_call"))) int guest_call(int op_len, int payload_len) {
      guest_request(buf, buf + 1024);
      guest_response(buf + 1024, payload_len);
      return 1;
    }`;
  const good = clangWasm(actorC);
  assert.equal(checkPortability(good).portable, true, formatPortabilityReport(checkPortability(good)));
  const bad = clangWasm(actorC.replace('return 1;', 'return mystery(op_len);').replace('static char', 'extern int mystery(int);\nstatic char'), ['-Wl,--allow-undefined']);
  const r = checkPortability(bad);
  const imp = r.imports.find((i) => i.name === 'mystery')!;
  assert.equal(imp.module, 'env');
  assert.equal(imp.class, 'env');
  assert.match(imp.fix!, /--allow-undefined/);
  assert.equal(r.portable, false);
});

test('other env imports: memory import, unknown functions', async () => {
  const m = await wat(`(module
    (import "env" "memory" (memory 1))
    (import "env" "emscripten_notify_memory_growth" (func (param i32)))
    (func (export "__guest_call") (param i32 i32) (result i32) i32.const 1))`);
  const r = checkPortability(m);
  assert.equal(r.imports[0]!.class, 'env');
  assert.match(r.imports[0]!.problem!, /imports its linear memory/);
  assert.match(r.imports[1]!.problem!, /unresolved import env\.emscripten_notify_memory_growth/);
  assert.ok(r.problems.some((p) => p.problem === 'missing required export memory'));
});

test('WASI: supported set passes, filesystem/sockets/other versions do not', async () => {
  const supported = Object.entries(SUPPORTED_WASI).map(([name, t]) =>
    `(import "wasi_snapshot_preview1" "${name}" (func (param ${t.params.join(' ')}) ${t.results.length ? `(result ${t.results.join(' ')})` : ''}))`).join('\n');
  assert.equal(checkPortability(await actorWith(supported)).portable, true);
  const m = await actorWith(`
    (import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "sock_accept" (func (param i32 i32 i32) (result i32)))
    (import "wasi_unstable" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i32 i32) (result i32)))`);
  const r = checkPortability(m);
  const by = Object.fromEntries(r.imports.map((i) => [`${i.module}.${i.name}`, i]));
  assert.equal(by['wasi_snapshot_preview1.path_open']!.class, 'wasi-unsupported');
  assert.match(by['wasi_snapshot_preview1.path_open']!.explanation!, /a filesystem is not provided/);
  assert.match(by['wasi_snapshot_preview1.sock_accept']!.fix!, /httpclient|messaging/);
  assert.equal(by['wasi_unstable.fd_write']!.class, 'wasi-unsupported');
  // right name, wrong signature (i32 instead of the i64 precision argument)
  assert.equal(by['wasi_snapshot_preview1.clock_time_get']!.class, 'wasi');
  assert.match(by['wasi_snapshot_preview1.clock_time_get']!.problem!, /wrong signature \(i32,i32,i32\)->\(i32\).*\(i32,i64,i32\)->\(i32\)/);
  assert.equal(r.problems.length, 4);
});

test('wasmbus: wrong signatures and unknown functions are problems', async () => {
  const wrong = await wat(actorWat().replace('(func $host_call (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32))', '(func $host_call (param i32 i32 i32 i32 i32 i32) (result i32))')
    .replace('(call $guest_request', '(drop (call $host_call (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))) (call $guest_request'));
  const hc = checkPortability(wrong).imports.find((i) => i.name === '__host_call')!;
  assert.equal(hc.class, 'wasmbus');
  assert.match(hc.problem!, /wrong signature \(i32,i32,i32,i32,i32,i32\)->\(i32\).*\(i32,i32,i32,i32,i32,i32,i32,i32\)->\(i32\)/);
  const unknown = await actorWith('(import "wasmbus" "__host_call_v2" (func))');
  assert.match(checkPortability(unknown).problems[0]!.problem, /"__host_call_v2" is not a function of the wasmbus ABI/);
  assert.equal(Object.keys(WASMBUS_FUNCTIONS).length, 9);
});

test('unknown module', async () => {
  const m = await actorWith('(import "my_host" "do_thing" (func))');
  const r = checkPortability(m);
  assert.equal(r.imports.find((i) => i.module === 'my_host')?.class, 'unknown-module');
  assert.match(r.problems[0]!.explanation, /only from wasmbus, wapc and wasi_snapshot_preview1/);
  assert.throws(() => assertPortable(m), (e) => isStratusError(e, 'NOT_PORTABLE') && /my_host\.do_thing/.test(e.message));
});

test('required exports: missing or wrong signature of __guest_call, missing memory', async () => {
  const noCall = await wat('(module (memory (export "memory") 1))');
  let r = checkPortability(noCall);
  assert.equal(r.portable, false);
  assert.match(r.problems[0]!.problem, /missing required export __guest_call \(i32,i32\)->\(i32\)/);
  assert.throws(() => assertPortable(noCall), (e) => isStratusError(e, 'MISSING_EXPORT'));
  const wrongSig = await wat('(module (memory (export "memory") 1) (func (export "__guest_call") (param i32) (result i32) i32.const 1))');
  r = checkPortability(wrongSig);
  assert.match(r.problems[0]!.problem, /export __guest_call has signature \(i32\)->\(i32\), must be \(i32,i32\)->\(i32\)/);
  const noMem = await wat('(module (func (export "__guest_call") (param i32 i32) (result i32) i32.const 1))');
  r = checkPortability(noMem);
  assert.deepEqual(r.problems.map((p) => p.subject), ['export memory']);
  const badStart = await wat('(module (memory (export "memory") 1) (func (export "__guest_call") (param i32 i32) (result i32) i32.const 1) (func (export "_start") (param i32)))');
  assert.match(checkPortability(badStart).problems[0]!.problem, /export _start has signature \(i32\)->\(\)/);
  assert.match(formatPortabilityReport(checkPortability(noCall)), /✗ __guest_call\s+required — MISSING/);
});

test('unreadable bytes -> INVALID_MODULE (not a portability verdict)', () => {
  assert.throws(() => checkPortability(new Uint8Array([1, 2, 3])), (e) => isStratusError(e, 'INVALID_MODULE'));
});
