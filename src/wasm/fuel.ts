// Fuel instrumentation: lets the host stop a looping or endlessly recursing actor that runs on the
// main thread (no worker to terminate). Every loop header and the entry of every function that
// makes calls (leaves are bounded without one) decrements a new
// mutable i32 global; below zero the code calls the import `stratus.refuel`, whose result becomes
// the new fuel. The host's refuel checks the deadline and throws to abort, which unwinds the wasm.
// Pure bytes-in/bytes-out rewrite; anything we cannot decode exactly is a FuelError (the host then
// falls back to a worker), never a guess.
import { StratusError } from '../host/errors.js';
import { CodeReader, DecodeError, OP } from './instructions.js';
import { readSections, SECTION, WASM_HEADER, type WasmSection } from './sections.js';

export const FUEL_IMPORT_MODULE = 'stratus';
export const FUEL_IMPORT_NAME = 'refuel';
export const DEFAULT_INITIAL_FUEL = 10_000;

/** The module cannot be instrumented (unknown opcode, unsupported construct, malformed bytes). */
export class FuelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FuelError';
  }
}

// Canonical section order (the tag section, 13, sits after memory; datacount, 12, before code).
const RANK: Record<number, number> = {
  [SECTION.type]: 1, [SECTION.import]: 2, [SECTION.function]: 3, [SECTION.table]: 4, [SECTION.memory]: 5,
  [SECTION.tag]: 6, [SECTION.global]: 7, [SECTION.export]: 8, [SECTION.start]: 9, [SECTION.element]: 10,
  [SECTION.datacount]: 11, [SECTION.code]: 12, [SECTION.data]: 13,
};

const utf8 = new TextEncoder();

