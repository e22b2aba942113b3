// Instruction decoder for core wasm code (function bodies and constant expressions). It only finds
// instruction boundaries and the few immediates a rewriter needs (function indices, nesting), so a
// module can be rewritten without an engine. Opcodes outside the supported set raise DecodeError:
// guessing an immediate's length would silently corrupt the rest of the body.
// Supported: MVP, sign extension, saturating truncation, bulk memory/table (0xFC 0-17), reference
// types, multi-value, SIMD + relaxed SIMD (0xFD), atomics (0xFE), tail calls, legacy exception
// handling and try_table/throw_ref. Typed references (0x63/0x64 value types) are decoded in types.
import { invalid, Reader } from './sections.js';

/** An opcode the decoder does not know, or bytes that cannot be an instruction. */
export class DecodeError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at byte offset ${offset}`);
    this.name = 'DecodeError';
  }
}

export const OP = {
  block: 0x02, loop: 0x03, if: 0x04, try: 0x06, end: 0x0b, call: 0x10, return_call: 0x12,
  delegate: 0x18, try_table: 0x1f, memory_grow: 0x40, i32_const: 0x41, ref_func: 0xd2,
} as const;

const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

// Single-byte value types: numeric, v128, and the abstract reference shorthands (func, extern, exn, GC ones).
const SIMPLE_VALTYPE = new Uint8Array(256);
for (const b of [0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x71, 0x72, 0x73, 0x74]) SIMPLE_VALTYPE[b] = 1;

/**
 * Cursor that decodes one instruction per `next()`. After each call `start`, `op`, `sub` and
 * `immStart` describe the instruction just read and `pos` is past it. `depth` counts open blocks,
 * starting at 1 for the body's implicit block: the expression is complete when it reaches 0.
 */
export class CodeReader extends Reader {
  start = 0;
  /** First opcode byte. */
  op = 0;
  /** Sub-opcode of 0xFC/0xFD/0xFE instructions, else -1. */
  sub = -1;
  /** Offset of the first immediate (after the opcode and any sub-opcode). */
  immStart = 0;
  /** call / return_call / ref.func: the function index. */
  funcIndex = 0;
  depth = 1;

  /** u32 with a fast path for one-byte LEBs (most indices and immediates). */
  override u32(): number {
    const b = this.bytes[this.pos]!;
    if (b < 0x80 && this.pos < this.end) {
      this.pos++;
      return b;
    }
    return super.u32();
  }

  /** Skip a signed LEB of at most `bits` bits; returns its value (exact up to 2^53). */
  sleb(bits: number): number {
    const at = this.pos;
    const maxBytes = Math.ceil(bits / 7);
    let value = 0;
    let scale = 1;
    for (let i = 0; i < maxBytes; i++) {
      const b = this.u8();
      value += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return b & 0x40 ? value - scale : value;
    }
    throw invalid(`signed LEB128 longer than ${bits} bits`, at);
  }

  /** A value type, including typed references (0x63/0x64 followed by a heap type). */
  skipValType(): void {
    const at = this.pos;
    const b = this.u8();
    if (SIMPLE_VALTYPE[b]) return;
    if (b === 0x63 || b === 0x64) return void this.sleb(33);
    throw new DecodeError(`unknown value type ${hex(b)}`, at);
  }

  /** 0x40 (empty), a value type, or a type index as a non-negative s33. */
  blockType(): void {
    const at = this.pos;
    const b = this.bytes[at];
    if (b !== undefined && (b & 0xc0) === 0x40) {
      if (b === 0x40) this.pos++;
      else this.skipValType();
      return;
    }
    if (this.sleb(33) < 0) throw new DecodeError('bad block type', at);
  }

  /** align (bit 6 = explicit memory index), [memidx], offset (u64 for memory64). */
  memarg(): void {
    const align = this.u32();
    if (align & 0x40) this.u32();
    this.u64();
  }

  private skip(n: number): void {
    if (this.pos + n > this.end) throw invalid('immediate runs past the end of the code', this.pos);
    this.pos += n;
  }

  /** Decode the next instruction. */
  next(): void {
    const start = this.pos;
    if (start >= this.end) throw new DecodeError('code ends without a final end', start);
    this.start = start;
    const op = this.bytes[this.pos++]!;
    this.op = op;
    this.sub = -1;
    this.immStart = this.pos;
    switch (op) {
      case 0x00: case 0x01: case 0x05: case 0x0a: case 0x0f: case 0x19: case 0x1a: case 0x1b: case 0xd1:
        return; // unreachable nop else throw_ref return catch_all drop select ref.is_null
      case 0x0b: // end
        this.depth--;
        return;
      case 0x02: case 0x03: case 0x04: case 0x06: // block loop if try
        this.blockType();
        this.depth++;
        return;
      case 0x07: case 0x08: case 0x09: case 0x0c: case 0x0d: // catch throw rethrow br br_if
      case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26: // local.*, global.*, table.get/set
      case 0x3f: case 0x40: // memory.size/grow
        this.u32();
        return;
      case 0x18: // delegate closes its try
        this.u32();
        this.depth--;
        return;
      case 0x0e: { // br_table: n labels + default
        const n = this.u32();
        for (let i = 0; i <= n; i++) this.u32();
        return;
      }
      case 0x10: case 0x12: case 0xd2: // call return_call ref.func
        this.funcIndex = this.u32();
        return;
      case 0x11: case 0x13: // call_indirect return_call_indirect: type, table
        this.u32();
        this.u32();
        return;
      case 0x1c: { // select t*
        const n = this.u32();
        for (let i = 0; i < n; i++) this.skipValType();
        return;
      }
      case 0x1f: { // try_table bt vec(catch)
        this.blockType();
        const n = this.u32();
        for (let i = 0; i < n; i++) {
          const at = this.pos;
          const kind = this.u8();
          if (kind > 3) throw new DecodeError(`unknown try_table catch kind ${hex(kind)}`, at);
          if (kind < 2) this.u32(); // tag
          this.u32(); // label
        }
        this.depth++;
        return;
      }
      case 0x41: this.sleb(32); return;
      case 0x42: this.sleb(64); return;
      case 0x43: this.skip(4); return;
      case 0x44: this.skip(8); return;
      case 0xd0: this.sleb(33); return; // ref.null heaptype
      case 0xfc: return this.prefixFC();
      case 0xfd: return this.prefixFD();
      case 0xfe: return this.prefixFE();
    }
    if (op >= 0x28 && op <= 0x3e) return this.memarg(); // loads and stores
    if (op >= 0x45 && op <= 0xc4) return; // numeric, incl. sign extension
    throw new DecodeError(`unknown opcode ${hex(op)}`, start);
  }

  private subop(): number {
    const sub = this.u32();
    this.sub = sub;
    this.immStart = this.pos;
    return sub;
  }

  private prefixFC(): void {
    const sub = this.subop();
    if (sub <= 7) return; // saturating truncation
    switch (sub) {
      case 8: this.u32(); this.u32(); return; // memory.init data mem
      case 9: case 11: case 13: case 15: case 16: case 17: this.u32(); return; // data.drop memory.fill elem.drop table.grow/size/fill
      case 10: case 12: case 14: this.u32(); this.u32(); return; // memory.copy table.init table.copy
    }
    throw new DecodeError(`unknown opcode 0xfc ${sub}`, this.start);
  }

  private prefixFD(): void {
    const sub = this.subop();
    if (sub <= 11 || sub === 92 || sub === 93) return this.memarg(); // loads, store, load_zero
    if (sub === 12 || sub === 13) return this.skip(16); // v128.const, i8x16.shuffle
    if (sub >= 21 && sub <= 34) return this.skip(1); // extract/replace lane
    if (sub >= 84 && sub <= 91) { // load/store lane
      this.memarg();
      return this.skip(1);
    }
    if (sub <= 0x113) return; // everything else up to the end of relaxed SIMD has no immediate
    throw new DecodeError(`unknown opcode 0xfd ${sub}`, this.start);
  }

  private prefixFE(): void {
    const sub = this.subop();
    if (sub === 0x03) { // atomic.fence
      const at = this.pos;
      if (this.u8() !== 0) throw new DecodeError('atomic.fence expects a 0x00 byte', at);
      return;
    }
    if (sub <= 0x02 || (sub >= 0x10 && sub <= 0x4e)) return this.memarg();
    throw new DecodeError(`unknown opcode 0xfe ${sub}`, this.start);
  }
}

