// Helpers for end-to-end tests: real `stratus` child processes with a temp STRATUS_HOME, real
// HTTP, the AssemblyScript kvcounter built from source. Nothing here fakes a part.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileProject, loadConfig } from '../../src/toolchain/index.js';
import { signActorModule } from '../../src/claims/sign.js';
import { controlRequest } from '../../src/control/client.js';
import type { HostView } from '../../src/host/views.js';

import { freePort } from '../support/servers.js';
export { freePort, startRedis, type RunningServer } from '../support/servers.js';

export const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');
export const STRATUS_BIN = join(REPO, 'bin/stratus.js');
export const KVCOUNTER_DIR = join(REPO, 'examples/kvcounter');

/** A short temp dir (Unix socket paths are limited to ~107 bytes). */
export function tempHome(tag = 'e2e'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `st-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

let compiled: Promise<Uint8Array> | undefined;
/** The kvcounter example compiled from source once per test process (unsigned). */
export function kvcounterWasm(): Promise<Uint8Array> {
  compiled ??= compileProject(KVCOUNTER_DIR, loadConfig(KVCOUNTER_DIR)).then((r) => r.wasm);
  return compiled;
}

/** Sign the compiled kvcounter with the given capabilities and write it to `<dir>/<name>_s.wasm`. */
export async function signedKvcounter(dir: string, caps = ['wasmcloud:httpserver', 'wasmcloud:keyvalue'], name = 'kvcounter'): Promise<string> {
  const file = join(dir, `${name}_s.wasm`);
  writeFileSync(file, signActorModule(await kvcounterWasm(), { name, caps }));
  return file;
}

export interface ManifestSpec {
  actorPath: string;
  port: number;
  kvValues?: Record<string, string>;
  /** Leave out the keyvalue link (to test the missing-link error). */
  noKvLink?: boolean;
  name?: string;
}

/** Write an app manifest for kvcounter on `port`; returns its path. */
export function writeManifest(dir: string, m: ManifestSpec): string {
  const kv = Object.entries(m.kvValues ?? {}).map(([k, v]) => `\n        ${k}: "${v}"`).join('');
  const file = join(dir, `${m.name ?? 'kvcounter'}.yaml`);
  writeFileSync(file, `apiVersion: stratus.dev/v1
kind: Application
metadata:
  name: ${m.name ?? 'kvcounter'}
spec:
  actors:
    - name: kvcounter
      path: ${m.actorPath}
  providers:
    - name: httpserver
    - name: keyvalue
  links:
    - actor: kvcounter
      provider: httpserver
      values:
        address: "127.0.0.1:${m.port}"
${m.noKvLink ? '' : `    - actor: kvcounter
      provider: keyvalue${kv ? `\n      values:${kv}` : ''}
`}`);
  return file;
}

export interface CliResult { code: number | null; stdout: string; stderr: string }

/** Run `node bin/stratus.js ...args` with STRATUS_HOME=home. */
export function cli(home: string, args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [STRATUS_BIN, ...args], { env: { ...process.env, STRATUS_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b; });
    child.stderr.on('data', (b: Buffer) => { stderr += b; });
    const t = setTimeout(() => { child.kill('SIGKILL'); rej(new Error(`stratus ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`)); }, timeoutMs);
    child.on('exit', (code) => { clearTimeout(t); res({ code, stdout, stderr }); });
  });
}

export interface HostProcess {
  child: ChildProcess;
  home: string;
  socket: string;
  view: HostView;
  output(): string;
  /** SIGTERM and wait for a clean exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** `stratus up [args]` in the foreground as a child process; resolves once it reports ready. */
export async function startHostProcess(home: string, args: string[] = []): Promise<HostProcess> {
  // A generous deadline: the machine running tests may be loaded; these tests are not about timeouts.
  if (!args.includes('--rpc-timeout')) args = [...args, '--rpc-timeout', '20000'];
  const child = spawn(process.execPath, [STRATUS_BIN, 'up', ...args], { env: { ...process.env, STRATUS_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => { out += b; });
  child.stderr!.on('data', (b: Buffer) => { out += b; });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const socket = join(home, 'host.sock');
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`stratus up exited with ${child.exitCode}:\n${out}`);
    try {
      const view = await controlRequest<HostView>('GET', '/v1/host', undefined, socket, 2000);
      if (view.ready) {
        return {
          child, home, socket, view, output: () => out,
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            return exited;
          },
        };
      }
    } catch { /* not yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`stratus up did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** GET over a real socket (fresh connection each time). */
export async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { headers: { connection: 'close' } });
  return { status: res.status, body: await res.text() };
}

/** The counter in `{"counter": N}`. */
export function counterOf(body: string): number {
  const v = JSON.parse(body) as { counter: number };
  return v.counter;
}

/**
 * Through a running host's control socket: start the keyvalue and httpserver providers and the
 * kvcounter example, and link them (keyvalue with `kvValues`, HTTP on a free port). Returns the port.
 */
export async function deployKvcounter(socket: string, home: string, kvValues: Record<string, string>): Promise<{ port: number; actorId: string }> {
  const req = <T>(m: string, p: string, b?: unknown) => controlRequest<T>(m, p, b, socket);
  const kv = await req<{ id: string; contractId: string }>('POST', '/v1/providers', { name: 'keyvalue' });
  const http = await req<{ id: string; contractId: string }>('POST', '/v1/providers', { name: 'httpserver' });
  const actor = await req<{ id: string }>('POST', '/v1/actors', { path: await signedKvcounter(home) });
  const port = await freePort();
  await req('PUT', '/v1/links', { actor_id: actor.id, provider_id: kv.id, contract_id: kv.contractId, values: kvValues });
  await req('PUT', '/v1/links', { actor_id: actor.id, provider_id: http.id, contract_id: http.contractId, values: { port: String(port) } });
  return { port, actorId: actor.id };
}
