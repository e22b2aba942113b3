// Allocation helpers for generated bindings: they run on every call, so they avoid garbage.
import { Writer } from "./msgpack";

/**
 * An instance of T with every field zero/null and no field initialiser run. For decoders that
 * assign every field themselves (initialisers like `new Map()` would be thrown away at once).
 */
// @ts-ignore: decorator
@inline export function blank<T>(): T {
  const size = offsetof<T>();
  const p = __new(size, idof<T>());
  memory.fill(p, 0, size); // the minimal runtime does not zero new objects
  return changetype<T>(p);
}

// Storage kept above this is dropped on the next use, so one huge message does not pin memory.
const SCRATCH_KEEP: i32 = 64 * 1024;
let scratch = new Writer(256);

/**
 * A writer reused across calls, for bytes that are handed to the host at once (a host call's
 * payload, a guest response): its content is only valid until the next scratchWriter() call.
 */
/**
 * Called between calls, before the collection: a scratch writer that grew past SCRATCH_KEEP (it
 * held a megabyte response) is dropped now, so the collection frees it instead of it staying
 * alive into the next call beside that call's own big buffers.
 */
export function releaseScratch(): void {
  if (scratch.capacity > SCRATCH_KEEP) scratch = new Writer(256);
}

export function scratchWriter(): Writer {
  if (scratch.capacity > SCRATCH_KEEP) scratch = new Writer(256);
  else scratch.reset();
  return scratch;
}
