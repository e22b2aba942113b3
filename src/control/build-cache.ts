// Build an actor project only when its signed module is missing or older than its sources
// (or the AssemblyScript SDK), so `npm start` / `stratus up --manifest` start fast the second time.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildActorProject, loadConfig, sdkDir } from '../build/index.js';

const SKIP = new Set(['build', 'node_modules']);

/** Newest modification time (ms) of the files under `dir`, skipping build output and dot dirs. */
export function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIP.has(entry.name)) continue;
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export interface CachedBuild { wasmPath: string; built: boolean }

export async function buildIfStale(dir: string): Promise<CachedBuild> {
  const config = loadConfig(dir);
  const out = join(dir, 'build', `${config.name}_s.wasm`);
  if (existsSync(out)) {
    let sources = newestMtime(dir);
    if (config.language !== 'c') {
      try { sources = Math.max(sources, newestMtime(join(sdkDir(), 'assembly'))); } catch { /* the build reports a missing SDK */ }
    }
    if (statSync(out).mtimeMs >= sources) return { wasmPath: out, built: false };
  }
  return { wasmPath: (await buildActorProject(dir)).wasmPath, built: true };
}
