// A parser for the subset of the Smithy 1.0 IDL that wasmCloud's interface models use:
// namespace, use, metadata, traits (@wasmbus, @required, @serialization, @rename, @default, doc
// comments; others are accepted and ignored), service, operation, structure, list, map, simple shapes.
import type { DefaultValue, InterfaceModel, Member, Operation, Service, Shape } from './model.js';
import { primitiveOf } from './model.js';

type Tok =
  | { t: 'id'; v: string; line: number }
  | { t: 'str'; v: string; line: number }
  | { t: 'num'; v: number; line: number }
  | { t: 'doc'; v: string; line: number }
  | { t: 'p'; v: string; line: number };

export class SmithyError extends Error {
  constructor(source: string, line: number, message: string) {
    super(`${source}:${line}: ${message}`);
    this.name = 'SmithyError';
  }
}

function tokenize(src: string, source: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let line = 1;
  while (i < src.length) {
    const c = src[i];
    if (c === '\n') { line++; i++; continue; }
    if (c === ' ' || c === '\t' || c === '\r' || c === ',') { i++; continue; } // commas are optional in Smithy
    if (src.startsWith('///', i)) {
      const end = src.indexOf('\n', i);
      const text = src.slice(i + 3, end < 0 ? src.length : end);
      out.push({ t: 'doc', v: text.startsWith(' ') ? text.slice(1) : text, line });
      i = end < 0 ? src.length : end;
      continue;
    }
    if (src.startsWith('//', i)) { const end = src.indexOf('\n', i); i = end < 0 ? src.length : end; continue; }
    if (c === '"') {
      let j = i + 1;
      let v = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\' && j + 1 < src.length) { const e = src[j + 1]; v += e === 'n' ? '\n' : e === 't' ? '\t' : e; j += 2; continue; }
        if (src[j] === '\n') line++;
        v += src[j++];
      }
      if (j >= src.length) throw new SmithyError(source, line, 'unterminated string');
      out.push({ t: 'str', v, line });
      i = j + 1;
      continue;
    }
    if (/[0-9-]/.test(c)) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i));
      if (m) { out.push({ t: 'num', v: Number(m[0]), line }); i += m[0].length; continue; }
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.#$]*/.exec(src.slice(i))!;
      out.push({ t: 'id', v: m[0], line });
      i += m[0].length;
      continue;
    }
    if ('{}[]():=@'.includes(c)) { out.push({ t: 'p', v: c, line }); i++; continue; }
    throw new SmithyError(source, line, `unexpected character "${c}"`);
  }
  return out;
}

type NodeValue = string | number | boolean | null | NodeValue[] | { [k: string]: NodeValue };
interface Trait { name: string; value: NodeValue }

class Parser {
  private i = 0;
  constructor(private toks: Tok[], private source: string) {}

  private peek(): Tok | undefined { return this.toks[this.i]; }
  private line(): number { return this.peek()?.line ?? this.toks[this.toks.length - 1]?.line ?? 1; }
  private err(msg: string): never { throw new SmithyError(this.source, this.line(), msg); }
  private next(): Tok { const t = this.toks[this.i++]; if (!t) this.err('unexpected end of file'); return t; }
  private isP(v: string): boolean { const t = this.peek(); return !!t && t.t === 'p' && t.v === v; }
  private expectP(v: string): void { const t = this.next(); if (t.t !== 'p' || t.v !== v) this.err(`expected "${v}" but found "${String(t.v)}"`); }
  private ident(): string { const t = this.next(); if (t.t !== 'id') this.err(`expected a name but found "${String(t.v)}"`); return t.v; }
  atEnd(): boolean { return this.i >= this.toks.length; }

  /** Node values: strings, numbers, true/false/null, identifiers (shape ids), arrays, objects. */
  value(): NodeValue {
    const t = this.next();
    if (t.t === 'str' || t.t === 'num') return t.v;
    if (t.t === 'id') return t.v === 'true' ? true : t.v === 'false' ? false : t.v === 'null' ? null : t.v;
    if (t.t === 'p' && t.v === '[') {
      const arr: NodeValue[] = [];
      while (!this.isP(']')) arr.push(this.value());
      this.expectP(']');
      return arr;
    }
    if (t.t === 'p' && t.v === '{') {
      const obj: Record<string, NodeValue> = {};
      while (!this.isP('}')) {
        const k = this.next();
        if (k.t !== 'id' && k.t !== 'str') this.err('expected an object key');
        this.expectP(':');
        obj[String(k.v)] = this.value();
      }
      this.expectP('}');
      return obj;
    }
    return this.err(`unexpected "${String(t.v)}"`);
  }

