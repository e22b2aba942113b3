// Builds test actors from WAT source with the npm `wabt` package. Fixture files may use two
// markers so each stays short: `;;@wasmbus` (the full wasmbus import set) and `;;@lib`
// (exported memory + a bump allocator `$alloc` that grows memory, and `$reset`).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import wabtInit from 'wabt';

/** test/fixtures in the source tree (tests run from dist/test/...). */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures');

/** The full wasmbus import set, with the names the fixtures call ($guest_request, $host_call, ...). */
export const WASMBUS_IMPORTS = `
  (import "wasmbus" "__guest_request" (func $guest_request (param i32 i32)))
  (import "wasmbus" "__guest_response" (func $guest_response (param i32 i32)))
  (import "wasmbus" "__guest_error" (func $guest_error (param i32 i32)))
  (import "wasmbus" "__host_call" (func $host_call (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasmbus" "__host_response_len" (func $host_response_len (result i32)))
  (import "wasmbus" "__host_response" (func $host_response (param i32)))
  (import "wasmbus" "__host_error_len" (func $host_error_len (result i32)))
  (import "wasmbus" "__host_error" (func $host_error (param i32)))
`;

const LIB = `
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func $reset (global.set $heap (i32.const 1024)))
  (func $alloc (param $n i32) (result i32)
    (local $p i32) (local $need i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (local.get $p) (local.get $n)))
    (local.set $need (i32.shr_u (i32.add (global.get $heap) (i32.const 65535)) (i32.const 16)))
    (if (i32.gt_u (local.get $need) (memory.size))
      (then (if (i32.eq (memory.grow (i32.sub (local.get $need) (memory.size))) (i32.const -1)) (then unreachable))))
    (local.get $p))
`;

let wabtPromise: ReturnType<typeof wabtInit> | undefined;

/** Compile WAT text to wasm bytes, expanding the `;;@wasmbus` and `;;@lib` markers. */
export async function wat2wasm(source: string, name = 'fixture.wat'): Promise<Uint8Array> {
  const text = source.replace(';;@wasmbus', WASMBUS_IMPORTS).replace(';;@lib', LIB);
  return compileWat(text, name, { validate: true, debugNames: true });
}

/** wabt's post-MVP feature switches (simd, tail_call, exceptions, threads, ...). */
export type WatFeatures = NonNullable<Parameters<Awaited<ReturnType<typeof wabtInit>>['parseWat']>[2]>;

/**
 * Compile WAT text as written. `validate: false` keeps deliberately ill-typed modules (e.g. a wrong
 * ABI signature) compilable; `debugNames: false` keeps the module free of a `name` section;
 * `features` enables more proposals on top of the default set.
 */
export async function compileWat(text: string, name: string, o: { validate: boolean; debugNames: boolean; features?: WatFeatures }): Promise<Uint8Array> {
  const wabt = await (wabtPromise ??= wabtInit());
  const mod = wabt.parseWat(name, text, { mutable_globals: true, sat_float_to_int: true, sign_extension: true, bulk_memory: true, ...o.features });
  try {
    mod.resolveNames();
    if (o.validate) mod.validate();
    return new Uint8Array(mod.toBinary({ write_debug_names: o.debugNames }).buffer);
  } finally {
    mod.destroy();
  }
}

/** Compile `test/fixtures/<name>.wat`. */
export async function fixture(name: string): Promise<Uint8Array> {
  return wat2wasm(readFileSync(join(FIXTURES, `${name}.wat`), 'utf8'), `${name}.wat`);
}
