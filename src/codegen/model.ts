// The interface model our Smithy subset parses into, shared by both generators.

/** Built-in simple types (Smithy prelude + org.wasmcloud.model aliases), normalised. */
export type Primitive =
  | 'String' | 'Boolean' | 'Blob'
  | 'I8' | 'I16' | 'I32' | 'I64' | 'U8' | 'U16' | 'U32' | 'U64'
  | 'F32' | 'F64';

export interface Member {
  /** Name as declared (camelCase usually). */
  name: string;
  /** Key on the wire: `@serialization(name:)` / `@rename` override, else `name` (reference §2.1). */
  wireName: string;
  /** Target shape name (local shape or primitive). */
  target: string;
  required: boolean;
  /**
   * `@default(value)` (Smithy 2.0's trait): a missing or nil member decodes as this value, as
   * Rust's `#[serde(default)]` does. Host-side decoders only; it needs `@required`.
   */
  default?: DefaultValue;
  doc?: string;
}

/** The literal of a `@default` trait. */
export type DefaultValue = string | number | boolean | [] | Record<string, never>;

export type Shape =
  | { kind: 'structure'; name: string; doc?: string; members: Member[] }
  | { kind: 'list'; name: string; doc?: string; member: string }
  | { kind: 'map'; name: string; doc?: string; key: string; value: string }
  | { kind: 'alias'; name: string; doc?: string; target: Primitive };

export interface Operation {
  name: string;
  doc?: string;
  input?: string;
  output?: string;
}

export interface Service {
  name: string;
  doc?: string;
  version?: string;
  contractId: string;
  actorReceive: boolean;
  providerReceive: boolean;
  /** Only protocol "0" (msgpack) is generated. */
  protocol: string;
  operations: Operation[];
}

export interface InterfaceModel {
  namespace: string;
  /** Source file name, for headers and error messages. */
  source: string;
  services: Service[];
  shapes: Map<string, Shape>;
}

const PRIMITIVES: Record<string, Primitive> = {
  String: 'String', Boolean: 'Boolean', Blob: 'Blob',
  Byte: 'I8', I8: 'I8', Short: 'I16', I16: 'I16', Integer: 'I32', I32: 'I32', Long: 'I64', I64: 'I64',
  U8: 'U8', U16: 'U16', U32: 'U32', U64: 'U64',
  Float: 'F32', F32: 'F32', Float32: 'F32', Double: 'F64', F64: 'F64', Float64: 'F64',
};

/** Maps a (possibly namespace-qualified) type name to a primitive, if it is one. */
export function primitiveOf(name: string): Primitive | undefined {
  const bare = name.includes('#') ? name.slice(name.indexOf('#') + 1) : name;
  return Object.prototype.hasOwnProperty.call(PRIMITIVES, bare) ? PRIMITIVES[bare] : undefined;
}

/** Resolves a target through aliases down to a primitive or a structured shape. */
export function resolve(model: InterfaceModel, name: string): { primitive: Primitive } | { shape: Exclude<Shape, { kind: 'alias' }> } {
  const p = primitiveOf(name);
  if (p) return { primitive: p };
  const s = model.shapes.get(name);
  if (!s) throw new Error(`${model.source}: unknown type "${name}"`);
  if (s.kind === 'alias') return { primitive: s.target };
  return { shape: s };
}
