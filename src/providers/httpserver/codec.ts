// HttpRequest / HttpResponse as the httpserver provider needs them (reference §2.3). The wire forms
// are the generated codec's (src/codec/interfaces/httpserver.ts, from interfaces/httpserver.smithy),
// which decodes through the bounded msgpack decoder; the hand-written paths (request-encoder.ts,
// response-decoder.ts, each with its measurement) handle the common shapes and leave the rest to it.
import { CodecError } from '../../codec/codec-error.js';
import { unpack } from '../../codec/interfaces/runtime.js';
import { HttpServerCodec, fromWireHttpResponse, type HttpRequest } from '../../codec/interfaces/httpserver.js';
import { fastDecodeHttpResponse } from './response-decoder.js';

export type { HttpRequest };
export type HeaderMap = Record<string, string[]>;

export interface HttpResponse {
  statusCode: number;
  /** Flat [name, value, name, value, ...] list, one entry per header line (what writeHead takes). */
  headerLines: string[];
  body: Uint8Array;
}

/** Field order matches what wasmCloud's httpserver sends (method, path, queryString, header, body). */
export function encodeHttpRequest(req: HttpRequest): Uint8Array {
  return HttpServerCodec.HandleRequest.encodeInput(req);
}

/** Decode an actor's HttpResponse: the fast path for the common shape, else the generated codec. */
export function decodeHttpResponse(payload: Uint8Array): HttpResponse {
  return fastDecodeHttpResponse(payload) ?? decodeHttpResponseGeneral(payload);
}

/**
 * Every accepted form, with the generated codec's errors: any integer width, body as bin, str or
 * nil, header or body left out, and (beyond wasmCloud's HeaderMap, which this provider has always
 * read) a header value given as one string instead of a list.
 */
export function decodeHttpResponseGeneral(payload: Uint8Array): HttpResponse {
  const r = fromWireHttpResponse(singleHeaderValuesAsLists(unpack(payload, 'HttpResponse')), 'HttpResponse');
  if (r.statusCode < 200 || r.statusCode > 999) {
    throw new CodecError(`HttpResponse.statusCode ${r.statusCode} is not a final HTTP status (200-999)`);
  }
  const headerLines: string[] = [];
  for (const name of Object.keys(r.header)) {
    const values = r.header[name]!;
    for (let i = 0; i < values.length; i++) headerLines.push(name, values[i]!);
  }
  return { statusCode: r.statusCode, headerLines, body: r.body };
}

/** `{header: {a: "x"}}` read as `{header: {a: ["x"]}}`; anything else is left to the codec to judge. */
function singleHeaderValuesAsLists(raw: unknown): unknown {
  const header = raw !== null && typeof raw === 'object' && Object.hasOwn(raw, 'header') ? (raw as { header: unknown }).header : undefined;
  if (header === null || typeof header !== 'object' || Array.isArray(header) || header instanceof Uint8Array) return raw;
  const h = header as Record<string, unknown>;
  for (const name of Object.keys(h)) {
    if (typeof h[name] === 'string') h[name] = [h[name]];
  }
  return raw;
}