  /** Doc comments and traits preceding a shape or member. */
  prelude(): { doc?: string; traits: Trait[] } {
    const docs: string[] = [];
    const traits: Trait[] = [];
    for (;;) {
      const t = this.peek();
      if (t?.t === 'doc') { docs.push(t.v); this.i++; continue; }
      if (t?.t === 'p' && t.v === '@') {
        this.i++;
        const name = this.ident().replace(/^.*#/, '');
        let value: NodeValue = {};
        if (this.isP('(')) {
          this.i++;
          if (this.isP(')')) value = {};
          else {
            // @trait(key: value, ...) or @trait(value)
            const save = this.i;
            const first = this.next();
            if ((first.t === 'id' || first.t === 'str') && this.isP(':')) {
              this.i = save;
              const obj: Record<string, NodeValue> = {};
              while (!this.isP(')')) {
                const k = this.next();
                this.expectP(':');
                obj[String(k.v)] = this.value();
              }
              value = obj;
            } else {
              this.i = save;
              value = this.value();
            }
          }
          this.expectP(')');
        }
        traits.push({ name, value });
        continue;
      }
      break;
    }
    return { doc: docs.length ? docs.join('\n') : undefined, traits };
  }

  /** `{ key: value ... }` body of service/operation/list/map. */
  props(): Record<string, NodeValue> {
    this.expectP('{');
    const obj: Record<string, NodeValue> = {};
    while (!this.isP('}')) {
      this.prelude(); // traits on list/map members are ignored
      const k = this.ident();
      this.expectP(':');
      obj[k] = this.value();
    }
    this.expectP('}');
    return obj;
  }

  members(): Member[] {
    this.expectP('{');
    const out: Member[] = [];
    while (!this.isP('}')) {
      const { doc, traits } = this.prelude();
      if (this.isP('}')) break;
      const line = this.line();
      const name = this.ident();
      this.expectP(':');
      const target = this.ident();
      let wireName = name;
      for (const tr of traits) {
        if (tr.name === 'serialization' && tr.value && typeof tr.value === 'object' && !Array.isArray(tr.value) && typeof tr.value.name === 'string') wireName = tr.value.name;
      }
      const member: Member = { name, wireName, target: target.replace(/^.*#/, ''), required: traits.some((t) => t.name === 'required'), doc };
      const dflt = traits.find((t) => t.name === 'default');
      if (dflt) {
        const bad = (msg: string): never => { throw new SmithyError(this.source, line, `member "${name}": ${msg}`); };
        if (!member.required) bad('@default needs @required (a member with a default is always present)');
        member.default = defaultValue(dflt.value, () => bad('@default takes a string, number, boolean, [] or {}'));
      }
      out.push(member);
    }
    this.expectP('}');
    return out;
  }
}

function defaultValue(v: NodeValue, bad: () => never): DefaultValue {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v) && v.length === 0) return [];
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) return {};
  return bad();
}

const SIMPLE = new Set(['string', 'blob', 'boolean', 'byte', 'short', 'integer', 'long', 'float', 'double', 'bigInteger', 'bigDecimal', 'timestamp', 'document']);

