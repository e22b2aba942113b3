// The code cache looked up on the host thread, before the preparation worker is asked. A hit is
// a file read and two hashes (~1 ms for kvcounter); through the worker it also cost the worker's
// start (a thread, and loading prepare.js with the fuel and Asyncify modules): ~200 ms of idle
// waiting in a warm `stratus up` (docs/coldstart.md). A miss, a rejected entry or a missing key
// goes to the worker as before, which looks again, reports what was wrong, and prepares.
import { normalizeImports, asyncifyRecipe } from './asyncify.js';
import { existingCacheKey } from './cache-key.js';
import { CodeCache } from './code-cache.js';
import { codeInputKey } from './prepare.js';

export class CacheLookup {
  private recipe: Promise<string> | undefined;

  /** The verified cached code for `bytes`, or undefined (the worker takes it from there). */
  async find(bytes: Uint8Array, imports: readonly string[], cacheDir: string | null, home: string): Promise<Uint8Array | undefined> {
    if (cacheDir === null) return undefined;
    try {
      const normalized = normalizeImports(imports);
      const key = await existingCacheKey(home);
      if (!key) return undefined;
      const recipe = this.recipe ??= asyncifyRecipe();
      recipe.catch(() => { if (this.recipe === recipe) this.recipe = undefined; });
      const found = await new CodeCache(cacheDir, key).read(codeInputKey(await recipe, bytes, normalized));
      return found.kind === 'hit' ? found.bytes : undefined;
    } catch {
      return undefined; // bad imports, no recipe: the worker meets the same problem and reports it
    }
  }
}
