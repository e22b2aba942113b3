// HttpRequest / HttpResponse encodings (reference §2.3). Kept small and typed so the generated
// codecs in src/codec/interfaces/ can replace it later.
import { StratusError } from '../../host/errors.js';
import { packr, asMap, asBytes, asInt, asString } from '../msgpack.js';
import { fastDecodeHttpResponse } from './response-decoder.js';

export type HeaderMap = Record<string, string[]>;

export interface HttpRequest {
  method: string;
  path: string;
  queryString: string;
  header: HeaderMap;
  body: Uint8Array;
}

export interface HttpResponse {
  statusCode: number;
  /** Flat [name, value, name, value, ...] list, one entry per header line (what writeHead takes). */
  headerLines: string[];
  body: Uint8Array;
}

/** Field order matches what wasmCloud's httpserver sends (method, path, queryString, header, body). */
export function encodeHttpRequest(req: HttpRequest): Uint8Array {
  return packr.pack(req);
}

/** Decode an actor's HttpResponse, tolerating header values as str and body as bin/str/nil. */
export function decodeHttpResponse(payload: Uint8Array): HttpResponse {
  return fastDecodeHttpResponse(payload) ?? decodeHttpResponseGeneral(payload);
}

/** Every accepted form, with the error messages; decodeHttpResponse tries the fast path first. */
export function decodeHttpResponseGeneral(payload: Uint8Array): HttpResponse {
  if (payload.length === 0) throw new StratusError('BAD_REQUEST', 'HttpResponse: the actor returned an empty payload, expected a msgpack map {statusCode, header, body}');
  let raw: unknown;
  try { raw = packr.unpack(payload); } catch (e) {
    throw new StratusError('BAD_REQUEST', `HttpResponse: the actor's reply is not valid msgpack (${(e as Error).message})`);
  }
  const m = asMap(raw, 'HttpResponse');
  if (!('statusCode' in m)) throw new StratusError('BAD_REQUEST', 'HttpResponse: missing field statusCode');
  const statusCode = asInt(m.statusCode, 'HttpResponse.statusCode', 0, 65535);
  if (statusCode < 200 || statusCode > 999) {
    throw new StratusError('BAD_REQUEST', `HttpResponse.statusCode ${statusCode} is not a final HTTP status (200-999)`);
  }
  const headerLines: string[] = [];
  const h = m.header;
  if (h !== undefined && h !== null) {
    const hm = asMap(h, 'HttpResponse.header');
    for (const name of Object.keys(hm)) {
      const val = hm[name];
      if (Array.isArray(val)) {
        for (let i = 0; i < val.length; i++) headerLines.push(name, asString(val[i], `HttpResponse.header.${name}[${i}]`));
      } else {
        headerLines.push(name, asString(val, `HttpResponse.header.${name}`));
      }
    }
  }
  return { statusCode, headerLines, body: asBytes(m.body, 'HttpResponse.body') };
}
