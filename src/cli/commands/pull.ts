// `stratus pull <url>`: fetch an actor or provider archive from an OCI registry, checked against
// its digests and cached by digest (src/oci), and write it to a file.
import type { Command } from 'commander';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { addOutputOption, commandAction, emit } from '../output.js';
import { StratusError } from '../../core/errors.js';
import { pullArtifact } from '../../oci/pull.js';
import { MEDIA_TYPES } from '../../oci/media-types.js';
import { parseReference } from '../../oci/reference.js';
import { progressReporter } from '../../oci/progress.js';
import { addRegistryOptions, registryFlags, type RegistryCliOpts } from './push.js';

interface PullOpts extends RegistryCliOpts { destination?: string; digest?: string; cache?: boolean }

/** Write next to the destination, then rename: a failed pull never leaves half a file. */
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    const err = e as NodeJS.ErrnoException;
    throw new StratusError(err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'ENOTDIR' ? 'BAD_REQUEST' : 'INTERNAL',
      `cannot write ${path}: ${err.code ?? err.message}`, 'give --destination a file path in an existing directory');
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('pull')
    .description('Pull an actor or provider archive from an OCI registry')
    .argument('<url>', 'what to pull: e.g. localhost:5000/echo:0.1.0 or ghcr.io/org/echo@sha256:...')
    .option('--destination <file>', 'where to write it (default: <name>.wasm or <name>.par.gz here)')
    .option('-d, --digest <digest>', 'refuse the artifact unless its manifest has this digest')
    .option('--no-cache', 'download even when the artifact is in the local cache');
  addRegistryOptions(cmd);
  addOutputOption(cmd);
  cmd.addHelpText('after', `
Every blob is checked against its digest as it arrives; a mismatch is refused and nothing is
written. Pulled artifacts are cached by digest under $STRATUS_CACHE_DIR/oci (default
~/.cache/stratus/oci); a reference with @sha256:... is served from the cache without the registry.
Credentials, plain HTTP and "latest": as for stratus push.

Exit codes: 0 pulled, 1 the registry was unreachable, refused the credentials or has no such
artifact, 2 bad usage (no tag, "latest", a bad reference), 3 the content was refused (digest
mismatch, not a wasmCloud artifact).

Example:
  stratus pull localhost:5000/kvcounter:0.1.0 --insecure --destination kvcounter.wasm`);
  cmd.action(commandAction(async (format, url: string, opts: PullOpts) => {
    const flags = registryFlags(opts);
    const pulled = await pullArtifact(url, {
      ...flags, digest: opts.digest, cacheDir: opts.cache === false ? null : undefined,
      onProgress: format === 'text' ? progressReporter(process.stderr) : undefined,
    });
    const name = parseReference(url).repository.split('/').pop()!;
    const file = opts.destination ?? `${name}${MEDIA_TYPES[pulled.kind].extension}`;
    await writeAtomically(file, pulled.bytes);
    emit(format, { file, url: pulled.reference, digest: pulled.digest, layer_digest: pulled.layerDigest, media_type: pulled.mediaType,
      kind: pulled.kind, subject: pulled.subject ?? null, bytes: pulled.bytes.length, cached: pulled.cached },
    () => `pulled and validated ${pulled.reference} to ${file}\n  digest ${pulled.digest} (${pulled.kind}${pulled.subject ? ` ${pulled.subject}` : ''}, ${pulled.bytes.length} bytes${pulled.cached ? ', from the cache' : ''})`);
  }));
}
