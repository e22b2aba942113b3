// Link values are user-typed; wasmCloud providers treat their keys case-insensitively (reference §2.3).
import { LinkError } from '../core/errors.js';

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

/** Size suffixes in powers of 1024 (a bare number is bytes). */
export const SIZE_SUFFIXES: Readonly<Record<string, number>> = { '': 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** A positive size such as `10M`, or a LinkError naming the provider, the key and an example. */
export function sizeValue(text: string, provider: string, what: string, example: string, suffixes = SIZE_SUFFIXES): number {
  const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(text);
  const mult = m ? suffixes[m[2]!.toLowerCase()] : undefined;
  if (!m || mult === undefined || Number(m[1]) <= 0) {
    throw new LinkError(`${provider} link value ${what}="${text}" is not a size`, `use a positive number of bytes, optionally with K, M or G, e.g. ${what}=${example}`);
  }
  return Number(m[1]) * mult;
}

/** Whole milliseconds from 1 to an hour, or a LinkError naming the provider and the key. */
export function timeoutValue(text: string, provider: string, what: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t) || Number(t) <= 0 || Number(t) > 3_600_000) {
    throw new LinkError(`${provider} link value ${what}="${text}" is not a timeout`, `use a whole number of milliseconds between 1 and 3600000, e.g. ${what}=5000`);
  }
  return Number(t);
}
