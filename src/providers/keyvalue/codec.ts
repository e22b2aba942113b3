// Wire forms of the KeyValue operations (reference §2.4) and their dispatch onto a KvBackend.
// The wire forms are the generated codec's (src/codec/interfaces/keyvalue.ts, from
// interfaces/keyvalue.smithy), which decodes through the bounded msgpack decoder; the only
// hand-written path is Increment's (fast-codec.ts, with its measurement), which falls back to it.
import { KeyValueCodec as C, type IncrementRequest } from '../../codec/interfaces/keyvalue.js';
import type { KvBackend } from './backend.js';
import { ops, type EntryTxn } from './semantics.js';
import { fastIncrementRequest, packInt } from './fast-codec.js';

const EMPTY = new Uint8Array(0);

/** IncrementRequest from the fast path when it takes the payload, else from the generated codec. */
export function decodeIncrement(p: Uint8Array): IncrementRequest {
  return fastIncrementRequest(p) ?? C.Increment.decodeInput(p);
}

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

// Scalar inputs have no name on the wire; errors name them after the argument they are.
const SPECS: Record<string, OperationSpec> = {
  'KeyValue.Get': { method: 'get', write: false, args: (p) => [C.Get.decodeInput(p, 'KeyValue.Get key')], encode: C.Get.encodeOutput },
  'KeyValue.Set': { method: 'set', write: true, args: (p) => { const q = C.Set.decodeInput(p); return [q.key, q.value, q.expires]; }, encode: () => EMPTY },
  'KeyValue.Del': { method: 'del', write: true, args: (p) => [C.Del.decodeInput(p, 'KeyValue.Del key')], encode: C.Del.encodeOutput },
  'KeyValue.Contains': { method: 'contains', write: false, args: (p) => [C.Contains.decodeInput(p, 'KeyValue.Contains key')], encode: C.Contains.encodeOutput },
  'KeyValue.Increment': { method: 'increment', write: true, args: (p) => { const q = decodeIncrement(p); return [q.key, q.value]; }, encode: packInt },
  'KeyValue.ListAdd': { method: 'listAdd', write: true, args: (p) => { const q = C.ListAdd.decodeInput(p); return [q.listName, q.value]; }, encode: C.ListAdd.encodeOutput },
  'KeyValue.ListDel': { method: 'listDel', write: true, args: (p) => { const q = C.ListDel.decodeInput(p); return [q.listName, q.value]; }, encode: C.ListDel.encodeOutput },
  'KeyValue.ListRange': { method: 'listRange', write: false, args: (p) => { const q = C.ListRange.decodeInput(p); return [q.listName, q.start, q.stop]; }, encode: C.ListRange.encodeOutput },
  'KeyValue.ListClear': { method: 'listClear', write: true, args: (p) => [C.ListClear.decodeInput(p, 'KeyValue.ListClear listName')], encode: C.ListClear.encodeOutput },
  'KeyValue.SetAdd': { method: 'setAdd', write: true, args: (p) => { const q = C.SetAdd.decodeInput(p); return [q.setName, q.value]; }, encode: C.SetAdd.encodeOutput },
  'KeyValue.SetDel': { method: 'setDel', write: true, args: (p) => { const q = C.SetDel.decodeInput(p); return [q.setName, q.value]; }, encode: C.SetDel.encodeOutput },
  'KeyValue.SetQuery': { method: 'setQuery', write: false, args: (p) => [C.SetQuery.decodeInput(p, 'KeyValue.SetQuery setName')], encode: C.SetQuery.encodeOutput },
  'KeyValue.SetUnion': { method: 'setUnion', write: false, args: (p) => [C.SetUnion.decodeInput(p, 'KeyValue.SetUnion keys')], encode: C.SetUnion.encodeOutput },
  'KeyValue.SetIntersection': { method: 'setIntersection', write: false, args: (p) => [C.SetIntersection.decodeInput(p, 'KeyValue.SetIntersection keys')], encode: C.SetIntersection.encodeOutput },
  'KeyValue.SetClear': { method: 'setClear', write: true, args: (p) => [C.SetClear.decodeInput(p, 'KeyValue.SetClear setName')], encode: C.SetClear.encodeOutput },
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
