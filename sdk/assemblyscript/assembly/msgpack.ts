// MessagePack for wasmbus payloads (reference §2.1). The Writer emits the minimal forms rmp
// (Rust) emits: non-negative integers in the smallest unsigned format, negative ones in the
// smallest signed format, strings/binaries/arrays/maps with the smallest header.
// The Reader is tolerant like wasmbus-rpc guests: any integer width, str accepted for blobs,
// nil for an empty blob. Errors are sticky (`reader.error`) because AssemblyScript has no
// exceptions: decoders check it once at the end.

import { GrowableBytes } from "./bytes";

/** Growable byte buffer with msgpack encoders. */
export class Writer extends GrowableBytes {

  constructor(capacity: i32 = 64) {
    super(capacity);
  }

  get length(): i32 { return this.pos; }

  private ptr(): usize { return changetype<usize>(this.buf) + <usize>this.pos; }

  u8(v: u8): void { this.ensure(1); store<u8>(this.ptr(), v); this.pos += 1; }
  private be16(v: u16): void { this.ensure(2); store<u16>(this.ptr(), bswap<u16>(v)); this.pos += 2; }
  private be32(v: u32): void { this.ensure(4); store<u32>(this.ptr(), bswap<u32>(v)); this.pos += 4; }
  private be64(v: u64): void { this.ensure(8); store<u64>(this.ptr(), bswap<u64>(v)); this.pos += 8; }

  /** Raw bytes, e.g. an already-encoded value. */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    memory.copy(this.ptr(), bytes.dataStart, <usize>n);
    this.pos += n;
  }

  nil(): void { this.u8(0xc0); }
  bool(v: bool): void { this.u8(v ? 0xc3 : 0xc2); }

  /** Unsigned integer in its minimal form. */
  uint(v: u64): void {
    if (v < 0x80) this.u8(<u8>v);
    else if (v <= 0xff) { this.u8(0xcc); this.u8(<u8>v); }
    else if (v <= 0xffff) { this.u8(0xcd); this.be16(<u16>v); }
    else if (v <= 0xffffffff) { this.u8(0xce); this.be32(<u32>v); }
    else { this.u8(0xcf); this.be64(v); }
  }

  /** Signed integer: non-negative as minimal unsigned, negative as minimal signed (like rmp). */
  int(v: i64): void {
    if (v >= 0) { this.uint(<u64>v); return; }
    if (v >= -32) this.u8(<u8>(<i8>v));
    else if (v >= -128) { this.u8(0xd0); this.u8(<u8>(<i8>v)); }
    else if (v >= -32768) { this.u8(0xd1); this.be16(<u16>(<i16>v)); }
    else if (v >= -2147483648) { this.u8(0xd2); this.be32(<u32>(<i32>v)); }
    else { this.u8(0xd3); this.be64(<u64>v); }
  }

  f32(v: f32): void { this.u8(0xca); this.be32(reinterpret<u32>(v)); }
  f64(v: f64): void { this.u8(0xcb); this.be64(reinterpret<u64>(v)); }

  private strHeader(n: u32): void {
    if (n < 32) this.u8(<u8>(0xa0 | n));
    else if (n <= 0xff) { this.u8(0xd9); this.u8(<u8>n); }
    else if (n <= 0xffff) { this.u8(0xda); this.be16(<u16>n); }
    else { this.u8(0xdb); this.be32(n); }
  }

  str(s: string): void {
    const len = s.length;
    if (len < 32) {
      // short ASCII (keys, methods, paths): fixstr header and bytes in one pass over the chars
      this.ensure(1 + len);
      const p = this.ptr();
      const src = changetype<usize>(s);
      let i = 0;
      for (; i < len; i++) {
        const c = load<u16>(src + (<usize>i << 1));
        if (c >= 0x80) break;
        store<u8>(p + 1 + <usize>i, <u8>c);
      }
      if (i == len) {
        store<u8>(p, <u8>(0xa0 | len));
        this.pos += 1 + len;
        return;
      }
    }
    const n = String.UTF8.byteLength(s);
    this.strHeader(<u32>n);
    this.ensure(n);
    String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, this.ptr(), false);
    this.pos += n;
  }

  binHeader(n: u32): void {
    if (n <= 0xff) { this.u8(0xc4); this.u8(<u8>n); }
    else if (n <= 0xffff) { this.u8(0xc5); this.be16(<u16>n); }
    else { this.u8(0xc6); this.be32(n); }
  }

  bin(bytes: Uint8Array): void {
    this.binHeader(<u32>bytes.length);
    this.raw(bytes);
  }

  arrayHeader(n: u32): void {
    if (n < 16) this.u8(<u8>(0x90 | n));
    else if (n <= 0xffff) { this.u8(0xdc); this.be16(<u16>n); }
    else { this.u8(0xdd); this.be32(n); }
  }

  mapHeader(n: u32): void {
    if (n < 16) this.u8(<u8>(0x80 | n));
    else if (n <= 0xffff) { this.u8(0xde); this.be16(<u16>n); }
    else { this.u8(0xdf); this.be32(n); }
  }

  /** Start of the encoded bytes (valid until the next write). */
  get dataStart(): usize { return changetype<usize>(this.buf); }

  /** Forgets the content, keeping the storage (for writers reused across calls). */
  reset(): void { this.pos = 0; this.shared = false; }

  /** The encoded bytes without a copy: a view that shares storage with this writer, only for
   *  handing straight to the host (reused writers overwrite it). */
  view(): Uint8Array { this.shared = true; return Uint8Array.wrap(this.buf, 0, this.pos); }

  /** A copy of the encoded bytes. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.pos);
    memory.copy(out.dataStart, changetype<usize>(this.buf), <usize>this.pos);
    return out;
  }
}

/** Value families, from the first byte. */
export enum Kind { Nil, Bool, Int, Float, Str, Bin, Array, Map, Ext, End, Invalid }

