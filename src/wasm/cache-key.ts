// The secret that authenticates entries of the code cache (code-cache.ts). It lives outside the
// cache directory, in the user's configuration (`~/.config/stratus/keys/code-cache.key`, or under
// `$XDG_CONFIG_HOME`, or `$STRATUS_CACHE_KEY_HOME`; mode 0600, made on first use), so whoever can
// write the cache directory (a shared ~/.cache, a CI cache restored from elsewhere,
// STRATUS_CACHE_DIR pointed at a shared volume) cannot make an entry the host accepts. It is per
// user, not per $STRATUS_HOME: the cache is per user too, and every host of the user (tests run many,
// each with its own home) must accept what another prepared, or each would redo the ~1.4 s transform
// and overwrite the others' entries. Whoever can write the user's configuration directory is not
// stopped by it: they can replace this key, the signing keys and the data.
// Async file I/O only: this runs on the preparation worker, but must never block any event loop.
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { homedir } from 'node:os';

export const CACHE_KEY_FILE = 'code-cache.key';

/** Where the key lives: `$STRATUS_CACHE_KEY_HOME`, else `$XDG_CONFIG_HOME/stratus`, else `~/.config/stratus`. */
export function cacheKeyHome(): string {
  return process.env.STRATUS_CACHE_KEY_HOME
    || join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'stratus');
}
const KEY_BYTES = 32;

/** The key cannot be read or made; the message says what to do. The cache is then not used. */
export class CacheKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CacheKeyError';
  }
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** The cache key kept under `home` (see cacheKeyHome), made on first use. */
export async function loadCacheKey(home: string): Promise<Buffer> {
  const dir = join(home, 'keys');
  const file = join(dir, CACHE_KEY_FILE);
  const existing = await readKey(file);
  if (existing) return existing;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // written whole under a temporary name, then linked into place: a concurrent start (another
    // host process) either links first or finds the other's complete key, never half of one
    const tmp = join(dir, `.${CACHE_KEY_FILE}.${process.pid}.${randomBytes(6).toString('hex')}`);
    await writeFile(tmp, `${randomBytes(KEY_BYTES).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      await link(tmp, file);
    } catch (e) {
      if (errno(e) === 'EPERM' || errno(e) === 'ENOSYS' || errno(e) === 'ENOTSUP') await rename(tmp, file); // no hard links here
      else if (errno(e) !== 'EEXIST') throw e;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  } catch (e) {
    throw new CacheKeyError(`cannot create the code cache key ${file}: ${(e as Error).message}; check that ${dir} is writable`);
  }
  const made = await readKey(file);
  if (!made) throw new CacheKeyError(`the code cache key ${file} disappeared right after it was made`);
  return made;
}

/**
 * The cache key under `home` if there is a usable one, without making it (the host thread's cache
 * lookup, cache-lookup.ts: without a key there is no entry to find; the worker makes it).
 */
export async function existingCacheKey(home: string): Promise<Buffer | undefined> {
  try {
    return await readKey(join(home, 'keys', CACHE_KEY_FILE));
  } catch {
    return undefined; // the preparation worker reports it (loadCacheKey)
  }
}

async function readKey(file: string): Promise<Buffer | undefined> {
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw new CacheKeyError(`cannot read the code cache key ${file}: ${(e as Error).message}`);
  }
  if (!st.isFile()) throw new CacheKeyError(`the code cache key ${file} is not a regular file; remove it to have a new key made`);
  if ((st.mode & 0o077) !== 0) {
    throw new CacheKeyError(`the code cache key ${file} can be read or written by other users (mode ${(st.mode & 0o777).toString(8)}); run \`chmod 600 ${file}\``);
  }
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    throw new CacheKeyError(`the code cache key ${file} belongs to another user (uid ${st.uid}); remove it to have a new key made`);
  }
  const text = (await readFile(file, 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/.test(text)) {
    throw new CacheKeyError(`the code cache key ${file} does not hold a ${KEY_BYTES}-byte hex key; remove it to have a new one made (cached code is then prepared again)`);
  }
  return Buffer.from(text, 'hex');
}
