// Link values are user-typed; wasmCloud providers treat their keys case-insensitively (reference §2.3).

/** Look up a link value ignoring the key's case; the first match wins. */
export function linkValue(values: Record<string, string> | undefined, key: string): string | undefined {
  if (!values) return undefined;
  if (Object.hasOwn(values, key)) return values[key];
  const want = key.toLowerCase();
  for (const k of Object.keys(values)) if (k.toLowerCase() === want) return values[k];
  return undefined;
}

/** Keys present in `values` that are not in `known` (compared case-insensitively). */
export function unknownKeys(values: Record<string, string> | undefined, known: readonly string[]): string[] {
  if (!values) return [];
  const set = new Set(known.map((k) => k.toLowerCase()));
  return Object.keys(values).filter((k) => !set.has(k.toLowerCase()));
}
