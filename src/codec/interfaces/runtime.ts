// Runtime of the generated host-side codecs (this folder, and what `stratus gen --ts-out` writes):
// msgpackr configured for wasmCloud's exact bytes to encode, the bounded decoder to decode, and
// tolerant readers (reference §2.1): strings as str or bin, blobs as bin, str or nil (= empty),
// integers in any width, unknown fields ignored. Errors are CodecErrors (BAD_REQUEST) that start
// with the path of what was wrong (`IncrementRequest.value: expected an integer, got float 4.5`).
// It depends on nothing but src/codec and src/core, so providers outside the host can use it.
import { packr } from '../msgpack.js';
import { decodeMsgpack } from '../msgpack-decoder.js';
import { CodecError } from '../codec-error.js';

export { CodecError };

export function pack(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** One msgpack value, bounded by the bytes present; errors start with `what`. */
export function unpack(bytes: Uint8Array, what: string): unknown {
  return decodeMsgpack(bytes, what);
}

const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

export function asString(v: unknown, path: string): string {
  if (typeof v === 'string') return v;
  // Some encoders write UTF-8 strings as bin (serde's String accepts bytes too).
  if (v instanceof Uint8Array) return utf8.decode(v);
  throw new CodecError(`${path}: expected a string, got ${describe(v)}`);
}

export function asBool(v: unknown, path: string): boolean {
  if (typeof v === 'boolean') return v;
  throw new CodecError(`${path}: expected a boolean, got ${describe(v)}`);
}

export function asBlob(v: unknown, path: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v === null || v === undefined) return new Uint8Array(0); // TinyGo writes an empty blob as nil
  if (typeof v === 'string') return utf8Encoder.encode(v); // Rust guests accept str for a blob; so do we
  throw new CodecError(`${path}: expected bytes (bin, str or nil), got ${describe(v)}`);
}

/** Integers arrive in any width (fixint, u8..u64, i8..i64); 64-bit forms decode as bigint. */
export function asInt(v: unknown, path: string, min: number, max: number): number {
  let n: number;
  if (typeof v === 'number' && Number.isInteger(v)) n = v;
  else if (typeof v === 'bigint') n = Number(v);
  else throw new CodecError(`${path}: expected an integer, got ${describe(v)}`);
  if (n < min || n > max) throw new CodecError(`${path}: ${String(v)} is out of range [${min}, ${max}]`);
  return n;
}

export function asFloat(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new CodecError(`${path}: expected a number, got ${describe(v)}`);
}

/** `what` names the expected elements for the error, e.g. "an array of strings". */
export function asArray(v: unknown, path: string, what = 'an array'): unknown[] {
  if (Array.isArray(v)) return v;
  throw new CodecError(`${path}: expected ${what}, got ${describe(v)}`);
}

export function asMap(v: unknown, path: string): Record<string, unknown> {
  if (v instanceof Map) return Object.fromEntries(v) as Record<string, unknown>;
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)) return v as Record<string, unknown>;
  throw new CodecError(`${path}: expected a msgpack map, got ${describe(v)}`);
}

/** A field that must be present (own properties only: "constructor" is not a field of every map). */
export function required(obj: Record<string, unknown>, key: string, path: string): unknown {
  if (!Object.hasOwn(obj, key)) throw new CodecError(`${path}: missing field "${key}"`);
  return obj[key];
}

/** A field that may be absent (undefined then). */
export function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Integer ranges per declared width. */
export const RANGE = {
  I8: [-128, 127], I16: [-32768, 32767], I32: [-2147483648, 2147483647], I64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  U8: [0, 255], U16: [0, 65535], U32: [0, 4294967295], U64: [0, Number.MAX_SAFE_INTEGER],
} as const;

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (v instanceof Uint8Array) return 'bin';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? `integer ${v}` : `float ${v}`;
  if (typeof v === 'bigint') return `integer ${v}`;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)}`;
  if (typeof v === 'boolean') return `boolean ${v}`;
  return 'map';
}
