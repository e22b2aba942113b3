// Hot-path reader for the Invocation and InvocationResponse of every call between hosts: it
// compares keys as bytes instead of building a string per key and an object per map, and reads
// only the plain shapes Stratus and wasmbus-rpc send. Anything else (a str `msg` from an Elixir
// host, nil fields, traceContext, an unknown key, str32, 64-bit integers, a truncated value)
// returns undefined and goes to wire.ts's bounded decoder, which also words every error. Every
// read checks its length against the bytes left, so work is bounded by the input, as there.
// Why it exists (`node dist/bench/lattice.js`, part (d): CPU ns per message, medians of 21
// interleaved rounds of 20 000, Node 20, the shared 2-core machine; a signed 64-byte echo
// invocation): Invocation 2608 here against 5823 through the generic decoder (0.45x), response
// 641 against 1070 (0.60x). A hand-written encoder was tried too and was no faster than
// msgpackr's pack (2957 against 2710 ns in the same kind of run), so encoding stays in wire.ts.
import type { WasmCloudEntity } from '../../core/wire.js';
import type { WireInvocation, WireResponse } from './wire.js';

const utf8 = new TextDecoder('utf-8');

/** Thrown inside the reader for anything it does not handle; never escapes this file. */
const UNUSUAL = Symbol('unusual');

class Reader {
  pos = 0;
  constructor(readonly b: Uint8Array) {}

  private need(n: number): void {
    if (this.pos + n > this.b.length) throw UNUSUAL;
  }

  mapHeader(): number {
    this.need(1);
    const t = this.b[this.pos++]!;
    if (t >= 0x80 && t <= 0x8f) return t & 0x0f;
    throw UNUSUAL;
  }

