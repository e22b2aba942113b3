// Module hash per wascap ≥0.10.1 (reference §3.3): drop `jwt`/`wasmcloud_jwt` custom sections,
// re-emit the rest with minimal LEB sizes behind the 8-byte header, SHA-256, uppercase hex.
import { createHash } from 'node:crypto';
import { JWT_SECTION_NAMES, stripCustomSections } from '../wasm/custom-sections.js';

export function computeModuleHash(module: Uint8Array): string {
  return sha256Hex(stripCustomSections(module, JWT_SECTION_NAMES));
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex').toUpperCase();
}
