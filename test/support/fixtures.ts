// Signed test actors and a host whose log lines tests can inspect.
import { signActorModule, type SignActorOptions } from '../../src/claims/sign.js';
import { Host } from '../../src/host/host.js';
import type { HostOptions } from '../../src/host/api.js';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, FIXTURES, wat2wasm } from './wat.js';

export { fixture, wat2wasm, FIXTURES } from './wat.js';

/** Build `test/fixtures/<name>.wat` and sign it (name defaults to the fixture name). */
export async function signedFixture(name: string, opts: Partial<SignActorOptions> = {}): Promise<Uint8Array> {
  return signActorModule(await fixture(name), { name, ...opts });
}

export interface LogLine { level: string; text: string }

/** A host that records its log instead of printing it. */
export function testHost(opts: HostOptions = {}): { host: Host; logs: LogLine[] } {
  const logs: LogLine[] = [];
  const host = new Host({ log: (level, text) => logs.push({ level, text }), ...opts });
  return { host, logs };
}

const enc = new TextEncoder();
export const utf8 = (s: string) => enc.encode(s);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Payload for hostcall.wat: [u8 len][binding][u8 len][namespace][u8 len][operation][payload]. */
export function hostCallPayload(binding: string, namespace: string, operation: string, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const parts = [binding, namespace, operation].map((s) => enc.encode(s));
  const out: number[] = [];
  for (const p of parts) out.push(p.length, ...p);
  out.push(...payload);
  return Uint8Array.from(out);
}

/** Wait until `pred()` holds (polling; no timing assertions). */
export async function until(pred: () => boolean, what: string, limitMs = 10000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Build and sign `test/fixtures/c/<name>.c` with clang for wasm32 (no libc; the ABI is written by hand). */
export async function signedC(name: string, opts: Partial<SignActorOptions> = {}): Promise<Uint8Array> {
  return signActorModule(buildC(name), { name, ...opts });
}

/**
 * Compile `test/fixtures/c/<name>.c` with clang, once per source content and clang version: the
 * result is cached in the OS temp dir, so test files (and runs) share the build.
 */
export function buildC(name: string): Uint8Array {
  const src = join(FIXTURES, 'c', `${name}.c`);
  const version = spawnSync('clang', ['--version'], { encoding: 'utf8' });
  if (version.error) throw new Error(`clang is required to build the C fixture: ${version.error.message}`);
  const key = createHash('sha256').update(version.stdout).update(readFileSync(src)).digest('hex').slice(0, 24);
  const cacheDir = join(tmpdir(), 'stratus-test-c-cache');
  const cached = join(cacheDir, `${name}-${key}.wasm`);
  if (existsSync(cached)) return new Uint8Array(readFileSync(cached));
  const out = join(mkdtempSync(join(tmpdir(), 'stratus-c-')), `${name}.wasm`);
  const r = spawnSync('clang', ['--target=wasm32', '-nostdlib', '-O2', '-Wl,--no-entry', '-o', out, src], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`clang failed for ${name}.c:\n${r.stderr}`);
  mkdirSync(cacheDir, { recursive: true });
  // written under a temporary name, then renamed: a concurrent test file never reads half a module
  const tmp = `${cached}.${process.pid}.tmp`;
  copyFileSync(out, tmp);
  renameSync(tmp, cached);
  return new Uint8Array(readFileSync(cached));
}

/** An actor whose operation "Work" runs `work` (WAT instructions) and answers "done"; anything else answers "alive". */
export async function workActor(name: string, work: string): Promise<Uint8Array> {
  const src = `(module
  ;;@wasmbus
  ;;@lib
  (data (i32.const 16) "done")
  (data (i32.const 32) "alive")
  (func (export "__guest_call") (param $op_len i32) (param $len i32) (result i32)
    (local $op i32) (local $i i32)
    (call $reset)
    (local.set $op (call $alloc (local.get $op_len)))
    (call $guest_request (local.get $op) (call $alloc (local.get $len)))
    (if (i32.eq (i32.load8_u (local.get $op)) (i32.const 87)) ;; 'W'
      (then
        ${work}
        (call $guest_response (i32.const 16) (i32.const 4))
        (return (i32.const 1))))
    (call $guest_response (i32.const 32) (i32.const 5))
    (i32.const 1))
)`;
  return signActorModule(await wat2wasm(src, `${name}.wat`), { name });
}
