// The code cache looked up on the host thread, before the preparation worker is asked. A hit is
// a file read and two hashes (~1 ms for kvcounter); through the worker it also cost the worker's
// start (a thread, and loading prepare.js with the fuel and Asyncify modules): ~200 ms of idle
// waiting in a warm `stratus up` (docs/coldstart.md). A miss, a rejected entry or a missing key
// goes to the worker as before, which looks again, reports what was wrong, and prepares.
import { normalizeImports, asyncifyRecipe } from './asyncify.js';
import { existingCacheKey } from './cache-key.js';
import { CodeCache } from './code-cache.js';
import { codeInputKey } from './prepare.js';

/** Hits kept for the start a hint announced (Host.expectStart), at most this many. */
const KEPT_HITS = 4;

export class CacheLookup {
  private recipe: Promise<string> | undefined;
  /** Verified hits found for a hint, by code input key, each handed out once. */
  private readonly kept = new Map<string, Uint8Array>();

  /**
   * The verified cached code for `bytes`, or undefined (the worker takes it from there). With
   * `keep`, a hit is also kept for the next find of the same code, which then reads no file: a
   * deploy looks its actors up ahead of their starts (Host.expectStart), and the warm start of
   * `stratus up` should not pay the read twice.
   */
  async find(bytes: Uint8Array, imports: readonly string[], cacheDir: string | null, home: string, keep = false): Promise<Uint8Array | undefined> {
    if (cacheDir === null) return undefined;
    try {
      const normalized = normalizeImports(imports);
      const recipe = this.recipe ??= asyncifyRecipe();
      recipe.catch(() => { if (this.recipe === recipe) this.recipe = undefined; });
      const input = codeInputKey(await recipe, bytes, normalized);
      const keptKey = `${cacheDir}\0${input}`;
      const kept = this.kept.get(keptKey);
      if (kept) {
        this.kept.delete(keptKey);
        return kept;
      }
      const key = await existingCacheKey(home);
      if (!key) return undefined;
      const found = await new CodeCache(cacheDir, key).read(input);
      if (found.kind !== 'hit') return undefined;
      if (keep) {
        if (this.kept.size >= KEPT_HITS) this.kept.delete(this.kept.keys().next().value!);
        this.kept.set(keptKey, found.bytes);
      }
      return found.bytes;
    } catch {
      return undefined; // bad imports, no recipe: the worker meets the same problem and reports it
    }
  }
}
