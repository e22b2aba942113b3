// Builds example/test projects once per source content: results are cached in the OS temp dir,
// keyed by a hash of the project and SDK sources, so several test files can share a build.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildActorProject, type BuildResult } from '../../src/toolchain/index.js';
import { compileAssemblyScript } from '../../src/toolchain/assemblyscript.js';
import { packageRoot } from '../../src/codegen/generate.js';

export const ROOT = packageRoot();

/** Every test process signs with its own throw-away keys. */
export function isolateStratusHome(): string {
  if (!process.env.STRATUS_HOME || !process.env.STRATUS_HOME.includes('stratus-test-home-')) {
    process.env.STRATUS_HOME = mkdtempSync(join(tmpdir(), 'stratus-test-home-'));
  }
  return process.env.STRATUS_HOME;
}

function hashTree(h: ReturnType<typeof createHash>, dir: string): void {
  for (const name of readdirSync(dir).sort()) {
    if (name === 'build' || name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) hashTree(h, p);
    else { h.update(p); h.update(readFileSync(p)); }
  }
}

function sourceHash(dir: string): string {
  const h = createHash('sha256');
  hashTree(h, dir);
  hashTree(h, join(ROOT, 'sdk', 'assemblyscript'));
  h.update(readFileSync(join(ROOT, 'src', 'toolchain', 'assemblyscript.ts'))); // compiler flags (runtime)
  return h.digest('hex').slice(0, 24);
}

const cacheRoot = join(tmpdir(), 'stratus-test-build-cache');

/** Builds (or reuses) a project; returns the signed module and the build result. */
export async function buildCached(projectDir: string): Promise<{ result: BuildResult; wasm: Uint8Array }> {
  isolateStratusHome();
  const dir = resolve(projectDir);
  const key = sourceHash(dir);
  const out = join(cacheRoot, key);
  const meta = join(out, 'result.json');
  if (existsSync(meta)) {
    const result = JSON.parse(readFileSync(meta, 'utf8')) as BuildResult;
    return { result, wasm: new Uint8Array(readFileSync(result.wasmPath)) };
  }
  mkdirSync(out, { recursive: true });
  const result = await buildActorProject(dir, { outDir: out });
  writeFileSync(meta, JSON.stringify(result));
  return { result, wasm: new Uint8Array(readFileSync(result.wasmPath)) };
}

/** Compiles an AS entry (unsigned, for harness tests), cached like buildCached. */
export async function compileCached(projectDir: string, entry = 'assembly/index.ts'): Promise<Uint8Array> {
  const dir = resolve(projectDir);
  const out = join(cacheRoot, 'asc-' + sourceHash(dir));
  const file = join(out, 'module.wasm');
  if (existsSync(file)) return new Uint8Array(readFileSync(file));
  const r = await compileAssemblyScript({ dir, entry });
  mkdirSync(out, { recursive: true });
  writeFileSync(file, r.wasm);
  return r.wasm;
}
