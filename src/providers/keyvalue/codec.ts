// Wire forms of the KeyValue operations (reference §2.4) and their dispatch onto a KvBackend.
// Typed and self-contained so the generated codecs (src/codec/interfaces/) can replace it.
import { StratusError } from '../../host/errors.js';
import { packr, decode, asMap, asString, asInt, asStringArray, I32_MIN, I32_MAX, U32_MAX } from '../msgpack.js';
import type { KvBackend } from './backend.js';
import { ops, type EntryTxn } from './semantics.js';
import { fastIncrementRequest, packInt } from './fast-codec.js';

export interface SetRequest { key: string; value: string; expires: number }
export interface IncrementRequest { key: string; value: number }
export interface ListAddRequest { listName: string; value: string }
export interface ListRangeRequest { listName: string; start: number; stop: number }
export interface SetAddRequest { setName: string; value: string }

const EMPTY = new Uint8Array(0);

function field(m: Record<string, unknown>, name: string, what: string): unknown {
  if (!(name in m)) throw new StratusError('BAD_REQUEST', `${what}: missing field "${name}"`);
  return m[name];
}

export const decoders = {
  str(p: Uint8Array, what: string): string { return asString(decode(p, what), what); },
  strList(p: Uint8Array, what: string): string[] { return asStringArray(decode(p, what), what); },
  set(p: Uint8Array): SetRequest {
    const m = asMap(decode(p, 'SetRequest'), 'SetRequest');
    return {
      key: asString(field(m, 'key', 'SetRequest'), 'SetRequest.key'),
      value: asString(field(m, 'value', 'SetRequest'), 'SetRequest.value'),
      // expires is required in the Smithy model, but a missing one harmlessly means "never"
      expires: m.expires === undefined || m.expires === null ? 0 : asInt(m.expires, 'SetRequest.expires', 0, U32_MAX),
    };
  },
  increment(p: Uint8Array): IncrementRequest {
    const fast = fastIncrementRequest(p);
    if (fast) return fast;
    const m = asMap(decode(p, 'IncrementRequest'), 'IncrementRequest');
    return {
      key: asString(field(m, 'key', 'IncrementRequest'), 'IncrementRequest.key'),
      value: asInt(field(m, 'value', 'IncrementRequest'), 'IncrementRequest.value', I32_MIN, I32_MAX),
    };
  },
  listItem(p: Uint8Array, what: string): ListAddRequest {
    const m = asMap(decode(p, what), what);
    return { listName: asString(field(m, 'listName', what), `${what}.listName`), value: asString(field(m, 'value', what), `${what}.value`) };
  },
  listRange(p: Uint8Array): ListRangeRequest {
    const m = asMap(decode(p, 'ListRangeRequest'), 'ListRangeRequest');
    return {
      listName: asString(field(m, 'listName', 'ListRangeRequest'), 'ListRangeRequest.listName'),
      start: asInt(field(m, 'start', 'ListRangeRequest'), 'ListRangeRequest.start', I32_MIN, I32_MAX),
      stop: asInt(field(m, 'stop', 'ListRangeRequest'), 'ListRangeRequest.stop', I32_MIN, I32_MAX),
    };
  },
  setItem(p: Uint8Array, what: string): SetAddRequest {
    const m = asMap(decode(p, what), what);
    return { setName: asString(field(m, 'setName', what), `${what}.setName`), value: asString(field(m, 'value', what), `${what}.value`) };
  },
};

const enc = (v: unknown): Uint8Array => packr.pack(v);

/**
 * One KeyValue operation, defined once for both ways of running it: the KvBackend method and the
 * semantics function in `ops` share its name and arguments (ops take the atomic section first and
 * may use `now` after the arguments).
 */
