// JSON <-> msgpack for humans (stratus call, the control socket). Rules, kept predictable:
//  * JSON maps to msgpack as-is: objects -> maps keyed by name, strings -> str, integers -> the
//    minimal integer form, other numbers -> float64.
//  * `{"$base64": "..."}` anywhere becomes msgpack bin.
//  * Blob fields of known operations whose JSON value is a string become bin (UTF-8):
//    `body` for HttpServer.HandleRequest, MessageSubscriber.HandleMessage, Messaging.Publish,
//    Messaging.Request and HttpClient.Request. HttpServer.HandleRequest also gets defaults for
//    missing fields (method GET, path "/", queryString "", header {}, body empty), because the
//    actor rejects a request with a missing field (reference §2.1, §2.3). The same holds for
//    the legacy (pre-0.50 wapc) name `HandleRequest`.
//  * No --data / empty text = 0-byte payload (operations without input, reference §2.1), except
//    for an HTTP request, which always has input: there no --data means the default request.
//  * Replies: msgpack decoded to JSON; bin that is valid UTF-8 is shown as a string, other bin as
//    {"$base64": ...}; a reply that is not msgpack at all is shown the same way as bin.
//  * Both ways nest at most MAX_DEPTH arrays/maps (the msgpack decoder's limit): deeper --data is
//    refused with a clear error instead of overflowing the stack, and a reply that nests deeper (or
//    is malformed, however long it claims to be) is shown as bytes.
import { StratusError } from '../core/errors.js';
import { decode, encode } from './msgpack.js';
import { MAX_DEPTH } from './msgpack-decoder.js';

/** Operations whose input is an HttpRequest: they get the default request's fields. */
const HTTP_REQUEST_OPS = new Set(['HttpServer.HandleRequest', 'HandleRequest']);

const BODY_IS_BLOB = new Set([
  'HttpServer.HandleRequest', 'HandleRequest', 'MessageSubscriber.HandleMessage', 'Messaging.Publish', 'Messaging.Request', 'HttpClient.Request',
]);

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function fromJsonValue(v: unknown, depth: number): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (depth >= MAX_DEPTH) {
    throw new StratusError('BAD_REQUEST', `--data nests arrays and objects deeper than ${MAX_DEPTH} levels`,
      'wasmCloud payloads nest a few levels; flatten the data');
  }
  if (Array.isArray(v)) return v.map((x) => fromJsonValue(x, depth + 1));
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0] === '$base64' && typeof o.$base64 === 'string') return new Uint8Array(Buffer.from(o.$base64, 'base64'));
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const x = fromJsonValue(o[k], depth + 1);
    // JSON.parse makes "__proto__" an own key; keep it one (an assignment would set the prototype)
    if (k === '__proto__') Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    else out[k] = x;
  }
  return out;
}

/** Convert JSON text to the msgpack payload of `operation`. */
export function jsonToMsgpack(operation: string, json: string | undefined): Uint8Array {
  if (json === undefined || json.trim() === '') {
    if (!HTTP_REQUEST_OPS.has(operation)) return new Uint8Array(0);
    json = '{}';
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new StratusError('BAD_REQUEST', `--data is not valid JSON: ${e instanceof Error ? e.message : e}`,
      `quote it for your shell, e.g. --data '{"path":"/hello"}'`);
  }
  let value = fromJsonValue(parsed, 0);
  if (BODY_IS_BLOB.has(operation) && value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)) {
    const o = { ...(value as Record<string, unknown>) };
    if (HTTP_REQUEST_OPS.has(operation)) {
      o.method ??= 'GET';
      o.path ??= '/';
      o.queryString ??= '';
      o.header ??= {};
      o.body ??= new Uint8Array(0);
    }
    if (typeof o.body === 'string') o.body = utf8.encode(o.body);
    value = o;
  }
  return encode(value);
}

function bytesToJson(b: Uint8Array): unknown {
  try {
    return strictUtf8.decode(b);
  } catch {
    return { $base64: Buffer.from(b).toString('base64') };
  }
}

function toJsonValue(v: unknown): unknown {
  if (v instanceof Uint8Array) return bytesToJson(v);
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), toJsonValue(x)]));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toJsonValue(x);
    return out;
  }
  return v;
}

/** Convert an actor's reply to a JSON-friendly value (null for an empty reply). */
export function msgpackToJson(operation: string, payload: Uint8Array): unknown {
  if (payload.length === 0) return null;
  let value: unknown;
  try {
    value = decode(payload, operation);
  } catch {
    return bytesToJson(payload);
  }
  return toJsonValue(value);
}
