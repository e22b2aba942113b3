// Test fixtures built from source at test time: WAT via the npm `wabt` package, AssemblyScript via `assemblyscript`,
// C via clang --target=wasm32. Shared by the claims and wasm tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileWat, WASMBUS_IMPORTS } from '../support/wat.js';

/** Compile WAT text as written: no validation (some fixtures are ill-typed on purpose), no name section. */
export async function wat(text: string, name = 'fixture.wat'): Promise<Uint8Array> {
  return compileWat(text, name, { validate: false, debugNames: false });
}

/** A minimal wasmbus actor: imports the full host table, exports memory and __guest_call returning `result`. */
export function actorWat(opts: { extraImports?: string; extraExports?: string; result?: number; memory?: string } = {}): string {
  return `(module
${WASMBUS_IMPORTS}
  ${opts.extraImports ?? ''}
  (memory (export "memory") ${opts.memory ?? '1'})
  (func (export "__guest_call") (param i32 i32) (result i32)
    (call $guest_request (i32.const 0) (i32.const 1024))
    (call $guest_response (i32.const 1024) (local.get 1))
    (i32.const ${opts.result ?? 1}))
  ${opts.extraExports ?? ''}
)`;
}

export async function actorModule(opts?: Parameters<typeof actorWat>[0]): Promise<Uint8Array> {
  return wat(actorWat(opts));
}

/** Host imports that satisfy actorWat() modules (echo the request payload). */
export function echoImports(): { wasmbus: Record<string, (...a: number[]) => number | void> } {
  const noop = (): void => undefined;
  return {
    wasmbus: {
      __guest_request: noop, __guest_response: noop, __guest_error: noop, __host_call: () => 1,
      __host_response_len: () => 0, __host_response: noop, __host_error_len: () => 0, __host_error: noop,
    },
  };
}

export async function assemblyScript(source: string, options: Record<string, unknown> = {}): Promise<Uint8Array> {
  const asc = (await import('assemblyscript/asc')).default;
  const r = await asc.compileString(source, { optimizeLevel: 1, runtime: 'stub', ...options });
  if (r.error || !r.binary) throw new Error(`asc failed: ${r.error?.message}\n${r.stderr.toString()}`);
  return r.binary;
}

/** Compile C to a freestanding wasm32 module (no libc). */
export function clangWasm(source: string, extraArgs: string[] = []): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-c-'));
  writeFileSync(join(dir, 'm.c'), source);
  execFileSync('clang', ['--target=wasm32', '-O2', '-nostdlib', '-Wl,--no-entry', ...extraArgs, '-o', join(dir, 'm.wasm'), join(dir, 'm.c')], { stdio: 'pipe' });
  return new Uint8Array(readFileSync(join(dir, 'm.wasm')));
}

/** Offset of the first occurrence of `needle` in `hay`, or -1 (used to tamper with a known instruction). */
export function findBytes(hay: Uint8Array, needle: number[]): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
