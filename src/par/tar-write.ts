// Writing a ustar archive: what a provider archive needs (regular files, names under 100 bytes).
// Reading uses src/oci/tar.ts. Pure.

const BLOCK = 512;

function putString(h: Uint8Array, at: number, len: number, s: string): void {
  const b = new TextEncoder().encode(s);
  h.set(b.subarray(0, len), at);
}

function putOctal(h: Uint8Array, at: number, len: number, n: number): void {
  putString(h, at, len, n.toString(8).padStart(len - 1, '0') + '\0');
}

export interface TarFile {
  name: string;
  data: Uint8Array;
  /** Unix mode, default 0644. */
  mode?: number;
}

/** The tar bytes for `files` in order, with the two zero blocks that end an archive. */
export function writeTar(files: readonly TarFile[], mtimeSeconds = 0): Uint8Array {
  let size = 2 * BLOCK;
  for (const f of files) size += BLOCK + Math.ceil(f.data.length / BLOCK) * BLOCK;
  const out = new Uint8Array(size);
  let pos = 0;
  for (const f of files) {
    if (new TextEncoder().encode(f.name).length > 99) throw new Error(`tar entry name too long: ${f.name}`);
    const h = out.subarray(pos, pos + BLOCK);
    putString(h, 0, 100, f.name);
    putOctal(h, 100, 8, f.mode ?? 0o644);
    putOctal(h, 108, 8, 0);
    putOctal(h, 116, 8, 0);
    putOctal(h, 124, 12, f.data.length);
    putOctal(h, 136, 12, mtimeSeconds);
    h.fill(32, 148, 156); // checksum field counts as spaces while summing
    h[156] = '0'.charCodeAt(0);
    putString(h, 257, 6, 'ustar\0');
    putString(h, 263, 2, '00');
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += h[i]!;
    putString(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
    out.set(f.data, pos + BLOCK);
    pos += BLOCK + Math.ceil(f.data.length / BLOCK) * BLOCK;
  }
  return out;
}
