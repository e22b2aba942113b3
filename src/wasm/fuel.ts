// Fuel instrumentation: lets the host stop a looping or endlessly recursing actor that runs on the
// main thread (no worker to terminate). Every loop header and the entry of every function that
// makes calls (leaves are bounded without one) decrements a new mutable i32 global; below zero the
// code calls the import `stratus.refuel(left)`, whose result becomes the new fuel. The host's refuel
// checks the clock and throws to abort, which unwinds the wasm.
//
// Instructions whose cost grows with an operand are weighed (see WEIGHTS): memory.grow, the bulk
// memory instructions and the table bulk instructions call a small injected helper first, which
// spends fuel in proportion to the operand and checks at once, so no loop of them (and no unrolled
// run of them) gets far past a clock check. A blocking memory.atomic.wait is refused: no fuel check
// can interrupt it, so such a module runs on a worker thread.
// Pure bytes-in/bytes-out rewrite; anything we cannot decode exactly is a FuelError (the host then
// falls back to a worker), never a guess.
import { StratusError } from '../core/errors.js';
import { CodeReader, DecodeError, OP } from './instructions.js';
import { readSections, SECTION, WASM_HEADER, type WasmSection } from './sections.js';

export const FUEL_IMPORT_MODULE = 'stratus';
export const FUEL_IMPORT_NAME = 'refuel';
export const DEFAULT_INITIAL_FUEL = 10_000;
/** Bump when the rewrite's output changes (weights, the check, the refuel import), so code cached
 *  from an older rewrite is not reused (prepare.ts keys the cache with it). 2: weighed instructions. */
export const FUEL_RECIPE_VERSION = 2;

/**
 * Fuel spent by the weighed instructions. One unit is what a loop header costs at the least: the
 * tightest loop (`br_if` on a decrement) runs an iteration in 0.29 ns on the project machine (Node
 * 20.20, V8 11.3), so a unit stands for at least ~0.3 ns, and each weight below is the instruction's
 * measured worst cost divided by 0.3 ns (rounded up to a power of two, so the helper shifts).
 * Measured with in-process loops, medians of 3-7 runs (`node dist/bench/fuel.js` measures them again):
 *  - memory.grow: 3 us per call while memory is small, 0.3-2.5 ms once it holds 64 MiB or more,
 *    whatever the number of pages asked for (V8 reports the new size to its GC, which then starts
 *    old-space collections: 1 024 one-page grows from 1 page took 34-49 ms, 4 096 from 1 page
 *    5-6.4 s). So a grow is charged for the memory it leaves: (pages now + pages asked) x 4 096
 *    units (~1.2 us per page; 1 024 pages -> ~1.2 ms).
 *  - memory.fill / memory.copy / memory.init: 0.007-0.035 ns per byte (16 MiB copy 0.58 ms), up to
 *    0.11 ns per byte with the machine busy (16 MiB copy 1.9 ms at load 12), plus 3-7 ns per
 *    instruction: 1 unit per 4 bytes (~0.08 ns per byte). Lengths known to be at most
 *    CHEAP_BULK_BYTES (an i32.const right before the instruction) are not charged: they cost a few
 *    ns, like any other instruction between two loop headers.
 *  - table.fill / table.copy / table.init / table.grow: 17-63 ns per element (table.copy of 50 000
 *    elements: 194 ns each): 1 024 units per element (~0.3 us), counting at most 2^20 elements per
 *    instruction so the charge stays an i32 (a larger one is cut short by V8's 10 M element limit).
 */
export const WEIGHTS = {
  /** log2 of the units per page of memory after a memory.grow. */
  growPageShift: 12,
  /** log2 of the bytes per unit of memory.fill/copy/init. */
  bulkByteShift: 2,
  /** log2 of the units per element of table.fill/copy/init/grow. */
  tableElemShift: 10,
  /** Elements charged at most per table instruction. */
  tableElemCap: 1 << 20,
} as const;

/** Bulk memory instructions with a constant length up to this are not weighed. */
export const CHEAP_BULK_BYTES = 512;

/** Fuel a memory.grow of `pages` costs when memory holds `currentPages` (what the helper spends). */
export function growCost(currentPages: number, pages: number): number {
  return (Math.min(pages >>> 0, 65536) + currentPages) << WEIGHTS.growPageShift;
}

/** Fuel a memory.fill/copy/init of `bytes` costs. */
export function bulkCost(bytes: number): number {
  return (bytes >>> 0) >>> WEIGHTS.bulkByteShift;
}

/** Fuel a table.fill/copy/init/grow of `elements` costs. */
export function tableCost(elements: number): number {
  return Math.min(elements >>> 0, WEIGHTS.tableElemCap) << WEIGHTS.tableElemShift;
}

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
  /** Index of `(i32) -> i32` in the output type section: refuel and the charge helpers. */
  refuelType: number;
  initialFuel: number;
  /** The module has a linear memory (defined or imported): the grow helper reads its size. */
  hasMemory: boolean;
  /** Output indices of the appended charge helpers, set once the function section is known. */
  helpers?: { grow: number; bulk: number; table: number };
  /** The injected check, built once the indices are known. */
  check?: Uint8Array;
}

