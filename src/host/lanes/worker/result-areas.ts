// The result areas of one worker lane: shared buffers a worker copies a large result into (see
// channel.ts and ../loan.ts). One is given to an instance before a job when the lane's last
// large result says one will be needed; a result written into it is lent to the caller, and the
// area comes back here when the caller releases it. Kept: a few areas, a bounded number of bytes.
const MIN_BYTES = 1 << 20;
const MAX_KEPT = 8;
const MAX_KEPT_BYTES = 64 << 20;

export class ResultAreas {
  private free: Buffer[] = [];
  private freeBytes = 0;
  /** The size of the lane's last result too large for the data area (0: none yet). */
  expected = 0;

  /** An area of at least `bytes`: a released one, or a new one (the next power of two). */
  take(bytes: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const a = this.free[i]!;
      if (a.length >= bytes && (best < 0 || a.length < this.free[best]!.length)) best = i;
    }
    if (best >= 0) {
      const a = this.free.splice(best, 1)[0]!;
      this.freeBytes -= a.length;
      return a;
    }
    let n = MIN_BYTES;
    while (n < bytes) n *= 2;
    return Buffer.from(new SharedArrayBuffer(n));
  }

  /** An area nobody reads or writes any more. */
  give(area: Buffer): void {
    if (this.free.length >= MAX_KEPT || this.freeBytes + area.length > MAX_KEPT_BYTES) return;
    this.free.push(area);
    this.freeBytes += area.length;
  }

  /** Areas kept for reuse (tests). */
  get kept(): number {
    return this.free.length;
  }
}