/** The one empty byte array (a zero-length Uint8Array cannot be written to, so sharing it is safe). */
export const EMPTY_BYTES = new Uint8Array(0);

export class Reader {
  pos: i32 = 0;
  /** First decoding error, or null. */
  error: string | null = null;
  // The map key read by keyStart(): its UTF-8 bytes in `data`; length -1 when there is none.
  private keyPtr: usize = 0;
  private keyLen: i32 = -1;
  /**
   * The bytes stay unchanged while decoded values live (set by the SDK on payloads it owns):
   * decoders may then keep a reference and decode a field on its first read.
   */
  stable: bool = false;

  constructor(public data: Uint8Array) {}

  /** Starts over on other bytes, as a new Reader(data) would (for readers reused across calls). */
  reset(data: Uint8Array): void {
    this.data = data;
    this.pos = 0;
    this.error = null;
    this.keyPtr = 0;
    this.keyLen = -1;
    this.stable = false;
  }

  get remaining(): i32 { return this.data.length - this.pos; }
  get ok(): bool { return this.error === null; }

  fail(message: string): void {
    if (this.error === null) this.error = message;
    this.pos = this.data.length; // stop further reads
  }

  private need(n: i32): bool {
    if (this.error !== null) return false;
    if (this.pos + n > this.data.length) { this.fail("unexpected end of input"); return false; }
    return true;
  }
  private at(): usize { return this.data.dataStart + <usize>this.pos; }
  private b8(): u8 { const v = load<u8>(this.at()); this.pos += 1; return v; }
  private b16(): u16 { const v = bswap<u16>(load<u16>(this.at())); this.pos += 2; return v; }
  private b32(): u32 { const v = bswap<u32>(load<u32>(this.at())); this.pos += 4; return v; }
  private b64(): u64 { const v = bswap<u64>(load<u64>(this.at())); this.pos += 8; return v; }