/** Parses one .smithy file. Throws SmithyError with file:line on bad input. */
export function parseSmithy(src: string, source = 'interface.smithy'): InterfaceModel {
  const p = new Parser(tokenize(src, source), source);
  const model: InterfaceModel = { namespace: '', source, services: [], shapes: new Map() };
  const operations = new Map<string, Operation>();
  const pendingServices: { svc: Service; ops: string[]; line: number }[] = [];
  const P = p as unknown as { next(): Tok; ident(): string; isP(v: string): boolean; value(): NodeValue; err(m: string): never; peek(): Tok | undefined; line(): number; expectP(v: string): void };

  while (!p.atEnd()) {
    const { doc, traits } = p.prelude();
    if (p.atEnd()) break;
    const kw = P.ident();
    if (kw === 'namespace') { model.namespace = P.ident(); continue; }
    if (kw === 'use') { P.ident(); continue; }
    if (kw === 'metadata') { P.ident(); P.expectP('='); P.value(); continue; }
    if (kw === 'apply') { P.ident(); p.prelude(); continue; }
    const name = P.ident();
    const line = P.line();
    const define = (s: Shape) => {
      if (model.shapes.has(name) || operations.has(name)) P.err(`"${name}" is defined twice`);
      model.shapes.set(name, s);
    };
    switch (kw) {
      case 'service': {
        const props = p.props();
        const wb = traits.find((t) => t.name === 'wasmbus')?.value as Record<string, NodeValue> | undefined;
        if (!wb || typeof wb.contractId !== 'string') throw new SmithyError(source, line, `service ${name} needs a @wasmbus(contractId: "...") trait`);
        const ops = Array.isArray(props.operations) ? props.operations.map(String) : [];
        pendingServices.push({
          svc: {
            name, doc, version: typeof props.version === 'string' ? props.version : undefined,
            contractId: wb.contractId as string, actorReceive: wb.actorReceive === true, providerReceive: wb.providerReceive === true,
            protocol: typeof wb.protocol === 'string' ? wb.protocol : '0', operations: [],
          },
          ops: ops.map((o) => o.replace(/^.*#/, '')), line,
        });
        break;
      }
      case 'operation': {
        const props = p.props();
        if (operations.has(name)) P.err(`operation "${name}" is defined twice`);
        const strip = (v: NodeValue | undefined) => (typeof v === 'string' ? v.replace(/^.*#/, '') : undefined);
        operations.set(name, { name, doc, input: strip(props.input), output: strip(props.output) });
        break;
      }
      case 'structure': define({ kind: 'structure', name, doc, members: p.members() }); break;
      case 'list': case 'set': {
        const props = p.props();
        if (typeof props.member !== 'string') P.err(`${kw} ${name} needs "member: <Type>"`);
        define({ kind: 'list', name, doc, member: (props.member as string).replace(/^.*#/, '') });
        break;
      }
      case 'map': {
        const props = p.props();
        if (typeof props.key !== 'string' || typeof props.value !== 'string') P.err(`map ${name} needs "key" and "value"`);
        define({ kind: 'map', name, doc, key: (props.key as string).replace(/^.*#/, ''), value: (props.value as string).replace(/^.*#/, '') });
        break;
      }
      default: {
        if (!SIMPLE.has(kw)) P.err(`unsupported shape kind "${kw}" (supported: service, operation, structure, list, set, map, simple types)`);
        const prim = primitiveOf(kw === 'timestamp' || kw === 'document' || kw.startsWith('big') ? 'String' : kw[0].toUpperCase() + kw.slice(1));
        // wasmCloud declares U32 etc. as `@unsignedInt integer U32`: keep the declared name's meaning
        define({ kind: 'alias', name, doc, target: primitiveOf(name) ?? prim ?? 'String' });
      }
    }
  }
  for (const { svc, ops, line } of pendingServices) {
    for (const o of ops) {
      const op = operations.get(o);
      if (!op) throw new SmithyError(source, line, `service ${svc.name} lists operation "${o}" which is not defined`);
      svc.operations.push(op);
    }
    model.services.push(svc);
  }
  // Every referenced type must exist.
  const known = (t: string) => primitiveOf(t) !== undefined || model.shapes.has(t);
  for (const s of model.shapes.values()) {
    const refs = s.kind === 'structure' ? s.members.map((m) => m.target) : s.kind === 'list' ? [s.member] : s.kind === 'map' ? [s.key, s.value] : [];
    for (const r of refs) if (!known(r)) throw new SmithyError(source, 1, `${s.name} refers to unknown type "${r}"`);
  }
  for (const op of operations.values()) {
    for (const r of [op.input, op.output]) if (r && !known(r)) throw new SmithyError(source, 1, `operation ${op.name} refers to unknown type "${r}"`);
  }
  if (!model.namespace) throw new SmithyError(source, 1, 'missing "namespace" statement');
  return model;
}
