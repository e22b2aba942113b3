// Core SDK surface (everything except the generated interface bindings, which import it).
export { __guest_call, __wasmbus_rpc_version, registerHandler, hasHandler, Handler, respondWith, respondWithTail, requestReader } from "./guest";
export { hostCall, hostCallRaw, hostCallScratch, hostResponse, hostFailure, callActor, DEFAULT_LINK } from "./host";
export { Result, RpcError, ErrorKind, ok, err, guestError, Unit, UNIT } from "./result";
export { Writer, Reader, Kind, EMPTY_BYTES, writeStringList, readStringList } from "./msgpack";
export { blank, scratchWriter } from "./support";
export { JsonWriter } from "./json";
export { sdkAbort } from "./abort";