  /** Kind of the next value without consuming it. */
  peek(): Kind {
    if (this.error !== null) return Kind.Invalid;
    if (this.pos >= this.data.length) return Kind.End;
    const b = load<u8>(this.at());
    if (b <= 0x7f || b >= 0xe0) return Kind.Int;
    if (b <= 0x8f) return Kind.Map;
    if (b <= 0x9f) return Kind.Array;
    if (b <= 0xbf) return Kind.Str;
    switch (b) {
      case 0xc0: return Kind.Nil;
      case 0xc2: case 0xc3: return Kind.Bool;
      case 0xc4: case 0xc5: case 0xc6: return Kind.Bin;
      case 0xc7: case 0xc8: case 0xc9: case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: return Kind.Ext;
      case 0xca: case 0xcb: return Kind.Float;
      case 0xcc: case 0xcd: case 0xce: case 0xcf: case 0xd0: case 0xd1: case 0xd2: case 0xd3: return Kind.Int;
      case 0xd9: case 0xda: case 0xdb: return Kind.Str;
      case 0xdc: case 0xdd: return Kind.Array;
      case 0xde: case 0xdf: return Kind.Map;
    }
    return Kind.Invalid;
  }

  /** Consumes a nil if one is next. */
  tryNil(): bool {
    if (this.peek() == Kind.Nil) { this.pos += 1; return true; }
    return false;
  }

  nil(): void {
    if (!this.tryNil()) this.fail("invalid type: expected nil");
  }

  bool(): bool {
    if (!this.need(1)) return false;
    const b = this.b8();
    if (b == 0xc3) return true;
    if (b == 0xc2) return false;
    this.fail("invalid type: expected bool");
    return false;
  }

  /** Any integer format; returns the value as i64 (u64 values above i64 max wrap). */
  private rawInt(): i64 {
    if (!this.need(1)) return 0;
    const b = this.b8();
    if (b <= 0x7f) return <i64>b;
    if (b >= 0xe0) return <i64>(<i8>b);
    switch (b) {
      case 0xcc: if (this.need(1)) return <i64>this.b8(); return 0;
      case 0xcd: if (this.need(2)) return <i64>this.b16(); return 0;
      case 0xce: if (this.need(4)) return <i64>this.b32(); return 0;
      case 0xcf: if (this.need(8)) return <i64>this.b64(); return 0;
      case 0xd0: if (this.need(1)) return <i64>(<i8>this.b8()); return 0;
      case 0xd1: if (this.need(2)) return <i64>(<i16>this.b16()); return 0;
      case 0xd2: if (this.need(4)) return <i64>(<i32>this.b32()); return 0;
      case 0xd3: if (this.need(8)) return <i64>this.b64(); return 0;
    }
    this.pos -= 1;
    this.fail(b == 0xca || b == 0xcb ? "invalid type: floating point, expected integer" : "invalid type: expected integer");
    return 0;
  }

  i64(): i64 { return this.rawInt(); }
  u64(): u64 {
    const first = this.pos < this.data.length ? load<u8>(this.at()) : 0;
    const v = this.rawInt();
    if (v < 0 && first != 0xcf) this.fail("invalid value: negative integer, expected unsigned");
    return <u64>v;
  }
  i32(): i32 {
    const v = this.rawInt();
    if (v < -2147483648 || v > 2147483647) this.fail("invalid value: integer out of range for i32");
    return <i32>v;
  }
  u32(): u32 {
    const v = this.rawInt();
    if (v < 0 || v > 0xffffffff) this.fail("invalid value: integer out of range for u32");
    return <u32>v;
  }
  u16(): u16 {
    const v = this.rawInt();
    if (v < 0 || v > 0xffff) this.fail("invalid value: integer out of range for u16");
    return <u16>v;
  }
  i16(): i16 {
    const v = this.rawInt();
    if (v < -32768 || v > 32767) this.fail("invalid value: integer out of range for i16");
    return <i16>v;
  }
  u8v(): u8 {
    const v = this.rawInt();
    if (v < 0 || v > 0xff) this.fail("invalid value: integer out of range for u8");
    return <u8>v;
  }
  i8(): i8 {
    const v = this.rawInt();
    if (v < -128 || v > 127) this.fail("invalid value: integer out of range for i8");
    return <i8>v;
  }

