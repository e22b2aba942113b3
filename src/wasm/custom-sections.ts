// Find, strip and append custom sections — how claims travel inside a module (reference §3.1).
import { encodeULEB } from './leb128.js';
import { customSectionData, readSections, SECTION, WASM_HEADER, type WasmSection } from './sections.js';

/** Section names that may carry the claims token: `jwt` (wascap ≤0.8) and `wasmcloud_jwt` (≥0.9). */
export const JWT_SECTION_NAMES = ['jwt', 'wasmcloud_jwt'] as const;

export interface FoundCustomSection {
  name: string;
  data: Uint8Array;
  section: WasmSection;
}

/** First custom section whose name is one of `names`, or undefined. */
export function findCustomSection(bytes: Uint8Array, names: readonly string[]): FoundCustomSection | undefined {
  for (const s of readSections(bytes)) {
    if (s.id === SECTION.custom && names.includes(s.name!)) return { name: s.name!, data: customSectionData(bytes, s), section: s };
  }
  return undefined;
}

/** The embedded claims token and the section it came from, if any. */
export function readJwtSection(bytes: Uint8Array): { sectionName: string; token: string } | undefined {
  const found = findCustomSection(bytes, JWT_SECTION_NAMES);
  return found && { sectionName: found.name, token: new TextDecoder().decode(found.data) };
}

/**
 * Re-emit the module without the named custom sections. Every kept section is written as
 * `id | uleb(len, minimal) | payload` behind the 8-byte header — exactly the byte stream wascap hashes (§3.3).
 */
export function stripCustomSections(bytes: Uint8Array, names: readonly string[]): Uint8Array {
  const kept = readSections(bytes).filter((s) => !(s.id === SECTION.custom && names.includes(s.name!)));
  const parts: Uint8Array[] = [WASM_HEADER];
  for (const s of kept) parts.push(Uint8Array.of(s.id), encodeULEB(s.end - s.payloadStart), bytes.subarray(s.payloadStart, s.end));
  return concat(parts);
}

/** Append a custom section at the end of the module (where signers put the token). */
export function appendCustomSection(bytes: Uint8Array, name: string, data: Uint8Array): Uint8Array {
  readSections(bytes); // refuse to extend something that is not a module
  const nameBytes = new TextEncoder().encode(name);
  const payload = concat([encodeULEB(nameBytes.length), nameBytes, data]);
  return concat([bytes, Uint8Array.of(SECTION.custom), encodeULEB(payload.length), payload]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
