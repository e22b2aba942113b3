// The msgpack decoder for bytes nobody vouches for (actor replies, host-call payloads, provider
// payloads, later NATS messages). Work and memory are bounded by the bytes actually present,
// never by what a header declares:
//  * an array needs at least 1 byte per element and a map 2 per entry, so a declared count larger
//    than what remains is refused at the header (`dd 01 ff ff ff`, 33 M elements in 5 bytes, cost
//    msgpackr ~0.9 s of host-thread CPU before it gave up); str/bin/ext lengths likewise;
//  * containers grow as elements are read (nothing is pre-allocated from a declared count), so
//    nested headers cannot multiply the cost: total work is linear in the input;
//  * nesting is limited to MAX_DEPTH levels (a recursion per level), with a clear error, so a
//    payload of 100 000 `0x91` bytes cannot exhaust the stack.
// Values are what msgpackr (wasmCloud's byte layout, src/codec/msgpack.ts) gives for the same bytes:
// maps as plain objects keyed by string (number/bool/nil keys stringified), bin as a Uint8Array view
// of the input (no copy), 64-bit integers as bigint, nil as null. Extension types are refused:
// wasmCloud's wire format has none.
import { CodecError } from './codec-error.js';

/**
 * Deepest nesting of arrays/maps accepted. wasmCloud payloads nest a few levels (an HttpRequest is
 * map > map > array > str); 64 leaves room for user data through the JSON bridge while keeping
 * the decoder's recursion (two frames per level) far from V8's stack limit wherever it is called.
 */
export const MAX_DEPTH = 64;

// Stateless (no streaming), so one instance serves every call.
const utf8 = new TextDecoder('utf-8');

/** Below this many bytes a string is built in JS when it is ASCII; longer ones go to TextDecoder. */
const SHORT_STRING = 48;

function bytes(n: number): string {
  return n === 1 ? '1 byte follows' : `${n} bytes follow`;
}

class Reader {
  pos = 0;
  private depth = 0;
  readonly end: number;

  constructor(readonly b: Uint8Array, readonly what: string, private readonly bytesFor?: ReadonlySet<string>) {
    this.end = b.length;
  }

  malformed(reason: string): CodecError {
    return new CodecError(`${this.what}: payload is not valid msgpack (${reason})`);
  }

