// One host process: the runtime Host, built-in providers, restored state, the control socket,
// and an orderly shutdown (providers stopped, listeners closed, state flushed) on signal or
// `stratus down`.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { HostApi } from '../host/api.js';
import type { LinkDefinition } from '../core/wire.js';
import { StratusError } from '../core/errors.js';
import { createKeyPair } from '../claims/nkeys.js';
import { HostController } from './controller.js';
import { controlPaths, type ControlPaths } from './paths.js';
import { StateStore } from './state-store.js';
import { hostIsRunning } from './client.js';
import { startControlServer } from './server.js';
import { friendlyName, httpEndpoint, STRATUS_VERSION, uptimeHuman, type HostView, type RestoredView } from '../host/views.js';
import { createRuntime, type Runtime } from './compose.js';
import { builtinLabels } from '../lattice/config.js';
import type { LatticeConfig } from '../lattice/types.js';
import type { LocalNats } from '../lattice/local-nats.js';
import { observeOptions, startMetricsEndpoint } from '../observe/wiring.js';
import type { ListenAddress } from '../observe/metrics/address.js';
import type { HostLogger } from '../observe/logs/host-logger.js';
import type { Host } from '../host/host.js';
import type { NatsConnection } from '@nats-io/nats-core';
import type { ProviderDescription } from '../host/api.js';
import type { ProviderHealth } from '../host/provider-contract.js';

export interface RunHostOptions {
  manifest?: string;
  allowUnsigned?: boolean;
  /** Only actors issued by these account keys (A...) may start; empty = any. */
  trustedIssuers?: string[];
  rpcTimeoutMs?: number;
  isolation?: 'inline' | 'worker';
  home?: string;
  labels?: Record<string, string>;
  /** The host's seed (SN...), e.g. from WASMCLOUD_HOST_SEED; default: the one kept in the state file. */
  hostSeed?: string;
  /** Join this lattice (src/lattice/config.ts reads it from flags and WASMCLOUD_* variables). */
  lattice?: LatticeConfig;
  /** No NATS server was named: start a local nats-server here if nothing answers (as `wash up` does). */
  localNats?: { host: string; port: number };
  /** Progress lines for people (stderr in `stratus up`). */
  note?: (text: string) => void;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', text: string) => void;
  /** The structured logger behind `log` (told the host's id and actor names). */
  logger?: HostLogger;
  /** Serve /metrics here (`stratus up --metrics`); metrics are kept only then. */
  metrics?: ListenAddress;
  /** `stratus up --clean`: drop the saved actors, providers, apps and links instead of restoring them (data and host id stay). */
  clean?: boolean;
  /** Serve the dashboard here once the host is up (`stratus up --ui`); keeps metrics too. */
  ui?: ListenAddress;
  /** How to start the dashboard (src/ui, handed in by the CLI: control does not depend on it);
   *  without it, `--ui` and `stratus ui` are refused. */
  dashboard?: DashboardStarter;
}

/** What the dashboard reads and drives (structurally src/ui's DashboardContext). */
export interface DashboardContext {
  controller: HostController;
  describe(): HostView;
  observability: Runtime['observability'];
  sources: Runtime['sources'];
  providersHealth?(): Promise<(ProviderDescription & ProviderHealth)[]>;
  /** In a lattice: every host that answers a ping (wasmCloud's host JSON). */
  latticeHosts?(): Promise<Record<string, unknown>[]>;
}
export interface DashboardHandle { readonly url: string; readonly token: string; close(): Promise<void> }
export type DashboardStarter = (ctx: DashboardContext, address: ListenAddress) => Promise<DashboardHandle>;

export interface RunningHost {
  hostId: string;
  paths: ControlPaths;
  controller: HostController;
  describe(): HostView;
  /** Start the dashboard (or return the running one): its URL and per-start token. */
  openDashboard(address?: ListenAddress): Promise<{ url: string; token: string }>;
  /** Orderly shutdown; safe to call twice. */
  stop(): Promise<void>;
  /** Resolves once the host has shut down. */
  stopped: Promise<void>;
}

