// Guest -> host calls (reference §1.6): capability providers by (link name, contract id),
// actors by ("", public key or call alias).
import { __host_call, __host_response_len, __host_response, __host_error_len, __host_error } from "./abi";
import { Result, ok, err, ErrorKind } from "./result";
import { Reader } from "./msgpack";

/** The link name wasmCloud uses when none is given. */
export const DEFAULT_LINK = "default";

// Binding, namespace and operation repeat on every call (usually literals), so each argument slot
// keeps the string last passed and its UTF-8 bytes. Holding `last` keeps it alive, so an equal
// address means the same (immutable) string; an equal-content string reuses the bytes too.
class EncodedSlot {
  last: string = "";
  bytes: ArrayBuffer = new ArrayBuffer(0);

  get(s: string): ArrayBuffer {
    if (changetype<usize>(s) != changetype<usize>(this.last) && s != this.last) {
      this.bytes = String.UTF8.encode(s);
      this.last = s;
    }
    return this.bytes;
  }
}

const bindingSlot = new EncodedSlot();
const namespaceSlot = new EncodedSlot();
const operationSlot = new EncodedSlot();

/** Calls the host with the payload at `payloadPtr` (read by the host during the call): 1 on success. */
function callRaw(binding: string, namespace: string, operation: string, payloadPtr: usize, payloadLen: usize): i32 {
  const bd = bindingSlot.get(binding);
  const ns = namespaceSlot.get(namespace);
  const op = operationSlot.get(operation);
  return __host_call(
    changetype<usize>(bd), <usize>bd.byteLength,
    changetype<usize>(ns), <usize>ns.byteLength,
    changetype<usize>(op), <usize>op.byteLength,
    payloadPtr, payloadLen,
  );
}

function settle(rc: i32): Result<Uint8Array> {
  if (rc == 1) {
    const len = <i32>__host_response_len();
    const out = new Uint8Array(len);
    if (len > 0) __host_response(out.dataStart);
    return ok<Uint8Array>(out);
  }
  return hostFailure<Uint8Array>();
}

/** The failed host call's error (kind Host, the host's text verbatim), as hostCall returns it. */
export function hostFailure<T>(): Result<T> {
  const elen = <i32>__host_error_len();
  const ebuf = new ArrayBuffer(elen);
  if (elen > 0) __host_error(changetype<usize>(ebuf));
  return err<T>(ErrorKind.Host, String.UTF8.decode(ebuf));
}

// Generated senders whose answer decodes into fresh values (numbers, strings, lists: nothing
// keeps the bytes) read it from storage reused across calls instead of a new array, Result and
// Reader per call. Answers above RESPONSE_KEEP bytes are not kept.
const RESPONSE_KEEP: i32 = 64 * 1024;
let responseBytes = new Uint8Array(0);
const responseReader = new Reader(responseBytes);

/** Calls the host like hostCallRaw; on 1 the answer is read with hostResponse(), on 0 hostFailure<T>() is the error. */
export function hostCallScratch(binding: string, namespace: string, operation: string, payloadPtr: usize, payloadLen: i32): i32 {
  return callRaw(binding, namespace, operation, payloadPtr, <usize>payloadLen);
}

/** A reader over the last successful host call's answer, valid until the next host call. */
export function hostResponse(): Reader {
  const len = <i32>__host_response_len();
  let bytes = responseBytes;
  if (len != bytes.length) {
    bytes = new Uint8Array(len);
    if (len <= RESPONSE_KEEP) responseBytes = bytes;
  }
  if (len > 0) __host_response(bytes.dataStart);
  responseReader.reset(bytes);
  return responseReader;
}

/**
 * Calls the host. On success the value is the response payload (possibly empty);
 * on failure the error (kind Host) carries the host's error text verbatim.
 */
export function hostCall(binding: string, namespace: string, operation: string, payload: Uint8Array): Result<Uint8Array> {
  return settle(callRaw(binding, namespace, operation, payload.dataStart, <usize>payload.length));
}

/** hostCall with the payload given as memory range (generated senders pass their writer's bytes uncopied). */
export function hostCallRaw(binding: string, namespace: string, operation: string, payloadPtr: usize, payloadLen: i32): Result<Uint8Array> {
  return settle(callRaw(binding, namespace, operation, payloadPtr, <usize>payloadLen));
}

/** Calls another actor by public key (M...) or call alias (e.g. "stratus/ponger"). */
export function callActor(target: string, operation: string, payload: Uint8Array): Result<Uint8Array> {
  return hostCall("", target, operation, payload);
}
