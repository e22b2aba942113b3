// Emits AssemblyScript guest bindings for one interface: classes with msgpack encode/decode
// for every structure (maps keyed by wire name, optional fields omitted), senders for every
// service (provider link or actor-to-actor) and receiver registration for actor-receive services.
import type { InterfaceModel, Member, Primitive, Service } from './model.js';
import { resolve } from './model.js';
import { jsdoc, lowerFirst } from './names.js';

const AS_PRIM: Record<Primitive, { type: string; zero: string; enc: (x: string) => string; dec: string }> = {
  String: { type: 'string', zero: '""', enc: (x) => `w.str(${x})`, dec: 'r.str()' },
  Boolean: { type: 'bool', zero: 'false', enc: (x) => `w.bool(${x})`, dec: 'r.bool()' },
  // one shared empty array: a zero-length Uint8Array cannot be written to
  Blob: { type: 'Uint8Array', zero: 'EMPTY_BYTES', enc: (x) => `w.bin(${x})`, dec: 'r.bin()' },
  I8: { type: 'i8', zero: '0', enc: (x) => `w.int(<i64>${x})`, dec: 'r.i8()' },
  I16: { type: 'i16', zero: '0', enc: (x) => `w.int(<i64>${x})`, dec: 'r.i16()' },
  I32: { type: 'i32', zero: '0', enc: (x) => `w.int(<i64>${x})`, dec: 'r.i32()' },
  I64: { type: 'i64', zero: '0', enc: (x) => `w.int(${x})`, dec: 'r.i64()' },
  U8: { type: 'u8', zero: '0', enc: (x) => `w.uint(<u64>${x})`, dec: 'r.u8v()' },
  U16: { type: 'u16', zero: '0', enc: (x) => `w.uint(<u64>${x})`, dec: 'r.u16()' },
  U32: { type: 'u32', zero: '0', enc: (x) => `w.uint(<u64>${x})`, dec: 'r.u32()' },
  U64: { type: 'u64', zero: '0', enc: (x) => `w.uint(${x})`, dec: 'r.u64()' },
  F32: { type: 'f32', zero: '0', enc: (x) => `w.f32(${x})`, dec: 'r.f32()' },
  F64: { type: 'f64', zero: '0', enc: (x) => `w.f64(${x})`, dec: 'r.f64()' },
};

class AsTypes {
  constructor(readonly model: InterfaceModel) {}

  type(name: string): string {
    const r = resolve(this.model, name);
    if ('primitive' in r) return AS_PRIM[r.primitive].type;
    const s = r.shape;
    if (s.kind === 'list') return `Array<${this.type(s.member)}>`;
    if (s.kind === 'map') return `Map<${this.type(s.key)}, ${this.type(s.value)}>`;
    return s.name;
  }

  zero(name: string): string {
    const r = resolve(this.model, name);
    if ('primitive' in r) return AS_PRIM[r.primitive].zero;
    return `new ${this.type(name)}()`;
  }

  /** A structure whose last member is a required blob: it gets encodeHead(), for answers sent in place. */
  tailBlob(name: string): boolean {
    const r = resolve(this.model, name);
    if ('primitive' in r || r.shape.kind !== 'structure') return false;
    const last = r.shape.members.at(-1);
    if (!last || !last.required || this.lazy(last)) return false;
    const lr = resolve(this.model, last.target);
    return 'primitive' in lr && lr.primitive === 'Blob';
  }

  isReference(name: string): boolean {
    const r = resolve(this.model, name);
    return !('primitive' in r) || r.primitive === 'String' || r.primitive === 'Blob';
  }

  enc(name: string, x: string): string {
    const r = resolve(this.model, name);
    if ('primitive' in r) return AS_PRIM[r.primitive].enc(x);
    if (r.shape.kind === 'structure') return `${x}.encode(w)`;
    return `encode${r.shape.name}(w, ${x})`;
  }

