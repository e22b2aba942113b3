// OCI references (`registry/repository:tag@digest`), parsed the way Docker and oci-distribution
// (the crate wash and wasmCloud use) parse them, so a reference means the same artifact here and
// there. Pure: no I/O.
import { StratusError } from '../core/errors.js';

export interface OciReference {
  /** `host[:port]`, e.g. `localhost:5000`, `ghcr.io`; `docker.io` when the reference names none. */
  registry: string;
  /** `org/name`; Docker Hub's single names get `library/` as Docker does. */
  repository: string;
  tag?: string;
  /** `sha256:<64 hex>`. */
  digest?: string;
  /** The text named the registry (`localhost:5000/echo:0.1`), rather than defaulting to Docker Hub. */
  explicitRegistry: boolean;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DOMAIN = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$/;
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

const EXAMPLE = 'e.g. localhost:5000/echo:0.1.0 or ghcr.io/org/kvcounter@sha256:<64 hex digits>';

function bad(text: string, why: string): never {
  throw new StratusError('BAD_REQUEST', `"${text}" is not a valid OCI reference: ${why}`, EXAMPLE);
}

/** `sha256:...` as written, or `<64 hex>` alone (wash's `--digest` accepts both). */
export function normalizeDigest(digest: string): string {
  const d = digest.includes(':') ? digest : `sha256:${digest}`;
  if (!SHA256_DIGEST.test(d)) {
    throw new StratusError('BAD_REQUEST', `"${digest}" is not a sha256 digest`, 'write it as sha256:<64 lowercase hex digits>');
  }
  return d;
}

/** The first path component is a registry when it looks like a host: a dot, a port, or `localhost`. */
function isRegistryComponent(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase();
}

export function parseReference(text: string): OciReference {
  const input = text.trim();
  if (input === '') bad(text, 'it is empty');
  if (/^[a-z]+:\/\//i.test(input)) bad(text, 'write it without a scheme (no https:// or oci://)');

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!SHA256_DIGEST.test(digest)) bad(text, `the digest "${digest}" is not sha256:<64 lowercase hex digits>`);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) bad(text, `the tag "${tag}" may only hold letters, digits, "_", "." and "-" (at most 128, not starting with "." or "-")`);
  }

  const parts = rest.split('/');
  let registry = 'docker.io';
  let explicitRegistry = false;
  if (parts.length > 1 && isRegistryComponent(parts[0]!)) {
    registry = parts.shift()!;
    explicitRegistry = true;
    if (!DOMAIN.test(registry)) bad(text, `the registry "${registry}" is not a host name with an optional :port`);
  }
  if (parts.length === 0 || parts.some((p) => p === '')) bad(text, 'the repository name is missing or has an empty path component');
  for (const p of parts) {
    if (!COMPONENT.test(p)) {
      bad(text, p !== p.toLowerCase()
        ? `repository names are lowercase ("${p}")`
        : `"${p}" is not a repository name component (lowercase letters and digits, separated by ".", "_", "__" or "-")`);
    }
  }
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (registry.length + 1 + repository.length > 255) bad(text, 'the name is longer than 255 characters');
  return { registry, repository, tag, digest, explicitRegistry };
}

export function formatReference(ref: OciReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** What to ask the registry for: the digest when pinned, else the tag. */
export function manifestTarget(ref: OciReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** The host the distribution API answers on (Docker Hub serves its API elsewhere than its name). */
export function apiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

export type TagUse = 'push' | 'pull';

/**
 * wasmCloud's rule on `latest`: a moving tag is an instability (and attack) vector, so it is refused
 * unless allowed, and so is a reference with no tag at all (which would mean `latest`). A digest
 * pins the artifact, so a pull by digest needs no tag; a push always needs one.
 */
export function applyTagPolicy(ref: OciReference, allowLatest: boolean, use: TagUse): OciReference {
  const how = use === 'push' ? '--allow-latest' : '--allow-latest (or WASMCLOUD_OCI_ALLOW_LATEST=true)';
  if (use === 'push' && ref.digest) {
    throw new StratusError('BAD_REQUEST', `cannot push to ${formatReference(ref)}: a push names a tag, not a digest`,
      'drop the @sha256:... part and give a tag, e.g. :0.1.0');
  }
  if (ref.tag === undefined && ref.digest === undefined) {
    if (!allowLatest) {
      throw new StratusError('BAD_REQUEST', `${formatReference(ref)} has no tag; a missing tag would mean "latest", which is refused`,
        `give an explicit tag (e.g. ${formatReference({ ...ref, tag: '0.1.0' })}) or pass ${how}`);
    }
    return { ...ref, tag: 'latest' };
  }
  if (ref.tag === 'latest' && ref.digest === undefined && !allowLatest) {
    throw new StratusError('BAD_REQUEST', `${use === 'push' ? 'pushing' : 'pulling'} artifacts tagged "latest" is refused (${formatReference(ref)})`,
      `use a version tag, or pass ${how}`);
  }
  return ref;
}
