// The built-in providers as the host sees them before any runs: names, ids, contracts, link value
// keys, and how to load each implementation. An implementation is imported when it is first
// started, not when a host is made: importing all four (httpserver, keyvalue, messaging,
// httpclient, ~40 modules) cost a `stratus up` or `stratus call` ~30-60 ms of module loading for
// providers most applications never start (docs/coldstart.md). The control plane and the CLI use
// this catalog; registry.ts adds the synchronous `createProvider` of the library API on top of it.
import type { CapabilityProvider } from '../host/provider-contract.js';
import { CAPS } from '../core/contracts.js';
import { StratusError } from '../core/errors.js';
import { builtinProviderId } from './provider-id.js';
import { KNOWN_KEYS as HTTPSERVER_KEYS } from './httpserver/settings.js';
import { KNOWN_KEYS as KEYVALUE_KEYS } from './keyvalue/settings.js';
import { KNOWN_KEYS as MESSAGING_KEYS } from './messaging/settings.js';
import { KNOWN_KEYS as HTTPCLIENT_KEYS } from './httpclient/settings.js';
import type { ProviderInfo, ProviderSource } from './source.js';
import { aliasName, asAlias, wasmCloudAlias } from './wasmcloud-ids.js';
import { editDistance } from '../host/links/link-input.js';

/** Builds a provider object serving `linkName` under `id`. */
export type ProviderFactory = (id: string, linkName: string) => CapabilityProvider;

export interface BuiltinCatalogEntry extends ProviderInfo {
  /** `provider`: it runs as a provider object; `host`: the host serves its calls itself. */
  runsAs: 'provider' | 'host';
  /** Imports the implementation (for `runsAs: 'provider'`). */
  load?(): Promise<ProviderFactory>;
}

/** An entry whose id (an Ed25519 key derivation, ~1 ms each) is derived on first read. */
function entry(name: string, contractId: string, description: string, rest: Pick<BuiltinCatalogEntry, 'runsAs' | 'load' | 'linkValueKeys'>): BuiltinCatalogEntry {
  let id: string | undefined;
  return Object.freeze({
    name, contractId, description, ...rest,
    get id() { return (id ??= builtinProviderId(name)); },
  });
}

export const BUILTIN_CATALOG: readonly BuiltinCatalogEntry[] = Object.freeze([
  entry('httpserver', CAPS.HTTP_SERVER, 'HTTP server: one listener per linked actor (link values address/port, max_content_len, timeout_ms)',
    { runsAs: 'provider', linkValueKeys: HTTPSERVER_KEYS,
      load: async () => { const { HttpServerProvider } = await import('./httpserver/provider.js'); return (id, linkName) => new HttpServerProvider(id, linkName); } }),
  entry('keyvalue', CAPS.KEY_VALUE, 'Key-value store: lmdb (default, durable), memory, or Redis (link values backend, bucket, URL)',
    { runsAs: 'provider', linkValueKeys: KEYVALUE_KEYS,
      load: async () => { const { KeyValueProvider } = await import('./keyvalue/provider.js'); return (id, linkName) => new KeyValueProvider(id, linkName); } }),
  entry('messaging', CAPS.MESSAGING, 'Messaging over NATS: publish, request, subscriptions delivered to the actor (link values SUBSCRIPTION, URI, CLIENT_JWT/CLIENT_SEED)',
    { runsAs: 'provider', linkValueKeys: MESSAGING_KEYS,
      load: async () => { const { MessagingProvider } = await import('./messaging/provider.js'); return (id, linkName) => new MessagingProvider(id, linkName); } }),
  entry('httpclient', CAPS.HTTP_CLIENT, 'HTTP client: outbound requests to the hosts a link allows (link values allowed_hosts, timeout_ms, max_response_len)',
    { runsAs: 'provider', linkValueKeys: HTTPCLIENT_KEYS,
      load: async () => { const { HttpClientProvider } = await import('./httpclient/provider.js'); return (id, linkName) => new HttpClientProvider(id, linkName); } }),
  entry('logging', CAPS.LOGGING, 'Logging builtin, served by the host', { runsAs: 'host' }),
  entry('numbergen', CAPS.NUMBERGEN, 'Number generator builtin, served by the host', { runsAs: 'host' }),
]);