interface OperationSpec {
  method: keyof typeof ops & keyof KvBackend;
  /** Whether it changes data (runs in a write section on entry stores). */
  write: boolean;
  args(p: Uint8Array): unknown[];
  encode(result: any): Uint8Array; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const SPECS: Record<string, OperationSpec> = {
  'KeyValue.Get': { method: 'get', write: false, args: (p) => [decoders.str(p, 'KeyValue.Get key')], encode: (g: { value: string; exists: boolean }) => enc({ value: g.value, exists: g.exists }) },
  'KeyValue.Set': { method: 'set', write: true, args: (p) => { const q = decoders.set(p); return [q.key, q.value, q.expires]; }, encode: () => EMPTY },
  'KeyValue.Del': { method: 'del', write: true, args: (p) => [decoders.str(p, 'KeyValue.Del key')], encode: enc },
  'KeyValue.Contains': { method: 'contains', write: false, args: (p) => [decoders.str(p, 'KeyValue.Contains key')], encode: enc },
  'KeyValue.Increment': { method: 'increment', write: true, args: (p) => { const q = decoders.increment(p); return [q.key, q.value]; }, encode: packInt },
  'KeyValue.ListAdd': { method: 'listAdd', write: true, args: (p) => { const q = decoders.listItem(p, 'ListAddRequest'); return [q.listName, q.value]; }, encode: enc },
  'KeyValue.ListDel': { method: 'listDel', write: true, args: (p) => { const q = decoders.listItem(p, 'ListDelRequest'); return [q.listName, q.value]; }, encode: enc },
  'KeyValue.ListRange': { method: 'listRange', write: false, args: (p) => { const q = decoders.listRange(p); return [q.listName, q.start, q.stop]; }, encode: enc },
  'KeyValue.ListClear': { method: 'listClear', write: true, args: (p) => [decoders.str(p, 'KeyValue.ListClear listName')], encode: enc },
  'KeyValue.SetAdd': { method: 'setAdd', write: true, args: (p) => { const q = decoders.setItem(p, 'SetAddRequest'); return [q.setName, q.value]; }, encode: enc },
  'KeyValue.SetDel': { method: 'setDel', write: true, args: (p) => { const q = decoders.setItem(p, 'SetDelRequest'); return [q.setName, q.value]; }, encode: enc },
  'KeyValue.SetQuery': { method: 'setQuery', write: false, args: (p) => [decoders.str(p, 'KeyValue.SetQuery setName')], encode: enc },
  'KeyValue.SetUnion': { method: 'setUnion', write: false, args: (p) => [decoders.strList(p, 'KeyValue.SetUnion keys')], encode: enc },
  'KeyValue.SetIntersection': { method: 'setIntersection', write: false, args: (p) => [decoders.strList(p, 'KeyValue.SetIntersection keys')], encode: enc },
  'KeyValue.SetClear': { method: 'setClear', write: true, args: (p) => [decoders.str(p, 'KeyValue.SetClear setName')], encode: enc },
};

type AnyFn = (...a: unknown[]) => unknown;
type Handler = (b: KvBackend, p: Uint8Array) => Promise<Uint8Array>;

function table<T>(make: (s: OperationSpec) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(SPECS).map(([name, s]) => [name, make(s)]));
}

/** Operation name -> decode, run on any KvBackend, encode. Outputs are bare scalars/arrays except Get's map.
 *  Not async: one then() per call instead of an async function's frame, await and own promise. */
export const KEYVALUE_OPERATIONS: Record<string, Handler> = table((s) => (b: KvBackend, p: Uint8Array) => {
  try {
    return ((b[s.method] as AnyFn).apply(b, s.args(p)) as Promise<unknown>).then(s.encode);
  } catch (e) {
    return Promise.reject(e); // a payload that does not decode
  }
});

/** One operation run directly on an entry store's atomic section (memory, lmdb): decode, run, encode. */
export interface EntryOperation { write: boolean; run(t: EntryTxn, p: Uint8Array, now: number): Uint8Array }

/** The same operations, synchronous, for stores that run the semantics in-process. */
export const ENTRY_OPERATIONS: Record<string, EntryOperation> = table((s) => {
  const fn = ops[s.method] as AnyFn; // resolved once, not per call
  return { write: s.write, run: (t: EntryTxn, p: Uint8Array, now: number) => s.encode(fn(t, ...s.args(p), now)) };
});
