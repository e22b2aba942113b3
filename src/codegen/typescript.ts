// Emits host-side TypeScript for one interface: types, to/from-wire converters, msgpack
// encode/decode per structure and per operation, a dispatcher, a typed `operations` table for the
// provider SDK's defineProvider, and a typed sender (e.g. a provider calling MessageSubscriber).
// Decoding goes through the runtime's bounded decoder; every decoder takes the path its errors
// start with.
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

  /** Expression validating/converting a decoded msgpack value; `path` is an expression naming it in errors. */
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
    if (s.kind === 'list') {
      return `asArray(${v}, ${path}, ${JSON.stringify(`an array of ${this.plural(s.member)}`)}).map((e, i) => ${this.fromWire(s.member, 'e', `${path} + '[' + i + ']'`)})`;
    }
    return `Object.fromEntries(Object.entries(asMap(${v}, ${path})).map(([k, e]) => [k, ${this.fromWire(s.value, 'e', `${path} + '.' + k`)}]))`;
  }

  /** Elements of a list, for "expected an array of ...". */
  private plural(name: string): string {
    const r = resolve(this.model, name);
    if ('primitive' in r) {
      const p = r.primitive;
      return p === 'String' ? 'strings' : p === 'Boolean' ? 'booleans' : p === 'Blob' ? 'byte arrays' : p === 'F32' || p === 'F64' ? 'numbers' : 'integers';
    }
    return r.shape.kind === 'structure' ? `${r.shape.name} maps` : r.shape.kind === 'list' ? 'arrays' : 'maps';
  }

  /** Label a payload of this type is named by in errors: the structure's name, else `fallback`. */
  label(name: string, fallback: string): string {
    const r = resolve(this.model, name);
    return 'shape' in r && r.shape.kind === 'structure' ? r.shape.name : fallback;
  }

  /** TypeScript literal of a member's `@default`, checked against its type. */
  defaultLiteral(owner: string, m: Member): string {
    const d = m.default;
    const bad = (): never => { throw new Error(`${this.model.source}: ${owner}.${m.name}: @default(${JSON.stringify(d)}) does not fit type ${m.target}`); };
    const r = resolve(this.model, m.target);
    if ('primitive' in r) {
      const p = r.primitive;
      if (p === 'String') return typeof d === 'string' ? JSON.stringify(d) : bad();
      if (p === 'Boolean') return typeof d === 'boolean' ? String(d) : bad();
      if (p === 'Blob') return d === '' ? 'new Uint8Array(0)' : bad();
      if (typeof d !== 'number') return bad();
      if (p === 'F32' || p === 'F64') return String(d);
      const [min, max] = RANGES[p as keyof typeof RANGES];
      return Number.isInteger(d) && d >= min && d <= max ? String(d) : bad();
    }
    if (r.shape.kind === 'list') return Array.isArray(d) ? '[]' : bad();
    if (r.shape.kind === 'map') return d && typeof d === 'object' && !Array.isArray(d) ? '{}' : bad();
    return bad();
  }
}

const RANGES = {
  I8: [-128, 127], I16: [-32768, 32767], I32: [-2147483648, 2147483647], I64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  U8: [0, 255], U16: [0, 65535], U32: [0, 4294967295], U64: [0, Number.MAX_SAFE_INTEGER],
} as const;

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
  // members with a @default: read first, the default stands in for a missing or nil value
  const local = (m: Member) => `${m.name}$`;
  for (const m of req.filter((x) => x.default !== undefined)) out.push(`  const ${local(m)} = own(o, ${JSON.stringify(m.wireName)});`);
  out.push(`  const out: ${name} = {`);
  for (const m of req) {
    const at = `path + ${JSON.stringify('.' + m.wireName)}`;
    if (m.default === undefined) out.push(`    ${m.name}: ${t.fromWire(m.target, `required(o, ${JSON.stringify(m.wireName)}, path)`, at)},`);
    else out.push(`    ${m.name}: ${local(m)} === undefined || ${local(m)} === null ? ${t.defaultLiteral(name, m)} : ${t.fromWire(m.target, local(m), at)},`);
  }
  out.push('  };');
  for (const m of members.filter((x) => !x.required)) {
    const key = JSON.stringify(m.wireName);
    out.push(`  const ${local(m)} = own(o, ${key});`);
    out.push(`  if (${local(m)} !== undefined && ${local(m)} !== null) out.${m.name} = ${t.fromWire(m.target, local(m), `path + ${JSON.stringify('.' + m.wireName)}`)};`);
  }
  out.push('  return out;');
  out.push('}');
  out.push('');
  out.push(`export function encode${name}(v: ${name}): Uint8Array {`);
  out.push(`  return pack(toWire${name}(v));`);
  out.push('}');
  out.push('');
  out.push(`/** Decodes untrusted bytes (bounded: see src/codec/msgpack-decoder.ts); errors start with \`path\`. */`);
  out.push(`export function decode${name}(bytes: Uint8Array, path = ${JSON.stringify(name)}): ${name} {`);
  out.push(`  return fromWire${name}(unpack(bytes, path), path);`);
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
      const label = JSON.stringify(t.label(op.input, `${svc.name}.${op.name} input`));
      out.push(`    encodeInput: (v: ${inT}): Uint8Array => pack(${t.toWire(op.input, 'v')}),`);
      out.push(`    decodeInput: (b: Uint8Array, path = ${label}): ${inT} => ${t.fromWire(op.input, 'unpack(b, path)', 'path')},`);
    } else {
      out.push('    encodeInput: (): Uint8Array => new Uint8Array(0),');
      out.push('    decodeInput: (_b: Uint8Array): void => undefined,');
    }
    if (op.output) {
      const label = JSON.stringify(t.label(op.output, `${svc.name}.${op.name} output`));
      out.push(`    encodeOutput: (v: ${outT}): Uint8Array => pack(${t.toWire(op.output, 'v')}),`);
      out.push(`    decodeOutput: (b: Uint8Array, path = ${label}): ${outT} => ${t.fromWire(op.output, 'unpack(b, path)', 'path')},`);
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
  out.push('');
  out.push(typedOperations(t, svc));
  out.push('');
  out.push(sender(t, svc));
  return out.join('\n');
}

