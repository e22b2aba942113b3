// A provider archive pulled from a registry, kept as a `.par.gz` file beside the OCI cache so a
// host can start it as it starts an archive on disk (src/providers/process). The file is named by
// the layer's digest: pullArtifact has checked the bytes against it, and the same digest is the
// same archive, so a second launch reuses the file.
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ociCacheDir } from './cache.js';
import type { OciOptions } from './options.js';
import { StratusError } from '../core/errors.js';

export interface PulledArchiveFile {
  path: string;
  /** The manifest digest (pins exactly this archive). */
  digest: string;
  reference: string;
}

export async function pullProviderArchiveFile(ref: string, opts: OciOptions = {}): Promise<PulledArchiveFile> {
  const { pullArtifact } = await import('./pull.js'); // loaded on the first pull, not by every host
  const pulled = await pullArtifact(ref, opts);
  if (pulled.kind !== 'provider') {
    throw new StratusError('INVALID_MODULE', `${pulled.reference} is an actor module, not a provider archive`, 'start it as an actor, or name the provider archive\'s reference');
  }
  const env = opts.env ?? process.env;
  const dir = join(typeof opts.cacheDir === 'string' ? opts.cacheDir : ociCacheDir(env), 'archives');
  const path = join(dir, `${pulled.layerDigest.replace(':', '-')}.par.gz`);
  const present = await stat(path).then((s) => s.isFile() && s.size === pulled.bytes.length, () => false);
  if (!present) {
    await mkdir(dir, { recursive: true });
    // written under a temporary name and renamed, so a concurrent launch never reads half a file
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, pulled.bytes);
    await rename(tmp, path);
  }
  return { path, digest: pulled.digest, reference: pulled.reference };
}