  /** float32 or float64 (integers are accepted too, as serde does for floats). */
  f64(): f64 {
    const k = this.peek();
    if (k == Kind.Int) return <f64>this.rawInt();
    if (!this.need(1)) return 0;
    const b = this.b8();
    if (b == 0xca && this.need(4)) return <f64>reinterpret<f32>(this.b32());
    if (b == 0xcb && this.need(8)) return reinterpret<f64>(this.b64());
    this.pos -= 1;
    this.fail("invalid type: expected float");
    return 0;
  }
  f32(): f32 { return <f32>this.f64(); }

  private strLen(): i32 {
    if (!this.need(1)) return -1;
    const b = this.b8();
    if (b >= 0xa0 && b <= 0xbf) return <i32>(b & 0x1f);
    if (b == 0xd9 && this.need(1)) return <i32>this.b8();
    if (b == 0xda && this.need(2)) return <i32>this.b16();
    if (b == 0xdb && this.need(4)) return <i32>this.b32();
    this.pos -= 1;
    return -1;
  }

  private binLen(): i32 {
    if (!this.need(1)) return -1;
    const b = this.b8();
    if (b == 0xc4 && this.need(1)) return <i32>this.b8();
    if (b == 0xc5 && this.need(2)) return <i32>this.b16();
    if (b == 0xc6 && this.need(4)) return <i32>this.b32();
    this.pos -= 1;
    return -1;
  }

  str(): string {
    const n = this.strLen();
    if (n < 0) { this.fail("invalid type: expected a string"); return ""; }
    if (!this.need(n)) return "";
    const p = this.at();
    this.pos += n;
    if (n == 0) return "";
    // ASCII (paths, methods, keys) widens into a string of the exact size; the general decoder
    // allocates for the worst case and shrinks it, which splits a block in the allocator
    let i = 0;
    while (i < n && load<u8>(p + <usize>i) < 0x80) i++;
    if (i < n) return String.UTF8.decodeUnsafe(p, <usize>n, false);
    const s = __new(<usize>n << 1, idof<String>());
    for (let j = 0; j < n; j++) store<u16>(s + (<usize>j << 1), <u16>load<u8>(p + <usize>j));
    return changetype<string>(s);
  }

  /** Steps over a string: the same checks and errors as str(), without allocating it. */
  skipStr(): void {
    const n = this.strLen();
    if (n < 0) { this.fail("invalid type: expected a string"); return; }
    if (this.need(n)) this.pos += n;
  }

  /** Reads a map key (a string, same errors as str()) without allocating it; compare it with keyIs(). */
  keyStart(): void {
    this.keyLen = -1;
    const n = this.strLen();
    if (n < 0) { this.fail("invalid type: expected a string"); return; }
    if (!this.need(n)) return;
    this.keyPtr = this.at();
    this.keyLen = n;
    this.pos += n;
  }