const remap = (c: Ctx, f: number) => (f >= c.funcImports ? f + 1 : f);

/**
 * Rewrites a core wasm module so every function entry and loop header spends one unit of fuel, the
 * weighed instructions spend in proportion to their operand (WEIGHTS), and the code calls
 * `stratus.refuel: (left: i32) -> i32` when fuel runs out; `left` (zero or below) tells the host by
 * how much the guest overspent. The fuel global starts at `initialFuel`.
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
  const c: Ctx = { bytes, funcImports: 0, refuel: 0, fuelGlobal: 0, refuelType: 0, initialFuel, hasMemory: false };
  const has = (id: number) => sections.some((s) => s.id === id);
  if (has(SECTION.function) !== has(SECTION.code)) throw new FuelError('the module has a function section without a code section, or the reverse');
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
      case SECTION.memory: checkMemories(c, s); out.bytes(bytes, s.start, s.end); break;
      case SECTION.function: out.section(s.id, functionSection(c, s)); break;
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
    checkLimits(r, 'table');
  }
  trailing(r);
}

function checkMemories(c: Ctx, s: WasmSection): void {
  const r = new CodeReader(c.bytes, s.payloadStart, s.end);
  for (let n = r.u32(); n > 0; n--) {
    checkLimits(r, 'memory');
    c.hasMemory = true;
  }
  trailing(r);
}

/** The charge helpers take an i32 operand: 64-bit memories and tables (i64 operands) are refused. */
function checkLimits(r: CodeReader, what: 'memory' | 'table'): void {
  const at = r.pos;
  if (r.limits().memory64) throw new FuelError(`64-bit ${what} at byte offset ${at} is not supported`);
}

/** Appends the three charge helpers' type (`(i32) -> i32`) and records their indices. */
function functionSection(c: Ctx, s: WasmSection): Sink {
  const r = new CodeReader(c.bytes, s.payloadStart, s.end);
  const n = r.u32();
  const body = r.pos;
  for (let i = 0; i < n; i++) r.u32();
  trailing(r);
  const first = c.funcImports + 1 + n;
  c.helpers = { grow: first, bulk: first + 1, table: first + 2 };
  const p = new Sink();
  p.leb(n + 3);
  p.bytes(c.bytes, body, s.end);
  for (let i = 0; i < 3; i++) p.leb(c.refuelType);
  return p;
}

const I32_TO_I32 = Uint8Array.of(0x60, 0x01, 0x7f, 0x01, 0x7f);

