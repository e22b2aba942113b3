// A small JSON writer that renders straight into UTF-8 bytes, so handlers can answer JSON
// without string concatenation and without any import (no JSON host shims, cf. the TinyGo seed).

import { GrowableBytes, markRoom } from "./bytes";

// A writer made for a big text (capacity of 64 KiB or more, e.g. an echo sized from its body)
// keeps this many free bytes before the text, where the response's msgpack head is written when
// the text is the body (bytes.ts): the body is then not copied behind the head.
const HEADROOM: i32 = 256;
const HEADROOM_FROM: i32 = 64 * 1024;

export class JsonWriter extends GrowableBytes {
  // One bit per open container (bit i = depth i): set once it holds a value, so a comma is due
  // before the next. Containers nested deeper than 64 keep their flags in `deep` (rare: allocated then).
  private depth: i32 = 0;
  private filled: u64 = 0;
  private deep: Array<bool> | null = null;
  private afterKey: bool = false;

  /** Where the text starts in the storage (HEADROOM for a big writer, else 0). */
  private base: i32 = 0;

  /** `keySeparator` is ":" (compact) or ": " (e.g. `{"counter": 1}`). */
  constructor(private keySeparator: string = ":", capacity: i32 = 64) {
    super(capacity >= HEADROOM_FROM ? capacity + HEADROOM : capacity);
    if (capacity >= HEADROOM_FROM) {
      this.base = HEADROOM;
      this.pos = HEADROOM;
    }
  }

  private byte(b: u8): void {
    this.ensure(1);
    store<u8>(changetype<usize>(this.buf) + <usize>this.pos, b);
    this.pos += 1;
  }

  private ascii(s: string): void {
    for (let i = 0; i < s.length; i++) this.byte(<u8>s.charCodeAt(i));
  }

  // Writes a comma when a value follows another one in the same container.
  private beforeValue(): void {
    if (this.afterKey) { this.afterKey = false; return; }
    const top = this.depth - 1;
    if (top < 0) return;
    if (top < 64) {
      const bit = <u64>1 << <u64>top;
      if (this.filled & bit) this.byte(0x2c);
      this.filled |= bit;
    } else {
      const deep = this.deep!;
      if (deep[top - 64]) this.byte(0x2c);
      deep[top - 64] = true;
    }
  }

  // The innermost container now holds a value (after values written without beforeValue()).
  private markFilled(): void {
    const top = this.depth - 1;
    if (top < 64) this.filled |= <u64>1 << <u64>top;
    else this.deep![top - 64] = true;
  }

  private open(): void {
    const d = this.depth;
    if (d < 64) this.filled &= ~(<u64>1 << <u64>d);
    else {
      if (this.deep === null) this.deep = new Array<bool>();
      this.deep!.push(false);
    }
    this.depth = d + 1;
  }

  private close(): void {
    const d = this.depth - 1;
    if (d < 0) throw new RangeError("Array is empty"); // as the Array-based stack did
    if (d >= 64) this.deep!.pop();
    this.depth = d;
  }

  beginObject(): JsonWriter { this.beforeValue(); this.byte(0x7b); this.open(); return this; }
  endObject(): JsonWriter { this.close(); this.byte(0x7d); return this; }
  beginArray(): JsonWriter { this.beforeValue(); this.byte(0x5b); this.open(); return this; }
  endArray(): JsonWriter { this.close(); this.byte(0x5d); return this; }

  key(name: string): JsonWriter {
    this.beforeValue();
    this.quoted(name);
    this.ascii(this.keySeparator);
    this.afterKey = true;
    return this;
  }

  string(s: string): JsonWriter { this.beforeValue(); this.quoted(s); return this; }
  bool(v: bool): JsonWriter { this.beforeValue(); this.ascii(v ? "true" : "false"); return this; }
  null(): JsonWriter { this.beforeValue(); this.ascii("null"); return this; }

  int(v: i64): JsonWriter {
    this.beforeValue();
    if (v < 0) {
      this.byte(0x2d);
      // -(i64.MIN) overflows; go through u64
      this.digits(<u64>0 - <u64>v);
    } else this.digits(<u64>v);
    return this;
  }

  uint(v: u64): JsonWriter { this.beforeValue(); this.digits(v); return this; }

