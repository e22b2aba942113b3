// One host process: the runtime Host, built-in providers, restored state, the control socket,
// and an orderly shutdown (providers stopped, listeners closed, state flushed) on signal or
// `stratus down`.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { HostApi } from '../host/api.js';
import type { LinkDefinition } from '../host/types.js';
import { StratusError } from '../host/errors.js';
import { createKeyPair } from '../claims/nkeys.js';
import { HostController } from './controller.js';
import { controlPaths, type ControlPaths } from './paths.js';
import { StateStore } from './state-store.js';
import { hostIsRunning } from './client.js';
import { startControlServer } from './server.js';
import { friendlyName, httpEndpoint, STRATUS_VERSION, uptimeHuman, type HostView } from './views.js';
import { createRuntime } from './runtime.js';

export interface RunHostOptions {
  manifest?: string;
  allowUnsigned?: boolean;
  /** Only actors issued by these account keys (A...) may start; empty = any. */
  trustedIssuers?: string[];
  rpcTimeoutMs?: number;
  isolation?: 'inline' | 'worker';
  home?: string;
  labels?: Record<string, string>;
  /** Progress lines for people (stderr in `stratus up`). */
  note?: (text: string) => void;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', text: string) => void;
}

export interface RunningHost {
  hostId: string;
  paths: ControlPaths;
  controller: HostController;
  describe(): HostView;
  /** Orderly shutdown; safe to call twice. */
  stop(): Promise<void>;
  /** Resolves once the host has shut down. */
  stopped: Promise<void>;
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
  const runtime = await createRuntime({
    hostSeed: store.get().hostSeed,
    allowUnsigned: opts.allowUnsigned,
    trustedIssuers: opts.trustedIssuers,
    rpcTimeoutMs: opts.rpcTimeoutMs,
    isolation: opts.isolation,
    dataDir: paths.dataDir,
    log,
  });
  const host: HostApi = runtime.host;
  const controller = new HostController({
    host, store, paths, log,
    createProvider: runtime.createProvider,
    providerContracts: runtime.providerContracts,
    buildProject: runtime.buildProject,
  });
  const labels = { ...(opts.labels ?? {}), 'hostcore.os': process.platform, 'hostcore.arch': process.arch, 'hostcore.runtime': `node ${process.version}` };
  let ready = false;
  const describe = (): HostView => {
    const up = host.inventory().uptimeSeconds;
    return {
      id: host.id, labels, friendly_name: friendlyName(host.id), uptime_seconds: up, uptime_human: uptimeHuman(up),
      version: STRATUS_VERSION, lattice_prefix: 'default', ctl_host: paths.socket, pid: process.pid, ready,
      rpc_timeout_ms: opts.rpcTimeoutMs ?? 2000,
      http_endpoints: host.links().map(httpEndpoint).filter((e) => e !== undefined),
    };
  };

  host.on('linkdef_set', (ld: LinkDefinition) => {
    const ep = httpEndpoint(ld);
    if (ep) note(`http listener: ${ep.url} -> actor ${ld.actor_id}`);
  });

  let server: Server | undefined;
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
      try { store.flush(); } catch (e) { log('error', `could not write host state: ${(e as Error).message}`); }
      try { await host.shutdown(); } catch (e) { log('error', `host shutdown: ${(e as Error).message}`); }
      rmSync(paths.socket, { force: true });
      rmSync(paths.pidFile, { force: true });
      resolveStopped();
    })();
    return stopping;
  };

  try {
    const restored = await controller.restore();
    if (restored.actors + restored.providers + restored.links > 0) {
      note(`restored ${restored.providers} provider(s), ${restored.actors} actor(s), ${restored.links} link(s) from ${paths.stateFile}`);
    }
    server = await startControlServer({
      socketPath: paths.socket, controller, describeHost: describe, labels, bridge: runtime.bridge,
      requestStop: () => { void stop(); },
    });
    writeFileSync(paths.pidFile, `${process.pid}\n`, { mode: 0o600 });
    if (opts.manifest) {
      const app = await controller.deployApp(opts.manifest);
      note(`deployed application "${app.name}" (${app.actors.length} actor(s), ${app.providers.length} provider(s), ${app.links.length} link(s))`);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  ready = true;
  return { hostId: host.id, paths, controller, describe, stop, stopped };
}