/** Appends `(i32) -> i32` unless the module already has it (then reuses that index). */
function typeSection(c: Ctx, s: WasmSection | undefined): Sink {
  const p = new Sink();
  if (!s) {
    c.refuelType = 0;
    p.leb(1);
    p.bytes(I32_TO_I32);
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
    if (found < 0 && r.pos - at === 5 && b[at + 1] === 1 && b[at + 2] === 0x7f && b[at + 3] === 1 && b[at + 4] === 0x7f) found = i;
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
  p.bytes(I32_TO_I32);
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
        case 1: r.skipValType(); checkLimits(r, 'table'); break;
        case 2: checkLimits(r, 'memory'); c.hasMemory = true; break;
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

/** The injected check: fuel -= 1; if (fuel < 0) fuel = refuel(fuel). */
function fuelCheck(c: Ctx): Uint8Array {
  if (c.check) return c.check;
  const p = new Sink();
  p.byte(0x23); p.leb(c.fuelGlobal); // global.get $fuel
  p.byte(0x41); p.byte(0x01); // i32.const 1
  p.byte(0x6b); // i32.sub
  p.byte(0x24); p.leb(c.fuelGlobal); // global.set $fuel   (wasm has no global.tee: set, then get again)
  refuelIfSpent(c, p);
  c.check = p.view().slice();
  return c.check;
}

/** if (fuel < 0) fuel = refuel(fuel) */
function refuelIfSpent(c: Ctx, p: Sink): void {
  const g = () => p.leb(c.fuelGlobal);
  p.byte(0x23); g(); // global.get $fuel
  p.byte(0x41); p.byte(0x00); // i32.const 0
  p.byte(0x48); // i32.lt_s
  p.byte(0x04); p.byte(0x40); // if
  p.byte(0x23); g(); // global.get $fuel: what is left (zero or less)
  p.byte(0x10); p.leb(c.refuel); // call $refuel
  p.byte(0x24); g(); // global.set $fuel
  p.byte(0x0b); // end
}

/**
 * The charge helpers, `(param $n i32) (result i32)`: fuel -= cost($n); check at once; return $n, so
 * a call placed right before a weighed instruction leaves its operands as they were.
 */
function helperBodies(c: Ctx): Sink[] {
  const body = (cost: (p: Sink) => void): Sink => {
    const p = new Sink();
    p.byte(0x00); // no locals
    p.byte(0x23); p.leb(c.fuelGlobal); // global.get $fuel
    cost(p); // leaves the cost (an i32 in [0, 2^30]) on the stack
    p.byte(0x6b); // i32.sub
    p.byte(0x24); p.leb(c.fuelGlobal); // global.set $fuel
    refuelIfSpent(c, p);
    p.byte(0x20); p.byte(0x00); // local.get $n
    p.byte(0x0b); // end
    return p;
  };
  /** min($n, cap) as unsigned: select(cap, $n, $n >= cap) */
  const capped = (p: Sink, cap: number) => {
    p.byte(0x41); sleb(p, cap); // i32.const cap
    p.byte(0x20); p.byte(0x00); // local.get $n
    p.byte(0x20); p.byte(0x00); // local.get $n
    p.byte(0x41); sleb(p, cap); // i32.const cap
    p.byte(0x4f); // i32.ge_u
    p.byte(0x1b); // select: cap if $n >= cap, else $n
  };
  const shl = (p: Sink, k: number) => { p.byte(0x41); sleb(p, k); p.byte(0x74); }; // i32.const k; i32.shl
  const grow = body((p) => {
    capped(p, 65536);
    if (c.hasMemory) { p.byte(0x3f); p.byte(0x00); p.byte(0x6a); } // memory.size 0; i32.add
    shl(p, WEIGHTS.growPageShift);
  });
  const bulk = body((p) => {
    p.byte(0x20); p.byte(0x00); // local.get $n
    p.byte(0x41); sleb(p, WEIGHTS.bulkByteShift); // i32.const shift
    p.byte(0x76); // i32.shr_u
  });
  const table = body((p) => {
    capped(p, WEIGHTS.tableElemCap);
    shl(p, WEIGHTS.tableElemShift);
  });
  return [grow, bulk, table];
}

/**
 * Copy one expression (up to and including its final `end`) from `r` to `p`, shifting function
 * indices and, in function bodies, inserting the fuel check after every loop header.
 */
function copyCode(c: Ctx, r: CodeReader, p: Sink, fuel: boolean): void {
  const b = c.bytes;
  const check = fuel ? fuelCheck(c) : undefined;
  let copied = r.pos;
  /** The last i32.const: where it starts and ends (a bulk instruction right after it has a constant length). */
  let constStart = -1;
  let constEnd = -1;
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
    } else if (op === OP.i32_const) {
      constStart = r.start;
      constEnd = r.pos;
    } else if (check && (op === OP.memory_grow || op === 0xfc || op === 0xfe)) {
      const helper = weighed(c, r, constEnd === r.start ? constStart : -1);
      if (helper >= 0) {
        p.bytes(b, copied, r.start);
        p.byte(0x10); p.leb(helper); // call $charge: takes the operand on top and puts it back
        copied = r.start;
      }
    }
  }
  p.bytes(b, copied, r.pos);
}

/**
 * The charge helper to call before the instruction `r` just read, or -1 when it is not weighed.
 * `constAt` is where an `i32.const` right before it starts (its value is the length operand), or -1.
 */
function weighed(c: Ctx, r: CodeReader, constAt: number): number {
  const h = c.helpers;
  if (!h) throw new FuelError('code without a function section'); // checked in rewrite(); keeps the types honest
  if (r.op === OP.memory_grow) {
    if (r.bytes[r.immStart] !== 0x00) throw new FuelError(`memory.grow of a memory other than memory 0 at byte offset ${r.start} is not supported`);
    return h.grow;
  }
  if (r.op === 0xfe) {
    // memory.atomic.wait32/64 may block for any time (forever, if nothing notifies): no check can stop it
    if (r.sub === 0x01 || r.sub === 0x02) throw new FuelError(`memory.atomic.wait at byte offset ${r.start} would block the host thread`);
    return -1;
  }
  switch (r.sub) {
    case 8: case 10: case 11: { // memory.init memory.copy memory.fill: length on top
      if (constAt >= 0) {
        const len = new CodeReader(r.bytes, constAt + 1, r.start).sleb(32);
        if (len >= 0 && len <= CHEAP_BULK_BYTES) return -1;
      }
      return h.bulk;
    }
    case 12: case 14: case 15: case 17: // table.init table.copy table.grow table.fill: count on top
      return h.table;
    default:
      return -1;
  }
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
  const helpers = helperBodies(c);
  p.leb(n + helpers.length);
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
  for (const h of helpers) {
    p.leb(h.len);
    p.bytes(h.buf, 0, h.len);
  }
  return p;
}
