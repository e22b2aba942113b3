// A tiny wasmbus host (reference: wasmCloud guest ABI) so this project's tests can run the
// built actor without a lattice. `hostCall` answers the actor's calls to providers. Payloads are
// msgpack through ./msgpack.mjs (the library Stratus uses), so any size of string or body works.
import { decode, encode } from './msgpack.mjs';

export { decode, encode };
const enc = new TextEncoder();
const dec = new TextDecoder();

export async function loadActor(bytes, hostCall = () => ({ error: 'no provider in this test' })) {
  let instance;
  let op = new Uint8Array(0), payload = new Uint8Array(0), response = new Uint8Array(0), error = '';
  let hostResponse = new Uint8Array(0), hostError = new Uint8Array(0);
  const mem = () => new Uint8Array(instance.exports.memory.buffer);
  const str = (p, l) => dec.decode(mem().slice(p, p + l));
  const wasmbus = {
    __guest_request: (o, p) => { mem().set(op, o); mem().set(payload, p); },
    __guest_response: (p, l) => { response = mem().slice(p, p + l); },
    __guest_error: (p, l) => { error = str(p, l); },
    __host_call: (bp, bl, np, nl, opp, ol, pp, pl) => {
      const r = hostCall(str(bp, bl), str(np, nl), str(opp, ol), mem().slice(pp, pp + pl));
      if (r.ok) { hostResponse = r.ok; return 1; }
      hostError = enc.encode(r.error);
      return 0;
    },
    __host_response_len: () => hostResponse.length,
    __host_response: (p) => mem().set(hostResponse, p),
    __host_error_len: () => hostError.length,
    __host_error: (p) => mem().set(hostError, p),
  };
  ({ instance } = await WebAssembly.instantiate(bytes, { wasmbus }));
  return {
    call(operation, bytesIn) {
      op = enc.encode(operation); payload = bytesIn; response = new Uint8Array(0); error = '';
      const rc = instance.exports.__guest_call(op.length, payload.length);
      return { rc, response, error };
    },
  };
}

/**
 * An HttpRequest as the httpserver provider sends it (reference §2.3): method, path, queryString,
 * header (name -> list of values) and body (bytes; a string is sent as UTF-8).
 */
export function httpRequest(method, path, queryString = '', body = new Uint8Array(0), header = {}) {
  return encode({ method, path, queryString, header, body: typeof body === 'string' ? enc.encode(body) : body });
}

/** The status code, body (as text) and header of the actor's HttpResponse. */
export function httpResponse(bytes) {
  const r = decode(bytes);
  return { status: r.statusCode, body: dec.decode(r.body ?? new Uint8Array(0)) };
}

/** The whole HttpResponse, with the header map (name -> list of values). */
export function httpResponseWithHeader(bytes) {
  const r = decode(bytes);
  return { status: r.statusCode, body: dec.decode(r.body ?? new Uint8Array(0)), header: r.header ?? {} };
}