/**
 * The entry named by its name, id or contract. Names and contracts are looked at first: an id is
 * an Ed25519 key derived on first use (~0.2 ms each), so finding `keyvalue` by name no longer
 * derives the ids of the entries before it (~1.5 ms of a ~130 ms `stratus up`).
 */
export function catalogEntry(nameOrIdOrContract: string): BuiltinCatalogEntry | undefined {
  return BUILTIN_CATALOG.find((p) => p.name === nameOrIdOrContract || p.contractId === nameOrIdOrContract)
    ?? (/^V[A-Z2-7]{55}$/.test(nameOrIdOrContract) ? BUILTIN_CATALOG.find((p) => p.id === nameOrIdOrContract) : undefined);
}

/** The entry for `name`, which must run as a provider object; otherwise an error that says what exists. */
export function providerEntry(name: string): BuiltinCatalogEntry & Required<Pick<BuiltinCatalogEntry, 'load'>> {
  const p = catalogEntry(name);
  if (!p) {
    const names = BUILTIN_CATALOG.filter((b) => b.load).map((b) => b.name);
    const near = names.find((n) => editDistance(n, name) <= 2);
    throw new StratusError('BAD_REQUEST', `no built-in provider named "${name}"${near ? `; did you mean "${near}"?` : ''}`,
      `built-in providers: ${names.join(', ')}`);
  }
  if (!p.load) {
    throw new StratusError('BAD_REQUEST', `"${p.name}" (${p.contractId}) is built into the host and needs no provider`,
      'actors call it directly once their claims include the contract; no link definition is needed');
  }
  return p as BuiltinCatalogEntry & Required<Pick<BuiltinCatalogEntry, 'load'>>;
}

/** A provider object for the built-in `name` serving `linkName` (default "default"), its code imported now if it was not yet. */
export async function openBuiltinProvider(name: string, linkName?: string): Promise<CapabilityProvider> {
  const p = providerEntry(name);
  return (await p.load())(p.id, linkName || 'default');
}

/** A built-in provider serving one of wasmCloud's published provider ids (wasmcloud-ids.ts). */
function aliasEntry(id: string): BuiltinCatalogEntry | undefined {
  const a = wasmCloudAlias(id);
  const p = a && catalogEntry(a.builtin);
  if (!a || !p?.load) return undefined;
  const load = p.load;
  return { ...p, id: a.id, name: aliasName(a), description: `${p.description}; Stratus's ${p.name} serving wasmCloud's id for ${a.image}`,
    load: async () => { const make = await load(); return (_id, linkName) => asAlias(make(a.id, linkName), a); } };
}

/** The built-in providers as a source: references are their names or ids, or wasmCloud's
 *  published ids of providers for the same contracts (served by ours under that id). */
export const builtinSource: ProviderSource = {
  kind: 'built-in',
  find: (ref) => BUILTIN_CATALOG.find((p) => p.load && (p.name === ref || p.id === ref)) ?? aliasEntry(ref),
  open: async (ref, linkName, config) => {
    if (config) {
      throw new StratusError('BAD_REQUEST', `provider ${ref} is built into Stratus and takes no start configuration; give its settings as link values instead (see \`stratus ctl link put --help\`)`);
    }
    const alias = aliasEntry(ref);
    if (alias) return (await alias.load!())(alias.id, linkName || 'default');
    return openBuiltinProvider(ref, linkName);
  },
  describe: (id) => BUILTIN_CATALOG.find((p) => p.id === id) ?? aliasEntry(id),
  list: () => BUILTIN_CATALOG.filter((p) => p.load),
};
