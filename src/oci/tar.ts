// The names in a tar archive (ustar, GNU long names, pax path records): enough to see whether a
// provider archive holds its `claims.jwt`. Reads headers only; never writes. Pure.

export interface TarEntry {
  name: string;
  size: number;
  /** Offset of the entry's data in the archive. */
  offset: number;
}

const BLOCK = 512;

function cString(b: Uint8Array, start: number, len: number): string {
  const slice = b.subarray(start, start + len);
  const end = slice.indexOf(0);
  return new TextDecoder().decode(end >= 0 ? slice.subarray(0, end) : slice);
}

function octal(b: Uint8Array, start: number, len: number): number {
  const text = cString(b, start, len).trim();
  const n = text === '' ? 0 : parseInt(text, 8);
  return Number.isFinite(n) ? n : NaN;
}

function paxPath(data: Uint8Array): string | undefined {
  // records: "<len> key=value\n"
  for (const line of new TextDecoder().decode(data).split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** Entries of a tar archive; undefined when `bytes` is not one (no valid header checksum first). */
export function tarEntries(bytes: Uint8Array): TarEntry[] | undefined {
  const out: TarEntry[] = [];
  let pos = 0;
  let longName: string | undefined;
  let sawHeader = false;
  while (pos + BLOCK <= bytes.length) {
    const h = bytes.subarray(pos, pos + BLOCK);
    if (h.every((x) => x === 0)) break; // end of archive
    const sum = octal(h, 148, 8);
    let computed = 0;
    for (let i = 0; i < BLOCK; i++) computed += i >= 148 && i < 156 ? 32 : h[i]!;
    if (sum !== computed) return sawHeader ? out : undefined;
    sawHeader = true;
    const size = octal(h, 124, 12);
    if (!Number.isFinite(size)) return undefined;
    const type = String.fromCharCode(h[156]!);
    const prefix = cString(h, 345, 155);
    const dataStart = pos + BLOCK;
    const data = bytes.subarray(dataStart, dataStart + size);
    if (type === 'L') longName = cString(data, 0, data.length);
    else if (type === 'x') longName = paxPath(data) ?? longName;
    else if (type !== 'g') {
      const name = longName ?? (prefix ? `${prefix}/${cString(h, 0, 100)}` : cString(h, 0, 100));
      out.push({ name: name.replace(/^\.\//, ''), size, offset: dataStart });
      longName = undefined;
    }
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return sawHeader ? out : undefined;
}
