// The msgpack dialect of wasmCloud's wire: msgpackr configured for wasmCloud's exact bytes (maps
// keyed by name, minimal integer forms, Uint8Array as bin) to encode, and the bounded decoder
// (msgpack-decoder.ts) for every byte that comes in.
import { Packr } from './msgpackr-load.js';
import { decodeMsgpack } from './msgpack-decoder.js';

export const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

export function encode(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** One msgpack value from untrusted bytes; errors start with `what` (see decodeMsgpack). */
export function decode<T = unknown>(bytes: Uint8Array, what = 'msgpack payload'): T {
  return decodeMsgpack(bytes, what) as T;
}
