// A lattice member: the NATS connections, the shared metadata (links, claims, refmaps in the
// LATTICEDATA_{prefix} bucket) and the components (RPC, control) started with one LatticeContext.
//
//   const lattice = await Lattice.connect(config, { log });      // connections + bucket loaded
//   const host = new Host({ linkStore: lattice.links, ... });     // links live in the bucket
//   await lattice.join({ host, hostSeed, components });           // claims published, parts started
//   ...
//   await lattice.stop({ hostShutdown: () => host.shutdown() });  // drain parts, host, close
//
// Lattice itself publishes nothing but metadata (events are the control part's). NATS restarts
// and partitions: nats.js reconnects and re-subscribes by itself (reconnect forever; a ping every
// 5 s notices a silent server within ~15 s instead of nats.js's default 4 min); on every reconnect
// the bucket is watched afresh (metadata/watcher.ts). Meanwhile local calls go on, and link
// writes fail at once with a clear error (`online()` is false).
import { readFile } from 'node:fs/promises';
import { connect } from '@nats-io/transport-node';
import { credsAuthenticator, jwtAuthenticator, type NatsConnection } from '@nats-io/nats-core';
import { StratusError } from '../core/errors.js';
import { decodeSeed, fromSeed } from '../claims/nkeys.js';
import type { Host } from '../host/host.js';
import type { LinkStore } from '../host/links/link-store.js';
import type { ActorDirectory, LatticeComponent, LatticeConfig, LatticeContext, LocalOps, NatsAuth, ObservedHost } from './types.js';
import { describeLattice } from './config.js';
import { LatticeMetadata } from './metadata/metadata.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
type Log = (level: Level, text: string) => void;

/** How often a connection pings its server, and how many unanswered pings mean it is gone. */
const PING_INTERVAL_MS = 5000;
const MAX_PINGS_OUT = 2;

export interface LatticeOptions {
  log: Log;
  /** Shown by `nats server report connections` and in server logs. */
  connectionName?: string;
}

export interface JoinOptions {
  host: Host;
  /** The host's seed (SN...); its public key must be the host's id. */
  hostSeed: string;
  /** Present when the member runs a control plane (stratus up): control commands go through it. */
  commands?: LocalOps;
  /** Started in this order; drained in this order and stopped in reverse on stop(). */
  components: LatticeComponent[];
  /** Stop the whole member (the `stratus up` process), as the control interface's `stop` asks. */
  requestStop?(timeoutMs?: number): void;
  /** What observes the host (the control interface's observe extension reads it). */
  observed?: ObservedHost;
}

