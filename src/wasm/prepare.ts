// Preparing a module for the host thread: fuel checks (fuel.ts), then Asyncify (asyncify.ts), with
// the result cached on disk (code-cache.ts) under a key over the input and the recipe. Binaryen and
// the fuel rewrite are synchronous and can take seconds on a big module, so this runs on a
// preparation worker (prepare-worker.ts), never on a host's event loop (host-thread.ts).
import { createHash } from 'node:crypto';
import { asyncifyRecipe, Asyncifier, normalizeImports } from './asyncify.js';
import { CacheKeyError, loadCacheKey } from './cache-key.js';
import { CACHE_FORMAT_VERSION, CodeCache } from './code-cache.js';
import { FUEL_RECIPE_VERSION, injectFuel } from './fuel.js';

export interface PrepareRequest {
  /** The module as the host will run it (memory limits applied), without its claims section. */
  bytes: Uint8Array;
  /** Imports that may suspend, as "module.name". */
  imports: readonly string[];
  /** The cache directory, or null to prepare without a cache. */
  cacheDir: string | null;
  /** `$STRATUS_HOME`, where the cache key is kept. */
  home: string;
}

export interface PrepareResult {
  bytes: Uint8Array;
  /** Where the code came from: a verified cache entry, a fresh preparation (then stored), or no cache. */
  cache: 'hit' | 'miss' | 'off';
  /** For the host's log: a rejected entry, a cache that could not be used or written. */
  warnings: string[];
  rejectedEntry: boolean;
  cacheWriteFailed: boolean;
  /** Binaryen loads of this preparer so far (tests check a cache hit needs none). */
  binaryenLoads: number;
}

/** SHA-256 over everything the prepared code depends on: the input, the imports (normalized), both recipes. */
export function codeInputKey(asyncifyRecipe: string, bytes: Uint8Array, imports: readonly string[]): Buffer {
  return createHash('sha256')
    .update(`stratus-host-code/${CACHE_FORMAT_VERSION}/fuel/${FUEL_RECIPE_VERSION}/${asyncifyRecipe}/${imports.join(',')}\0`)
    .update(bytes)
    .digest();
}

export class HostCodePreparer {
  readonly asyncifier = new Asyncifier();
  private recipe: Promise<string> | undefined;
  /** Cache keys by $STRATUS_HOME; a failed load is retried on the next preparation. */
  private readonly keys = new Map<string, Promise<Buffer>>();

  private cacheKey(home: string): Promise<Buffer> {
    let k = this.keys.get(home);
    if (!k) {
      k = loadCacheKey(home);
      k.catch(() => this.keys.delete(home));
      this.keys.set(home, k);
    }
    return k;
  }

  private async inputKey(bytes: Uint8Array, imports: string[]): Promise<Buffer> {
    return codeInputKey(await (this.recipe ??= asyncifyRecipe()), bytes, imports);
  }

  /** Throws FuelError or AsyncifyError when the module cannot be prepared (it then runs on workers). */
  async prepare(req: PrepareRequest): Promise<PrepareResult> {
    const imports = normalizeImports(req.imports);
    const warnings: string[] = [];
    let rejectedEntry = false;
    let cache: CodeCache | undefined;
    if (req.cacheDir !== null) {
      try {
        cache = new CodeCache(req.cacheDir, await this.cacheKey(req.home));
      } catch (e) {
        if (!(e instanceof CacheKeyError)) throw e;
        warnings.push(`the code cache is not used: ${e.message}`);
      }
    }
    const key = cache ? await this.inputKey(req.bytes, imports) : undefined;
    if (cache && key) {
      const found = await cache.read(key);
      const loads = this.asyncifier.stats.binaryenLoads;
      if (found.kind === 'hit') return { bytes: found.bytes, cache: 'hit', warnings, rejectedEntry, cacheWriteFailed: false, binaryenLoads: loads };
      if (found.kind === 'rejected') {
        rejectedEntry = true;
        warnings.push(`rejected the cached code ${found.file}: ${found.reason}; preparing the module again and overwriting the entry`);
      }
    }
    const bytes = await this.asyncifier.transform(injectFuel(req.bytes), imports);
    let cacheWriteFailed = false;
    if (cache && key) {
      try {
        await cache.write(key, bytes);
      } catch (e) {
        cacheWriteFailed = true;
        warnings.push(`could not store the prepared code in ${cache.dir} (${(e as Error).message}); the next start prepares it again`);
      }
    }
    return { bytes, cache: cache ? 'miss' : 'off', warnings, rejectedEntry, cacheWriteFailed, binaryenLoads: this.asyncifier.stats.binaryenLoads };
  }
}
