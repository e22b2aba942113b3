// OCI image manifests for wasmCloud artifacts: the one wash writes on push (one config blob, one
// layer, optional annotations; the shape of oci-distribution's `OciImageManifest::build`, compact
// JSON) and the checks on one read back. Pure.
import { StratusError } from '../core/errors.js';
import { sha256Digest } from './digest.js';
import { ACCEPTED_LAYERS, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from './media-types.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface BuiltManifest {
  manifest: ImageManifest;
  /** The exact bytes to PUT; the manifest's digest is theirs. */
  bytes: Uint8Array;
  digest: string;
}

function descriptor(mediaType: string, bytes: Uint8Array): Descriptor {
  return { mediaType, digest: sha256Digest(bytes), size: bytes.length };
}

/** The manifest for one artifact: key order as oci-distribution serializes it. */
export function buildManifest(layer: { mediaType: string; bytes: Uint8Array }, config: { mediaType: string; bytes: Uint8Array },
  annotations?: Record<string, string>): BuiltManifest {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: descriptor(config.mediaType, config.bytes),
    layers: [descriptor(layer.mediaType, layer.bytes)],
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  return { manifest, bytes, digest: sha256Digest(bytes) };
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

function invalid(where: string, why: string): never {
  throw new StratusError('INVALID_MODULE', `the manifest of ${where} is not a usable OCI image manifest: ${why}`,
    'push the artifact again with `stratus push` or `wash push`');
}

function checkDescriptor(where: string, d: unknown, what: string): Descriptor {
  const o = d as Partial<Descriptor> | null;
  if (typeof o !== 'object' || o === null) invalid(where, `${what} is not a descriptor`);
  if (typeof o.mediaType !== 'string') invalid(where, `${what} has no mediaType`);
  if (typeof o.digest !== 'string' || !DIGEST.test(o.digest)) invalid(where, `${what} has no sha256 digest (got ${JSON.stringify(o.digest)})`);
  if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) invalid(where, `${what} has no valid size`);
  return o as Descriptor;
}

/** Parse and check a fetched manifest; `contentType` is the registry's Content-Type header. */
export function parseManifest(where: string, bytes: Uint8Array, contentType: string | null): ImageManifest {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    invalid(where, 'it is not JSON');
  }
  if (typeof doc !== 'object' || doc === null) invalid(where, 'it is not a JSON object');
  const type = (typeof doc.mediaType === 'string' ? doc.mediaType : contentType?.split(';')[0]?.trim()) ?? '';
  if (type === OCI_INDEX || type === DOCKER_MANIFEST_LIST || Array.isArray(doc.manifests)) {
    throw new StratusError('INVALID_MODULE', `${where} is a multi-platform image index, not a single artifact`,
      'wasmCloud artifacts (actors, provider archives) are pushed as one manifest; name the artifact\'s own tag or digest');
  }
  if (type !== '' && type !== OCI_MANIFEST && type !== DOCKER_MANIFEST) invalid(where, `its media type is ${type}`);
  if (doc.schemaVersion !== 2) invalid(where, `schemaVersion is ${JSON.stringify(doc.schemaVersion)}, not 2`);
  const config = checkDescriptor(where, doc.config, 'config');
  if (!Array.isArray(doc.layers)) invalid(where, 'it has no layers');
  const layers = doc.layers.map((l, i) => checkDescriptor(where, l, `layer ${i}`));
  return { schemaVersion: 2, mediaType: type || undefined, config, layers, annotations: doc.annotations as Record<string, string> | undefined };
}

/** The artifact's layer: exactly one with a media type wasmCloud pulls. */
export function artifactLayer(where: string, manifest: ImageManifest): Descriptor {
  const usable = manifest.layers.filter((l) => ACCEPTED_LAYERS.includes(l.mediaType));
  if (usable.length === 1) return usable[0]!;
  const found = manifest.layers.map((l) => l.mediaType).join(', ') || 'none';
  if (usable.length === 0) {
    throw new StratusError('INVALID_MODULE', `${where} holds no wasmCloud artifact (layer media types: ${found})`,
      `an actor layer is ${ACCEPTED_LAYERS[1]}, a provider archive layer ${ACCEPTED_LAYERS[0]}; push it with \`stratus push\` or \`wash push\``);
  }
  throw new StratusError('INVALID_MODULE', `${where} holds ${usable.length} artifact layers (${found}); expected exactly one`,
    'push each actor or provider archive under its own reference');
}