/** Growable output buffer. */
class Sink {
  len = 0;
  constructor(public buf = new Uint8Array(256)) {}

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b;
  }

  leb(v: number): void {
    this.room(5);
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.buf[this.len++] = b;
    } while (v !== 0);
  }

  bytes(src: Uint8Array, from = 0, to = src.length): void {
    const n = to - from;
    this.room(n);
    if (n < 64) { // most copies are a few instructions: a loop beats creating a subarray view
      const buf = this.buf;
      let at = this.len;
      for (let i = from; i < to; i++) buf[at++] = src[i]!;
    } else {
      this.buf.set(src.subarray(from, to), this.len);
    }
    this.len += n;
  }

  name(s: string): void {
    const b = utf8.encode(s);
    this.leb(b.length);
    this.bytes(b);
  }

  /** Append `payload` framed as section `id`. */
  section(id: number, payload: Sink): void {
    this.byte(id);
    this.leb(payload.len);
    this.bytes(payload.buf, 0, payload.len);
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** Per-module rewrite state. */
interface Ctx {
  bytes: Uint8Array;
  /** Imported function count: defined functions at or above it shift by one. */
  funcImports: number;
  /** Index of the new refuel import (= old funcImports). */
  refuel: number;
  /** Index of the new fuel global. */
  fuelGlobal: number;
  /** Index of `() -> i32` in the output type section. */
  refuelType: number;
  initialFuel: number;
  /** The injected check, built once the indices are known. */
  check?: Uint8Array;
}

const remap = (c: Ctx, f: number) => (f >= c.funcImports ? f + 1 : f);

/**
 * Rewrites a core wasm module so every function entry and loop header spends one unit of fuel and
 * calls `stratus.refuel: () -> i32` when it runs out. The fuel global starts at `initialFuel`.
 * Throws FuelError if the module uses anything the decoder does not know or is malformed.
 */
export function injectFuel(wasm: Uint8Array, opts: { initialFuel?: number } = {}): Uint8Array {
  const initialFuel = opts.initialFuel ?? DEFAULT_INITIAL_FUEL;
  if (!Number.isInteger(initialFuel) || initialFuel < 0 || initialFuel > 0x7fffffff) {
    throw new RangeError(`initialFuel must be an integer in [0, 2^31-1], got ${initialFuel}`);
  }
  try {
    return rewrite(wasm, initialFuel);
  } catch (e) {
    if (e instanceof FuelError) throw e;
    if (e instanceof DecodeError) throw new FuelError(`cannot instrument the module for fuel: ${e.message}`, { cause: e });
    if (e instanceof StratusError) throw new FuelError(`cannot instrument a malformed module for fuel: ${e.message}`, { cause: e });
    throw e;
  }
}

function rewrite(bytes: Uint8Array, initialFuel: number): Uint8Array {
  const sections = readSections(bytes);
  const c: Ctx = { bytes, funcImports: 0, refuel: 0, fuelGlobal: 0, refuelType: 0, initialFuel };
  const has = (id: number) => sections.some((s) => s.id === id);
  let globalImports = 0;

  // Sections the module lacks but we must add, each emitted just before the first later section.
  const missing: { rank: number; emit: (out: Sink) => void }[] = [];
  if (!has(SECTION.type)) {
    missing.push({ rank: RANK[SECTION.type]!, emit: (out) => out.section(SECTION.type, typeSection(c, undefined)) });
  }
  if (!has(SECTION.import)) {
    missing.push({ rank: RANK[SECTION.import]!, emit: (out) => out.section(SECTION.import, importSection(c, undefined).sink) });
  }
  if (!has(SECTION.global)) {
    missing.push({ rank: RANK[SECTION.global]!, emit: (out) => {
      c.fuelGlobal = globalImports;
      out.section(SECTION.global, globalSection(c, undefined));
    } });
  }

  const out = new Sink(new Uint8Array(bytes.length + (bytes.length >> 3) + 256));
  out.bytes(WASM_HEADER);
  let lastRank = 0;
  for (const s of sections) {
    if (s.id === SECTION.custom) {
      if (s.name !== 'name') out.bytes(bytes, s.start, s.end); // the name section's indices are stale now
      continue;
    }
    const rank = RANK[s.id]!;
    if (rank <= lastRank) throw new FuelError(`section ${s.id} at byte offset ${s.start} is out of order or duplicated`);
    lastRank = rank;
    while (missing.length > 0 && missing[0]!.rank < rank) missing.shift()!.emit(out);

    switch (s.id) {
      case SECTION.type: out.section(s.id, typeSection(c, s)); break;
      case SECTION.import: {
        const p = importSection(c, s);
        globalImports = p.globalImports;
        out.section(s.id, p.sink);
        break;
      }
      case SECTION.global: out.section(s.id, globalSection(c, s, globalImports)); break;
      case SECTION.export: out.section(s.id, exportSection(c, s)); break;
      case SECTION.start: {
        const r = new CodeReader(bytes, s.payloadStart, s.end);
        const p = new Sink();
        p.leb(remap(c, r.u32()));
        trailing(r);
        out.section(s.id, p);
        break;
      }
      case SECTION.table: checkTables(c, s); out.bytes(bytes, s.start, s.end); break;
      case SECTION.element: out.section(s.id, elementSection(c, s)); break;
      case SECTION.code: out.section(s.id, codeSection(c, s)); break;
      default: out.bytes(bytes, s.start, s.end); // nothing in here refers to function indices
    }
  }
  while (missing.length > 0) missing.shift()!.emit(out);
  return out.view().slice();
}

function trailing(r: CodeReader): void {
  if (r.pos !== r.end) throw new FuelError(`unexpected trailing bytes at byte offset ${r.pos}`);
}

/** Tables with an init expression (0x40 0x00 form) could hold ref.func: not supported, so refuse. */
function checkTables(c: Ctx, s: WasmSection): void {
  const r = new CodeReader(c.bytes, s.payloadStart, s.end);
  for (let n = r.u32(); n > 0; n--) {
    if (c.bytes[r.pos] === 0x40) throw new FuelError(`table with an init expression at byte offset ${r.pos} is not supported`);
    r.skipValType();
    r.limits();
  }
  trailing(r);
}

/** Appends `() -> i32` unless the module already has it (then reuses that index). */
function typeSection(c: Ctx, s: WasmSection | undefined): Sink {
  const p = new Sink();
  if (!s) {
    c.refuelType = 0;
    p.leb(1);
    p.bytes(Uint8Array.of(0x60, 0x00, 0x01, 0x7f));
    return p;
  }
  const r = new CodeReader(c.bytes, s.payloadStart, s.end);
  const n = r.u32();
  const body = r.pos;
  let found = -1;
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const form = r.u8();
    if (form !== 0x60) throw new FuelError(`type ${i} at byte offset ${at} is not a plain function type (form 0x${form.toString(16)}); GC types are not supported`);
    for (let k = r.u32(); k > 0; k--) r.skipValType();
    for (let k = r.u32(); k > 0; k--) r.skipValType();
    const b = c.bytes;
    if (found < 0 && r.pos - at === 4 && b[at + 1] === 0 && b[at + 2] === 1 && b[at + 3] === 0x7f) found = i;
  }
  trailing(r);
  if (found >= 0) {
    c.refuelType = found;
    p.bytes(c.bytes, s.payloadStart, s.end);
    return p;
  }
  c.refuelType = n;
  p.leb(n + 1);
  p.bytes(c.bytes, body, s.end);
  p.bytes(Uint8Array.of(0x60, 0x00, 0x01, 0x7f));
  return p;
}

