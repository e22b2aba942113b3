// Emits host-side TypeScript for one interface: types, to/from-wire converters, msgpack
// encode/decode per structure and per operation, and a dispatcher for providers.
import type { InterfaceModel, Member, Primitive, Service } from './model.js';
import { resolve } from './model.js';
import { jsdoc, lowerFirst } from './names.js';

const INT: Partial<Record<Primitive, string>> = { I8: 'I8', I16: 'I16', I32: 'I32', I64: 'I64', U8: 'U8', U16: 'U16', U32: 'U32', U64: 'U64' };

class TsTypes {
  constructor(private model: InterfaceModel) {}

  type(name: string): string {
    const r = resolve(this.model, name);
    if ('primitive' in r) {
      const p = r.primitive;
      return p === 'String' ? 'string' : p === 'Boolean' ? 'boolean' : p === 'Blob' ? 'Uint8Array' : 'number';
    }
    const s = r.shape;
    if (s.kind === 'list') return `${this.wrap(this.type(s.member))}[]`;
    if (s.kind === 'map') return `Record<string, ${this.type(s.value)}>`;
    return s.name;
  }

  private wrap(t: string): string { return /[ <|]/.test(t) ? `(${t})` : t; }

  /** Expression converting a typed value to the plain object msgpackr packs. */
  toWire(name: string, x: string): string {
    const r = resolve(this.model, name);
    if ('primitive' in r) return x;
    const s = r.shape;
    if (s.kind === 'structure') return `toWire${s.name}(${x})`;
    if (s.kind === 'list') {
      const inner = this.toWire(s.member, 'e');
      return inner === 'e' ? x : `${x}.map((e) => ${inner})`;
    }
    const inner = this.toWire(s.value, 'e');
    return inner === 'e' ? x : `Object.fromEntries(Object.entries(${x}).map(([k, e]) => [k, ${inner}]))`;
  }

  /** Expression validating/converting a decoded msgpack value. */
  fromWire(name: string, v: string, path: string): string {
    const r = resolve(this.model, name);
    if ('primitive' in r) {
      const p = r.primitive;
      if (p === 'String') return `asString(${v}, ${path})`;
      if (p === 'Boolean') return `asBool(${v}, ${path})`;
      if (p === 'Blob') return `asBlob(${v}, ${path})`;
      if (p === 'F32' || p === 'F64') return `asFloat(${v}, ${path})`;
      return `asInt(${v}, ${path}, ...RANGE.${INT[p]})`;
    }
    const s = r.shape;
    if (s.kind === 'structure') return `fromWire${s.name}(${v}, ${path})`;
    if (s.kind === 'list') return `asArray(${v}, ${path}).map((e, i) => ${this.fromWire(s.member, 'e', `${path} + '[' + i + ']'`)})`;
    return `Object.fromEntries(Object.entries(asMap(${v}, ${path})).map(([k, e]) => [k, ${this.fromWire(s.value, 'e', `${path} + '.' + k`)}]))`;
  }
}

function structure(t: TsTypes, name: string, doc: string | undefined, members: Member[]): string {
  const out: string[] = [];
  out.push(`${jsdoc(doc)}export interface ${name} {`);
  for (const m of members) {
    const d = jsdoc(m.doc, '  ');
    if (d) out.push(d.trimEnd());
    out.push(`  ${m.name}${m.required ? '' : '?'}: ${t.type(m.target)};`);
  }
  out.push('}');
  out.push('');
  out.push(`export function toWire${name}(v: ${name}): Record<string, unknown> {`);
  const req = members.filter((m) => m.required);
  out.push(`  const o: Record<string, unknown> = {${req.length ? ' ' + req.map((m) => `${JSON.stringify(m.wireName)}: ${t.toWire(m.target, `v.${m.name}`)}`).join(', ') + ' ' : ''}};`);
  for (const m of members.filter((x) => !x.required)) {
    out.push(`  if (v.${m.name} !== undefined) o[${JSON.stringify(m.wireName)}] = ${t.toWire(m.target, `v.${m.name}`)};`);
  }
  out.push('  return o;');
  out.push('}');
  out.push('');
  out.push(`export function fromWire${name}(v: unknown, path = ${JSON.stringify(name)}): ${name} {`);
  out.push('  const o = asMap(v, path);');
  out.push(`  const out: ${name} = {`);
  for (const m of req) out.push(`    ${m.name}: ${t.fromWire(m.target, `required(o, ${JSON.stringify(m.wireName)}, path)`, `path + ${JSON.stringify('.' + m.wireName)}`)},`);
  out.push('  };');
  for (const m of members.filter((x) => !x.required)) {
    const key = JSON.stringify(m.wireName);
    out.push(`  if (o[${key}] !== undefined && o[${key}] !== null) out.${m.name} = ${t.fromWire(m.target, `o[${key}]`, `path + ${JSON.stringify('.' + m.wireName)}`)};`);
  }
  out.push('  return out;');
  out.push('}');
  out.push('');
  out.push(`export function encode${name}(v: ${name}): Uint8Array {`);
  out.push(`  return pack(toWire${name}(v));`);
  out.push('}');
  out.push('');
  out.push(`export function decode${name}(bytes: Uint8Array): ${name} {`);
  out.push(`  return fromWire${name}(unpack(bytes));`);
  out.push('}');
  return out.join('\n');
}

