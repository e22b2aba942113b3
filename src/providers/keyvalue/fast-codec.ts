// Hot-path forms of the one key-value exchange every counter makes: IncrementRequest in, an i32
// out. Same bytes as the general codec (msgpackr, minimal integers); anything unusual returns
// undefined from the decoder and the general path (with its error messages) takes over.
import type { IncrementRequest } from './codec.js';

/** Minimal msgpack integer, as msgpackr writes it. */
export function packInt(n: number): Uint8Array {
  if (n >= 0) {
    if (n < 0x80) return Uint8Array.of(n);
    if (n < 0x100) return Uint8Array.of(0xcc, n);
    if (n < 0x10000) return Uint8Array.of(0xcd, n >> 8, n & 0xff);
    return Uint8Array.of(0xce, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  }
  if (n >= -0x20) return Uint8Array.of(n & 0xff);
  if (n >= -0x80) return Uint8Array.of(0xd0, n & 0xff);
  if (n >= -0x8000) return Uint8Array.of(0xd1, (n >> 8) & 0xff, n & 0xff);
  return Uint8Array.of(0xd2, (n >> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

/** {key: <ASCII fixstr/str8>, value: <int that fits i32>} in either order, or undefined. */
export function fastIncrementRequest(p: Uint8Array): IncrementRequest | undefined {
  if (p.length < 12 || p[0] !== 0x82) return undefined;
  let pos = 1;
  let key: string | undefined;
  let value: number | undefined;
  for (let f = 0; f < 2; f++) {
    // field name: "key" (a3 6b 65 79) or "value" (a5 76 61 6c 75 65)
    if (p[pos] === 0xa3 && p[pos + 1] === 0x6b && p[pos + 2] === 0x65 && p[pos + 3] === 0x79) {
      pos += 4;
      const t = p[pos]!;
      let n: number;
      if (t >= 0xa0 && t <= 0xbf) { n = t & 0x1f; pos++; } else if (t === 0xd9) { n = p[pos + 1]!; pos += 2; } else return undefined;
      if (pos + n > p.length) return undefined;
      let s = '';
      for (let i = pos; i < pos + n; i++) {
        const c = p[i]!;
        if (c >= 0x80) return undefined;
        s += String.fromCharCode(c);
      }
      key = s;
      pos += n;
    } else if (p[pos] === 0xa5 && p[pos + 1] === 0x76 && p[pos + 2] === 0x61 && p[pos + 3] === 0x6c && p[pos + 4] === 0x75 && p[pos + 5] === 0x65) {
      pos += 6;
      const t = p[pos]!;
      if (t <= 0x7f) { value = t; pos++; }
      else if (t >= 0xe0) { value = t - 0x100; pos++; }
      else if (t === 0xcc) { value = p[pos + 1]!; pos += 2; }
      else if (t === 0xd0) { value = (p[pos + 1]! << 24) >> 24; pos += 2; }
      else if (t === 0xcd) { value = (p[pos + 1]! << 8) | p[pos + 2]!; pos += 3; }
      else if (t === 0xd1) { value = (((p[pos + 1]! << 8) | p[pos + 2]!) << 16) >> 16; pos += 3; }
      else if (t === 0xd2) { value = (p[pos + 1]! << 24) | (p[pos + 2]! << 16) | (p[pos + 3]! << 8) | p[pos + 4]!; pos += 5; }
      else return undefined;
    } else return undefined;
  }
  if (key === undefined || value === undefined || pos !== p.length) return undefined;
  return { key, value };
}
