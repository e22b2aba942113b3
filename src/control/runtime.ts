// Wiring to the other areas: the runtime Host, the built-in provider registry, the actor
// project builder and the JSON<->msgpack bridge. Kept in one place so the control plane
// depends on them only through these few functions.
import type { HostApi } from '../host/api.js';
import type { CapabilityProvider } from '../host/types.js';
import { Host } from '../host/host.js';
import { createProvider, BUILTIN_PROVIDERS } from '../providers/registry.js';
import { buildIfStale } from './build-cache.js';
import { jsonToMsgpack, msgpackToJson } from '../codec/json-bridge.js';
import type { CallBridge } from './server.js';

export interface RuntimeOptions {
  hostSeed?: string;
  allowUnsigned?: boolean;
  /** Only actors issued by these account keys (A...) may start; empty = any. */
  trustedIssuers?: string[];
  rpcTimeoutMs?: number;
  isolation?: 'inline' | 'worker';
  dataDir: string;
  log: (level: 'debug' | 'info' | 'warn' | 'error', text: string) => void;
}

export interface Runtime {
  host: HostApi;
  createProvider(name: string, linkName: string): CapabilityProvider;
  providerContracts: Record<string, string>;
  buildProject(dir: string): Promise<string>;
  bridge: CallBridge;
}

export async function createRuntime(o: RuntimeOptions): Promise<Runtime> {
  const host = new Host({ hostSeed: o.hostSeed, allowUnsigned: o.allowUnsigned, trustedIssuers: o.trustedIssuers, rpcTimeoutMs: o.rpcTimeoutMs, isolation: o.isolation, dataDir: o.dataDir, log: o.log });
  const providerContracts: Record<string, string> = {};
  // logging/numbergen are served by the host itself; only real providers can be started.
  for (const p of BUILTIN_PROVIDERS) if (p.runsAs === 'provider') providerContracts[p.name] = p.contractId;
  return {
    host,
    createProvider: (name, linkName) => createProvider(name, { linkName }),
    providerContracts,
    buildProject: async (dir) => {
      const r = await buildIfStale(dir);
      o.log('info', r.built ? `built ${r.wasmPath}` : `${r.wasmPath} is up to date with its sources`);
      return r.wasmPath;
    },
    bridge: { encode: jsonToMsgpack, decode: msgpackToJson },
  };
}
