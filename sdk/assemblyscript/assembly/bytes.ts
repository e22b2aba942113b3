// A byte buffer that doubles as it fills: the storage behind the msgpack and JSON writers.

export class GrowableBytes {
  protected buf: ArrayBuffer;
  protected pos: i32 = 0;

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

  private grow(n: i32): void {
    const need = this.pos + n;
    const cap = this.buf.byteLength;
    let next = cap << 1;
    while (next < need) next <<= 1;
    const grown = new ArrayBuffer(next);
    memory.copy(changetype<usize>(grown), changetype<usize>(this.buf), <usize>this.pos);
    this.buf = grown;
  }
}