function service(t: TsTypes, svc: Service): string {
  const out: string[] = [];
  out.push(`${jsdoc(svc.doc)}export const ${svc.name}Contract = ${JSON.stringify(svc.contractId)};`);
  out.push('');
  out.push(`/** Wire codecs for every ${svc.name} operation (input and output). */`);
  out.push(`export const ${svc.name}Codec = {`);
  for (const op of svc.operations) {
    const inT = op.input ? t.type(op.input) : 'void';
    const outT = op.output ? t.type(op.output) : 'void';
    out.push(`  ${op.name}: {`);
    out.push(`    operation: ${JSON.stringify(`${svc.name}.${op.name}`)},`);
    if (op.input) {
      out.push(`    encodeInput: (v: ${inT}): Uint8Array => pack(${t.toWire(op.input, 'v')}),`);
      out.push(`    decodeInput: (b: Uint8Array): ${inT} => ${t.fromWire(op.input, 'unpack(b)', "'input'")},`);
    } else {
      out.push('    encodeInput: (): Uint8Array => new Uint8Array(0),');
      out.push('    decodeInput: (_b: Uint8Array): void => undefined,');
    }
    if (op.output) {
      out.push(`    encodeOutput: (v: ${outT}): Uint8Array => pack(${t.toWire(op.output, 'v')}),`);
      out.push(`    decodeOutput: (b: Uint8Array): ${outT} => ${t.fromWire(op.output, 'unpack(b)', "'output'")},`);
    } else {
      out.push('    encodeOutput: (): Uint8Array => new Uint8Array(0),');
      out.push('    decodeOutput: (_b: Uint8Array): void => undefined,');
    }
    out.push('  },');
  }
  out.push('} as const;');
  out.push('');
  out.push(`/** What an implementation of ${svc.name} provides (a provider, or a test double of an actor). */`);
  out.push(`export interface ${svc.name}Handlers {`);
  for (const op of svc.operations) {
    const d = jsdoc(op.doc, '  ');
    if (d) out.push(d.trimEnd());
    const outT = op.output ? t.type(op.output) : 'void';
    out.push(`  ${lowerFirst(op.name)}(${op.input ? `input: ${t.type(op.input)}` : ''}): ${outT} | Promise<${outT}>;`);
  }
  out.push('}');
  out.push('');
  out.push(`/** Decodes the payload of a ${svc.name} operation, runs the handler and encodes its answer. */`);
  out.push(`export async function dispatch${svc.name}(handlers: ${svc.name}Handlers, operation: string, payload: Uint8Array): Promise<Uint8Array> {`);
  out.push('  switch (operation) {');
  for (const op of svc.operations) {
    const c = `${svc.name}Codec.${op.name}`;
    const call = `handlers.${lowerFirst(op.name)}(${op.input ? `${c}.decodeInput(payload)` : ''})`;
    out.push(`    case ${JSON.stringify(`${svc.name}.${op.name}`)}:`);
    if (op.output) out.push(`      return ${c}.encodeOutput(await ${call});`);
    else {
      out.push(`      await ${call};`);
      out.push('      return new Uint8Array(0);');
    }
  }
  out.push('    default:');
  out.push(`      throw new CodecError(\`unknown operation \${operation} for ${svc.contractId} (known: ${svc.operations.map((o) => `${svc.name}.${o.name}`).join(', ')})\`);`);
  out.push('  }');
  out.push('}');
  return out.join('\n');
}

export interface TsGenOptions {
  /** Import specifier of runtime.ts (compiled .js path). */
  runtimeImport: string;
  sourceLabel: string;
}

/** TypeScript source for one interface model. */
export function generateTypeScript(model: InterfaceModel, opts: TsGenOptions): string {
  const t = new TsTypes(model);
  const parts: string[] = [];
  parts.push(`// Generated by \`stratus gen\` from ${opts.sourceLabel} (namespace ${model.namespace}). Do not edit.`);
  parts.push('/* eslint-disable */');
  const body: string[] = [];
  for (const svc of model.services) {
    if (svc.protocol !== '0') throw new Error(`${model.source}: service ${svc.name} uses protocol "${svc.protocol}"; only msgpack (protocol "0") is supported`);
    body.push(service(t, svc));
  }
  for (const s of model.shapes.values()) {
    if (s.kind === 'structure') body.push(structure(t, s.name, s.doc, s.members));
    else if (s.kind === 'list' || s.kind === 'map') body.push(`${jsdoc(s.doc)}export type ${s.name} = ${t.type(s.name)};`);
  }
  const text = body.join('\n\n');
  const used = ['pack', 'unpack', 'CodecError', 'asString', 'asBool', 'asBlob', 'asInt', 'asFloat', 'asArray', 'asMap', 'required', 'RANGE']
    .filter((n) => new RegExp(`\\b${n}\\b`).test(text));
  parts.push(`import { ${used.join(', ')} } from ${JSON.stringify(opts.runtimeImport)};`);
  parts.push('');
  parts.push(text);
  return parts.join('\n') + '\n';
}
