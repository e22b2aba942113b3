// Module hash per wascap ≥0.10.1 (reference §3.3): drop `jwt`/`wasmcloud_jwt` custom sections,
// re-emit the rest with minimal LEB sizes behind the 8-byte header, SHA-256, uppercase hex.
// The re-emitted stream is fed to the hash section by section instead of being copied first.
import { createHash } from 'node:crypto';
import { JWT_SECTION_NAMES } from '../wasm/custom-sections.js';
import { encodeULEB } from '../wasm/leb128.js';
import { readSections, SECTION, WASM_HEADER } from '../wasm/sections.js';

export function computeModuleHash(module: Uint8Array): string {
  const h = createHash('sha256').update(WASM_HEADER);
  for (const s of readSections(module)) {
    if (s.id === SECTION.custom && (JWT_SECTION_NAMES as readonly string[]).includes(s.name!)) continue;
    h.update(Uint8Array.of(s.id)).update(encodeULEB(s.end - s.payloadStart)).update(module.subarray(s.payloadStart, s.end));
  }
  return h.digest('hex').toUpperCase();
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex').toUpperCase();
}
