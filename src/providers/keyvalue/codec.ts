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

type Handler = (b: KvBackend, p: Uint8Array) => Promise<Uint8Array>;

/** Operation name -> decode, run, encode. Outputs are bare scalars/arrays except Get's map. */
export const KEYVALUE_OPERATIONS: Record<string, Handler> = {
  'KeyValue.Get': async (b, p) => {
    const r = await b.get(decoders.str(p, 'KeyValue.Get key'));
    return enc({ value: r.value, exists: r.exists });
  },
  'KeyValue.Set': async (b, p) => { const r = decoders.set(p); await b.set(r.key, r.value, r.expires); return EMPTY; },
  'KeyValue.Del': async (b, p) => enc(await b.del(decoders.str(p, 'KeyValue.Del key'))),
  'KeyValue.Contains': async (b, p) => enc(await b.contains(decoders.str(p, 'KeyValue.Contains key'))),
  'KeyValue.Increment': async (b, p) => { const r = decoders.increment(p); return enc(await b.increment(r.key, r.value)); },
  'KeyValue.ListAdd': async (b, p) => { const r = decoders.listItem(p, 'ListAddRequest'); return enc(await b.listAdd(r.listName, r.value)); },
  'KeyValue.ListDel': async (b, p) => { const r = decoders.listItem(p, 'ListDelRequest'); return enc(await b.listDel(r.listName, r.value)); },
  'KeyValue.ListRange': async (b, p) => { const r = decoders.listRange(p); return enc(await b.listRange(r.listName, r.start, r.stop)); },
  'KeyValue.ListClear': async (b, p) => enc(await b.listClear(decoders.str(p, 'KeyValue.ListClear listName'))),
  'KeyValue.SetAdd': async (b, p) => { const r = decoders.setItem(p, 'SetAddRequest'); return enc(await b.setAdd(r.setName, r.value)); },
  'KeyValue.SetDel': async (b, p) => { const r = decoders.setItem(p, 'SetDelRequest'); return enc(await b.setDel(r.setName, r.value)); },
  'KeyValue.SetQuery': async (b, p) => enc(await b.setQuery(decoders.str(p, 'KeyValue.SetQuery setName'))),
  'KeyValue.SetUnion': async (b, p) => enc(await b.setUnion(decoders.strList(p, 'KeyValue.SetUnion keys'))),
  'KeyValue.SetIntersection': async (b, p) => enc(await b.setIntersection(decoders.strList(p, 'KeyValue.SetIntersection keys'))),
  'KeyValue.SetClear': async (b, p) => enc(await b.setClear(decoders.str(p, 'KeyValue.SetClear setName'))),
};

/** One operation run directly on an entry store's atomic section (memory, lmdb): decode, run, encode. */
export interface EntryOperation { write: boolean; run(t: EntryTxn, p: Uint8Array, now: number): Uint8Array }

const r = (run: EntryOperation['run']): EntryOperation => ({ write: false, run });
const w = (run: EntryOperation['run']): EntryOperation => ({ write: true, run });

/** The same operations as KEYVALUE_OPERATIONS, synchronous, for stores that run the semantics in-process. */
export const ENTRY_OPERATIONS: Record<string, EntryOperation> = {
  'KeyValue.Get': r((t, p) => { const g = ops.get(t, decoders.str(p, 'KeyValue.Get key')); return enc({ value: g.value, exists: g.exists }); }),
  'KeyValue.Set': w((t, p, now) => { const q = decoders.set(p); ops.set(t, q.key, q.value, q.expires, now); return EMPTY; }),
  'KeyValue.Del': w((t, p) => enc(ops.del(t, decoders.str(p, 'KeyValue.Del key')))),
  'KeyValue.Contains': r((t, p) => enc(ops.contains(t, decoders.str(p, 'KeyValue.Contains key')))),
  'KeyValue.Increment': w((t, p) => { const q = decoders.increment(p); return packInt(ops.increment(t, q.key, q.value)); }),
  'KeyValue.ListAdd': w((t, p) => { const q = decoders.listItem(p, 'ListAddRequest'); return enc(ops.listAdd(t, q.listName, q.value)); }),
  'KeyValue.ListDel': w((t, p) => { const q = decoders.listItem(p, 'ListDelRequest'); return enc(ops.listDel(t, q.listName, q.value)); }),
  'KeyValue.ListRange': r((t, p) => { const q = decoders.listRange(p); return enc(ops.listRange(t, q.listName, q.start, q.stop)); }),
  'KeyValue.ListClear': w((t, p) => enc(ops.listClear(t, decoders.str(p, 'KeyValue.ListClear listName')))),
  'KeyValue.SetAdd': w((t, p) => { const q = decoders.setItem(p, 'SetAddRequest'); return enc(ops.setAdd(t, q.setName, q.value)); }),
  'KeyValue.SetDel': w((t, p) => { const q = decoders.setItem(p, 'SetDelRequest'); return enc(ops.setDel(t, q.setName, q.value)); }),
  'KeyValue.SetQuery': r((t, p) => enc(ops.setQuery(t, decoders.str(p, 'KeyValue.SetQuery setName')))),
  'KeyValue.SetUnion': r((t, p) => enc(ops.setUnion(t, decoders.strList(p, 'KeyValue.SetUnion keys')))),
  'KeyValue.SetIntersection': r((t, p) => enc(ops.setIntersection(t, decoders.strList(p, 'KeyValue.SetIntersection keys')))),
  'KeyValue.SetClear': w((t, p) => enc(ops.setClear(t, decoders.str(p, 'KeyValue.SetClear setName')))),
};
