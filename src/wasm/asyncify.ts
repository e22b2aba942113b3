// Binaryen's Asyncify transform, so an actor can suspend inside a synchronous import (`__host_call`)
// while the host awaits a Promise (see src/abi/asyncify-runtime.ts). Binaryen takes ~1 s to load and
// the transform is slow for big actors (a 0.9 MB module with 100 k functions: 1.4-5 s), so the host
// runs it on a worker thread (src/wasm/prepare-worker.ts) and caches the result (src/wasm/code-cache.ts).
// An Asyncifier holds one loaded binaryen; it does no I/O beyond loading binaryen itself.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type binaryenNs from 'binaryen';
import { stratusCacheDir } from '../core/home.js';

type Binaryen = typeof binaryenNs;

/** The transform failed; the host should run the actor without Asyncify (on a worker thread). */
export class AsyncifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AsyncifyError';
  }
}

/** Bump when the transform recipe changes (passes, features, levels) so old cache entries are not reused. */
export const TRANSFORM_VERSION = 1;
/** Binaryen optimize level for asyncify's own cleanup, with no optimize pass after it: per-call cost was
 *  the same at every level (bench/asyncify.ts) while levels 1-3 took 5-10x longer to transform (+23%
 *  size at 0). Actor start time matters more: a cache miss pays the transform. */
const OPTIMIZE_LEVEL = 0;

/** `$STRATUS_CACHE_DIR`, else `$XDG_CACHE_HOME/stratus`, else `~/.cache/stratus`; subdirectory `asyncify`. */
export function defaultAsyncifyCacheDir(): string {
  return join(stratusCacheDir(), 'asyncify');
}

/** The suspending imports, deduplicated and sorted (their order must not change a cache key). */
export function normalizeImports(imports: readonly string[]): string[] {
  const out = [...new Set(imports)].sort();
  if (out.length === 0) throw new AsyncifyError('asyncify: no imports given that may suspend');
  for (const imp of out) {
    if (!/^[^.,\s]+\.[^,\s]+$/.test(imp)) throw new AsyncifyError(`asyncify: import "${imp}" is not of the form module.name`);
  }
  return out;
}

/** What the output of a transform depends on besides the input and the imports (for cache keys). */
export async function asyncifyRecipe(): Promise<string> {
  const file = createRequire(import.meta.url).resolve('binaryen/package.json');
  const version = String((JSON.parse(await readFile(file, 'utf8')) as { version?: unknown }).version);
  return `asyncify/${TRANSFORM_VERSION}/O${OPTIMIZE_LEVEL}/binaryen@${version}`;
}

/**
 * One binaryen instance, loaded on first use, and the transform. Not shared between threads: each
 * preparation worker has its own (src/wasm/prepare-worker.ts), tests make their own.
 */
export class Asyncifier {
  /** Actual binaryen runs and loads (tests check that a cache hit needs neither). */
  readonly stats = { transforms: 0, binaryenLoads: 0 };
  private binaryen: Promise<Binaryen> | undefined;
  /** After a binaryen abort its instance is not trusted again; the next load gets a fresh one. */
  private freshInstances = 0;

  private load(): Promise<Binaryen> {
    if (!this.binaryen) {
      this.stats.binaryenLoads++;
      const p = this.freshInstances === 0
        ? import('binaryen')
        : import(`${import.meta.resolve('binaryen')}?instance=${this.freshInstances}`) as Promise<{ default: Binaryen }>;
      const loading = p.then((m) => m.default);
      loading.catch(() => { if (this.binaryen === loading) this.binaryen = undefined; });
      this.binaryen = loading;
    }
    return this.binaryen;
  }

