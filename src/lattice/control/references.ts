// What a control command may name as an actor or a provider, and what a Stratus host makes of it.
// Pure. Actors: `file://` references to a signed module (when the host allows file loads, as
// wasmCloud's WASMCLOUD_ALLOW_FILE_LOAD does). Providers: the built-in providers by name or id, and
// wasmCloud's published httpserver reference, which maps onto the built-in one; any other OCI
// reference, or a `file://` .par.gz, is a provider archive the host pulls (or reads) and runs as a
// process. Actors may also be OCI references (pulled by the host); bindle references are refused.
import { isAbsolute } from 'node:path';
import { BUILTIN_CATALOG, builtinSource } from '../../providers/builtin-catalog.js';
import { Refusal } from './acks.js';
import { parseReference } from '../../oci/reference.js';

/** A module on this host's disk, or an artifact in an OCI registry (pulled through src/oci, cached by digest). */
export type ActorSource = { kind: 'file'; path: string } | { kind: 'oci'; reference: string };

const FILE_SCHEME = 'file://';

/** The module an actor reference names on this host, or a Refusal saying why it cannot be loaded. */
export function resolveActorRef(ref: string, allowFileLoad: boolean): ActorSource {
  if (ref.startsWith(FILE_SCHEME)) {
    if (!allowFileLoad) {
      throw new Refusal(`this host does not load actors from files (${ref.slice(0, 200)}); start it with WASMCLOUD_ALLOW_FILE_LOAD=true to allow file:// references`);
    }
    // OTP strips the scheme and uses the rest as the path (`actor_supervisor.ex`); no URL decoding.
    const path = ref.slice(FILE_SCHEME.length);
    if (!isAbsolute(path)) {
      throw new Refusal(`file reference ${ref.slice(0, 200)} must name an absolute path, e.g. file:///home/me/build/echo_s.wasm`);
    }
    return { kind: 'file', path };
  }
  if (isOciReference(ref)) return { kind: 'oci', reference: ref };
  throw new Refusal(`"${ref.slice(0, 200)}" is neither a file:// reference nor an OCI reference with a registry host; use e.g. localhost:5000/echo:0.1.0, or file:///abs/path/echo_s.wasm (with WASMCLOUD_ALLOW_FILE_LOAD=true)`);
}

/** What the host's operations are given: the file's path, or the OCI reference to pull. */
export function location(src: ActorSource): string {
  return src.kind === 'file' ? src.path : src.reference;
}

/** An OCI reference that names its registry (`localhost:5000/echo:0.1.0`, `ghcr.io/org/echo@sha256:...`). */
function isOciReference(ref: string): boolean {
  try {
    return parseReference(ref).explicitRegistry;
  } catch {
    return false;
  }
}

/** The file reference for a path (what `stratus ctl start actor ./x.wasm` sends in lattice mode). */
export function fileRef(absPath: string): string {
  return `${FILE_SCHEME}${absPath}`;
}

/**
 * wasmCloud's published provider images whose contract a built-in provider serves the same way.
 * kvredis is left out on purpose: its links default to Redis on 127.0.0.1:6379, while the
 * built-in keyvalue provider defaults to its embedded store, so the same link would mean
 * different data.
 */
const PUBLISHED: Record<string, string> = { httpserver: 'httpserver' };
const REGISTRIES = ['wasmcloud.azurecr.io/', 'ghcr.io/wasmcloud/'];

export type ProviderArchiveRef = { kind: 'file'; path: string } | { kind: 'oci'; reference: string };

/**
 * The provider archive a launch names: a `file://` path to a .par.gz (with file loads allowed) or
 * an OCI reference that is not one of the built-in or published providers. Undefined when the
 * reference names a built-in provider; a Refusal when it is a file the host may not load.
 */
export function providerArchiveRef(ref: string, allowFileLoad: boolean): ProviderArchiveRef | undefined {
  if (ref.startsWith(FILE_SCHEME)) {
    const path = ref.slice(FILE_SCHEME.length);
    if (!/\.par(\.gz)?$/.test(path)) {
      throw new Refusal(`file reference ${ref.slice(0, 200)} does not name a provider archive; give a .par.gz (from \`stratus par create\` or \`wash par create\`)`);
    }
    if (!allowFileLoad) {
      throw new Refusal(`this host does not load providers from files (${ref.slice(0, 200)}); start it with WASMCLOUD_ALLOW_FILE_LOAD=true to allow file:// references, or push the archive to a registry`);
    }
    if (!isAbsolute(path)) throw new Refusal(`file reference ${ref.slice(0, 200)} must name an absolute path, e.g. file:///home/me/build/greeter.par.gz`);
    return { kind: 'file', path };
  }
  if (builtinSource.find(ref)) return undefined;
  const registry = REGISTRIES.find((r) => ref.startsWith(r));
  if (registry && PUBLISHED[ref.slice(registry.length).split(/[:@]/)[0]!]) return undefined;
  if (ref.startsWith('bindle://')) return undefined;
  if (ref.includes('/') || ref.includes(':')) return { kind: 'oci', reference: ref };
  return undefined;
}

/**
 * The built-in provider a reference names (name, id, wasmCloud's published id for the same
 * contract, or published image), or a Refusal. Start it by its `id`: a published id's provider
 * then runs under that id, as `stratus ctl start provider` does.
 */
export function resolveProviderRef(ref: string): { name: string; id: string; contractId: string } {
  const found = builtinSource.find(ref);
  if (found) return { name: found.name, id: found.id, contractId: found.contractId };
  const registry = REGISTRIES.find((r) => ref.startsWith(r));
  if (registry) {
    const repo = ref.slice(registry.length).split(/[:@]/)[0]!;
    const name = PUBLISHED[repo];
    const p = name ? BUILTIN_CATALOG.find((b) => b.name === name) : undefined;
    if (p) return { name: p.name, id: p.id, contractId: p.contractId };
  }
  const names = BUILTIN_CATALOG.filter((p) => p.load).map((p) => p.name);
  if (ref.includes('/') || ref.includes(':')) {
    throw new Refusal(`"${ref.slice(0, 200)}" names no built-in provider; a provider archive is started from an OCI reference (registry/repo:tag) or a file:// .par.gz; built-in providers: ${names.join(', ')}`);
  }
  throw new Refusal(`unknown provider "${ref.slice(0, 200)}"; built-in providers: ${names.join(', ')}`);
}