/** Counts imported functions and globals and appends the refuel import. */
function importSection(c: Ctx, s: WasmSection | undefined): { sink: Sink; globalImports: number } {
  const p = new Sink();
  let funcs = 0;
  let globals = 0;
  if (!s) {
    p.leb(1);
  } else {
    const r = new CodeReader(c.bytes, s.payloadStart, s.end);
    const n = r.u32();
    const body = r.pos;
    for (let i = 0; i < n; i++) {
      r.name();
      r.name();
      const at = r.pos;
      const kind = r.u8();
      switch (kind) {
        case 0: r.u32(); funcs++; break; // func: type index
        case 1: r.skipValType(); r.limits(); break; // table
        case 2: r.limits(); break; // memory
        case 3: r.skipValType(); r.u8(); globals++; break; // global: type, mutability
        case 4: r.u8(); r.u32(); break; // tag: attribute, type index
        default: throw new FuelError(`unknown import kind ${kind} at byte offset ${at}`);
      }
    }
    trailing(r);
    p.leb(n + 1);
    p.bytes(c.bytes, body, s.end);
  }
  p.name(FUEL_IMPORT_MODULE);
  p.name(FUEL_IMPORT_NAME);
  p.byte(0x00);
  p.leb(c.refuelType);
  c.funcImports = funcs;
  c.refuel = funcs;
  return { sink: p, globalImports: globals };
}

/** Rewrites ref.func in the init expressions and appends `(global (mut i32) (i32.const initialFuel))`. */
function globalSection(c: Ctx, s: WasmSection | undefined, globalImports = 0): Sink {
  const p = new Sink();
  if (!s) {
    p.leb(1);
  } else {
    const r = new CodeReader(c.bytes, s.payloadStart, s.end);
    const n = r.u32();
    p.leb(n + 1);
    for (let i = 0; i < n; i++) {
      const at = r.pos;
      r.skipValType();
      r.u8(); // mutability
      p.bytes(c.bytes, at, r.pos);
      copyCode(c, r, p, false);
    }
    trailing(r);
    c.fuelGlobal = globalImports + n;
  }
  p.byte(0x7f);
  p.byte(0x01);
  p.byte(0x41);
  sleb(p, c.initialFuel);
  p.byte(0x0b);
  return p;
}

function sleb(p: Sink, v: number): void {
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) return p.byte(b);
    p.byte(b | 0x80);
  }
}

function exportSection(c: Ctx, s: WasmSection): Sink {
  const p = new Sink();
  const r = new CodeReader(c.bytes, s.payloadStart, s.end);
  const n = r.u32();
  p.leb(n);
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    r.name();
    const kind = r.u8();
    p.bytes(c.bytes, at, r.pos);
    const index = r.u32();
    p.leb(kind === 0 ? remap(c, index) : index);
  }
  trailing(r);
  return p;
}

/** All 8 element segment encodings: function index vectors and const expressions (ref.func). */
function elementSection(c: Ctx, s: WasmSection): Sink {
  const p = new Sink();
  const r = new CodeReader(c.bytes, s.payloadStart, s.end);
  const n = r.u32();
  p.leb(n);
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const flags = r.u32();
    if (flags > 7) throw new FuelError(`unknown element segment flags ${flags} at byte offset ${at}`);
    p.leb(flags);
    const passiveOrDeclared = (flags & 1) !== 0;
    const explicitTable = (flags & 2) !== 0;
    const usesExprs = (flags & 4) !== 0;
    if (!passiveOrDeclared) {
      if (explicitTable) p.leb(r.u32());
      copyCode(c, r, p, false); // offset
    }
    if (passiveOrDeclared || explicitTable) { // elemkind byte or reftype
      const k = r.pos;
      if (usesExprs) r.skipValType();
      else if (r.u8() !== 0x00) throw new FuelError(`unknown element kind at byte offset ${k}`);
      p.bytes(c.bytes, k, r.pos);
    }
    const count = r.u32();
    p.leb(count);
    for (let j = 0; j < count; j++) {
      if (usesExprs) copyCode(c, r, p, false);
      else p.leb(remap(c, r.u32()));
    }
  }
  trailing(r);
  return p;
}

