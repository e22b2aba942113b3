// Built-in providers for a throwaway local host (`stratus call <actor.wasm>`), so one actor file
// can be tried without a running host: keyvalue in memory, auto-linked when the actor holds the
// keyvalue claim; httpserver only when a port is asked for. logging/numbergen need nothing: the
// host serves them itself. Plug into `callModuleOnce({ setup: builtinProvidersSetup() })`.
import type { ActorDescription, HostApi } from '../host/api.js';
import { catalogEntry, openBuiltinProvider } from '../providers/builtin-catalog.js';

export interface LocalProviderOptions {
  /** Start httpserver and link the actor on this port (default: no HTTP listener). */
  httpPort?: number;
  /** Link values for keyvalue (default `backend=memory`, so nothing is written to disk). */
  keyvalueValues?: Record<string, string>;
}

export function builtinProvidersSetup(o: LocalProviderOptions = {}) {
  return async (host: HostApi, actor: ActorDescription): Promise<void> => {
    const wanted: { name: string; values: Record<string, string> }[] = [];
    if (actor.caps.includes(contractOf('keyvalue'))) wanted.push({ name: 'keyvalue', values: o.keyvalueValues ?? { backend: 'memory' } });
    if (o.httpPort !== undefined) wanted.push({ name: 'httpserver', values: { address: `127.0.0.1:${o.httpPort}` } });
    for (const w of wanted) {
      const p = await host.startProvider(await openBuiltinProvider(w.name, 'default'));
      await host.putLink({ actor_id: actor.id, provider_id: p.id, contract_id: p.contractId, link_name: 'default', values: w.values });
    }
  };
}

function contractOf(name: string): string {
  return catalogEntry(name)!.contractId;
}
