// On-disk cache of code prepared for the host thread (fuel + Asyncify; prepare.ts). It feeds code
// to the host, so an entry is used only if it verifies:
//   header: "stratus-code-cache\n" | format version (1 byte) | SHA-256 of the input key (32)
//           | SHA-256 of the code (32) | HMAC-SHA-256 over all of the above (32)
//   then the code.
// The input key binds the entry to the module it was made from (and the recipe: see prepare.ts),
// the code hash to the bytes that follow, and the HMAC, keyed by a secret outside the cache
// directory (cache-key.ts), to this machine's host: an entry copied from another input, edited,
// or written by someone without the key is rejected, and the caller prepares the module again.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Bump when the entry layout or what the input key covers changes: older entries are then ignored. */
export const CACHE_FORMAT_VERSION = 2;
const MAGIC = Buffer.from('stratus-code-cache\n');
const HASH = 32;
const HEADER = MAGIC.length + 1 + 3 * HASH;

export type CacheRead =
  | { kind: 'hit'; bytes: Uint8Array }
  | { kind: 'miss' }
  | { kind: 'rejected'; file: string; reason: string };

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();

export class CodeCache {
  constructor(readonly dir: string, private readonly key: Uint8Array) {}

  /** The entry's file for an input key (a SHA-256; see prepare.ts). */
  fileFor(inputKey: Uint8Array): string {
    return join(this.dir, `${Buffer.from(inputKey).toString('hex')}.v${CACHE_FORMAT_VERSION}`);
  }

  private mac(inputKey: Uint8Array, codeHash: Uint8Array): Buffer {
    return createHmac('sha256', this.key).update(MAGIC).update(Uint8Array.of(CACHE_FORMAT_VERSION)).update(inputKey).update(codeHash).digest();
  }

  /** The cached code for `inputKey`: a hit only if the entry verifies; never throws. */
  async read(inputKey: Uint8Array): Promise<CacheRead> {
    const file = this.fileFor(inputKey);
    let buf: Buffer;
    try {
      buf = await readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'miss' };
      return { kind: 'rejected', file, reason: `it cannot be read (${(e as Error).message})` };
    }
    const reason = this.verify(buf, inputKey);
    if (reason) return { kind: 'rejected', file, reason };
    return { kind: 'hit', bytes: new Uint8Array(buf.subarray(HEADER)) }; // a copy with a buffer of its own (transferable)
  }

  /** Why `entry` must not be used for `inputKey`, or undefined when it verifies. */
  private verify(entry: Buffer, inputKey: Uint8Array): string | undefined {
    if (entry.length < HEADER || !entry.subarray(0, MAGIC.length).equals(MAGIC)) return 'it is not an entry of this cache (no header)';
    const version = entry[MAGIC.length];
    if (version !== CACHE_FORMAT_VERSION) return `it has format ${version}, not ${CACHE_FORMAT_VERSION}`;
    let at = MAGIC.length + 1;
    const storedInput = entry.subarray(at, at += HASH);
    const storedCode = entry.subarray(at, at += HASH);
    const storedMac = entry.subarray(at, at += HASH);
    if (!storedInput.equals(inputKey)) return 'it was made for another module (copied or moved from another entry)';
    if (!sha256(entry.subarray(HEADER)).equals(storedCode)) return 'its code does not match the hash recorded with it (changed after it was written)';
    if (!timingSafeEqual(this.mac(storedInput, storedCode), storedMac)) return 'its authentication code does not verify with this host\'s cache key (written by someone without the key, or with another key)';
    return undefined;
  }

  /** Store `code` for `inputKey`, replacing any entry; throws when the cache cannot be written. */
  async write(inputKey: Uint8Array, code: Uint8Array): Promise<void> {
    const codeHash = sha256(code);
    const header = Buffer.concat([MAGIC, Uint8Array.of(CACHE_FORMAT_VERSION), inputKey, codeHash, this.mac(inputKey, codeHash)]);
    // tmp + rename so a concurrent reader never sees half a file
    const tmp = join(this.dir, `.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFile(tmp, Buffer.concat([header, code]));
      await rename(tmp, this.fileFor(inputKey));
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }
}