  /**
   * Return `wasm` with Asyncify applied for the given imports ("module.name"). Exports
   * asyncify_start_unwind, asyncify_stop_unwind, asyncify_start_rewind, asyncify_stop_rewind and
   * asyncify_get_state are added. Throws AsyncifyError when the module cannot be transformed.
   */
  async transform(wasm: Uint8Array, imports: readonly string[]): Promise<Uint8Array> {
    const list = normalizeImports(imports);
    if (!WebAssembly.validate(wasm)) throw new AsyncifyError('asyncify: the input is not a valid WebAssembly module');
    let b: Binaryen;
    try {
      b = await this.load();
    } catch (e) {
      throw new AsyncifyError(`asyncify: binaryen could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.stats.transforms++;
    const r = transform(b, wasm, list);
    if (r.aborted) {
      this.binaryen = undefined;
      this.freshInstances++;
    }
    if (r.error) throw r.error;
    return r.out!;
  }
}

function features(b: Binaryen): number {
  const F = b.Features;
  // BulkMemoryOpt (memory.copy/fill) is separate from BulkMemory in newer binaryen; absent in older ones.
  const bulkOpt = (F as unknown as Record<string, number | undefined>).BulkMemoryOpt ?? 0;
  return F.MVP | F.MutableGlobals | F.SignExt | F.NontrappingFPToInt | F.BulkMemory | bulkOpt
    | F.Multivalue | F.ReferenceTypes | F.SIMD128;
}

function transform(b: Binaryen, wasm: Uint8Array, imports: string[]): { out?: Uint8Array; error?: AsyncifyError; aborted: boolean } {
  // Binaryen settings are process-global and may be shared with AssemblyScript: restore them afterwards.
  const saved = { opt: b.getOptimizeLevel(), shrink: b.getShrinkLevel(), arg: b.getPassArgument('asyncify-imports') };
  let mod: ReturnType<Binaryen['readBinary']> | undefined;
  const captured = captureStderr(() => {
    const feats = features(b);
    mod = b.readBinaryWithFeatures(wasm, feats);
    mod.setFeatures(feats);
    // Also catches features outside the set above, which binaryen would otherwise carry along unchecked.
    if (!mod.validate()) throw new Error('binaryen\'s validator rejects the module (a WebAssembly feature outside the supported set?)');
    b.setOptimizeLevel(OPTIMIZE_LEVEL);
    b.setShrinkLevel(0);
    b.setPassArgument('asyncify-imports', imports.join(','));
    mod.runPasses(['asyncify']);
    if (OPTIMIZE_LEVEL > 0) mod.optimize();
    return mod.emitBinary();
  });
  try {
    mod?.dispose();
  } catch { /* an aborted instance may refuse; it is replaced below */ }
  b.setOptimizeLevel(saved.opt);
  b.setShrinkLevel(saved.shrink);
  b.setPassArgument('asyncify-imports', saved.arg);

  if (!captured.ok) {
    const error = new AsyncifyError(`asyncify: binaryen could not transform the module: ${describe(b, captured.error, captured.output)}`);
    return { error, aborted: isAbort(captured.error) };
  }
  const out = new Uint8Array(captured.value); // own copy, independent of binaryen's heap
  if (!WebAssembly.validate(out)) return { error: new AsyncifyError('asyncify: binaryen produced an invalid module'), aborted: false };
  return { out, aborted: false };
}

type Captured<T> = { ok: true; value: T; output: string } | { ok: false; error: unknown; output: string };

/** Run synchronous binaryen code with stderr captured: its diagnostics become part of our error message. */
function captureStderr<T>(fn: () => T): Captured<T> {
  const stderr = process.stderr;
  const write = stderr.write;
  let output = '';
  stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (output.length < 64 * 1024) output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof stderr.write;
  try {
    return { ok: true, value: fn(), output };
  } catch (error) {
    return { ok: false, error, output };
  } finally {
    stderr.write = write;
  }
}

function isAbort(e: unknown): boolean {
  return e instanceof WebAssembly.RuntimeError || (e instanceof Error && e.message.startsWith('Aborted('));
}

/** One short line: binaryen's own reason, not its minified stack or a dump of the offending code. */
function describe(b: Binaryen, error: unknown, output: string): string {
  let raw = String(error);
  if (typeof error === 'object' && error !== null) {
    // C++ exceptions arrive as opaque objects; binaryen.js can decode them to [type, message].
    const decode = (b as unknown as { getExceptionMessage?: (e: unknown) => unknown }).getExceptionMessage;
    const cpp = 'cC' in error && typeof decode === 'function' ? tryDecode(() => decode(error)) : undefined;
    const msg = (error as { message?: unknown }).message;
    raw = Array.isArray(cpp) && cpp[1] ? String(cpp[1]) : typeof msg === 'string' && msg ? msg : raw;
  }
  let reason = raw
    .replace(/^Aborted\((.*)\)\. Build with -sASSERTIONS for more info\.?$/s, '$1')
    .replace(/, at: \S*\/binaryen\/src\//, ' at src/')
    .split('\n')[0]!.trim();
  const detail = output.split('\n').map((l) => l.trim()).find((l) => l.startsWith('[') || l.startsWith('Fatal:'));
  if (detail && !reason.includes(detail)) reason = `${reason} (${detail})`;
  return reason.length > 300 ? `${reason.slice(0, 297)}...` : reason;
}

function tryDecode(fn: () => unknown): unknown {
  try { return fn(); } catch { return undefined; }
}
