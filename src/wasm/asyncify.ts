// Binaryen's Asyncify transform, so an actor can suspend inside a synchronous import (`__host_call`)
// while the host awaits a Promise (see src/abi/asyncify-runtime.ts). Binaryen takes ~1 s to load and
// the transform itself is slow for real actors, so results are cached on disk by content hash.
// The only I/O here is that cache (and reading binaryen's package.json for the cache key).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type binaryenNs from 'binaryen';

type Binaryen = typeof binaryenNs;

export interface AsyncifyOptions {
  /** Imports that may suspend, as "module.name" (e.g. 'wasmbus.__host_call'). */
  imports: string[];
  /** Cache directory; default defaultAsyncifyCacheDir(). */
  cacheDir?: string;
}

/** The transform failed; the host should run the actor without Asyncify (on a worker thread). */
export class AsyncifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AsyncifyError';
  }
}

/** Bump when the transform recipe changes (passes, features, levels) so old cache entries are not reused. */
const TRANSFORM_VERSION = 1;
/** Binaryen optimize level for asyncify's own cleanup, with no optimize pass after it: per-call cost was
 *  the same at every level (bench/asyncify.ts) while levels 1-3 took 5-10x longer to transform (+23%
 *  size at 0). Actor start time matters more: a cache miss pays the transform. */
const OPTIMIZE_LEVEL = 0;

/** `$STRATUS_CACHE_DIR`, else `$XDG_CACHE_HOME/stratus`, else `~/.cache/stratus`; subdirectory `asyncify`. */
export function defaultAsyncifyCacheDir(): string {
  const base = process.env.STRATUS_CACHE_DIR
    || (process.env.XDG_CACHE_HOME ? join(process.env.XDG_CACHE_HOME, 'stratus') : join(homedir(), '.cache', 'stratus'));
  return join(base, 'asyncify');
}

const stats = { transforms: 0, cacheHits: 0, cacheWriteErrors: 0, binaryenLoads: 0 };

/** Counters for tests and diagnostics: `transforms` counts actual binaryen runs. */
export function asyncifyStats(): Readonly<typeof stats> {
  return { ...stats };
}

let binaryenPromise: Promise<Binaryen> | undefined;
/** After a binaryen abort its instance is not trusted again; the next load gets a fresh one. */
let freshInstances = 0;

function loadBinaryen(): Promise<Binaryen> {
  if (!binaryenPromise) {
    stats.binaryenLoads++;
    const p = freshInstances === 0
      ? import('binaryen')
      : import(`${import.meta.resolve('binaryen')}?instance=${freshInstances}`) as Promise<{ default: Binaryen }>;
    binaryenPromise = p.then((m) => m.default);
    binaryenPromise.catch(() => { binaryenPromise = undefined; });
  }
  return binaryenPromise;
}

let binaryenVersion: string | undefined;
function getBinaryenVersion(): string {
  if (binaryenVersion === undefined) {
    const file = createRequire(import.meta.url).resolve('binaryen/package.json');
    binaryenVersion = String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version);
  }
  return binaryenVersion;
}

function cacheKey(wasm: Uint8Array, imports: string[]): string {
  const h = createHash('sha256');
  h.update(`stratus-asyncify/${TRANSFORM_VERSION}/O${OPTIMIZE_LEVEL}/binaryen@${getBinaryenVersion()}/${imports.join(',')}\0`);
  h.update(wasm);
  return h.digest('hex');
}

/**
 * Return `wasm` with Asyncify applied for the given imports. Exports asyncify_start_unwind,
 * asyncify_stop_unwind, asyncify_start_rewind, asyncify_stop_rewind and asyncify_get_state are added.
 * Throws AsyncifyError when the module cannot be transformed.
 */
export async function asyncifyModule(wasm: Uint8Array, opts: AsyncifyOptions): Promise<Uint8Array> {
  const imports = [...new Set(opts.imports)].sort();
  if (imports.length === 0) throw new AsyncifyError('asyncify: no imports given that may suspend');
  for (const imp of imports) {
    if (!/^[^.,\s]+\.[^,\s]+$/.test(imp)) throw new AsyncifyError(`asyncify: import "${imp}" is not of the form module.name`);
  }
  if (!WebAssembly.validate(wasm)) throw new AsyncifyError('asyncify: the input is not a valid WebAssembly module');

  const dir = opts.cacheDir ?? defaultAsyncifyCacheDir();
  const key = cacheKey(wasm, imports);
  const file = join(dir, `${key}.wasm`);
  const cached = await readCached(file);
  if (cached) {
    stats.cacheHits++;
    return cached;
  }

  let b: Binaryen;
  try {
    b = await loadBinaryen();
  } catch (e) {
    throw new AsyncifyError(`asyncify: binaryen could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
  }
  const out = transform(b, wasm, imports);
  await writeCached(dir, file, out);
  return out;
}

async function readCached(file: string): Promise<Uint8Array | undefined> {
  try {
    const buf = await readFile(file);
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    return WebAssembly.validate(bytes) ? bytes : undefined; // corrupt entry: transform again and overwrite
  } catch {
    return undefined;
  }
}

// tmp + rename so a concurrent reader never sees half a file; failures only cost a re-transform later.
async function writeCached(dir: string, file: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dir, `.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  } catch {
    stats.cacheWriteErrors++;
    await unlink(tmp).catch(() => undefined);
  }
}

function features(b: Binaryen): number {
  const F = b.Features;
  // BulkMemoryOpt (memory.copy/fill) is separate from BulkMemory in newer binaryen; absent in older ones.
  const bulkOpt = (F as unknown as Record<string, number | undefined>).BulkMemoryOpt ?? 0;
  return F.MVP | F.MutableGlobals | F.SignExt | F.NontrappingFPToInt | F.BulkMemory | bulkOpt
    | F.Multivalue | F.ReferenceTypes | F.SIMD128;
}

function transform(b: Binaryen, wasm: Uint8Array, imports: string[]): Uint8Array {
  stats.transforms++;
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
    if (isAbort(captured.error)) {
      binaryenPromise = undefined;
      freshInstances++;
    }
    throw new AsyncifyError(`asyncify: binaryen could not transform the module: ${describe(b, captured.error, captured.output)}`);
  }
  const out = new Uint8Array(captured.value); // own copy, independent of binaryen's heap
  if (!WebAssembly.validate(out)) throw new AsyncifyError('asyncify: binaryen produced an invalid module');
  return out;
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
