// Wiring to the other areas: the runtime Host, the built-in provider registry, the actor
// project builder and the JSON<->msgpack bridge. Kept in one place so the control plane
// depends on them only through these few functions.
import { join } from 'node:path';
import type { HostApi } from '../host/api.js';
import { Host } from '../host/host.js';
import { FileLinkStore } from '../host/links/file-link-store.js';
import { createKeyPair } from '../claims/nkeys.js';
import type { Lattice } from '../lattice/lattice.js';
import type { LatticeComponent, LatticeConfig } from '../lattice/types.js';
import type { HostController } from './controller.js';
import { builtinSource } from '../providers/builtin-catalog.js';
import { ArchiveProviderSource } from '../providers/process/archive-source.js';
import type { ProviderSource } from '../providers/source.js';
import { buildIfStale, type CachedBuild } from './build-cache.js';
import { jsonToMsgpack, msgpackToJson } from '../codec/json-bridge.js';
import type { CallBridge } from './server.js';
import { loadObservability, type Observability, type ObserveOptions } from '../observe/observability.js';

export interface RuntimeOptions {
  hostSeed?: string;
  allowUnsigned?: boolean;
  /** Only actors issued by these account keys (A...) may start; empty = any. */
  trustedIssuers?: string[];
  rpcTimeoutMs?: number;
  isolation?: 'inline' | 'worker';
  /** Full explanations in the texts actors and HTTP clients see (development only). */
  devErrors?: boolean;
  dataDir: string;
  log: (level: 'debug' | 'info' | 'warn' | 'error', text: string) => void;
  /** Join this lattice: links then live in its bucket, and `Runtime.lattice` joins the host. */
  lattice?: LatticeConfig;
  /** Metrics, traces, the structured logger (src/observe); nothing by default. */
  observe?: ObserveOptions;
}

/** A runtime's lattice membership (when it has lattice settings). */
export interface LatticeMembership {
  lattice: Lattice;
  /** Publish the host's actors and start the lattice's parts (after restore, before `ready`);
   *  `requestStop` stops the whole member when the control interface's `stop` asks. */
  join(controller: HostController, requestStop?: (timeoutMs?: number) => void): Promise<void>;
  /** Drain the parts, shut the host down, stop the parts, close the connections. */
  leave(): Promise<void>;
}

/**
 * The lattice's parts, started in this order after the metadata (which Lattice runs itself) and
 * stopped in reverse: RPC first (it installs the dispatcher's RemoteRoute and serves local actors
 * and providers on their subjects), then the control interface and events, so the host answers
 * auctions only once it can serve calls.
 */
export async function latticeComponents(): Promise<LatticeComponent[]> {
  const [{ rpcComponent }, { controlComponents }, { policyComponent }] = await Promise.all([import('../lattice/rpc/component.js'), import('../lattice/control/index.js'), import('../lattice/policy.js')]);
  // policy first: the host asks it before the first inbound invocation and start
  return [policyComponent(), rpcComponent(), ...controlComponents()];
}

export interface Runtime {
  host: HostApi;
  /** Where providers come from, asked in order. */
  sources: ProviderSource[];
  buildProject(dir: string): Promise<CachedBuild>;
  bridge: CallBridge;
  lattice?: LatticeMembership;
  /** What observes the host (its metrics registry for /metrics, its tracer, its logger). */
  observability: Observability;
}

export async function createRuntime(o: RuntimeOptions): Promise<Runtime> {
  const sources: ProviderSource[] = [builtinSource];
  // In a lattice the links live in its bucket (shared by every host); alone, in the data directory.
  // The NATS client is loaded only for a lattice: a host alone never needs it.
  const lattice = o.lattice ? await (await import('../lattice/lattice.js')).Lattice.connect(o.lattice, { log: o.log }) : undefined;
  const hostSeed = o.hostSeed ?? (lattice ? createKeyPair('server').seed : undefined);
  const observability = await loadObservability(o.observe);
  // provider archives run as processes on the lattice (src/providers/process)
  sources.push(new ArchiveProviderSource({
    lattice: () => lattice && { nc: lattice.rpc, config: lattice.config, directory: lattice.directory },
    ...(o.trustedIssuers ? { trustedIssuers: o.trustedIssuers } : {}),
  }));
  let host: Host;
  try {
    host = new Host({
      hostSeed, allowUnsigned: o.allowUnsigned, trustedIssuers: o.trustedIssuers, rpcTimeoutMs: o.rpcTimeoutMs,
      isolation: o.isolation, serveWhilePreparing: true, devErrors: o.devErrors, dataDir: o.dataDir, log: o.log,
      linkStore: lattice ? lattice.links : await FileLinkStore.open(join(o.dataDir, 'links.jsonl')),
      providerCatalog: (id) => sources.map((s) => s.describe(id)).find((x) => x !== undefined),
      telemetry: observability.telemetry,
    });
  } catch (e) {
    await lattice?.stop();
    throw e;
  }
  observability.attach(host);
  const membership: LatticeMembership | undefined = lattice && {
    lattice,
    join: async (controller, requestStop) => lattice.join({
      host, hostSeed: hostSeed!, commands: controller, components: await latticeComponents(), ...(requestStop ? { requestStop } : {}),
      // read by the control interface's observe extension (a lattice dashboard polls it while open)
      observed: { ...(observability.metrics ? { calls: observability.metrics.calls } : {}), ...(observability.logger ? { logs: observability.logger.stream } : {}) },
    }),
    leave: () => lattice.stop({ hostShutdown: () => host.shutdown() }),
  };
  return {
    host,
    ...(membership ? { lattice: membership } : {}),
    sources,
    buildProject: async (dir) => {
      const r = await buildIfStale(dir);
      o.log('info', r.built ? `built ${r.wasmPath}` : `${r.wasmPath} is up to date with its sources`);
      return r;
    },
    bridge: { encode: jsonToMsgpack, decode: msgpackToJson },
    observability,
  };
}
