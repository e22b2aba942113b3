// Enforce a per-actor linear memory ceiling by rewriting the module's own memory declarations,
// so the engine itself refuses `memory.grow` past the limit (no polling, no worker needed).
// Only *defined* memories are rewritten; an imported memory is created by the host, which sets its own maximum.
// Run this after claims verification: it changes the bytes, so the module hash no longer matches.
import { StratusError } from '../core/errors.js';
import { concat } from './custom-sections.js';
import { encodeULEB } from './leb128.js';
import { invalid, Reader, readSections, SECTION, WASM_HEADER, type Limits } from './sections.js';

/** 64 KiB wasm pages. */
export const WASM_PAGE_BYTES = 65536;

function encodeLimits(l: Limits): Uint8Array {
  const flags = (l.max !== undefined ? 1 : 0) | (l.shared ? 2 : 0) | (l.memory64 ? 4 : 0);
  return l.max !== undefined
    ? concat([Uint8Array.of(flags), encodeULEB(l.min), encodeULEB(l.max)])
    : concat([Uint8Array.of(flags), encodeULEB(l.min)]);
}

/**
 * Return a copy of `bytes` whose defined memories have `max = min(declared max, maxPages)`.
 * Throws MEMORY_LIMIT if a memory already needs more than `maxPages` initially.
 */
export function limitMemory(bytes: Uint8Array, maxPages: number): Uint8Array {
  if (!Number.isSafeInteger(maxPages) || maxPages < 0) {
    throw new StratusError('BAD_REQUEST', `memory limit must be a whole number of 64 KiB pages, got ${maxPages}`);
  }
  const sections = readSections(bytes);
  const memSection = sections.find((s) => s.id === SECTION.memory);
  if (!memSection) return bytes;

  const r = new Reader(bytes, memSection.payloadStart, memSection.end);
  const count = r.u32();
  const rewritten: Uint8Array[] = [encodeULEB(count)];
  for (let i = 0; i < count; i++) {
    const lim = r.limits();
    if (lim.min > maxPages) {
      throw new StratusError('MEMORY_LIMIT',
        `the module's memory ${i} starts at ${lim.min} pages (${mib(lim.min)}), above the limit of ${maxPages} pages (${mib(maxPages)})`,
        'raise the actor memory limit (maxMemoryPages) or build the module with a smaller initial memory');
    }
    rewritten.push(encodeLimits({ ...lim, max: lim.max === undefined ? maxPages : Math.min(lim.max, maxPages) }));
  }
  if (r.pos !== memSection.end) throw invalid('memory section has unexpected trailing bytes', r.pos);

  const payload = concat(rewritten);
  const parts: Uint8Array[] = [WASM_HEADER];
  for (const s of sections) {
    if (s === memSection) parts.push(Uint8Array.of(SECTION.memory), encodeULEB(payload.length), payload);
    else parts.push(bytes.subarray(s.start, s.end)); // untouched, original size encoding kept
  }
  return concat(parts);
}

function mib(pages: number): string {
  return `${(pages * WASM_PAGE_BYTES) / (1024 * 1024)} MiB`;
}