/**
 * The provider author's typed path: `<svc>Operations(impl)` turns handlers taking (ctx, decoded
 * input) into the `operations` table `defineProvider` takes (operation name -> bytes in, bytes
 * out). `C` is whatever the table's caller passes (the SDK's ProviderRequest): generic, so this
 * file needs nothing from the provider SDK and the host-side codecs stay independent of it.
 */
function typedOperations(t: TsTypes, svc: Service): string {
  const out: string[] = [];
  const iface = `${svc.name}Operations`;
  out.push(`/** ${svc.name} as a provider implements it: each handler gets the request context (the SDK's \`ProviderRequest\`) and the decoded input. */`);
  out.push(`export interface ${iface}<C> {`);
  for (const op of svc.operations) {
    const d = jsdoc(op.doc, '  ');
    if (d) out.push(d.trimEnd());
    const outT = op.output ? t.type(op.output) : 'void';
    out.push(`  ${lowerFirst(op.name)}(ctx: C${op.input ? `, input: ${t.type(op.input)}` : ''}): ${outT} | Promise<${outT}>;`);
  }
  out.push('}');
  out.push('');
  out.push(`/**`);
  out.push(` * The \`operations\` table for \`defineProvider\` (${svc.name}): each operation decodes its payload`);
  out.push(` * with the codecs above (a payload of the wrong type is refused with the path of what was`);
  out.push(` * wrong), runs \`impl\` and encodes its answer.`);
  out.push(` */`);
  out.push(`export function ${lowerFirst(svc.name)}Operations<C extends { payload: Uint8Array }>(impl: ${iface}<C>): Record<string, (ctx: C) => Promise<Uint8Array>> {`);
  out.push('  return {');
  for (const op of svc.operations) {
    const c = `${svc.name}Codec.${op.name}`;
    const call = `impl.${lowerFirst(op.name)}(ctx${op.input ? `, ${c}.decodeInput(ctx.payload)` : ''})`;
    out.push(`    ${JSON.stringify(`${svc.name}.${op.name}`)}: async (ctx) => ${op.output ? `${c}.encodeOutput(await ${call})` : `{ await ${call}; return new Uint8Array(0); }`},`);
  }
  out.push('  };');
  out.push('}');
  return out.join('\n');
}

/**
 * Typed calls to whatever implements the service (an actor, from a provider: `MessageSubscriber`),
 * over a `send` function that carries one operation's bytes (the SDK's `req.sendTo(actorId)` or
 * `actorSender(host, link)`).
 */
function sender(t: TsTypes, svc: Service): string {
  const out: string[] = [];
  const iface = `${svc.name}Sender`;
  out.push(`/** Calls ${svc.name} operations, encoding inputs and decoding answers with the codecs above. */`);
  out.push(`export interface ${iface} {`);
  for (const op of svc.operations) {
    const d = jsdoc(op.doc, '  ');
    if (d) out.push(d.trimEnd());
    out.push(`  ${lowerFirst(op.name)}(${op.input ? `input: ${t.type(op.input)}` : ''}): Promise<${op.output ? t.type(op.output) : 'void'}>;`);
  }
  out.push('}');
  out.push('');
  out.push(`/** A ${iface} over \`send\` (operation name and payload bytes in, answer bytes out). */`);
  out.push(`export function ${lowerFirst(svc.name)}Sender(send: (operation: string, payload: Uint8Array) => Promise<Uint8Array>): ${iface} {`);
  out.push('  return {');
  for (const op of svc.operations) {
    const c = `${svc.name}Codec.${op.name}`;
    const sendCall = `send(${c}.operation, ${op.input ? `${c}.encodeInput(input)` : 'new Uint8Array(0)'})`;
    const body = op.output ? `${c}.decodeOutput(await ${sendCall})` : `{ await ${sendCall}; }`;
    out.push(`    ${lowerFirst(op.name)}: async (${op.input ? 'input' : ''}) => ${body},`);
  }
  out.push('  };');
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
  const used = ['pack', 'unpack', 'CodecError', 'asString', 'asBool', 'asBlob', 'asInt', 'asFloat', 'asArray', 'asMap', 'required', 'own', 'RANGE']
    .filter((n) => new RegExp(`\\b${n}\\b`).test(text));
  parts.push(`import { ${used.join(', ')} } from ${JSON.stringify(opts.runtimeImport)};`);
  parts.push('');
  parts.push(text);
  return parts.join('\n') + '\n';
}
