// Signed test actors and a host whose log lines tests can inspect.
import { signActorModule, type SignActorOptions } from '../../src/claims/sign.js';
import { Host } from '../../src/host/host.js';
import type { HostOptions } from '../../src/host/api.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, FIXTURES } from './wat.js';

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

export function buildC(name: string): Uint8Array {
  const out = join(mkdtempSync(join(tmpdir(), 'stratus-c-')), `${name}.wasm`);
  const r = spawnSync('clang', ['--target=wasm32', '-nostdlib', '-O2', '-Wl,--no-entry', '-o', out, join(FIXTURES, 'c', `${name}.c`)], { encoding: 'utf8' });
  if (r.error) throw new Error(`clang is required to build the C fixture: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`clang failed for ${name}.c:\n${r.stderr}`);
  return new Uint8Array(readFileSync(out));
}
