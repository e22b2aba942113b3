// Guest -> host calls (reference §1.6): capability providers by (link name, contract id),
// actors by ("", public key or call alias).
import { __host_call, __host_response_len, __host_response, __host_error_len, __host_error } from "./abi";
import { Result, ok, err, ErrorKind } from "./result";

/** The link name wasmCloud uses when none is given. */
export const DEFAULT_LINK = "default";

/**
 * Calls the host. On success the value is the response payload (possibly empty);
 * on failure the error (kind Host) carries the host's error text verbatim.
 */
export function hostCall(binding: string, namespace: string, operation: string, payload: Uint8Array): Result<Uint8Array> {
  const bd = String.UTF8.encode(binding);
  const ns = String.UTF8.encode(namespace);
  const op = String.UTF8.encode(operation);
  const rc = __host_call(
    changetype<usize>(bd), <usize>bd.byteLength,
    changetype<usize>(ns), <usize>ns.byteLength,
    changetype<usize>(op), <usize>op.byteLength,
    payload.dataStart, <usize>payload.length,
  );
  if (rc == 1) {
    const len = <i32>__host_response_len();
    const out = new Uint8Array(len);
    if (len > 0) __host_response(out.dataStart);
    return ok<Uint8Array>(out);
  }
  const elen = <i32>__host_error_len();
  const ebuf = new ArrayBuffer(elen);
  if (elen > 0) __host_error(changetype<usize>(ebuf));
  return err<Uint8Array>(ErrorKind.Host, String.UTF8.decode(ebuf));
}

/** Calls another actor by public key (M...) or call alias (e.g. "stratus/ponger"). */
export function callActor(target: string, operation: string, payload: Uint8Array): Result<Uint8Array> {
  return hostCall("", target, operation, payload);
}
