// Guest side of the wasmbus ABI: `__guest_call` (re-exported by every actor) looks up the
// handler registered for "Service.Method" and answers through __guest_response/__guest_error.
import { __guest_request, __guest_response, __guest_error } from "./abi";
import { Result, ok, err, ErrorKind } from "./result";
import { Reader, Writer, EMPTY_BYTES } from "./msgpack";
import { scratchWriter, releaseScratch } from "./support";
import { roomBefore, forgetRoom } from "./bytes";

/** A raw operation handler: msgpack payload in, msgpack payload out. */
export type Handler = (payload: Uint8Array) => Result<Uint8Array>;

const handlers = new Map<string, Handler>();

/** Registers the handler for one operation, e.g. "HttpServer.HandleRequest". Re-registering replaces it. */
export function registerHandler(operation: string, handler: Handler): void {
  handlers.set(operation, handler);
  lookupOp = null; // the cached lookup may be stale
}

// The handler found for the last operation string (operationName() hands back the same string
// object while the name repeats): saves hashing and comparing the name on every call.
let lookupOp: string | null = null;
let lookupHandler: Handler | null = null;

function findHandler(operation: string): Handler | null {
  if (lookupOp !== null && changetype<usize>(lookupOp) == changetype<usize>(operation)) return lookupHandler;
  let handler: Handler | null = null;
  if (handlers.has(operation)) handler = handlers.get(operation);
  else if (operation == "Actor.HealthRequest") handler = defaultHealth;
  lookupOp = operation;
  lookupHandler = handler;
  return handler;
}

export function hasHandler(operation: string): bool {
  return handlers.has(operation);
}

// Default `Actor.HealthRequest` (reference §2.7): the input must be a msgpack map
// (`80` or `{placeholder:true}`); the answer is `{healthy:true}` = 81 a7 "healthy" c3.
function defaultHealth(payload: Uint8Array): Result<Uint8Array> {
  const r = new Reader(payload);
  const n = r.mapHeader();
  for (let i = 0; i < n * 2 && r.ok; i++) r.skip();
  r.finish();
  if (!r.ok) return err<Uint8Array>(ErrorKind.Deserialization, "message 'HealthRequest': " + r.error!);
  const w = scratchWriter(); // handed to __guest_response at once
  w.mapHeader(1);
  w.str("healthy");
  w.bool(true);
  return ok<Uint8Array>(w.view());
}

// What respondWith() returns: serve() sees the response was already handed over.
const RESPONDED = ok<Uint8Array>(EMPTY_BYTES);

/**
 * For generated dispatchers (their answer is complete in a scratch writer): hands the bytes to the
 * host as the guest response at once (the host copies them) instead of returning a view in a new
 * Result. Only valid as the return value of a handler running in __guest_call.
 */
export function respondWith(w: Writer): Result<Uint8Array> {
  bytesSinceCollect += w.length;
  __guest_response(w.dataStart, <usize>w.length);
  return RESPONDED;
}

/**
 * For generated dispatchers whose answer ends with a blob (encodeHead wrote the rest into `w`):
 * when the blob is a view with room before it (a big JsonWriter's view()), the head is written
 * there and the host copies head and blob as one, in place; otherwise the blob is copied after the
 * head. Same bytes either way; in place, the answer is never held twice (a 4 MiB echo: 14 MiB).
 */
export function respondWithTail(w: Writer, tail: Uint8Array): Result<Uint8Array> {
  const head = w.length;
  if (roomBefore(tail) >= head) {
    forgetRoom(); // the room now holds this head
    const at = tail.dataStart - <usize>head;
    memory.copy(at, w.dataStart, <usize>head);
    bytesSinceCollect += head + tail.length;
    __guest_response(at, <usize>(head + tail.length));
    return RESPONDED;
  }
  w.raw(tail);
  return respondWith(w);
}

// One reader for generated dispatchers: they finish reading the request before the handler runs.
const dispatchReader = new Reader(EMPTY_BYTES);

