// The msgpack dialect providers speak with actors (reference §2.1): structs as maps keyed by
// field name, blobs as bin, minimal integer forms. Decoding is tolerant because actors built
// with different toolchains send blobs as bin, str or nil and integers in any width.
import { StratusError } from '../host/errors.js';
import { packr } from '../codec/msgpack.js';

export { packr };

const EMPTY = new Uint8Array(0);

/** Decode one msgpack value; a malformed payload becomes a BAD_REQUEST naming `what`. */
export function decode(payload: Uint8Array, what: string): unknown {
  if (payload.length === 0) {
    throw new StratusError('BAD_REQUEST', `${what}: empty payload, expected a msgpack value`);
  }
  try {
    return packr.unpack(payload);
  } catch (e) {
    throw new StratusError('BAD_REQUEST', `${what}: payload is not valid msgpack (${(e as Error).message})`);
  }
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (v instanceof Uint8Array) return 'bin';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'map';
  return typeof v;
}

export function asMap(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) {
    throw new StratusError('BAD_REQUEST', `${what}: expected a msgpack map, got ${typeName(v)}`);
  }
  return v as Record<string, unknown>;
}

export function asString(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  // Some encoders write UTF-8 strings as bin; accept them.
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
  throw new StratusError('BAD_REQUEST', `${what}: expected a string, got ${typeName(v)}`);
}

/** Integers arrive in any width (fixint, u8..u64, i8..i64); bigint only when it does not fit a double. */
export function asInt(v: unknown, what: string, min: number, max: number): number {
  let n: number;
  if (typeof v === 'number' && Number.isInteger(v)) n = v;
  else if (typeof v === 'bigint') n = Number(v);
  else throw new StratusError('BAD_REQUEST', `${what}: expected an integer, got ${typeName(v)}${typeof v === 'number' ? ` ${v}` : ''}`);
  if (n < min || n > max) {
    throw new StratusError('BAD_REQUEST', `${what}: ${String(v)} is out of range [${min}, ${max}]`);
  }
  return n;
}

/** A blob: bin, str (UTF-8) or nil (empty), as Rust and TinyGo actors variously send it. */
export function asBytes(v: unknown, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (v === null || v === undefined) return EMPTY;
  throw new StratusError('BAD_REQUEST', `${what}: expected bytes (bin, str or nil), got ${typeName(v)}`);
}

export function asStringArray(v: unknown, what: string): string[] {
  if (!Array.isArray(v)) throw new StratusError('BAD_REQUEST', `${what}: expected an array of strings, got ${typeName(v)}`);
  return v.map((item, i) => asString(item, `${what}[${i}]`));
}

export const I32_MIN = -2147483648;
export const I32_MAX = 2147483647;
export const U32_MAX = 4294967295;
