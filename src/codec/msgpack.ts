// The one msgpack configuration that yields wasmCloud's exact bytes (maps keyed by name,
// minimal integer forms, Uint8Array as bin).
import { Packr } from 'msgpackr';

export const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

export function encode(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function decode<T = unknown>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}
