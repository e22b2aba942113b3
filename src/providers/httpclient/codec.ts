// HttpClient.Request payloads (reference §2.9): the request's header map is `headers`, the
// response's is `header`; both map a name to a list of values. Readers are tolerant as wasmCloud's
// (a single string value is accepted as a one-element list).
import { pack, unpack, asString, asBlob, asMap, required, CodecError } from '../../codec/interfaces/runtime.js';

export type HeaderMap = Record<string, string[]>;

export interface HttpClientRequest { method: string; url: string; headers: HeaderMap; body: Uint8Array }
export interface HttpClientResponse { statusCode: number; header: HeaderMap; body: Uint8Array }

function headerMap(v: unknown, path: string): HeaderMap {
  const out: HeaderMap = {};
  if (v === null || v === undefined) return out;
  for (const [k, vals] of Object.entries(asMap(v, path))) {
    if (Array.isArray(vals)) out[k] = vals.map((x, i) => asString(x, `${path}.${k}[${i}]`));
    else if (typeof vals === 'string' || vals instanceof Uint8Array) out[k] = [asString(vals, `${path}.${k}`)];
    else throw new CodecError(`${path}.${k}: expected a list of strings`);
  }
  return out;
}

export function decodeHttpClientRequest(bytes: Uint8Array, path = 'HttpRequest'): HttpClientRequest {
  const o = asMap(unpack(bytes, path), path);
  return {
    method: asString(required(o, 'method', path), `${path}.method`),
    url: asString(required(o, 'url', path), `${path}.url`),
    headers: headerMap(Object.hasOwn(o, 'headers') ? o.headers : undefined, `${path}.headers`),
    body: asBlob(Object.hasOwn(o, 'body') ? o.body : undefined, `${path}.body`),
  };
}

export function encodeHttpClientResponse(r: HttpClientResponse): Uint8Array {
  return pack({ statusCode: r.statusCode, header: r.header, body: r.body });
}
