// The built-in capability providers with their implementations loaded, for the library API
// (`createProvider` is synchronous) and tests. httpserver and keyvalue run as provider objects;
// logging and numbergen are served by the host's router in-process, so their entries only
// describe them (id, contract) for inventories. The host and the CLI use builtin-catalog.ts
// instead, which imports an implementation only when it is first started (docs/coldstart.md).
import type { CapabilityProvider } from '../host/provider-contract.js';
import { HttpServerProvider } from './httpserver/provider.js';
import { KeyValueProvider } from './keyvalue/provider.js';
import { MessagingProvider } from './messaging/provider.js';
import { HttpClientProvider } from './httpclient/provider.js';
import { BUILTIN_CATALOG, providerEntry, type ProviderFactory } from './builtin-catalog.js';
import type { ProviderInfo } from './source.js';

export { builtinSource } from './builtin-catalog.js';

export interface BuiltinProviderInfo extends ProviderInfo {
  /** `provider`: it runs as a provider object; `host`: the host serves its calls itself. */
  runsAs: 'provider' | 'host';
  /** Builds a provider object (for `runsAs: 'provider'`). */
  create?(id: string, linkName: string): CapabilityProvider;
}

export interface CreateProviderOptions {
  linkName?: string;
}

const FACTORIES: Readonly<Partial<Record<string, ProviderFactory>>> = {
  httpserver: (id, linkName) => new HttpServerProvider(id, linkName),
  keyvalue: (id, linkName) => new KeyValueProvider(id, linkName),
  messaging: (id, linkName) => new MessagingProvider(id, linkName),
  httpclient: (id, linkName) => new HttpClientProvider(id, linkName),
};

export const BUILTIN_PROVIDERS: readonly BuiltinProviderInfo[] = Object.freeze(BUILTIN_CATALOG.map((e): BuiltinProviderInfo => {
  const { name, id, contractId, description, runsAs, linkValueKeys } = e;
  const create = FACTORIES[name];
  return Object.freeze({ name, id, contractId, description, runsAs, ...(linkValueKeys ? { linkValueKeys } : {}), ...(create ? { create } : {}) });
}));

export function builtinProvider(nameOrIdOrContract: string): BuiltinProviderInfo | undefined {
  return BUILTIN_PROVIDERS.find((p) => p.name === nameOrIdOrContract || p.id === nameOrIdOrContract || p.contractId === nameOrIdOrContract);
}

/** Build a provider instance for `name` (httpserver, keyvalue, ...) serving `linkName` (default "default"). */
export function createProvider(name: string, opts: CreateProviderOptions = {}): CapabilityProvider {
  const p = providerEntry(name); // the catalog's errors for unknown names and host builtins
  return FACTORIES[p.name]!(p.id, opts.linkName || 'default');
}