  /** Whether the key read by keyStart() is `name` (compared as UTF-8 bytes, in place). */
  keyIs(name: string): bool {
    const n = this.keyLen;
    if (n < 0) return name.length == 0; // after an error str() gives "", so compare like that
    const p = this.keyPtr;
    const len = name.length;
    let j = 0; // byte offset in the key
    for (let i = 0; i < len; i++) {
      let c = <u32>name.charCodeAt(i);
      if (c < 0x80) {
        if (j >= n || <u32>load<u8>(p + <usize>j) != c) return false;
        j++;
        continue;
      }
      // encode this code point as String.UTF8.encode does (WTF-8: a lone surrogate as 3 bytes), compare bytes
      let size = 2;
      if (c >= 0x800) {
        size = 3;
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
          const lo = <u32>name.charCodeAt(i + 1);
          if (lo >= 0xdc00 && lo <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00); size = 4; i++; }
        }
      }
      if (j + size > n) return false;
      const q = p + <usize>j;
      if (size == 2) {
        if (load<u8>(q) != <u8>(0xc0 | (c >> 6)) || load<u8>(q, 1) != <u8>(0x80 | (c & 0x3f))) return false;
      } else if (size == 3) {
        if (load<u8>(q) != <u8>(0xe0 | (c >> 12)) || load<u8>(q, 1) != <u8>(0x80 | ((c >> 6) & 0x3f)) || load<u8>(q, 2) != <u8>(0x80 | (c & 0x3f))) return false;
      } else {
        if (load<u8>(q) != <u8>(0xf0 | (c >> 18)) || load<u8>(q, 1) != <u8>(0x80 | ((c >> 12) & 0x3f))
          || load<u8>(q, 2) != <u8>(0x80 | ((c >> 6) & 0x3f)) || load<u8>(q, 3) != <u8>(0x80 | (c & 0x3f))) return false;
      }
      j += size;
    }
    return j == n;
  }

  /** bin (or str, or nil for an empty blob) as bytes. */
  bin(): Uint8Array {
    if (this.tryNil()) return EMPTY_BYTES;
    let n = this.binLen();
    if (n < 0) n = this.strLen();
    if (n < 0) { this.fail("invalid type: expected a byte array"); return EMPTY_BYTES; }
    if (!this.need(n)) return EMPTY_BYTES;
    if (n == 0) return EMPTY_BYTES;
    const out = new Uint8Array(n);
    memory.copy(out.dataStart, this.at(), <usize>n);
    this.pos += n;
    return out;
  }

  arrayHeader(): i32 {
    if (!this.need(1)) return 0;
    const b = this.b8();
    if (b >= 0x90 && b <= 0x9f) return <i32>(b & 0x0f);
    if (b == 0xdc && this.need(2)) return <i32>this.b16();
    if (b == 0xdd && this.need(4)) return <i32>this.b32();
    this.pos -= 1;
    this.fail("invalid type: expected a sequence");
    return 0;
  }

  mapHeader(): i32 {
    if (!this.need(1)) return 0;
    const b = this.b8();
    if (b >= 0x80 && b <= 0x8f) return <i32>(b & 0x0f);
    if (b == 0xde && this.need(2)) return <i32>this.b16();
    if (b == 0xdf && this.need(4)) return <i32>this.b32();
    this.pos -= 1;
    this.fail("invalid type: expected a map");
    return 0;
  }

  /** Skips one complete value (used for unknown map keys). */
  skip(): void {
    const k = this.peek();
    switch (k) {
      case Kind.Nil: this.pos += 1; return;
      case Kind.Bool: this.pos += 1; return;
      case Kind.Int: this.rawInt(); return;
      case Kind.Float: this.f64(); return;
      case Kind.Str: { const n = this.strLen(); if (this.need(n)) this.pos += n; return; }
      case Kind.Bin: { const n = this.binLen(); if (this.need(n)) this.pos += n; return; }
      case Kind.Array: { const n = this.arrayHeader(); for (let i = 0; i < n && this.ok; i++) this.skip(); return; }
      case Kind.Map: { const n = this.mapHeader(); for (let i = 0; i < n * 2 && this.ok; i++) this.skip(); return; }
      case Kind.Ext: {
        const b = this.b8();
        let n: i32 = 0;
        if (b == 0xd4) n = 1; else if (b == 0xd5) n = 2; else if (b == 0xd6) n = 4; else if (b == 0xd7) n = 8; else if (b == 0xd8) n = 16;
        else if (b == 0xc7 && this.need(1)) n = <i32>this.b8();
        else if (b == 0xc8 && this.need(2)) n = <i32>this.b16();
        else if (b == 0xc9 && this.need(4)) n = <i32>this.b32();
        if (this.need(n + 1)) this.pos += n + 1;
        return;
      }
      case Kind.End: this.fail("unexpected end of input"); return;
      default: this.fail("invalid msgpack marker"); return;
    }
  }

  /** Fails if bytes are left over after the top-level value. */
  finish(): void {
    if (this.error === null && this.pos != this.data.length) this.fail("trailing bytes after value");
  }
}

// Helpers used by generated code for common container shapes.

export function writeStringList(w: Writer, v: Array<string>): void {
  w.arrayHeader(<u32>v.length);
  for (let i = 0; i < v.length; i++) w.str(v[i]);
}

export function readStringList(r: Reader): Array<string> {
  const n = r.arrayHeader();
  const out = new Array<string>();
  for (let i = 0; i < n && r.ok; i++) out.push(r.str());
  return out;
}