/**
 * For generated dispatchers: a reader over the request payload (the SDK's own copy, so `stable`),
 * reused across calls; valid until the next dispatch starts.
 */
export function requestReader(payload: Uint8Array): Reader {
  dispatchReader.reset(payload);
  dispatchReader.stable = true;
  return dispatchReader;
}

function respondError(text: string): i32 {
  const bytes = String.UTF8.encode(text);
  __guest_error(changetype<usize>(bytes), <usize>bytes.byteLength);
  return 0;
}

// The operation name arrives as bytes on every call and is nearly always the one of the previous
// call: read it into a reused buffer and decode it only when the bytes differ from last time.
let opScratch = new ArrayBuffer(64);
let lastOpBytes = new ArrayBuffer(0);
let lastOp = "";

function operationName(opLen: i32): string {
  const p = changetype<usize>(opScratch);
  if (opLen == lastOpBytes.byteLength && memory.compare(p, changetype<usize>(lastOpBytes), <usize>opLen) == 0) return lastOp;
  lastOpBytes = opScratch.slice(0, opLen);
  lastOp = String.UTF8.decodeUnsafe(p, <usize>opLen, false);
  return lastOp;
}

/** The actor entry point. Actors re-export it: `export { __guest_call } from "@stratus/actor-as"`. */
export function __guest_call(opLen: i32, payloadLen: i32): i32 {
  const rc = serve(opLen, payloadLen);
  forgetRoom(); // the marked view's storage may be freed from now on
  if (ASC_RUNTIME == 1) collectBetweenCalls();
  return rc;
}

// `stratus build` uses the minimal runtime (no incremental GC work during calls): it never collects
// by itself and does not scan the stack, so the SDK collects here, with nothing of the call left
// alive: every COLLECT_EVERY calls, after any call that grew memory (a big allocation), and once
// the requests and responses since the last collection add up to COLLECT_BYTES: a call with a
// megabyte body leaves megabytes of garbage even when it fit in memory grown earlier, and two
// such calls' garbage would otherwise stay until the eighth call and exhaust a capped memory.
const COLLECT_EVERY = 8;
const COLLECT_BYTES = 256 * 1024;
let callsSinceCollect = 0;
let bytesSinceCollect = 0;
let pagesAtCollect: i32 = 0;

function collectBetweenCalls(): void {
  releaseScratch();
  const pages = memory.size();
  if (++callsSinceCollect < COLLECT_EVERY && pages == pagesAtCollect && bytesSinceCollect < COLLECT_BYTES) return;
  __collect();
  callsSinceCollect = 0;
  bytesSinceCollect = 0;
  pagesAtCollect = pages;
}

function serve(opLen: i32, payloadLen: i32): i32 {
  if (opLen > opScratch.byteLength) opScratch = new ArrayBuffer(opLen);
  bytesSinceCollect += payloadLen;
  const payload = new Uint8Array(payloadLen);
  __guest_request(changetype<usize>(opScratch), payload.dataStart);
  const operation = operationName(opLen);

  const handler = findHandler(operation);
  if (handler === null) {
    return respondError("Guest call failed for method " + operation + ": method not handled " + operation);
  }
  const result = handler(payload);
  // Let go of the payload now: held into the next call it would pin a megabyte request (and
  // split the free memory the next big one needs).
  dispatchReader.reset(EMPTY_BYTES);
  if (!result.ok) {
    return respondError("Guest call failed for method " + operation + ": " + result.message);
  }
  if (result === RESPONDED) return 1;
  const out = result.value;
  bytesSinceCollect += out.length;
  __guest_response(out.dataStart, <usize>out.length);
  return 1;
}

/** Marks the module as a wasmbus-rpc actor (reference §1.3); returns 1 like wasmbus-rpc ≥0.6. */
export function __wasmbus_rpc_version(): i32 {
  return 1;
}
