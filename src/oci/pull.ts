// Pull one wasmCloud artifact: manifest (from the registry, or from the cache when the reference
// pins a digest), its one artifact layer (from the cache by digest, else downloaded and checked),
// then the bytes are checked to be what the layer says (a signed actor, a provider archive).
import { StratusError } from '../core/errors.js';
import { OciCache, ociCacheDir } from './cache.js';
import { digestMismatch, sha256Digest } from './digest.js';
import { artifactLayer, parseManifest } from './manifest.js';
import type { ArtifactKind } from './media-types.js';
import { applyTagPolicy, formatReference, manifestTarget, normalizeDigest, parseReference } from './reference.js';
import { RegistryClient } from './registry-client.js';
import { registrySettings } from './settings.js';
import { inspectArtifact, MAX_ACTOR_BYTES, MAX_PROVIDER_BYTES } from './artifact.js';
import { WASM_LAYER } from './media-types.js';
import type { OciOptions } from './options.js';

export interface PullOptions extends OciOptions {
  /** The manifest digest the artifact must have (wash `--digest`). */
  digest?: string;
}

export interface PulledArtifact {
  /** The reference as resolved (registry and tag filled in). */
  reference: string;
  /** The manifest's digest: pins exactly this artifact (`<ref>@<digest>`). */
  digest: string;
  layerDigest: string;
  mediaType: string;
  kind: ArtifactKind;
  /** Module key (M...) or service key (V...) from the artifact's claims. */
  subject?: string;
  name?: string;
  bytes: Uint8Array;
  /** The layer came from the local cache (no download). */
  cached: boolean;
}

export async function pullArtifact(refText: string, opts: PullOptions = {}): Promise<PulledArtifact> {
  const env = opts.env ?? process.env;
  const parsed = parseReference(refText);
  const settings = registrySettings(parsed.registry, opts, env);
  const ref = applyTagPolicy(parsed, settings.allowLatest, 'pull');
  const where = formatReference(ref);
  const wanted = opts.digest !== undefined ? normalizeDigest(opts.digest) : undefined;
  const cache = opts.cacheDir === null ? undefined : new OciCache(opts.cacheDir ?? ociCacheDir(env));
  const client = new RegistryClient(ref.registry, ref.repository, false, { settings, onProgress: opts.onProgress, timeoutMs: opts.timeoutMs });

  // A digest pins the manifest, so a cached copy is as good as the registry's (and works offline).
  let manifestBytes = ref.digest && cache ? await cache.get('manifests', ref.digest) : undefined;
  let contentType: string | null = null;
  if (!manifestBytes) {
    const fetched = await client.getManifest(manifestTarget(ref));
    manifestBytes = fetched.bytes;
    contentType = fetched.contentType;
    const actual = sha256Digest(manifestBytes);
    if (ref.digest && actual !== ref.digest) throw digestMismatch(`the manifest of ${where}`, ref.digest, actual);
    if (fetched.digestHeader?.startsWith('sha256:') && fetched.digestHeader !== actual) {
      throw digestMismatch(`the manifest of ${where}`, fetched.digestHeader, actual);
    }
  }
  const digest = sha256Digest(manifestBytes);
  if (wanted && wanted !== digest) {
    throw new StratusError('HASH_MISMATCH', `${where} has manifest digest ${digest}, not the ${wanted} that was asked for; it was refused`,
      'the tag now names another artifact; pull by the digest you trust, or drop --digest');
  }
  const manifest = parseManifest(where, manifestBytes, contentType);
  const layer = artifactLayer(where, manifest);
  // The download buffer is sized from the manifest: refuse an announced size no artifact has.
  const cap = layer.mediaType === WASM_LAYER ? MAX_ACTOR_BYTES : MAX_PROVIDER_BYTES;
  if (layer.size > cap) {
    throw new StratusError('INVALID_MODULE', `${where} announces a ${layer.size}-byte layer, over the ${cap / 1024 / 1024} MiB limit for ${layer.mediaType === WASM_LAYER ? 'actor modules' : 'provider archives'}`,
      'check that the reference names a wasmCloud artifact');
  }

  let bytes = cache ? await cache.get('blobs', layer.digest) : undefined;
  const cached = bytes !== undefined;
  if (bytes) opts.onProgress?.({ direction: 'pull', digest: layer.digest, done: bytes.length, total: bytes.length });
  else bytes = await client.getBlob(layer.digest, layer.size);
  const info = inspectArtifact(where, bytes, layer.mediaType);

  if (cache) {
    await cache.put('manifests', digest, manifestBytes);
    if (!cached) await cache.put('blobs', layer.digest, bytes);
  }
  return { reference: where, digest, layerDigest: layer.digest, mediaType: layer.mediaType, kind: info.kind,
    subject: info.subject, name: info.name, bytes, cached };
}
