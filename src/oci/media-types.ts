// The media types wasmCloud and wash give artifacts in OCI registries (wash `reg push`/`pull`;
// reference §3.7), and the manifest types a registry may answer with. Pure constants.

/** Layer of an actor module (`.wasm`). */
export const WASM_LAYER = 'application/vnd.module.wasm.content.layer.v1+wasm';
/** Config blob of an actor artifact (wash pushes `{}` unless given `--config`). */
export const WASM_CONFIG = 'application/vnd.wasmcloud.actor.archive.config';
/** Layer of a capability provider archive (`.par.gz`). */
export const PAR_LAYER = 'application/vnd.wasmcloud.provider.archive.layer.v1+par';
/** Config blob of a provider archive artifact. */
export const PAR_CONFIG = 'application/vnd.wasmcloud.provider.archive.config';
/** A plain OCI tar layer: wasmCloud hosts accept it too, and look inside to see what it is. */
export const OCI_TAR_LAYER = 'application/vnd.oci.image.layer.v1.tar';

/** The layers a wasmCloud host pulls, in its order. */
export const ACCEPTED_LAYERS: readonly string[] = [PAR_LAYER, WASM_LAYER, OCI_TAR_LAYER];

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

/** What we ask for when fetching a manifest; the index types only so we can say why we refuse one. */
export const MANIFEST_ACCEPT = [OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX, DOCKER_MANIFEST_LIST].join(', ');

export type ArtifactKind = 'actor' | 'provider';

export const MEDIA_TYPES: Readonly<Record<ArtifactKind, { layer: string; config: string; extension: string }>> = {
  actor: { layer: WASM_LAYER, config: WASM_CONFIG, extension: '.wasm' },
  provider: { layer: PAR_LAYER, config: PAR_CONFIG, extension: '.par.gz' },
};