  /** Check code for a value decodable without allocating (strings, lists and maps of them), else null. */
  check(name: string): string | null {
    const r = resolve(this.model, name);
    if ('primitive' in r) return r.primitive === 'String' ? 'r.skipStr()' : null;
    const s = r.shape;
    if (s.kind === 'list') return this.check(s.member) !== null ? `check${s.name}(r)` : null;
    if (s.kind === 'map') return this.check(s.key) !== null && this.check(s.value) !== null ? `check${s.name}(r)` : null;
    return null;
  }

  /** Required map fields whose wire form can be checked without allocating are decoded on first read. */
  lazy(m: Member): boolean {
    const r = resolve(this.model, m.target);
    return m.required && !('primitive' in r) && r.shape.kind === 'map' && this.check(m.target) !== null;
  }

  dec(name: string): string {
    const r = resolve(this.model, name);
    if ('primitive' in r) return AS_PRIM[r.primitive].dec;
    if (r.shape.kind === 'structure') return `${r.shape.name}.decode(r)`;
    return `decode${r.shape.name}(r)`;
  }
}

function structure(t: AsTypes, name: string, doc: string | undefined, members: Member[]): string {
  const out: string[] = [];
  out.push(`${jsdoc(doc)}export class ${name} {`);
  for (const m of members) {
    if (t.lazy(m)) {
      // decoded from the (unchanging) payload on first read: most handlers never read it
      const ty = t.type(m.target);
      out.push(`  private _${m.name}: ${ty} | null = null;`);
      out.push(`  private _${m.name}Src: Uint8Array | null = null;`);
      out.push(`  private _${m.name}At: i32 = 0;`);
      out.push(jsdoc(m.doc, '  ').trimEnd());
      out.push(`  get ${m.name}(): ${ty} {`);
      out.push(`    let v = this._${m.name};`);
      out.push('    if (v === null) {');
      out.push(`      const src = this._${m.name}Src;`);
      out.push('      if (src !== null) {');
      out.push('        const r = new Reader(src);');
      out.push(`        r.pos = this._${m.name}At;`);
      out.push(`        v = ${t.dec(m.target)};`);
      out.push(`        this._${m.name}Src = null;`);
      out.push(`      } else v = ${t.zero(m.target)};`);
      out.push(`      this._${m.name} = v;`);
      out.push('    }');
      out.push('    return v;');
      out.push('  }');
      out.push(`  set ${m.name}(value: ${ty}) { this._${m.name} = value; this._${m.name}Src = null; }`);
      continue;
    }
    out.push(jsdoc(m.doc, '  ').trimEnd());
    if (m.required) out.push(`  ${m.name}: ${t.type(m.target)} = ${t.zero(m.target)};`);
    else if (t.isReference(m.target)) out.push(`  ${m.name}: ${t.type(m.target)} | null = null;`);
    else {
      out.push(`  ${m.name}: ${t.type(m.target)} = ${t.zero(m.target)};`);
      out.push(`  /** Whether \`${m.name}\` is present (optional field). */`);
      out.push(`  has${m.name[0].toUpperCase()}${m.name.slice(1)}: bool = false;`);
    }
  }
  const present = (m: Member) => (t.isReference(m.target) ? `this.${m.name} !== null` : `this.has${m.name[0].toUpperCase()}${m.name.slice(1)}`);
  out.push('');
  out.push('  encode(w: Writer): void {');
  const encodeStart = out.length;
  const required = members.filter((m) => m.required).length;
  const optional = members.filter((m) => !m.required);
  if (optional.length === 0) out.push(`    w.mapHeader(${required});`);
  else {
    out.push(`    let n: u32 = ${required};`);
    for (const m of optional) out.push(`    if (${present(m)}) n++;`);
    out.push('    w.mapHeader(n);');
  }
  for (const m of members) {
    if (t.lazy(m)) {
      out.push(`    w.str(${JSON.stringify(m.wireName)});`);
      // never read nor set: the empty map, without creating one
      out.push(`    if (this._${m.name} === null && this._${m.name}Src === null) w.mapHeader(0);`);
      out.push(`    else ${t.enc(m.target, `this.${m.name}`)};`);
    } else if (m.required) {
      out.push(`    w.str(${JSON.stringify(m.wireName)});`);
      out.push(`    ${t.enc(m.target, `this.${m.name}`)};`);
    } else if (t.isReference(m.target)) {
      out.push(`    const ${m.name} = this.${m.name};`);
      out.push(`    if (${m.name} !== null) {`);
      out.push(`      w.str(${JSON.stringify(m.wireName)});`);
      out.push(`      ${t.enc(m.target, m.name)};`);
      out.push('    }');
    } else {
      out.push(`    if (${present(m)}) {`);
      out.push(`      w.str(${JSON.stringify(m.wireName)});`);
      out.push(`      ${t.enc(m.target, `this.${m.name}`)};`);
      out.push('    }');
    }
  }
  out.push('  }');
  const last = members.at(-1);
  if (last && t.tailBlob(name)) {
    // Ends with a blob: encodeHead() writes all but the blob's own bytes (respondWithTail() may send
    // them in place), and encode() is encodeHead() plus those bytes.
    const head = out.splice(encodeStart).slice(0, -2); // encode()'s lines, without `w.bin(this.<last>)` and its `}`
    out.push('    w.raw(this.encodeHead(w));');
    out.push('  }');
    out.push('');
    out.push(`  /** encode() without the bytes of \`${last.name}\` (its header is written): they are returned, for respondWithTail(). */`);
    out.push('  encodeHead(w: Writer): Uint8Array {');
    for (const l of head) out.push(l);
    out.push(`    w.binHeader(<u32>this.${last.name}.length);`);
    out.push(`    return this.${last.name};`);
    out.push('  }');
  }
  out.push('');
  out.push(`  static decode(r: Reader): ${name} {`);
  // blank: no field initialisers (decode overwrites them); missing reference fields are filled below
  out.push(`    const v = blank<${name}>();`);
  out.push('    const n = r.mapHeader();');
  if (members.some((m) => m.required)) out.push('    let seen: u32 = 0;');
  out.push('    for (let i = 0; i < n && r.ok; i++) {');
  out.push('      r.keyStart();');
  members.forEach((m, i) => {
    const kw = i === 0 ? 'if' : '} else if';
    out.push(`      ${kw} (r.keyIs(${JSON.stringify(m.wireName)})) {`);
    if (t.lazy(m)) {
      // checked now with the same errors as the decoder; decoded by the getter if ever read
      out.push(`        if (r.stable) { v._${m.name}Src = r.data; v._${m.name}At = r.pos; v._${m.name} = null; ${t.check(m.target)}; } else v.${m.name} = ${t.dec(m.target)};`);
      out.push(`        seen |= ${1 << i};`);
    } else if (m.required) {
      out.push(`        v.${m.name} = ${t.dec(m.target)};`);
      out.push(`        seen |= ${1 << i};`);
    } else if (t.isReference(m.target)) {
      out.push(`        if (!r.tryNil()) v.${m.name} = ${t.dec(m.target)};`);
    } else {
      out.push(`        if (!r.tryNil()) { v.${m.name} = ${t.dec(m.target)}; v.has${m.name[0].toUpperCase()}${m.name.slice(1)} = true; }`);
    }
  });
  out.push(members.length ? '      } else r.skip();' : '      r.skip();');
  out.push('    }');
  members.forEach((m, i) => {
    if (!m.required) return;
    const fail = `r.fail("missing field \`${m.wireName}\`")`;
    if (t.isReference(m.target)) out.push(`    if ((seen & ${1 << i}) == 0) { v.${m.name} = ${t.zero(m.target)}; if (r.ok) ${fail}; }`);
    else out.push(`    if (r.ok && (seen & ${1 << i}) == 0) ${fail};`);
  });
  out.push('    return v;');
  out.push('  }');
  out.push('}');
  return out.filter((l) => l !== '').join('\n').replace(/\n {2}encode\(/, '\n\n  encode(').replace(/\n {2}\/\*\* encode\(\) without/, '\n\n  /** encode() without').replace(/\n {2}static decode\(/, '\n\n  static decode(') + '\n';
}

function sender(t: AsTypes, svc: Service): string {
  const cls = `${svc.name}Sender`;
  const out: string[] = [];
  const how = svc.providerReceive
    ? `Calls a \`${svc.contractId}\` provider over the link named \`binding\` (default "default").`
    : `Calls an actor implementing ${svc.name}; use \`${cls}.toActor(publicKeyOrCallAlias)\`.`;
  out.push(`/** ${how} */`);
  out.push(`export class ${cls} {`);
  out.push(`  constructor(public binding: string = "default", public namespace: string = ${svc.name}Contract) {}`);
  out.push('');
  out.push('  /** Actor-to-actor: target is a public key (M...) or a call alias. */');
  out.push(`  static toActor(target: string): ${cls} {`);
  out.push(`    return new ${cls}("", target);`);
  out.push('  }');
  for (const op of svc.operations) {
    const outType = op.output ? t.type(op.output) : 'Unit';
    out.push('');
    out.push(jsdoc(op.doc, '  ').trimEnd());
    out.push(`  ${lowerFirst(op.name)}(${op.input ? `input: ${t.type(op.input)}` : ''}): Result<${outType}> {`);
    const outRes = op.output ? resolve(t.model, op.output) : undefined;
    if (outRes && !('primitive' in outRes && outRes.primitive === 'Blob') && !('shape' in outRes && outRes.shape.kind !== 'list')) {
      // the answer decodes into fresh numbers/strings/lists: read it from the SDK's reused buffer
      const args = op.input ? 'w.dataStart, w.length' : 'EMPTY_BYTES.dataStart, 0';
      if (op.input) {
        out.push('    const w = scratchWriter();');
        out.push(`    ${t.enc(op.input, 'input')};`);
      }
      out.push(`    if (hostCallScratch(this.binding, this.namespace, "${svc.name}.${op.name}", ${args}) != 1) return hostFailure<${outType}>();`);
      out.push('    const r = hostResponse();');
      out.push(`    const out = ${t.dec(op.output!)};`);
      out.push('    r.finish();');
      out.push(`    if (!r.ok) return err<${outType}>(ErrorKind.Deserialization, "response to ${op.name}: " + r.error!);`);
      out.push(`    return ok<${outType}>(out);`);
      out.push('  }');
      continue;
    }
    if (!op.output) {
      // nothing to read back: no copy of the (empty) answer, no Result for it. An actor publishing
      // in a loop spent ~19 % of the host's CPU per message in the guest's allocator and collector,
      // 3 of its 6 allocations per publish here (bench/msgpub-cpu, bench/HISTORY.md)
      if (op.input) {
        out.push('    const w = scratchWriter();');
        out.push(`    ${t.enc(op.input, 'input')};`);
      }
      const args = op.input ? 'w.dataStart, w.length' : 'EMPTY_BYTES.dataStart, 0';
      out.push(`    if (hostCallScratch(this.binding, this.namespace, "${svc.name}.${op.name}", ${args}) != 1) return hostFailure<Unit>();`);
      out.push('    return ok<Unit>(UNIT);');
      out.push('  }');
      continue;
    }
    if (op.input) {
      out.push('    const w = scratchWriter();');
      out.push(`    ${t.enc(op.input, 'input')};`);
      out.push(`    const res = hostCallRaw(this.binding, this.namespace, "${svc.name}.${op.name}", w.dataStart, w.length);`);
    } else {
      out.push(`    const res = hostCall(this.binding, this.namespace, "${svc.name}.${op.name}", EMPTY_BYTES);`);
    }
    out.push(`    if (!res.ok) return err<${outType}>(res.error!.kind, res.error!.message);`);
    out.push('    const r = new Reader(res.value);');
    out.push('    r.stable = true; // a fresh copy of the host\'s answer');
    out.push(`    const out = ${t.dec(op.output)};`);
    out.push('    r.finish();');
    out.push(`    if (!r.ok) return err<${outType}>(ErrorKind.Deserialization, "response to ${op.name}: " + r.error!);`);
    out.push(`    return ok<${outType}>(out);`);
    out.push('  }');
  }
  out.push('}');
  return out.filter((l) => l !== '' || true).join('\n').replace(/\n\n+/g, '\n\n').replace(/\n\s*\n(\s*\/\*\*)/g, '\n\n$1') + '\n';
}

function receiver(t: AsTypes, svc: Service): string {
  const out: string[] = [];
  for (const op of svc.operations) {
    const outType = op.output ? t.type(op.output) : 'Unit';
    const fnType = `(${op.input ? `input: ${t.type(op.input)}` : ''}) => Result<${outType}>`;
    const slot = `_${svc.name}_${op.name}`;
    out.push(`let ${slot}: (${fnType}) | null = null;`);
    out.push('');
    out.push(`function dispatch${svc.name}${op.name}(payload: Uint8Array): Result<Uint8Array> {`);
    if (op.input) {
      out.push('  const r = requestReader(payload);');
      out.push(`  const input = ${t.dec(op.input)};`);
      out.push('  r.finish();');
      out.push(`  if (!r.ok) return err<Uint8Array>(ErrorKind.Deserialization, "message '${op.name}': " + r.error!);`);
    }
    out.push(`  const handler = ${slot};`);
    out.push(`  if (handler === null) return err<Uint8Array>(ErrorKind.Guest, "method not handled ${svc.name}.${op.name}");`);
    out.push(`  const res = handler(${op.input ? 'input' : ''});`);
    out.push('  if (!res.ok) return err<Uint8Array>(res.error!.kind, res.error!.message);');
    if (op.output) {
      // the view is handed to __guest_response right after this returns (the host copies it)
      out.push('  const w = scratchWriter();');
      if (t.tailBlob(op.output)) out.push('  return respondWithTail(w, res.value.encodeHead(w));'); // the blob may be answered in place
      else {
        out.push(`  ${t.enc(op.output, 'res.value')};`);
        out.push('  return respondWith(w);');
      }
    } else out.push('  return ok<Uint8Array>(EMPTY_BYTES);');
    out.push('}');
    out.push('');
  }
  out.push(`/** Registers this actor's handlers for ${svc.name} (${svc.contractId}). */`);
  out.push(`export class ${svc.name}Receiver {`);
  svc.operations.forEach((op, i) => {
    const outType = op.output ? t.type(op.output) : 'Unit';
    const fnType = `(${op.input ? `input: ${t.type(op.input)}` : ''}) => Result<${outType}>`;
    if (i > 0) out.push('');
    out.push(jsdoc(op.doc, '  ').trimEnd() || `  /** Handles ${svc.name}.${op.name}. */`);
    out.push(`  static ${lowerFirst(op.name)}(handler: ${fnType}): void {`);
    out.push(`    _${svc.name}_${op.name} = handler;`);
    out.push(`    registerHandler("${svc.name}.${op.name}", dispatch${svc.name}${op.name});`);
    out.push('  }');
  });
  out.push('}');
  return out.join('\n') + '\n';
}

export interface AsGenOptions {
  /** Module the generated file imports the SDK from: "../sdk" inside the SDK, "@stratus/actor-as" elsewhere. */
  sdkImport: string;
  /** Shown in the header, e.g. "interfaces/keyvalue.smithy". */
  sourceLabel: string;
}

/** AssemblyScript source for one interface model. */
export function generateAssemblyScript(model: InterfaceModel, opts: AsGenOptions): string {
  const t = new AsTypes(model);
  const parts: string[] = [];
  parts.push(`// Generated by \`stratus gen\` from ${opts.sourceLabel} (namespace ${model.namespace}). Do not edit.`);
  const needsReceiver = model.services.some((s) => s.actorReceive);
  const imports = ['Writer', 'Reader', 'Result', 'ok', 'err', 'ErrorKind', 'hostCall', 'hostCallRaw', 'hostCallScratch', 'hostResponse', 'hostFailure', 'scratchWriter', 'blank', 'EMPTY_BYTES', 'Unit', 'UNIT'];
  if (needsReceiver) imports.push('registerHandler', 'respondWith', 'respondWithTail', 'requestReader');
  parts.push(`import { ${imports.join(', ')} } from ${JSON.stringify(opts.sdkImport)};`);
  parts.push('');
  for (const svc of model.services) {
    if (svc.protocol !== '0') throw new Error(`${model.source}: service ${svc.name} uses protocol "${svc.protocol}"; only msgpack (protocol "0") is supported`);
    parts.push(`${jsdoc(svc.doc)}export const ${svc.name}Contract = ${JSON.stringify(svc.contractId)};`);
  }
  for (const s of model.shapes.values()) {
    if (s.kind === 'structure') { parts.push(''); parts.push(structure(t, s.name, s.doc, s.members).trimEnd()); }
    else if (s.kind === 'list') {
      const ty = t.type(s.name);
      parts.push('');
      parts.push(`${jsdoc(s.doc)}export type ${s.name} = ${ty};`);
      parts.push('');
      parts.push(`function encode${s.name}(w: Writer, v: ${ty}): void {`);
      parts.push('  w.arrayHeader(<u32>v.length);');
      parts.push(`  for (let i = 0; i < v.length; i++) ${t.enc(s.member, 'v[i]')};`);
      parts.push('}');
      parts.push('');
      parts.push(`function decode${s.name}(r: Reader): ${ty} {`);
      parts.push('  const n = r.arrayHeader();');
      parts.push(`  const out = new ${ty}();`);
      parts.push(`  for (let i = 0; i < n && r.ok; i++) out.push(${t.dec(s.member)});`);
      parts.push('  return out;');
      parts.push('}');
      const ck = t.check(s.member);
      if (ck !== null) {
        parts.push('');
        parts.push(`function check${s.name}(r: Reader): void {`);
        parts.push('  const n = r.arrayHeader();');
        parts.push(`  for (let i = 0; i < n && r.ok; i++) ${ck};`);
        parts.push('}');
      }
    } else if (s.kind === 'map') {
      const ty = t.type(s.name);
      parts.push('');
      parts.push(`${jsdoc(s.doc)}export type ${s.name} = ${ty};`);
      parts.push('');
      parts.push(`function encode${s.name}(w: Writer, v: ${ty}): void {`);
      parts.push('  const keys = v.keys();');
      parts.push('  w.mapHeader(<u32>keys.length);');
      parts.push('  for (let i = 0; i < keys.length; i++) {');
      parts.push('    const k = keys[i];');
      parts.push(`    ${t.enc(s.key, 'k')};`);
      parts.push(`    ${t.enc(s.value, 'v.get(k)')};`);
      parts.push('  }');
      parts.push('}');
      parts.push('');
      parts.push(`function decode${s.name}(r: Reader): ${ty} {`);
      parts.push('  const n = r.mapHeader();');
      parts.push(`  const out = new ${ty}();`);
      parts.push('  for (let i = 0; i < n && r.ok; i++) {');
      parts.push(`    const k = ${t.dec(s.key)};`);
      parts.push(`    out.set(k, ${t.dec(s.value)});`);
      parts.push('  }');
      parts.push('  return out;');
      parts.push('}');
      const ck = t.check(s.name);
      if (ck !== null) {
        parts.push('');
        parts.push(`function check${s.name}(r: Reader): void {`);
        parts.push('  const n = r.mapHeader();');
        parts.push('  for (let i = 0; i < n && r.ok; i++) {');
        parts.push(`    ${t.check(s.key)};`);
        parts.push(`    ${t.check(s.value)};`);
        parts.push('  }');
        parts.push('}');
      }
    }
  }
  for (const svc of model.services) {
    parts.push('');
    parts.push(sender(t, svc).trimEnd());
    if (svc.actorReceive) { parts.push(''); parts.push(receiver(t, svc).trimEnd()); }
  }
  return parts.join('\n') + '\n';
}