/** The injected check: fuel -= 1; if (fuel < 0) fuel = refuel(). */
function fuelCheck(c: Ctx): Uint8Array {
  if (c.check) return c.check;
  const p = new Sink();
  const g = () => p.leb(c.fuelGlobal);
  p.byte(0x23); g(); // global.get $fuel
  p.byte(0x41); p.byte(0x01); // i32.const 1
  p.byte(0x6b); // i32.sub
  p.byte(0x24); g(); // global.set $fuel   (wasm has no global.tee: set, then get again)
  p.byte(0x23); g(); // global.get $fuel
  p.byte(0x41); p.byte(0x00); // i32.const 0
  p.byte(0x48); // i32.lt_s
  p.byte(0x04); p.byte(0x40); // if
  p.byte(0x10); p.leb(c.refuel); // call $refuel
  p.byte(0x24); g(); // global.set $fuel
  p.byte(0x0b); // end
  c.check = p.view().slice();
  return c.check;
}

/**
 * Copy one expression (up to and including its final `end`) from `r` to `p`, shifting function
 * indices and, in function bodies, inserting the fuel check after every loop header.
 */
function copyCode(c: Ctx, r: CodeReader, p: Sink, fuel: boolean): void {
  const b = c.bytes;
  const check = fuel ? fuelCheck(c) : undefined;
  let copied = r.pos;
  r.depth = 1;
  while (r.depth > 0) {
    r.next();
    const op = r.op;
    if (op === OP.call || op === OP.return_call || op === OP.ref_func) {
      if (r.funcIndex >= c.funcImports) {
        p.bytes(b, copied, r.immStart);
        p.leb(r.funcIndex + 1);
        copied = r.pos;
      }
    } else if (op === OP.loop && check) {
      p.bytes(b, copied, r.pos);
      p.bytes(check);
      copied = r.pos;
    }
  }
  p.bytes(b, copied, r.pos);
}

/** Whether the instructions in [start, end) include a call of any kind (0x10-0x13). */
function makesCalls(c: Ctx, start: number, end: number): boolean {
  const r = new CodeReader(c.bytes, start, end);
  r.depth = 1;
  while (r.depth > 0) {
    r.next();
    if (r.op >= 0x10 && r.op <= 0x13) return true;
  }
  return false;
}

function codeSection(c: Ctx, s: WasmSection): Sink {
  const size = s.end - s.payloadStart;
  const p = new Sink(new Uint8Array(size + (size >> 3) + 256));
  const body = new Sink();
  const check = fuelCheck(c);
  const r = new CodeReader(c.bytes, s.payloadStart, s.end);
  const n = r.u32();
  p.leb(n);
  for (let i = 0; i < n; i++) {
    const sizeAt = r.pos;
    const size = r.u32();
    const end = r.pos + size;
    if (end > s.end) throw new FuelError(`function body ${i} at byte offset ${sizeAt} runs past the code section`);
    const fr = new CodeReader(c.bytes, r.pos, end);
    const localsAt = fr.pos;
    for (let k = fr.u32(); k > 0; k--) {
      fr.u32();
      fr.skipValType();
    }
    body.len = 0;
    body.bytes(c.bytes, localsAt, fr.pos);
    // A body without calls cannot recurse and its loops are checked at their headers: it runs a
    // bounded time without an entry check (most small helpers of a compiled actor are such leaves).
    if (makesCalls(c, fr.pos, end)) body.bytes(check);
    copyCode(c, fr, body, true);
    if (fr.pos !== end) throw new FuelError(`function body ${i} has ${end - fr.pos} bytes after its final end (byte offset ${fr.pos})`);
    p.leb(body.len);
    p.bytes(body.buf, 0, body.len);
    r.pos = end;
  }
  trailing(r);
  return p;
}
