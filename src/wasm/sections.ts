// A small reader for the parts of a core wasm module Stratus needs before instantiating it:
// the section layout (for hashing/stripping claims), imports with their function types (portability),
// exports (required entry points), and memory limits (per-actor ceilings).
// Pure: bytes in, plain objects out. Malformed input -> StratusError('INVALID_MODULE', '... at byte offset N').
import { StratusError } from '../core/errors.js';
import { readULEB } from './leb128.js';

export const WASM_HEADER = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);

export const SECTION = {
  custom: 0, type: 1, import: 2, function: 3, table: 4, memory: 5, global: 6,
  export: 7, start: 8, element: 9, code: 10, data: 11, datacount: 12, tag: 13,
} as const;

export interface WasmSection {
  id: number;
  /** Custom sections only: the section name. */
  name?: string;
  /** Offset of the id byte. */
  start: number;
  /** Offset of the payload (after the size LEB). */
  payloadStart: number;
  /** Offset just past the payload. */
  end: number;
}

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';
export type ExternKind = 'func' | 'table' | 'memory' | 'global' | 'tag';

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export interface Limits {
  min: number;
  max?: number;
  shared: boolean;
  memory64: boolean;
}

export interface WasmImport {
  module: string;
  name: string;
  kind: ExternKind;
  /** Functions (and tags): the signature. */
  type?: FuncType;
  /** Memories and tables: the limits. */
  limits?: Limits;
}

export interface WasmExport {
  name: string;
  kind: ExternKind;
  index: number;
  /** Functions: the signature. */
  type?: FuncType;
}

export interface WasmMemory {
  imported: boolean;
  limits: Limits;
}

export interface ModuleInfo {
  sections: WasmSection[];
  types: FuncType[];
  imports: WasmImport[];
  exports: WasmExport[];
  /** Imported memories first, then defined ones (wasm index order). */
  memories: WasmMemory[];
  /** Custom section names in order of appearance. */
  customSections: string[];
}

const KINDS: ExternKind[] = ['func', 'table', 'memory', 'global', 'tag'];
const VALTYPES: Record<number, ValType> = {
  0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref',
};
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function invalid(what: string, offset: number): StratusError {
  return new StratusError('INVALID_MODULE', `invalid wasm module: ${what} at byte offset ${offset}`,
    'rebuild the module; check that the file is a complete core WebAssembly module (not a component, not truncated)');
}

/** Cursor over a byte range that reports the offset of whatever it could not read. */
export class Reader {
  constructor(readonly bytes: Uint8Array, public pos: number, readonly end: number) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) throw invalid('unexpected end of data', this.pos);
    return this.bytes[this.pos++]!;
  }

  u32(): number {
    const { value, next } = readULEB(this.bytes, this.pos, 32);
    if (next > this.end) throw invalid('integer runs past the end of its section', this.pos);
    this.pos = next;
    return value;
  }

  u64(): number {
    const { value, next } = readULEB(this.bytes, this.pos, 64);
    if (next > this.end) throw invalid('integer runs past the end of its section', this.pos);
    this.pos = next;
    return value;
  }

  name(): string {
    const at = this.pos;
    const len = this.u32();
    if (this.pos + len > this.end) throw invalid(`name of ${len} bytes runs past the end of its section`, at);
    try {
      return utf8.decode(this.bytes.subarray(this.pos, (this.pos += len)));
    } catch {
      throw invalid('name is not valid UTF-8', at);
    }
  }

  valType(): ValType {
    const at = this.pos;
    const b = this.u8();
    const t = VALTYPES[b];
    if (!t) throw invalid(`unknown value type 0x${b.toString(16)}`, at);
    return t;
  }

  limits(): Limits {
    const at = this.pos;
    const flags = this.u8();
    if (flags > 7) throw invalid(`unknown limits flags 0x${flags.toString(16)}`, at);
    const memory64 = (flags & 4) !== 0;
    const min = memory64 ? this.u64() : this.u32();
    const max = flags & 1 ? (memory64 ? this.u64() : this.u32()) : undefined;
    return max === undefined ? { min, shared: (flags & 2) !== 0, memory64 } : { min, max, shared: (flags & 2) !== 0, memory64 };
  }
}

/** Check the 8-byte header and split the module into sections. */
export function readSections(bytes: Uint8Array): WasmSection[] {
  if (!(bytes instanceof Uint8Array)) throw new StratusError('INVALID_MODULE', 'expected the module as bytes (Uint8Array)');
  if (bytes.length < 8) throw invalid(`file is only ${bytes.length} bytes long; a wasm module starts with an 8-byte header`, 0);
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== WASM_HEADER[i]) throw invalid('missing the \\0asm magic number (this is not a WebAssembly file)', i);
  }
  const version = bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24);
  if (version !== 1) {
    throw new StratusError('INVALID_MODULE',
      `unsupported wasm binary version ${version} at byte offset 4 (${version === 0x1000d ? 'this is a WebAssembly component' : 'expected 1'})`,
      'Stratus runs core modules (wasmCloud actors), not components');
  }
  const sections: WasmSection[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const start = pos;
    const id = bytes[pos++]!;
    if (id > SECTION.tag) throw invalid(`unknown section id ${id}`, start);
    const { value: size, next } = readULEB(bytes, pos, 32);
    const payloadStart = next;
    const end = payloadStart + size;
    if (end > bytes.length) throw invalid(`section ${id} declares ${size} bytes but only ${bytes.length - payloadStart} remain`, start);
    const section: WasmSection = { id, start, payloadStart, end };
    if (id === SECTION.custom) section.name = new Reader(bytes, payloadStart, end).name();
    sections.push(section);
    pos = end;
  }
  return sections;
}