/** The lattice's hosts as the dashboard lists them: a ping collected for one second. */
async function latticeHostsOf(nc: NatsConnection, config: LatticeConfig): Promise<() => Promise<Record<string, unknown>[]>> {
  const { LatticeCtlClient } = await import('../lattice/control/client.js');
  const client = new LatticeCtlClient(nc, { lattice: config.prefix, topicPrefix: config.ctlTopicPrefix, timeoutMs: 1000 });
  return () => client.hosts();
}

export async function runHost(opts: RunHostOptions = {}): Promise<RunningHost> {
  const paths = controlPaths(opts.home);
  const note = opts.note ?? (() => {});
  const log = opts.log ?? ((level, text) => process.stderr.write(`[${new Date().toISOString()}] ${level.padEnd(5)} ${text}\n`));
  mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
  if (await hostIsRunning(paths.socket)) {
    throw new StratusError('BAD_REQUEST', `a Stratus host is already running on ${paths.socket}`,
      'stop it with `stratus down`, or use another STRATUS_HOME');
  }

  const store = new StateStore(paths.stateFile);
  if (!store.get().hostSeed) store.update((s) => { s.hostSeed = createKeyPair('server').seed; });
  if (opts.clean) {
    // before the runtime opens the link journal; key-value data and the host's id are kept
    store.update((s) => { delete s.actors; s.providers = []; s.apps = []; delete s.links; });
    store.clearActors();
    if (!opts.lattice) rmSync(join(paths.dataDir, 'links.jsonl'), { force: true }); // a lattice's links are the lattice's
    rmSync(paths.actorsDir, { recursive: true, force: true });
    note(`--clean: started without the saved actors, providers and links of ${paths.stateFile}`);
  }
  let localNats: LocalNats | undefined;
  if (opts.lattice && opts.localNats) {
    const { ensureLocalNats } = await import('../lattice/local-nats.js');
    localNats = await ensureLocalNats({ ...opts.localNats, home: paths.home, note });
  }
  let runtime: Runtime;
  try {
    runtime = await createRuntime({
      hostSeed: opts.hostSeed ?? store.get().hostSeed,
      allowUnsigned: opts.allowUnsigned,
      trustedIssuers: opts.trustedIssuers,
      rpcTimeoutMs: opts.rpcTimeoutMs,
      isolation: opts.isolation,
      dataDir: paths.dataDir,
      log,
      observe: { ...observeOptions(opts, process.env), ...(opts.ui ? { metrics: true } : {}) },
      ...(opts.lattice ? { lattice: opts.lattice } : {}),
    });
  } catch (e) {
    await localNats?.stop();
    throw e;
  }
  const host: HostApi = runtime.host;
  const labels = { ...(opts.labels ?? {}), ...builtinLabels(), 'hostcore.runtime': `node ${process.version}` };
  const controller = new HostController({
    host, store, paths, log,
    sources: runtime.sources,
    buildProject: runtime.buildProject,
    labels: () => labels,
  });
  let ready = false;
  let restoredView: RestoredView | undefined;
  const describe = (): HostView => {
    const up = host.inventory().uptimeSeconds;
    return {
      id: host.id, labels, friendly_name: friendlyName(host.id), uptime_seconds: up, uptime_human: uptimeHuman(up),
      version: STRATUS_VERSION, lattice_prefix: opts.lattice?.prefix ?? 'default', ctl_host: paths.socket, pid: process.pid, ready,
      rpc_timeout_ms: opts.rpcTimeoutMs ?? 2000,
      http_endpoints: host.links().map(httpEndpoint).filter((e) => e !== undefined),
      ...(restoredView ? { restored: restoredView } : {}),
    };
  };

  host.events.on('linkdef_set', (ld: LinkDefinition) => {
    const ep = httpEndpoint(ld);
    if (ep) note(`http listener: ${ep.url} -> actor ${ld.actor_id}`);
  });

  let dashboard: Promise<DashboardHandle> | undefined;
  const openDashboard = async (address?: ListenAddress): Promise<{ url: string; token: string }> => {
    if (!opts.dashboard) throw new StratusError('BAD_REQUEST', 'this host was started without the dashboard', 'run the host with `stratus up`');
    if (!dashboard) {
      const providersHealth = (host as Partial<Host>).providersHealth?.bind(host);
      const latticeHosts = runtime.lattice && opts.lattice ? await latticeHostsOf(runtime.lattice.lattice.ctl, opts.lattice) : undefined;
      dashboard = opts.dashboard({
        controller, describe, observability: runtime.observability, sources: runtime.sources,
        ...(providersHealth ? { providersHealth } : {}), ...(latticeHosts ? { latticeHosts } : {}),
      },
        address ?? opts.ui ?? { host: '127.0.0.1', port: 3030 });
      dashboard.catch(() => { dashboard = undefined; });
    }
    const d = await dashboard;
    return { url: d.url, token: d.token };
  };

  let server: Server | undefined;
  let metricsServer: Awaited<ReturnType<typeof startMetricsEndpoint>>;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => { resolveStopped = r; });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      note('shutting down: stopping actors and providers, flushing state');
      if (server) {
        // Let in-flight control replies (e.g. to `stratus down`) finish, but never wait on a stuck client.
        const closed = new Promise<void>((r) => server!.close(() => r()));
        const force = setTimeout(() => server!.closeAllConnections(), 2000);
        await closed;
        clearTimeout(force);
      }
      await metricsServer?.close();
      if (dashboard) await dashboard.then((d) => d.close(), () => {});
      try { store.flush(); } catch (e) { log('error', `could not write host state: ${(e as Error).message}`); }
      try { store.close(); } catch (e) { log('error', `could not close the actor journal: ${(e as Error).message}`); }
      try {
        // in a lattice: its parts drain first, the host shuts down, then the parts stop and the connections close
        if (runtime.lattice) await runtime.lattice.leave();
        else await host.shutdown();
      } catch (e) { log('error', `host shutdown: ${(e as Error).message}`); }
      if (localNats) await localNats.stop().catch((e: Error) => log('warn', `stopping the local nats-server: ${e.message}`));
      rmSync(paths.socket, { force: true });
      rmSync(paths.pidFile, { force: true });
      resolveStopped();
    })();
    return stopping;
  };

  try {
    metricsServer = await startMetricsEndpoint(runtime.observability, opts.metrics);
    if (metricsServer) note(`metrics: ${metricsServer.url}`);
    const restored = await controller.restore();
    restoredView = {
      from: paths.stateFile, actors: restored.names.actors, providers: restored.names.providers,
      // in a lattice the links are the lattice's, not restored from here
      links: opts.lattice ? 0 : restored.links, failed: restored.failed, cleaned: opts.clean === true,
    };
    if (opts.lattice) {
      // links are the lattice's (its bucket), not this host's state
      if (restored.actors + restored.providers > 0) note(`restored ${restored.providers} provider(s), ${restored.actors} actor(s) from ${paths.stateFile}`);
      note(`${restored.links} link(s) in lattice ${opts.lattice.prefix}`);
    } else if (restored.actors + restored.providers + restored.links > 0) {
      note(`restored ${restored.providers} provider(s), ${restored.actors} actor(s), ${restored.links} link(s) from ${paths.stateFile}`);
    }
    server = await startControlServer({
      socketPath: paths.socket, controller, describeHost: describe, labels, bridge: runtime.bridge,
      requestStop: () => { void stop(); },
      openDashboard,
    });
    writeFileSync(paths.pidFile, `${process.pid}\n`, { mode: 0o600 });
    if (runtime.lattice) {
      await runtime.lattice.join(controller, () => { void stop(); });
      note(`joined lattice ${opts.lattice!.prefix} at ${opts.lattice!.rpcServers.join(', ')}`);
    }
    if (opts.manifest) {
      const app = await controller.deployApp(opts.manifest);
      note(`deployed application "${app.name}" (${app.actors.length} actor(s), ${app.providers.length} provider(s), ${app.links.length} link(s))`);
      for (const n of app.notes) note(n);
      for (const w of app.warnings) note(`warning: ${w}`);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  ready = true;
  if (opts.ui) {
    try {
      await openDashboard(opts.ui);
    } catch (e) {
      await stop();
      throw e;
    }
  }
  return { hostId: host.id, paths, controller, describe, openDashboard, stop, stopped };
}
