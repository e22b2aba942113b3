// A byte buffer that doubles as it fills: the storage behind the msgpack and JSON writers.

export class GrowableBytes {
  protected buf: ArrayBuffer;
  protected pos: i32 = 0;
  // Set once a view of `buf` was handed out: growing must then leave the old storage intact.
  protected shared: bool = false;

  constructor(capacity: i32 = 64) {
    this.buf = new ArrayBuffer(capacity < 8 ? 8 : capacity);
  }

  /** Bytes the storage holds now. */
  get capacity(): i32 { return this.buf.byteLength; }

  /** Make room for `n` more bytes after `pos`. Inlined: every byte written checks it. */
  // @ts-ignore: decorator
  @inline protected ensure(n: i32): void {
    if (this.pos + n > this.buf.byteLength) this.grow(n);
  }

  // Doubles, or grows to exactly what one big write needs (a megabyte body is not rounded up to
  // the next power of two). The minimal runtime frees nothing until the call ends, so a buffer
  // copied on every doubling would leave ~1× its final size as garbage: unless a view of it is
  // out, the storage is resized in place (__renew frees the old block, and extends it without a
  // copy when the memory after it is free, the usual case for the newest big block).
  private grow(n: i32): void {
    const need = this.pos + n;
    const cap = this.buf.byteLength;
    let next = cap << 1;
    if (next < need) next = need;
    if (this.shared) {
      const grown = new ArrayBuffer(next);
      memory.copy(changetype<usize>(grown), changetype<usize>(this.buf), <usize>this.pos);
      this.buf = grown;
      this.shared = false;
    } else {
      this.buf = changetype<ArrayBuffer>(__renew(changetype<usize>(this.buf), <usize>next));
    }
  }
}

// A view with free bytes in front of it in its storage (a big JsonWriter's view()): an answer whose
// last field is that view is sent in place, its head written into those bytes (respondWithTail in
// guest.ts), instead of copied behind the head: for a 4 MiB echo that is 14 MiB not allocated. One
// at a time, the last one handed out; forgotten after every call (its storage may be freed then).
let roomStart: usize = 0;
let room: i32 = 0;

/** `start` is the first byte of a view with `bytes` free bytes before it that nothing reads. */
export function markRoom(start: usize, bytes: i32): void { roomStart = start; room = bytes; }

/** Free bytes before `view` (0 unless it starts where the marked view does). */
export function roomBefore(view: Uint8Array): i32 { return roomStart != 0 && view.dataStart == roomStart ? room : 0; }

export function forgetRoom(): void { roomStart = 0; room = 0; }