  /** The key's bytes as [start, length] (keys here are fixstr). */
  key(): number {
    this.need(1);
    const t = this.b[this.pos]!;
    if (t < 0xa0 || t > 0xbf) throw UNUSUAL;
    const n = t & 0x1f;
    this.pos++;
    this.need(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  is(at: number, name: string): boolean {
    if (this.b[at - 1]! !== (0xa0 | name.length)) return false;
    for (let i = 0; i < name.length; i++) if (this.b[at + i] !== name.charCodeAt(i)) return false;
    return true;
  }

  str(): string {
    this.need(1);
    const t = this.b[this.pos++]!;
    let n: number;
    if (t >= 0xa0 && t <= 0xbf) n = t & 0x1f;
    else if (t === 0xd9) { this.need(1); n = this.b[this.pos++]!; }
    else if (t === 0xda) { this.need(2); n = (this.b[this.pos]! << 8) | this.b[this.pos + 1]!; this.pos += 2; }
    else throw UNUSUAL; // str32 or not a string: the generic decoder
    this.need(n);
    const p = this.pos;
    this.pos += n;
    if (n < 48) {
      let s = '';
      for (let i = 0; i < n; i++) {
        const c = this.b[p + i]!;
        if (c > 0x7f) return utf8.decode(this.b.subarray(p, p + n));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return utf8.decode(this.b.subarray(p, p + n));
  }

  bin(): Uint8Array {
    this.need(1);
    const t = this.b[this.pos++]!;
    let n: number;
    if (t === 0xc4) { this.need(1); n = this.b[this.pos++]!; }
    else if (t === 0xc5) { this.need(2); n = (this.b[this.pos]! << 8) | this.b[this.pos + 1]!; this.pos += 2; }
    else if (t === 0xc6) { this.need(4); n = this.b[this.pos]! * 0x1000000 + ((this.b[this.pos + 1]! << 16) | (this.b[this.pos + 2]! << 8) | this.b[this.pos + 3]!); this.pos += 4; }
    else throw UNUSUAL;
    this.need(n);
    const v = new Uint8Array(this.b.buffer, this.b.byteOffset + this.pos, n); // a view, as the generic decoder gives
    this.pos += n;
    return v;
  }

  uint(): number {
    this.need(1);
    const t = this.b[this.pos++]!;
    if (t < 0x80) return t;
    if (t === 0xcc) { this.need(1); return this.b[this.pos++]!; }
    if (t === 0xcd) { this.need(2); const v = (this.b[this.pos]! << 8) | this.b[this.pos + 1]!; this.pos += 2; return v; }
    if (t === 0xce) { this.need(4); const v = this.b[this.pos]! * 0x1000000 + ((this.b[this.pos + 1]! << 16) | (this.b[this.pos + 2]! << 8) | this.b[this.pos + 3]!); this.pos += 4; return v; }
    throw UNUSUAL; // 64-bit, signed or not an integer: the generic decoder
  }

  entity(): WasmCloudEntity {
    const n = this.mapHeader();
    let public_key: string | undefined, contract_id: string | undefined, link_name: string | undefined;
    for (let i = 0; i < n; i++) {
      const k = this.key();
      if (this.is(k, 'public_key')) public_key = this.str();
      else if (this.is(k, 'contract_id')) contract_id = this.str();
      else if (this.is(k, 'link_name')) link_name = this.str();
      else throw UNUSUAL;
    }
    if (public_key === undefined || contract_id === undefined || link_name === undefined) throw UNUSUAL;
    return { public_key, contract_id, link_name };
  }
}

/** An Invocation in the plain shape, or undefined (then wire.ts decodes it, or says what is wrong). */
export function decodeInvocationFast(bytes: Uint8Array): WireInvocation | undefined {
  try {
    const r = new Reader(bytes);
    const n = r.mapHeader();
    let origin, target, operation, msg, id, claims, host: string | undefined, length: number | undefined;
    for (let i = 0; i < n; i++) {
      const k = r.key();
      if (r.is(k, 'origin')) origin = r.entity();
      else if (r.is(k, 'target')) target = r.entity();
      else if (r.is(k, 'operation')) operation = r.str();
      else if (r.is(k, 'msg')) msg = r.bin();
      else if (r.is(k, 'id')) id = r.str();
      else if (r.is(k, 'encoded_claims')) claims = r.str();
      else if (r.is(k, 'host_id')) host = r.str();
      else if (r.is(k, 'content_length')) length = r.uint();
      else return undefined;
    }
    if (r.pos !== bytes.length || !origin || !target || operation === undefined || msg === undefined || id === undefined || claims === undefined) return undefined;
    const inv: WireInvocation = { origin, target, operation, msg, id, encoded_claims: claims, host_id: host ?? '' };
    if (length !== undefined) inv.content_length = length;
    return inv;
  } catch (e) {
    if (e === UNUSUAL) return undefined;
    throw e;
  }
}

/** An InvocationResponse in the plain shape, or undefined (then wire.ts decodes it). */
export function decodeResponseFast(bytes: Uint8Array): WireResponse | undefined {
  try {
    const r = new Reader(bytes);
    const n = r.mapHeader();
    let msg: Uint8Array | undefined, id: string | undefined, error: string | undefined, length: number | undefined, instance: string | undefined;
    for (let i = 0; i < n; i++) {
      const k = r.key();
      if (r.is(k, 'msg')) msg = r.bin();
      else if (r.is(k, 'invocation_id')) id = r.str();
      else if (r.is(k, 'error')) error = r.str();
      else if (r.is(k, 'content_length')) length = r.uint();
      else if (r.is(k, 'instance_id')) instance = r.str();
      else return undefined;
    }
    if (r.pos !== bytes.length || msg === undefined) return undefined;
    const out: WireResponse = { msg, invocation_id: id ?? '' };
    if (error !== undefined) out.error = error;
    if (length !== undefined) out.content_length = length;
    if (instance !== undefined) out.instance_id = instance;
    return out;
  } catch (e) {
    if (e === UNUSUAL) return undefined;
    throw e;
  }
}
