// The built-in capability providers, as a provider source (source.ts). httpserver and keyvalue
// run as provider objects; logging and numbergen are served by the host's router in-process, so
// their entries only describe them (id, contract) for inventories.
import type { CapabilityProvider } from '../host/provider-contract.js';
import { StratusError } from '../core/errors.js';
import { builtinProviderId } from './provider-id.js';
import { HttpServerProvider, HTTPSERVER_CONTRACT } from './httpserver/provider.js';
import { KNOWN_KEYS as HTTPSERVER_KEYS } from './httpserver/settings.js';
import { KeyValueProvider, KEYVALUE_CONTRACT } from './keyvalue/provider.js';
import { KNOWN_KEYS as KEYVALUE_KEYS } from './keyvalue/settings.js';
import { MessagingProvider, MESSAGING_CONTRACT } from './messaging/provider.js';
import { KNOWN_KEYS as MESSAGING_KEYS } from './messaging/settings.js';
import { HttpClientProvider, HTTPCLIENT_CONTRACT } from './httpclient/provider.js';
import { KNOWN_KEYS as HTTPCLIENT_KEYS } from './httpclient/settings.js';
import type { ProviderInfo, ProviderSource } from './source.js';
import { aliasName, asAlias, wasmCloudAlias } from './wasmcloud-ids.js';
import { editDistance } from '../host/links/link-input.js';

export interface BuiltinProviderInfo extends ProviderInfo {
  /** `provider`: it runs as a provider object; `host`: the host serves its calls itself. */
  runsAs: 'provider' | 'host';
  /** Builds a provider object (for `runsAs: 'provider'`). */
  create?(id: string, linkName: string): CapabilityProvider;
}

export interface CreateProviderOptions {
  linkName?: string;
}

const info = (name: string, contractId: string, description: string, rest: Pick<BuiltinProviderInfo, 'runsAs' | 'create' | 'linkValueKeys'>): BuiltinProviderInfo =>
  ({ name, id: builtinProviderId(name), contractId, description, ...rest });

export const BUILTIN_PROVIDERS: readonly BuiltinProviderInfo[] = Object.freeze([
  info('httpserver', HTTPSERVER_CONTRACT, 'HTTP server: one listener per linked actor (link values address/port, max_content_len, timeout_ms)',
    { runsAs: 'provider', linkValueKeys: HTTPSERVER_KEYS, create: (id, linkName) => new HttpServerProvider(id, linkName) }),
  info('keyvalue', KEYVALUE_CONTRACT, 'Key-value store: lmdb (default, durable), memory, or Redis (link values backend, bucket, URL)',
    { runsAs: 'provider', linkValueKeys: KEYVALUE_KEYS, create: (id, linkName) => new KeyValueProvider(id, linkName) }),
  info('messaging', MESSAGING_CONTRACT, 'Messaging over NATS: publish, request, subscriptions delivered to the actor (link values SUBSCRIPTION, URI, CLIENT_JWT/CLIENT_SEED)',
    { runsAs: 'provider', linkValueKeys: MESSAGING_KEYS, create: (id, linkName) => new MessagingProvider(id, linkName) }),
  info('httpclient', HTTPCLIENT_CONTRACT, 'HTTP client: outbound requests to the hosts a link allows (link values allowed_hosts, timeout_ms, max_response_len)',
    { runsAs: 'provider', linkValueKeys: HTTPCLIENT_KEYS, create: (id, linkName) => new HttpClientProvider(id, linkName) }),
  info('logging', 'wasmcloud:builtin:logging', 'Logging builtin, served by the host', { runsAs: 'host' }),
  info('numbergen', 'wasmcloud:builtin:numbergen', 'Number generator builtin, served by the host', { runsAs: 'host' }),
]);

export function builtinProvider(nameOrIdOrContract: string): BuiltinProviderInfo | undefined {
  return BUILTIN_PROVIDERS.find((p) => p.name === nameOrIdOrContract || p.id === nameOrIdOrContract || p.contractId === nameOrIdOrContract);
}

/** Build a provider instance for `name` (httpserver, keyvalue) serving `linkName` (default "default"). */
export function createProvider(name: string, opts: CreateProviderOptions = {}): CapabilityProvider {
  const p = builtinProvider(name);
  if (!p) {
    const names = BUILTIN_PROVIDERS.filter((b) => b.create).map((b) => b.name);
    const near = names.find((n) => editDistance(n, name) <= 2);
    throw new StratusError('BAD_REQUEST', `no built-in provider named "${name}"${near ? `; did you mean "${near}"?` : ''}`,
      `built-in providers: ${names.join(', ')}`);
  }
  if (!p.create) {
    throw new StratusError('BAD_REQUEST', `"${p.name}" (${p.contractId}) is built into the host and needs no provider`,
      'actors call it directly once their claims include the contract; no link definition is needed');
  }
  return p.create(p.id, opts.linkName || 'default');
}

/** A built-in provider serving one of wasmCloud's published provider ids (wasmcloud-ids.ts). */
function aliasInfo(id: string): BuiltinProviderInfo | undefined {
  const a = wasmCloudAlias(id);
  const p = a && builtinProvider(a.builtin);
  if (!a || !p) return undefined;
  return { ...p, id: a.id, name: aliasName(a), description: `${p.description}; Stratus's ${p.name} serving wasmCloud's id for ${a.image}`,
    create: (_id, linkName) => asAlias(p.create!(a.id, linkName), a) };
}

/** The built-in providers as a source: references are their names or ids, or wasmCloud's
 *  published ids of providers for the same contracts (served by ours under that id). */
export const builtinSource: ProviderSource = {
  kind: 'built-in',
  find: (ref) => BUILTIN_PROVIDERS.find((p) => p.create && (p.name === ref || p.id === ref)) ?? aliasInfo(ref),
  open: async (ref, linkName, config) => {
    if (config) {
      throw new StratusError('BAD_REQUEST', `provider ${ref} is built into Stratus and takes no start configuration; give its settings as link values instead (see \`stratus ctl link put --help\`)`);
    }
    const alias = aliasInfo(ref);
    return alias ? alias.create!(alias.id, linkName || 'default') : createProvider(ref, { linkName });
  },
  describe: (id) => BUILTIN_PROVIDERS.find((p) => p.id === id) ?? aliasInfo(id),
  list: () => BUILTIN_PROVIDERS.filter((p) => p.create),
};