export class Lattice {
  private readonly connections: NatsConnection[];
  private readonly down = new Set<NatsConnection>();
  private components: LatticeComponent[] = [];
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly config: LatticeConfig,
    readonly rpc: NatsConnection,
    readonly ctl: NatsConnection,
    private readonly log: Log,
    private metadata: LatticeMetadata | undefined,
  ) {
    this.connections = rpc === ctl ? [rpc] : [rpc, ctl];
  }

  /**
   * Connects (one connection when RPC and control use the same server and credentials) and loads
   * the bucket. Rejects with HOST_UNREACHABLE when NATS or JetStream cannot be reached.
   */
  static async connect(config: LatticeConfig, o: LatticeOptions): Promise<Lattice> {
    const log: Log = (level, text) => o.log(level, `lattice ${config.prefix}: ${text}`);
    const rpc = await open(config.rpcServers, config.rpcAuth, config.rpcTls, 'RPC', o.connectionName);
    let ctl = rpc;
    const same = config.ctlServers.join(',') === config.rpcServers.join(',') && sameAuth(config.ctlAuth, config.rpcAuth) && !!config.ctlTls === !!config.rpcTls;
    if (!same) {
      try {
        ctl = await open(config.ctlServers, config.ctlAuth, config.ctlTls, 'control', o.connectionName);
      } catch (e) {
        await rpc.close();
        throw e;
      }
    }
    const lattice = new Lattice(config, rpc, ctl, log, undefined);
    lattice.watchConnections();
    try {
      // OTP keeps the bucket on the control connection (`jetstream/client.ex`)
      lattice.metadata = await LatticeMetadata.open(ctl, config, { log, online: () => lattice.online(), where: config.ctlServers.join(',') });
    } catch (e) {
      await lattice.closeConnections();
      throw e;
    }
    log('info', `joined over ${config.rpcServers.join(',')} (${JSON.stringify(describeLattice(config))})`);
    return lattice;
  }

  /** The links of the lattice (a LinkStore over the bucket) for the member's Host. */
  get links(): LinkStore {
    return this.meta().links;
  }

  /** Actors the lattice knows by their published claims. */
  get directory(): ActorDirectory {
    return this.meta().directory;
  }

  /** Whether every connection is up. While one is not, lattice writes fail fast. */
  online(): boolean {
    return this.down.size === 0 && this.connections.every((c) => !c.isClosed());
  }

  /** Publish the host's claims and start the components, in order (a failure stops those started). */
  async join(j: JoinOptions): Promise<void> {
    const hostKey = fromSeed(j.hostSeed, 'server');
    if (hostKey.publicKey !== j.host.id) {
      throw new StratusError('INTERNAL', `the host seed given to the lattice is not the host's (${hostKey.publicKey} vs ${j.host.id})`);
    }
    const metadata = this.meta();
    metadata.attach(j.host);
    const ctx: LatticeContext = {
      config: this.config,
      rpc: this.rpc,
      ctl: this.ctl,
      host: j.host,
      ...(j.commands ? { commands: j.commands } : {}),
      hostKey,
      clusterKey: fromSeed(this.config.clusterSeed, 'cluster'),
      directory: metadata.directory,
      claimsTexts: () => metadata.claimsTexts(),
      log: this.log,
      online: () => this.online(),
      putRefmap: (ociUrl, publicKey) => metadata.putRefmap(ociUrl, publicKey),
      ...(j.requestStop ? { requestStop: j.requestStop } : {}),
      ...(j.observed ? { observed: j.observed } : {}),
    };
    for (const c of j.components) {
      try {
        await c.start(ctx);
      } catch (e) {
        this.log('error', `the ${c.name} part did not start: ${(e as Error).message}`);
        for (const started of [...this.components].reverse()) await started.stop().catch(() => undefined);
        this.components = [];
        throw e;
      }
      this.components.push(c);
    }
  }

  /**
   * Leave the lattice: components drain (stop taking work, finish what is in flight), then
   * `hostShutdown` runs (the host's own drain and stop), then components stop in reverse order,
   * the metadata watch ends and the connections drain and close. Safe to call twice.
   */
  stop(o: { hostShutdown?: () => Promise<void> } = {}): Promise<void> {
    this.stopping ??= (async () => {
      for (const c of this.components) {
        try { await c.drain?.(); } catch (e) { this.log('warn', `the ${c.name} part did not drain cleanly: ${(e as Error).message}`); }
      }
      if (o.hostShutdown) {
        try { await o.hostShutdown(); } catch (e) { this.log('error', `host shutdown: ${(e as Error).message}`); }
      }
      for (const c of [...this.components].reverse()) {
        try { await c.stop(); } catch (e) { this.log('warn', `the ${c.name} part did not stop cleanly: ${(e as Error).message}`); }
      }
      this.components = [];
      await this.metadata?.close();
      await this.closeConnections();
    })();
    return this.stopping;
  }

  private meta(): LatticeMetadata {
    if (!this.metadata) throw new StratusError('INTERNAL', 'the lattice metadata is not open');
    return this.metadata;
  }

  /** Tracks each connection's state; after a reconnect the bucket is watched afresh. */
  private watchConnections(): void {
    for (const nc of this.connections) {
      const what = nc === this.rpc ? (nc === this.ctl ? 'NATS' : 'NATS (RPC)') : 'NATS (control)';
      void (async () => {
        for await (const s of nc.status()) {
          if (this.stopping) break; // closing our own connections is no outage
          if (s.type === 'disconnect') {
            if (!this.down.has(nc)) this.log('warn', `lost the connection to ${what} (${s.server}); local calls go on, lattice calls fail until it is back; reconnecting`);
            this.down.add(nc);
          } else if (s.type === 'reconnect') {
            this.down.delete(nc);
            this.log('info', `reconnected to ${what} (${s.server})`);
            if (nc === this.ctl) this.metadata?.resync();
          } else if (s.type === 'update' && (s.deleted?.length ?? 0) > 0 && nc === this.ctl) {
            // A server of the cluster left while we stayed connected. The bucket watch's consumer
            // (an R1 ordered consumer) may have lived there; nats.js would notice only after two
            // missed 30 s heartbeats, so watch afresh now (meta-cluster.test.ts).
            this.log('info', `NATS server(s) ${s.deleted!.join(', ')} left the cluster; watching the lattice bucket afresh`);
            this.metadata?.resync();
          }
        }
      })().catch(() => undefined);
      void nc.closed().then(() => { this.down.add(nc); });
    }
  }

  private async closeConnections(): Promise<void> {
    await Promise.all(this.connections.map(async (nc) => {
      if (nc.isClosed()) return;
      // drain flushes what was published; a server that is gone would make it wait, so bound it
      const drained = nc.drain().catch(() => undefined);
      const t = new Promise<void>((r) => setTimeout(r, 2000).unref());
      await Promise.race([drained, t]);
      if (!nc.isClosed()) await nc.close().catch(() => undefined);
    }));
  }
}

