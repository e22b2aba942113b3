// Build an actor project only when its signed module is missing or older than its sources
// (or the AssemblyScript SDK), so `npm start` / `stratus up --manifest` start fast the second time.
//
// This runs inside the host process (app deploy of a project directory), so nothing here may hold
// the event loop: the staleness check uses async file calls, and the build itself runs as a
// `stratus build` child process (the AssemblyScript compiler runs in JavaScript and would hold the
// host's thread for seconds; clang is spawned synchronously by the toolchain).
import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../toolchain/config.js';
import { sdkDir } from '../toolchain/sdk-location.js';
import { packageRoot } from '../core/package-root.js';
import { StratusError, type StratusErrorCode } from '../core/errors.js';

const SKIP = new Set(['build', 'node_modules']);

/** Newest modification time (ms) of the files under `dir`, skipping build output and dot dirs. */
export async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIP.has(entry.name)) continue;
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestMtime(p) : (await stat(p)).mtimeMs);
  }
  return newest;
}

export interface CachedBuild { wasmPath: string; built: boolean }

async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

export async function buildIfStale(dir: string): Promise<CachedBuild> {
  const s = await buildState(dir);
  if (s.fresh) return { wasmPath: s.wasmPath, built: false };
  return { wasmPath: await buildInChild(dir), built: true };
}

/** Where a project's signed module is, whether it exists, and whether it is newer than its sources (no build). */
export async function buildState(dir: string): Promise<{ wasmPath: string; exists: boolean; fresh: boolean }> {
  const config = loadConfig(dir);
  const out = join(dir, 'build', `${config.name}_s.wasm`);
  const built = await mtime(out);
  if (built === undefined) return { wasmPath: out, exists: false, fresh: false };
  let sources = await newestMtime(dir);
  if (config.language !== 'c') {
    try { sources = Math.max(sources, await newestMtime(join(sdkDir(), 'assembly'))); } catch { /* the build reports a missing SDK */ }
  }
  return { wasmPath: out, exists: true, fresh: built >= sources };
}

/** `stratus build --path dir -o json` as a child process; its error keeps its code. */
function buildInChild(dir: string): Promise<string> {
  const cli = join(packageRoot(), 'bin', 'stratus.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'build', '--path', dir, '-o', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', (e) => reject(new StratusError('BUILD_FAILED', `cannot run \`stratus build\` for ${dir}: ${e.message}`)));
    child.on('close', (code) => {
      let parsed: { wasmPath?: string; error?: string; code?: StratusErrorCode } = {};
      try { parsed = JSON.parse(out) as typeof parsed; } catch { /* reported below */ }
      if (code === 0 && parsed.wasmPath) return resolve(parsed.wasmPath);
      reject(new StratusError(parsed.code ?? 'BUILD_FAILED', parsed.error ?? `\`stratus build\` for ${dir} failed (exit ${code}): ${err.trim() || out.trim()}`));
    });
  });
}
