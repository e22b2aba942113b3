// Buffers for large encoded requests, reused across requests of one listener. A request of a
// megabyte or more is encoded into one of these and lent to the host (host/lanes/loan.ts); the
// worker lane hands it back as soon as it has copied the request into its worker's job area, so a
// steady stream of large requests allocates no new buffer per request (each fresh one added to
// the V8 heap's external memory, which brought full collections of the host heap: docs/payload.md).
// An actor on the host thread never hands it back: that buffer is then the garbage collector's.
/** Requests smaller than this use Node's allocator as before. */
export const LARGE_REQUEST_BYTES = 256 * 1024;
const MAX_KEPT = 8;
const MAX_KEPT_BYTES = 64 << 20;

export class RequestBuffers {
  private free: ArrayBuffer[] = [];
  private freeBytes = 0;

  /**
   * A buffer of at least `bytes`, rounded up to an eighth of its power of two (at most 12.5 % more),
   * so one serves requests of similar size without doubling what a buffer never handed back costs.
   */
  take(bytes: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const a = this.free[i]!;
      if (a.byteLength >= bytes && (best < 0 || a.byteLength < this.free[best]!.byteLength)) best = i;
    }
    if (best >= 0) {
      const a = this.free.splice(best, 1)[0]!;
      this.freeBytes -= a.byteLength;
      return Buffer.from(a);
    }
    let pow = LARGE_REQUEST_BYTES;
    while (pow < bytes) pow *= 2;
    const step = pow / 8;
    return Buffer.from(new ArrayBuffer(Math.ceil(bytes / step) * step));
  }

  /** Back from the host: `bytes` is a view of a buffer take() made, nobody reads it any more. */
  give(bytes: Uint8Array): void {
    const a = bytes.buffer;
    if (!(a instanceof ArrayBuffer) || this.free.includes(a)) return;
    if (this.free.length >= MAX_KEPT || this.freeBytes + a.byteLength > MAX_KEPT_BYTES) return;
    this.free.push(a);
    this.freeBytes += a.byteLength;
  }

  /** Buffers kept for reuse (tests). */
  get kept(): number {
    return this.free.length;
  }
}