function sameAuth(a: NatsAuth | undefined, b: NatsAuth | undefined): boolean {
  return (a?.seed ?? '') === (b?.seed ?? '') && (a?.jwt ?? '') === (b?.jwt ?? '') && (a?.credsFile ?? '') === (b?.credsFile ?? '');
}

async function authenticator(auth: NatsAuth | undefined, what: string) {
  if (!auth) return undefined;
  if (auth.credsFile) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(auth.credsFile);
    } catch (e) {
      throw new StratusError('BAD_REQUEST', `the ${what} credentials file ${auth.credsFile} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        'name the .creds file of a NATS user (nsc generate creds)');
    }
    return credsAuthenticator(bytes);
  }
  if (auth.seed && auth.jwt) {
    // nats.js wants the seed's text bytes; it was checked to be a user seed when read (config.ts)
    decodeSeed(auth.seed, 'user');
    return jwtAuthenticator(auth.jwt, new TextEncoder().encode(auth.seed));
  }
  return undefined;
}

async function open(servers: string[], auth: NatsAuth | undefined, tls: boolean | undefined, what: string, name?: string): Promise<NatsConnection> {
  const authn = await authenticator(auth, what);
  try {
    return await connect({
      servers,
      ...(name ? { name } : {}),
      ...(authn ? { authenticator: authn } : {}),
      ...(tls ? { tls: {} } : {}),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      pingInterval: PING_INTERVAL_MS,
      maxPingOut: MAX_PINGS_OUT,
      timeout: 5000,
      // nats.js otherwise builds two Errors per request for async stack traces: ~25-40 µs of CPU
      // per invocation in the RPC bench's profiles (bench/lattice.ts)
      noAsyncTraces: true,
    });
  } catch (e) {
    throw new StratusError('HOST_UNREACHABLE', `could not connect to NATS for ${what} at ${servers.join(', ')}: ${(e as Error).message}`,
      'start a NATS server with JetStream (`nats-server -js`), or point at one with --nats-host/--nats-port (or WASMCLOUD_RPC_HOST/WASMCLOUD_CTL_HOST)');
  }
}

/** One NATS connection as the lattice opens them (reconnect forever, pings, credentials); also used by provider processes. */
export { open as openLatticeConnection };
