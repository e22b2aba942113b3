// Runtime used by the generated host-side codecs: msgpackr configured for wasmCloud's exact
// bytes, and tolerant readers (reference §2.1): blobs as bin or str (nil = empty), integers
// in any width, unknown fields ignored, missing required fields reported like serde does.
import { packr } from '../msgpack.js';

export function pack(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function unpack(bytes: Uint8Array): unknown {
  if (bytes.length === 0) throw new CodecError('empty payload where a value was expected');
  return packr.unpack(bytes);
}

export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

function where(path: string): string {
  return path ? ` at ${path}` : '';
}

export function asString(v: unknown, path: string): string {
  if (typeof v === 'string') return v;
  throw new CodecError(`invalid type: ${describe(v)}, expected a string${where(path)}`);
}

export function asBool(v: unknown, path: string): boolean {
  if (typeof v === 'boolean') return v;
  throw new CodecError(`invalid type: ${describe(v)}, expected a boolean${where(path)}`);
}

export function asBlob(v: unknown, path: string): Uint8Array {
  if (v === null || v === undefined) return new Uint8Array(0); // TinyGo writes an empty blob as nil
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return new TextEncoder().encode(v);
  throw new CodecError(`invalid type: ${describe(v)}, expected a byte array${where(path)}`);
}

export function asInt(v: unknown, path: string, min: number, max: number): number {
  let n: number;
  if (typeof v === 'bigint') n = Number(v);
  else if (typeof v === 'number' && Number.isInteger(v)) n = v;
  else throw new CodecError(`invalid type: ${describe(v)}, expected an integer${where(path)}`);
  if (n < min || n > max) throw new CodecError(`invalid value: ${n} out of range [${min}, ${max}]${where(path)}`);
  return n;
}

export function asFloat(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new CodecError(`invalid type: ${describe(v)}, expected a number${where(path)}`);
}

export function asArray(v: unknown, path: string): unknown[] {
  if (Array.isArray(v)) return v;
  throw new CodecError(`invalid type: ${describe(v)}, expected a sequence${where(path)}`);
}

export function asMap(v: unknown, path: string): Record<string, unknown> {
  if (v instanceof Map) return Object.fromEntries(v) as Record<string, unknown>;
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)) return v as Record<string, unknown>;
  throw new CodecError(`invalid type: ${describe(v)}, expected a map${where(path)}`);
}

export function required(obj: Record<string, unknown>, key: string, path: string): unknown {
  if (!(key in obj)) throw new CodecError(`missing field \`${key}\`${where(path)}`);
  return obj[key];
}

/** Integer ranges per declared width. */
export const RANGE = {
  I8: [-128, 127], I16: [-32768, 32767], I32: [-2147483648, 2147483647], I64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  U8: [0, 255], U16: [0, 65535], U32: [0, 4294967295], U64: [0, Number.MAX_SAFE_INTEGER],
} as const;

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (v instanceof Uint8Array) return 'byte array';
  if (Array.isArray(v)) return 'sequence';
  if (typeof v === 'number') return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)}`;
  return typeof v;
}