  /** A JSON array of the byte values, e.g. [104,105]: one bounds check for the whole array. */
  byteArray(bytes: Uint8Array): JsonWriter {
    this.beginArray();
    const n = bytes.length;
    if (n > 0) {
      this.ensure(n * 4); // at most "255," per byte
      const src = bytes.dataStart;
      let p = changetype<usize>(this.buf) + <usize>this.pos;
      const start = p;
      for (let i = 0; i < n; i++) {
        const b = <u32>load<u8>(src + <usize>i);
        if (b >= 100) {
          const h = b / 100, t = b % 100;
          store<u8>(p, <u8>(0x30 + h));
          store<u8>(p, <u8>(0x30 + t / 10), 1);
          store<u8>(p, <u8>(0x30 + t % 10), 2);
          p += 3;
        } else if (b >= 10) {
          store<u8>(p, <u8>(0x30 + b / 10));
          store<u8>(p, <u8>(0x30 + b % 10), 1);
          p += 2;
        } else {
          store<u8>(p, <u8>(0x30 + b));
          p += 1;
        }
        store<u8>(p, 0x2c);
        p += 1;
      }
      this.pos += <i32>(p - start) - 1; // no comma after the last value
      this.markFilled();
    }
    return this.endArray();
  }

  /** Finite floats only; NaN/Infinity become null as JSON has no spelling for them. */
  float(v: f64): JsonWriter {
    this.beforeValue();
    if (!isFinite(v)) { this.ascii("null"); return this; }
    this.ascii(v.toString());
    return this;
  }

  private digits(v: u64): void {
    if (v == 0) { this.byte(0x30); return; }
    let tmp = v;
    let n = 0;
    while (tmp > 0) { tmp /= 10; n++; }
    this.ensure(n);
    const base = changetype<usize>(this.buf) + <usize>this.pos;
    for (let i = n - 1; i >= 0; i--) {
      store<u8>(base + <usize>i, <u8>(0x30 + <u8>(v % 10)));
      v /= 10;
    }
    this.pos += n;
  }

  private quoted(s: string): void {
    this.byte(0x22);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c == 0x22) { this.byte(0x5c); this.byte(0x22); }
      else if (c == 0x5c) { this.byte(0x5c); this.byte(0x5c); }
      else if (c == 0x0a) { this.byte(0x5c); this.byte(0x6e); }
      else if (c == 0x0d) { this.byte(0x5c); this.byte(0x72); }
      else if (c == 0x09) { this.byte(0x5c); this.byte(0x74); }
      else if (c < 0x20) { this.ascii("\\u00"); this.hex(<u8>(c >> 4)); this.hex(<u8>(c & 0xf)); }
      else if (c < 0x80) this.byte(<u8>c);
      else if (c < 0x800) { this.byte(<u8>(0xc0 | (c >> 6))); this.byte(<u8>(0x80 | (c & 0x3f))); }
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const lo = s.charCodeAt(i + 1);
        const cp = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
        this.byte(<u8>(0xf0 | (cp >> 18)));
        this.byte(<u8>(0x80 | ((cp >> 12) & 0x3f)));
        this.byte(<u8>(0x80 | ((cp >> 6) & 0x3f)));
        this.byte(<u8>(0x80 | (cp & 0x3f)));
      } else {
        this.byte(<u8>(0xe0 | (c >> 12)));
        this.byte(<u8>(0x80 | ((c >> 6) & 0x3f)));
        this.byte(<u8>(0x80 | (c & 0x3f)));
      }
    }
    this.byte(0x22);
  }

  private hex(n: u8): void { this.byte(n < 10 ? 0x30 + n : 0x57 + n); }

  /** The JSON text without a copy (for an HTTP body of megabytes): valid until the next write. */
  view(): Uint8Array {
    this.shared = true;
    const v = Uint8Array.wrap(this.buf, this.base, this.pos - this.base);
    if (this.base > 0) markRoom(v.dataStart, this.base);
    return v;
  }

  /** The JSON text as UTF-8 bytes (e.g. an HTTP body). */
  toBytes(): Uint8Array {
    const n = this.pos - this.base;
    const out = new Uint8Array(n);
    memory.copy(out.dataStart, changetype<usize>(this.buf) + <usize>this.base, <usize>n);
    return out;
  }

  toString(): string {
    return String.UTF8.decodeUnsafe(changetype<usize>(this.buf) + <usize>this.base, <usize>(this.pos - this.base), false);
  }
}
