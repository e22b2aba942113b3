// Hot-path decoder for the HttpResponse an actor returns (reference §2.3): reads the common shape
// (a map of statusCode, header, body with ASCII header text and a bin body) straight from the bytes.
// Anything else (other integer or string forms, non-ASCII text, unknown keys, bad values) returns
// undefined and the general decoder in codec.ts handles it, with its error messages.
import type { HttpResponse } from './codec.js';

const EMPTY = new Uint8Array(0);

const STATUS_CODE = 1;
const HEADER = 2;
const BODY = 3;
// fixstr forms of the three field names, compared in place (no string is built for a key)
const NAME_STATUS_CODE = Uint8Array.from([0xaa, ...Buffer.from('statusCode')]);
const NAME_HEADER = Uint8Array.from([0xa6, ...Buffer.from('header')]);
const NAME_BODY = Uint8Array.from([0xa4, ...Buffer.from('body')]);

class Cursor {
  pos = 0;
  constructor(readonly b: Uint8Array) {}

  /** Which of the three fields the next key names (0: another key or form). */
  field(): number {
    switch (this.b[this.pos]) {
      case 0xaa: return this.match(NAME_STATUS_CODE) ? STATUS_CODE : 0;
      case 0xa6: return this.match(NAME_HEADER) ? HEADER : 0;
      case 0xa4: return this.match(NAME_BODY) ? BODY : 0;
      default: return 0;
    }
  }

  private match(name: Uint8Array): boolean {
    const b = this.b;
    const at = this.pos;
    for (let i = 1; i < name.length; i++) if (b[at + i] !== name[i]) return false;
    this.pos += name.length;
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

  uint(): number {
    const t = this.b[this.pos++]!;
    if (t <= 0x7f) return t;
    if (t === 0xcc) return this.b[this.pos++]!;
    if (t === 0xcd) return this.u16();
    return -1;
  }

  u16(): number {
    const v = (this.b[this.pos]! << 8) | this.b[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
}

export function fastDecodeHttpResponse(payload: Uint8Array): HttpResponse | undefined {
  if (payload.length === 0) return undefined;
  const c = new Cursor(payload);
  const fields = c.map();
  if (fields < 0) return undefined;
  let statusCode = -1;
  let body: Uint8Array = EMPTY;
  const headerLines: string[] = [];
  for (let f = 0; f < fields; f++) {
    const key = c.field();
    if (key === STATUS_CODE) {
      statusCode = c.uint();
      if (statusCode < 200 || statusCode > 999) return undefined;
    } else if (key === HEADER) {
      if (payload[c.pos] === 0xc0) { c.pos++; continue; }
      const n = c.map();
      if (n < 0) return undefined;
      for (let i = 0; i < n; i++) {
        const name = c.ascii();
        if (name === undefined) return undefined;
        const count = c.array();
        if (count < 0) {
          const v = c.ascii();
          if (v === undefined) return undefined;
          headerLines.push(name, v);
          continue;
        }
        for (let j = 0; j < count; j++) {
          const v = c.ascii();
          if (v === undefined) return undefined;
          headerLines.push(name, v);
        }
      }
    } else if (key === BODY) {
      const t = payload[c.pos++];
      let n: number;
      if (t === 0xc4) n = payload[c.pos++]!;
      else if (t === 0xc5) n = c.u16();
      else if (t === 0xc6) { n = ((payload[c.pos]! << 24) >>> 0) + (payload[c.pos + 1]! << 16) + (payload[c.pos + 2]! << 8) + payload[c.pos + 3]!; c.pos += 4; }
      else if (t === 0xc0) { body = EMPTY; continue; }
      else return undefined;
      if (c.pos + n > payload.length) return undefined;
      body = payload.subarray(c.pos, c.pos + n);
      c.pos += n;
    } else return undefined;
    if (c.pos > payload.length) return undefined;
  }
  if (statusCode < 0 || c.pos !== payload.length) return undefined;
  return { statusCode, headerLines, body };
}
