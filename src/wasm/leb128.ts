// LEB128 integers as the wasm binary format uses them.
import { StratusError } from '../core/errors.js';

/** Minimal unsigned LEB128 encoding (the form wascap's hash rule re-emits, reference §3.3). */
export function encodeULEB(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`cannot LEB-encode ${value}`);
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return Uint8Array.from(out);
}

/**
 * Read an unsigned LEB128 of at most `maxBits` bits at `offset`.
 * Returns the value and the offset after it. Values up to 2^53 are exact (enough for memory64 limits).
 */
export function readULEB(bytes: Uint8Array, offset: number, maxBits = 32): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  let pos = offset;
  const maxBytes = Math.ceil(maxBits / 7);
  for (let i = 0; i < maxBytes; i++) {
    if (pos >= bytes.length) throw new StratusError('INVALID_MODULE', `unexpected end of module while reading a LEB128 integer at byte offset ${offset}`);
    const b = bytes[pos++]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) {
      if (maxBits === 32 && value > 0xffffffff) break;
      return { value, next: pos };
    }
  }
  throw new StratusError('INVALID_MODULE', `LEB128 integer at byte offset ${offset} is longer than ${maxBits} bits`);
}
