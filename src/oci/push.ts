// Push one wasmCloud artifact the way wash does: the bytes must be a signed actor or a provider
// archive; the config blob is `{}` unless given; one layer; the manifest under the tag.
import { StratusError } from '../core/errors.js';
import { inspectArtifact } from './artifact.js';
import { buildManifest } from './manifest.js';
import { MEDIA_TYPES, OCI_MANIFEST, type ArtifactKind } from './media-types.js';
import { applyTagPolicy, formatReference, parseReference } from './reference.js';
import { RegistryClient } from './registry-client.js';
import { registrySettings } from './settings.js';
import type { OciOptions } from './options.js';

export interface PushOptions extends OciOptions {
  /** Config blob (wash `--config`); default `{}`. */
  config?: Uint8Array;
  /** Manifest annotations (wash `--annotation key=value`). */
  annotations?: Record<string, string>;
}

export interface PushedArtifact {
  reference: string;
  /** The manifest's digest: `<reference>@<digest>` pins what was pushed. */
  digest: string;
  layerDigest: string;
  mediaType: string;
  kind: ArtifactKind;
  size: number;
}

export async function pushArtifact(refText: string, bytes: Uint8Array, opts: PushOptions = {}): Promise<PushedArtifact> {
  const env = opts.env ?? process.env;
  const parsed = parseReference(refText);
  const settings = registrySettings(parsed.registry, opts, env);
  const ref = applyTagPolicy(parsed, settings.allowLatest, 'push');
  const where = formatReference(ref);
  const info = inspectArtifact(`the artifact for ${where}`, bytes);
  const types = MEDIA_TYPES[info.kind];
  const config = opts.config ?? new TextEncoder().encode('{}');
  const built = buildManifest({ mediaType: types.layer, bytes }, { mediaType: types.config, bytes: config }, opts.annotations);

  const client = new RegistryClient(ref.registry, ref.repository, true, { settings, onProgress: opts.onProgress, timeoutMs: opts.timeoutMs });
  await client.putBlob(built.manifest.config.digest, config);
  await client.putBlob(built.manifest.layers[0]!.digest, bytes);
  const reported = await client.putManifest(ref.tag!, OCI_MANIFEST, built.bytes);
  if (reported && reported.startsWith('sha256:') && reported !== built.digest) {
    throw new StratusError('HASH_MISMATCH', `registry ${ref.registry} stored the manifest of ${where} under digest ${reported}, not ${built.digest}`,
      'the registry altered the manifest; pull it back and compare, or use another registry');
  }
  return { reference: where, digest: built.digest, layerDigest: built.manifest.layers[0]!.digest, mediaType: types.layer,
    kind: info.kind, size: bytes.length };
}
