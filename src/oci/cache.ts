// Pulled artifacts kept on disk by digest, so a second pull (or a host starting the same actor
// again) skips the download: `<cache>/oci/blobs/sha256/<hex>` for layers and
// `<cache>/oci/manifests/sha256/<hex>` for manifests. Content-addressed, so an entry never goes
// stale; every read hashes the file again and an entry that no longer matches its name is deleted
// and treated as missing (a bad cache costs a download, never a wrong artifact).
//
// Where: `$STRATUS_CACHE_DIR/oci`, else `$XDG_CACHE_HOME/stratus/oci`, else `~/.cache/stratus/oci`
// (the same root as the Asyncify code cache).
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256Digest } from './digest.js';
import { stratusCacheDir } from '../core/home.js';

type Env = Record<string, string | undefined>;

export function ociCacheDir(env: Env = process.env): string {
  return join(stratusCacheDir(env), 'oci');
}

export type CacheSection = 'blobs' | 'manifests';

export class OciCache {
  constructor(readonly dir: string) {}

  private path(section: CacheSection, digest: string): string {
    const [algo, hex] = digest.split(':');
    return join(this.dir, section, algo!, hex!);
  }

  /** The cached bytes for `digest`, checked; undefined when absent or no longer matching. */
  async get(section: CacheSection, digest: string): Promise<Uint8Array | undefined> {
    const file = this.path(section, digest);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch {
      return undefined;
    }
    if (sha256Digest(bytes) === digest) return bytes;
    await rm(file, { force: true });
    return undefined;
  }

  /** Store bytes already checked against `digest` (write to a temporary name, then rename). */
  async put(section: CacheSection, digest: string, bytes: Uint8Array): Promise<void> {
    const file = this.path(section, digest);
    const dir = join(file, '..');
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, file);
    } catch {
      // A cache that cannot be written (read-only, full disk) only costs the next pull a download.
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }
}
