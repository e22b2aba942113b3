// References wherever a file is accepted today (`ctl start actor`, manifests, launch commands):
// a path (or `file://path`) reads the file as before; a reference with a registry host
// (`localhost:5000/echo:0.1.0`, `ghcr.io/org/echo@sha256:...`) is pulled, from the cache when it
// can be. wash decides the same way: an existing file wins, then the registry.
//
// A bare word (`echo.wasm`, `build/echo_s.wasm`) is always a path, never Docker Hub: it is far more
// likely a mistyped file than an artifact there, and the file error says what was looked for.
import { stat } from 'node:fs/promises';
import { StratusError } from '../core/errors.js';
import { readActorModuleFile, readUserFile, type UserFileKind } from '../core/user-files.js';
import { MAX_PROVIDER_BYTES } from './artifact.js';
import type { ArtifactKind } from './media-types.js';
import type { OciOptions } from './options.js';
import { parseReference } from './reference.js';

export type ResolveOptions = OciOptions;

export const PROVIDER_ARCHIVE_FILE: UserFileKind = {
  what: 'provider archive',
  expected: 'a .par.gz file',
  maxBytes: MAX_PROVIDER_BYTES,
  tooLargeCode: 'INVALID_MODULE',
  hint: 'give the path of a .par.gz (from `wash par create`) or an OCI reference such as localhost:5000/httpserver:0.1.0',
};

export type RefSource = { kind: 'file'; path: string } | { kind: 'oci'; reference: string };

/** Whether `ref` names a file or a registry artifact (the file system is consulted first). */
export async function classifyRef(ref: string): Promise<RefSource> {
  if (ref.startsWith('file://')) return { kind: 'file', path: ref.slice('file://'.length) };
  if (await stat(ref).then(() => true, () => false)) return { kind: 'file', path: ref };
  try {
    if (parseReference(ref).explicitRegistry) return { kind: 'oci', reference: ref };
  } catch { /* not a reference: report it as the missing file it then must be */ }
  return { kind: 'file', path: ref };
}

async function resolve(ref: string, kind: ArtifactKind, opts: ResolveOptions, readFile: (path: string) => Promise<Uint8Array>): Promise<Uint8Array> {
  const source = await classifyRef(ref);
  if (source.kind === 'file') {
    try {
      return await readFile(source.path);
    } catch (e) {
      if (e instanceof StratusError && e.code === 'BAD_REQUEST' && /no such file/.test(e.message)) {
        throw new StratusError('BAD_REQUEST', `${e.message.split('\n')[0]}, and it is not an OCI reference with a registry host`,
          'name an existing file, or an artifact with its registry: localhost:5000/name:1.0.0, ghcr.io/org/name@sha256:...');
      }
      throw e;
    }
  }
  // the registry client is loaded on the first pull: a start from a file never needs it
  const { pullArtifact } = await import('./pull.js');
  const pulled = await pullArtifact(source.reference, opts);
  if (pulled.kind !== kind) {
    throw new StratusError('INVALID_MODULE', `${pulled.reference} is ${pulled.kind === 'actor' ? 'an actor module' : 'a provider archive'}, not ${kind === 'actor' ? 'an actor module' : 'a provider archive'}`,
      kind === 'actor' ? 'start it as a provider, or name the actor\'s reference' : 'start it as an actor, or name the provider archive\'s reference');
  }
  return pulled.bytes;
}

/** Actor module bytes from a path, `file://` path or OCI reference (pulled and cached; claims are checked when it starts). */
export function resolveActorRef(ref: string, opts: ResolveOptions = {}): Promise<Uint8Array> {
  return resolve(ref, 'actor', opts, readActorModuleFile);
}

/** Provider archive (.par.gz) bytes from a path, `file://` path or OCI reference. */
export function resolveProviderRef(ref: string, opts: ResolveOptions = {}): Promise<Uint8Array> {
  return resolve(ref, 'provider', opts, (p) => readUserFile(p, PROVIDER_ARCHIVE_FILE));
}
