// A tiny wasmbus host (reference: wasmCloud guest ABI) so this project's tests can run the
// built actor without a lattice. `hostCall` answers the actor's calls to providers.
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

/** msgpack HttpRequest {method, path, queryString, header:{}, body:bin} for short ASCII values. */
export function httpRequest(method, path, queryString = '', body = new Uint8Array(0)) {
  const s = (v) => { const b = enc.encode(v); if (b.length > 31) throw new Error('keep test strings short'); return [0xa0 | b.length, ...b]; };
  return Uint8Array.from([0x85, ...s('method'), ...s(method), ...s('path'), ...s(path), ...s('queryString'), ...s(queryString),
    ...s('header'), 0x80, ...s('body'), 0xc4, body.length, ...body]);
}

/** Finds the body bytes (bin8) and status code of an HttpResponse produced by the SDK. */
export function httpResponse(bytes) {
  const text = Buffer.from(bytes);
  const at = text.indexOf(Buffer.from('statusCode'));
  let status = text[at + 10];
  if (status === 0xcc) status = text[at + 11];
  else if (status === 0xcd) status = text.readUInt16BE(at + 11);
  const b = text.indexOf(Buffer.from('body'));
  const len = text[b + 5];
  return { status, body: text.subarray(b + 6, b + 6 + len).toString('utf8') };
}