  value(): unknown {
    const at = this.pos;
    if (at >= this.end) throw this.malformed(`data ends at byte ${at} where a value was expected`);
    const t = this.b[at]!;
    this.pos = at + 1;
    if (t < 0x80) return t;
    if (t < 0x90) return this.map(t & 0x0f, at, 'fixmap');
    if (t < 0xa0) return this.array(t & 0x0f, at, 'fixarray');
    if (t < 0xc0) return this.str(t & 0x1f, at, 'fixstr');
    if (t >= 0xe0) return t - 0x100;
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.bin(this.uint(1, at, 'bin8'), at, 'bin8');
      case 0xc5: return this.bin(this.uint(2, at, 'bin16'), at, 'bin16');
      case 0xc6: return this.bin(this.uint(4, at, 'bin32'), at, 'bin32');
      case 0xc7: return this.ext(this.uint(1, at, 'ext8'), at, 'ext8');
      case 0xc8: return this.ext(this.uint(2, at, 'ext16'), at, 'ext16');
      case 0xc9: return this.ext(this.uint(4, at, 'ext32'), at, 'ext32');
      case 0xca: return this.view(4, at, 'float32').getFloat32(0);
      case 0xcb: return this.view(8, at, 'float64').getFloat64(0);
      case 0xcc: return this.uint(1, at, 'uint8');
      case 0xcd: return this.uint(2, at, 'uint16');
      case 0xce: return this.uint(4, at, 'uint32');
      case 0xcf: return this.view(8, at, 'uint64').getBigUint64(0);
      case 0xd0: return (this.uint(1, at, 'int8') << 24) >> 24;
      case 0xd1: return (this.uint(2, at, 'int16') << 16) >> 16;
      case 0xd2: return this.uint(4, at, 'int32') | 0;
      case 0xd3: return this.view(8, at, 'int64').getBigInt64(0);
      case 0xd4: return this.ext(1, at, 'fixext1');
      case 0xd5: return this.ext(2, at, 'fixext2');
      case 0xd6: return this.ext(4, at, 'fixext4');
      case 0xd7: return this.ext(8, at, 'fixext8');
      case 0xd8: return this.ext(16, at, 'fixext16');
      case 0xd9: return this.str(this.uint(1, at, 'str8'), at, 'str8');
      case 0xda: return this.str(this.uint(2, at, 'str16'), at, 'str16');
      case 0xdb: return this.str(this.uint(4, at, 'str32'), at, 'str32');
      case 0xdc: return this.array(this.uint(2, at, 'array16'), at, 'array16');
      case 0xdd: return this.array(this.uint(4, at, 'array32'), at, 'array32');
      case 0xde: return this.map(this.uint(2, at, 'map16'), at, 'map16');
      case 0xdf: return this.map(this.uint(4, at, 'map32'), at, 'map32');
      default: throw this.malformed(`type byte 0x${t.toString(16)} at byte ${at} is not used by msgpack`);
    }
  }

  /** A big-endian unsigned integer of `size` (1, 2 or 4) bytes after the type byte at `at`. */
  private uint(size: number, at: number, kind: string): number {
    const p = this.pos;
    if (p + size > this.end) throw this.malformed(`data ends inside the ${kind} at byte ${at}`);
    this.pos = p + size;
    const b = this.b;
    if (size === 1) return b[p]!;
    if (size === 2) return (b[p]! << 8) | b[p + 1]!;
    return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  /** The next `size` bytes as a DataView (floats and 64-bit integers: rare on this wire). */
  private view(size: number, at: number, kind: string): DataView {
    const p = this.pos;
    if (p + size > this.end) throw this.malformed(`data ends inside the ${kind} at byte ${at}`);
    this.pos = p + size;
    return new DataView(this.b.buffer, this.b.byteOffset + p, size);
  }

  private enter(at: number): void {
    if (++this.depth > MAX_DEPTH) {
      throw new CodecError(`${this.what}: payload nests arrays and maps deeper than ${MAX_DEPTH} levels (at byte ${at}); `
        + 'wasmCloud payloads nest a few levels, so deeper ones are refused rather than risk the stack: flatten the data');
    }
  }

  private array(n: number, at: number, kind: string): unknown[] {
    const left = this.end - this.pos;
    if (n > left) throw this.malformed(`${kind} at byte ${at} declares ${n} elements but only ${bytes(left)}`);
    this.enter(at);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(this.value());
    this.depth--;
    return out;
  }

  private map(n: number, at: number, kind: string): Record<string, unknown> {
    const left = this.end - this.pos;
    if (n * 2 > left) throw this.malformed(`${kind} at byte ${at} declares ${n} entries but only ${bytes(left)} (an entry takes at least 2)`);
    this.enter(at);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = this.key();
      const v = this.bytesFor?.has(key) ? this.rawValue() : this.value();
      // an own property, never the prototype setter
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
    }
    this.depth--;
    return out;
  }

  private key(): string {
    const at = this.pos;
    const t = at < this.end ? this.b[at]! : 0;
    if (t >= 0xa0 && t <= 0xbf) {
      this.pos = at + 1;
      return this.str(t & 0x1f, at, 'fixstr');
    }
    const k = this.value();
    if (typeof k === 'string') return k;
    if (typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean' || k === null) return String(k);
    const kind = k instanceof Uint8Array ? 'a bin' : Array.isArray(k) ? 'an array' : 'a map';
    throw this.malformed(`the map key at byte ${at} is ${kind}; keys must be strings or numbers`);
  }

  /** A str as its bytes (a view, like bin); any other value as value() reads it. */
  private rawValue(): unknown {
    const at = this.pos;
    const t = at < this.end ? this.b[at]! : 0;
    if (t >= 0xa0 && t <= 0xbf) { this.pos = at + 1; return this.bin(t & 0x1f, at, 'fixstr'); }
    if (t === 0xd9) { this.pos = at + 1; return this.bin(this.uint(1, at, 'str8'), at, 'str8'); }
    if (t === 0xda) { this.pos = at + 1; return this.bin(this.uint(2, at, 'str16'), at, 'str16'); }
    if (t === 0xdb) { this.pos = at + 1; return this.bin(this.uint(4, at, 'str32'), at, 'str32'); }
    return this.value();
  }

  private str(n: number, at: number, kind: string): string {
    const p = this.pos;
    const left = this.end - p;
    if (n > left) throw this.malformed(`${kind} at byte ${at} declares ${n} bytes but only ${bytes(left)}`);
    this.pos = p + n;
    const b = this.b;
    if (n < SHORT_STRING) {
      // ASCII in JS: one fromCharCode over the codes (~100 ns for two short keys, against ~170 ns
      // appending char by char and ~220 ns for TextDecoder's native call; bench CPU time, Node 20)
      const codes: number[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const c = b[p + i]!;
        if (c > 0x7f) return utf8.decode(b.subarray(p, p + n));
        codes[i] = c;
      }
      return String.fromCharCode.apply(null, codes);
    }
    return utf8.decode(b.subarray(p, p + n));
  }

  private bin(n: number, at: number, kind: string): Uint8Array {
    const p = this.pos;
    const left = this.end - p;
    if (n > left) throw this.malformed(`${kind} at byte ${at} declares ${n} bytes but only ${bytes(left)}`);
    this.pos = p + n;
    return new Uint8Array(this.b.buffer, this.b.byteOffset + p, n);
  }

  private ext(n: number, at: number, kind: string): never {
    const left = this.end - this.pos;
    if (n + 1 > left) throw this.malformed(`${kind} at byte ${at} declares ${n} bytes but only ${bytes(left)}`);
    throw this.malformed(`${kind} at byte ${at} is a msgpack extension type (${this.b[this.pos]}), which wasmCloud's wire format does not use`);
  }
}

export interface DecodeOptions {
  /**
   * Map keys whose str values are returned as their raw bytes (a Uint8Array view, like bin) instead
   * of UTF-8 text, at any depth. For blobs some senders write as str: Elixir hosts (Msgpax) send
   * an invocation's `msg` as str (reference §4.3), and decoding arbitrary bytes as UTF-8 would
   * replace invalid sequences and change the payload.
   */
  bytesFor?: ReadonlySet<string>;
}

/**
 * Decodes exactly one msgpack value from untrusted bytes. Throws a CodecError (BAD_REQUEST) whose
 * message starts with `what` (the operation or type being decoded) for an empty payload, malformed
 * or truncated data, declared lengths beyond the input, nesting deeper than MAX_DEPTH, extension
 * types, or bytes left over after the value.
 */
export function decodeMsgpack(bytes: Uint8Array, what: string, opts?: DecodeOptions): unknown {
  if (bytes.length === 0) throw new CodecError(`${what}: empty payload, expected a msgpack value`);
  const r = new Reader(bytes, what, opts?.bytesFor);
  const v = r.value();
  const extra = r.end - r.pos;
  if (extra !== 0) throw r.malformed(`${extra} byte${extra === 1 ? '' : 's'} left over after the value that ends at byte ${r.pos}`);
  return v;
}
