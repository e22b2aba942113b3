// Bytes lent across the host instead of a fresh buffer per call, for megabyte payloads:
// - a large result of a worker-lane call arrives as a view of a result area
//   (worker/result-areas.ts); the httpserver hands it back once the response is on the socket;
// - the httpserver encodes a large request into a buffer of its own pool and lends it; the worker
//   lane hands it back once it has copied the request into the worker's job area.
// Whoever never releases a loan just leaves the buffer to the garbage collector, and the lender
// makes another: releasing is an optimisation, forgetting to is not a bug. Releasing too early is:
// release only what you hold and will not read again, and never pass a released buffer on.
// Why: on the host thread a fresh multi-megabyte buffer per call kept the V8 heap's external
// memory high, and full collections of the whole host heap followed every few requests
// (docs/payload.md has the measurement).
const RELEASE = Symbol('stratus.loan');

type Lent = Uint8Array & { [RELEASE]?: () => void };

/** Marks `bytes` as lent; `release` runs at most once. */
export function lend<T extends Uint8Array>(bytes: T, release: () => void): T {
  (bytes as Lent)[RELEASE] = release;
  return bytes;
}

/** Hands back what `bytes` borrowed, if anything; the caller must not read them afterwards. */
export function release(bytes: Uint8Array): void {
  const r = (bytes as Lent)[RELEASE];
  if (r === undefined) return;
  (bytes as Lent)[RELEASE] = undefined;
  r();
}

/** Whether `bytes` is a loan not yet released. */
export function isLent(bytes: Uint8Array): boolean {
  return (bytes as Lent)[RELEASE] !== undefined;
}
