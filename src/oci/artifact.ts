// What an artifact is: an actor module (wasm carrying claims) or a capability provider archive
// (a tar, usually gzipped, holding `claims.jwt` and one binary per target). wash refuses to push
// anything else and so do we, so what lands in a registry is something a host can start. Pure.
import { gunzipSync } from 'node:zlib';
import { StratusError } from '../core/errors.js';
import { decodeJwt } from '../claims/jwt.js';
import { readActorClaims } from '../claims/verify.js';
import { MEDIA_TYPES, OCI_TAR_LAYER, type ArtifactKind } from './media-types.js';
import { tarEntries } from './tar.js';

const MiB = 1024 * 1024;
/** Actor modules: the host's own cap on a module file (src/control/read-module.ts). */
export const MAX_ACTOR_BYTES = 64 * MiB;
/** Provider archives hold a native binary per target; the largest real ones are tens of MiB. */
export const MAX_PROVIDER_BYTES = 512 * MiB;

export interface ArtifactInfo {
  kind: ArtifactKind;
  /** The actor's module key (M...) or the provider's service key (V...), from the claims. */
  subject?: string;
  name?: string;
}

const isWasm = (b: Uint8Array) => b.length >= 4 && b[0] === 0x00 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d;
const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

function actorInfo(where: string, bytes: Uint8Array): ArtifactInfo {
  if (bytes.length > MAX_ACTOR_BYTES) {
    throw new StratusError('INVALID_MODULE', `${where} is ${bytes.length} bytes, over the ${MAX_ACTOR_BYTES / MiB} MiB limit for actor modules`);
  }
  const found = readActorClaims(bytes);
  if (!found) {
    throw new StratusError('NO_CLAIMS', `${where} is a wasm module without embedded claims; registries hold signed actors only`,
      'sign it first: `stratus claims sign <file> -n <name> ...` (or build it with `stratus build`)');
  }
  return { kind: 'actor', subject: found.claims.sub, name: found.claims.wascap?.name };
}

function providerInfo(where: string, bytes: Uint8Array): ArtifactInfo | undefined {
  let tar = bytes;
  if (isGzip(bytes)) {
    try {
      tar = new Uint8Array(gunzipSync(bytes, { maxOutputLength: MAX_PROVIDER_BYTES }));
    } catch (e) {
      throw new StratusError('INVALID_MODULE', `${where} is gzip data that does not decompress (${(e as Error).message})`,
        'a provider archive is a .par.gz made by `wash par create`');
    }
  }
  const entries = tarEntries(tar);
  if (!entries) return undefined;
  const claims = entries.find((e) => e.name === 'claims.jwt');
  if (!claims) {
    throw new StratusError('INVALID_MODULE', `${where} is a tar archive without claims.jwt, so not a provider archive`,
      'a provider archive is a .par.gz made by `wash par create`: claims.jwt and one <arch>-<os>.bin per target');
  }
  const token = new TextDecoder().decode(tar.subarray(claims.offset, claims.offset + claims.size)).trim();
  let sub: string | undefined;
  let name: string | undefined;
  try {
    const decoded = decodeJwt<{ sub?: string; wascap?: { name?: string } }>(token);
    sub = decoded.claims.sub;
    name = decoded.claims.wascap?.name;
  } catch (e) {
    throw new StratusError('BAD_SIGNATURE', `the claims.jwt in provider archive ${where} cannot be decoded: ${(e as Error).message}`,
      'create the archive again with `wash par create`');
  }
  return { kind: 'provider', subject: sub, name };
}

function unsupported(where: string): StratusError {
  return new StratusError('INVALID_MODULE', `${where} is neither a wasm actor module nor a provider archive (.par.gz)`,
    'push a signed .wasm (from `stratus build` or `wash claims sign`) or a .par.gz (from `wash par create`)');
}

/** Classify and check an artifact's bytes (the layer's media type, when known, must agree). */
export function inspectArtifact(where: string, bytes: Uint8Array, layerMediaType?: string): ArtifactInfo {
  const expected = layerMediaType === MEDIA_TYPES.actor.layer ? 'actor'
    : layerMediaType === MEDIA_TYPES.provider.layer ? 'provider' : undefined;
  if (layerMediaType !== undefined && expected === undefined && layerMediaType !== OCI_TAR_LAYER) throw unsupported(where);
  let info: ArtifactInfo | undefined;
  if (isWasm(bytes)) info = actorInfo(where, bytes);
  else info = providerInfo(where, bytes);
  if (!info) throw unsupported(where);
  if (expected && info.kind !== expected) {
    throw new StratusError('INVALID_MODULE', `${where} is labelled ${layerMediaType} but holds ${info.kind === 'actor' ? 'a wasm module' : 'a provider archive'}`,
      'push the artifact again with `stratus push` or `wash push`');
  }
  return info;
}