/** Payload of a custom section (after its name). */
export function customSectionData(bytes: Uint8Array, section: WasmSection): Uint8Array {
  const r = new Reader(bytes, section.payloadStart, section.end);
  r.name();
  return bytes.subarray(r.pos, section.end);
}

function vec<T>(r: Reader, item: () => T): T[] {
  const n = r.u32();
  // every item is at least one byte: a bigger count is a lie that would make us allocate wildly
  if (n > r.end - r.pos) throw invalid(`vector claims ${n} items but its section has only ${r.end - r.pos} bytes left`, r.pos);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(item());
  return out;
}

function readTypes(bytes: Uint8Array, s: WasmSection): FuncType[] {
  const r = new Reader(bytes, s.payloadStart, s.end);
  return vec(r, () => {
    const at = r.pos;
    const form = r.u8();
    if (form !== 0x60) throw invalid(`unsupported type form 0x${form.toString(16)} (only function types are supported)`, at);
    return { params: vec(r, () => r.valType()), results: vec(r, () => r.valType()) };
  });
}

function typeAt(types: FuncType[], index: number, at: number): FuncType {
  const t = types[index];
  if (!t) throw invalid(`function type index ${index} is out of range (${types.length} types)`, at);
  return t;
}

/** Parse everything Stratus inspects. Throws INVALID_MODULE with a byte offset on malformed input. */
export function parseModule(bytes: Uint8Array): ModuleInfo {
  const sections = readSections(bytes);
  let types: FuncType[] = [];
  const imports: WasmImport[] = [];
  const exportsRaw: { name: string; kind: ExternKind; index: number; at: number }[] = [];
  const memories: WasmMemory[] = [];
  const funcTypes: FuncType[] = []; // by function index
  const customSections: string[] = [];

  for (const s of sections) {
    const r = new Reader(bytes, s.payloadStart, s.end);
    switch (s.id) {
      case SECTION.custom:
        customSections.push(s.name!);
        continue;
      case SECTION.type:
        types = readTypes(bytes, s);
        r.pos = s.end;
        break;
      case SECTION.import:
        vec(r, () => {
          const module = r.name();
          const name = r.name();
          const at = r.pos;
          const k = r.u8();
          const kind = KINDS[k];
          if (!kind) throw invalid(`unknown import kind ${k} for "${module}"."${name}"`, at);
          const imp: WasmImport = { module, name, kind };
          if (kind === 'func') {
            const tAt = r.pos;
            imp.type = typeAt(types, r.u32(), tAt);
            funcTypes.push(imp.type);
          } else if (kind === 'table') {
            r.u8(); // reference type
            imp.limits = r.limits();
          } else if (kind === 'memory') {
            imp.limits = r.limits();
            memories.push({ imported: true, limits: imp.limits });
          } else if (kind === 'global') {
            r.valType();
            r.u8(); // mutability
          } else {
            r.u8(); // tag attribute
            const tAt = r.pos;
            imp.type = typeAt(types, r.u32(), tAt);
          }
          imports.push(imp);
        });
        break;
      case SECTION.function:
        vec(r, () => {
          const at = r.pos;
          funcTypes.push(typeAt(types, r.u32(), at));
        });
        break;
      case SECTION.memory:
        vec(r, () => memories.push({ imported: false, limits: r.limits() }));
        break;
      case SECTION.export:
        vec(r, () => {
          const name = r.name();
          const at = r.pos;
          const k = r.u8();
          const kind = KINDS[k];
          if (!kind) throw invalid(`unknown export kind ${k} for "${name}"`, at);
          exportsRaw.push({ name, kind, index: r.u32(), at });
        });
        break;
      default:
        continue; // sections we do not interpret are only framed
    }
    if (r.pos !== s.end) throw invalid(`section ${s.id} has ${s.end - r.pos} unexpected trailing bytes`, r.pos);
  }

  const exports: WasmExport[] = exportsRaw.map(({ name, kind, index, at }) => {
    if (kind !== 'func') return { name, kind, index };
    const type = funcTypes[index];
    if (!type) throw invalid(`export "${name}" refers to function ${index}, which does not exist`, at);
    return { name, kind, index, type };
  });
  return { sections, types, imports, exports, memories, customSections };
}

export function formatFuncType(t: FuncType): string {
  return `(${t.params.join(',')})->(${t.results.join(',')})`;
}

export function sameFuncType(a: FuncType, b: FuncType): boolean {
  return a.params.length === b.params.length && a.results.length === b.results.length &&
    a.params.every((p, i) => p === b.params[i]) && a.results.every((p, i) => p === b.results[i]);
}
