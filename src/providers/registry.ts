// The built-in capability providers, by name. httpserver and keyvalue run as provider objects;
// logging and numbergen are served by the host's router in-process, so their entries only
// describe them (id, contract) for inventories.
import type { CapabilityProvider } from '../host/types.js';
import { StratusError } from '../host/errors.js';
import { builtinProviderId } from './provider-id.js';
import { HttpServerProvider, HTTPSERVER_CONTRACT } from './httpserver/provider.js';
import { KeyValueProvider, KEYVALUE_CONTRACT } from './keyvalue/provider.js';

export interface BuiltinProviderInfo {
  name: string;
  /** Stable service key (V...), derived from the name. */
  id: string;
  contractId: string;
  description: string;
  /** `provider`: createProvider() builds it; `host`: the host handles its calls itself. */
  runsAs: 'provider' | 'host';
}

export interface CreateProviderOptions {
  linkName?: string;
}

const info = (name: string, contractId: string, description: string, runsAs: 'provider' | 'host'): BuiltinProviderInfo =>
  ({ name, id: builtinProviderId(name), contractId, description, runsAs });

export const BUILTIN_PROVIDERS: readonly BuiltinProviderInfo[] = Object.freeze([
  info('httpserver', HTTPSERVER_CONTRACT, 'HTTP server: one listener per linked actor (link values address/port, max_content_len, timeout_ms)', 'provider'),
  info('keyvalue', KEYVALUE_CONTRACT, 'Key-value store: lmdb (default, durable), memory, or Redis (link values backend, bucket, URL)', 'provider'),
  info('logging', 'wasmcloud:builtin:logging', 'Logging builtin, served by the host', 'host'),
  info('numbergen', 'wasmcloud:builtin:numbergen', 'Number generator builtin, served by the host', 'host'),
]);

export function builtinProvider(nameOrIdOrContract: string): BuiltinProviderInfo | undefined {
  return BUILTIN_PROVIDERS.find((p) => p.name === nameOrIdOrContract || p.id === nameOrIdOrContract || p.contractId === nameOrIdOrContract);
}

/** Build a provider instance for `name` (httpserver, keyvalue) serving `linkName` (default "default"). */
export function createProvider(name: string, opts: CreateProviderOptions = {}): CapabilityProvider {
  const p = builtinProvider(name);
  const linkName = opts.linkName || 'default';
  if (!p) {
    throw new StratusError('BAD_REQUEST', `no built-in provider named "${name}"`,
      `built-in providers: ${BUILTIN_PROVIDERS.map((b) => b.name).join(', ')}`);
  }
  switch (p.name) {
    case 'httpserver': return new HttpServerProvider(p.id, linkName);
    case 'keyvalue': return new KeyValueProvider(p.id, linkName);
    default:
      throw new StratusError('BAD_REQUEST', `"${p.name}" (${p.contractId}) is built into the host and needs no provider`,
        'actors call it directly once their claims include the contract; no link definition is needed');
  }
}
