// A forward-only reader for the providers' hot-path decoders (HttpResponse, IncrementRequest): it
// reads the common msgpack forms in place and answers -1 or undefined for anything else, so the
// caller can hand the payload to the general decoder (msgpack.ts), with its error messages.

/** A key in its msgpack fixstr form, for MsgpackCursor.matches(). */
export function fixstrKey(name: string): Uint8Array {
  return Uint8Array.from([0xa0 | name.length, ...Buffer.from(name, 'latin1')]);
}

export class MsgpackCursor {
  pos = 0;
  constructor(readonly b: Uint8Array) {}

  /** Whether the next bytes are `encoded` (a key from fixstrKey()); moves past them if so. */
  matches(encoded: Uint8Array): boolean {
    const b = this.b;
    const at = this.pos;
    for (let i = 0; i < encoded.length; i++) if (b[at + i] !== encoded[i]) return false;
    this.pos += encoded.length;
    return true;
  }

  /** Length of a map header, or -1. */
  map(): number {
    const t = this.b[this.pos++]!;
    if (t >= 0x80 && t <= 0x8f) return t & 0x0f;
    if (t === 0xde) return this.u16();
    return -1;
  }

  array(): number {
    const t = this.b[this.pos]!;
    if (t >= 0x90 && t <= 0x9f) { this.pos++; return t & 0x0f; }
    if (t === 0xdc) { this.pos++; return this.u16(); }
    return -1;
  }

  /** Length of a str, or -1 (position unchanged then). */
  strLen(): number {
    const t = this.b[this.pos]!;
    if (t >= 0xa0 && t <= 0xbf) { this.pos++; return t & 0x1f; }
    if (t === 0xd9) { this.pos += 2; return this.b[this.pos - 1]!; }
    if (t === 0xda) { this.pos++; return this.u16(); }
    return -1;
  }

  /** Length of a bin, or -1 (position unchanged then). */
  binLen(): number {
    const b = this.b;
    const t = b[this.pos]!;
    if (t === 0xc4) { this.pos += 2; return b[this.pos - 1]!; }
    if (t === 0xc5) { this.pos++; return this.u16(); }
    if (t === 0xc6) {
      const at = this.pos + 1;
      this.pos += 5;
      return ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;
    }
    return -1;
  }

  /** An ASCII string, or undefined. */
  ascii(): string | undefined {
    const n = this.strLen();
    if (n < 0 || this.pos + n > this.b.length) return undefined;
    let s = '';
    const b = this.b;
    for (let i = this.pos; i < this.pos + n; i++) {
      const c = b[i]!;
      if (c >= 0x80) return undefined;
      s += String.fromCharCode(c);
    }
    this.pos += n;
    return s;
  }

  /** An unsigned integer in a form up to uint16, or -1. */
  uint(): number {
    const t = this.b[this.pos++]!;
    if (t <= 0x7f) return t;
    if (t === 0xcc) return this.b[this.pos++]!;
    if (t === 0xcd) return this.u16();
    return -1;
  }

  /** An integer in a form that always fits i32 (fixints, uint8/16, int8/16/32), or undefined. */
  i32(): number | undefined {
    const b = this.b;
    const at = this.pos;
    const t = b[at]!;
    if (t <= 0x7f) { this.pos += 1; return t; }
    if (t >= 0xe0) { this.pos += 1; return t - 0x100; }
    if (t === 0xcc) { this.pos += 2; return b[at + 1]!; }
    if (t === 0xd0) { this.pos += 2; return (b[at + 1]! << 24) >> 24; }
    if (t === 0xcd) { this.pos += 3; return (b[at + 1]! << 8) | b[at + 2]!; }
    if (t === 0xd1) { this.pos += 3; return (((b[at + 1]! << 8) | b[at + 2]!) << 16) >> 16; }
    if (t === 0xd2) { this.pos += 5; return (b[at + 1]! << 24) | (b[at + 2]! << 16) | (b[at + 3]! << 8) | b[at + 4]!; }
    return undefined;
  }

  u16(): number {
    const v = (this.b[this.pos]! << 8) | this.b[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
}
