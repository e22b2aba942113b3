// The contract between the parts of a lattice member (src/lattice/README.md). The host joins a
// lattice through `Lattice` (lattice.ts), which connects to NATS, opens the shared link store and
// starts each LatticeComponent with one LatticeContext: RPC (rpc/), the control interface and
// events (control/), and the lattice metadata (metadata/).
import type { NatsConnection } from '@nats-io/nats-core';
import type { KeyPair } from '../claims/nkeys.js';
import type { RoutedActor } from '../host/router.js';
import type { Host } from '../host/host.js';
import type { ActorDescription, LinkPutResult, ProviderDescription } from '../host/api.js';
import type { LinkDefinition } from '../core/wire.js';
import type { CallStats } from '../observe/metrics/call-stats.js';
import type { LogStream } from '../observe/logs/log-stream.js';

/** Settings of a lattice member, from wasmCloud's environment variables and `stratus up` flags (config.ts). */
export interface LatticeConfig {
  /** Lattice prefix (lattice id), `WASMCLOUD_LATTICE_PREFIX`, default `default`. */
  prefix: string;
  /** NATS servers for RPC (`WASMCLOUD_RPC_HOST/PORT`), e.g. `nats://127.0.0.1:4222`. */
  rpcServers: string[];
  /** NATS servers for the control interface (`WASMCLOUD_CTL_HOST/PORT`). */
  ctlServers: string[];
  /** Credentials per connection (seed + JWT, or a creds file), when the server wants them. */
  rpcAuth?: NatsAuth;
  ctlAuth?: NatsAuth;
  /** `WASMCLOUD_RPC_TLS` / `WASMCLOUD_CTL_TLS`: connect over TLS. */
  rpcTls?: boolean;
  ctlTls?: boolean;
  /** Control subject prefix, `WASMCLOUD_CTL_TOPIC_PREFIX`, default `wasmbus.ctl`. */
  ctlTopicPrefix: string;
  /** The cluster seed (SC...): signs this host's invocations. Generated when not given. */
  clusterSeed: string;
  /** Issuers whose signed invocations are accepted (C...); always includes this host's cluster key. */
  clusterIssuers: string[];
  /** `WASMCLOUD_JS_DOMAIN`, when JetStream is behind a domain. */
  jsDomain?: string;
  /** `WASMCLOUD_POLICY_TOPIC` (+ changes topic, timeout): ask this policy service (reference §4.10). */
  policy?: { topic: string; changesTopic?: string; timeoutMs: number };
  /** `WASMCLOUD_RPC_TIMEOUT_MS`, default 2000. */
  rpcTimeoutMs: number;
  /** `WASMCLOUD_ALLOW_FILE_LOAD`: control commands may name `file://` references. */
  allowFileLoad: boolean;
  /** Host labels (`HOST_<name>=value`, `--label`), plus the built-in hostcore.* ones. */
  labels: Record<string, string>;
  /** Replicas of the LATTICEDATA_{prefix} bucket (1 for one NATS server, 3 for a cluster). */
  dataReplicas: number;
}

export interface NatsAuth {
  /** A user seed (SU...) and its JWT, as wasmCloud's *_SEED / *_JWT take them. */
  seed?: string;
  jwt?: string;
  /** A `.creds` file. */
  credsFile?: string;
}

/** Actors known to the lattice by their published claims (CLAIMS_ entries), by key or call alias. */
export interface ActorDirectory {
  actor(idOrAlias: string): RoutedActor | undefined;
}

/** What every lattice component is started with. */
export interface LatticeContext {
  config: LatticeConfig;
  /** The RPC connection (invocations, object store for chunking). */
  rpc: NatsConnection;
  /** The control connection (ctl subjects, events). May be the same connection as `rpc`. */
  ctl: NatsConnection;
  host: Host;
  /** Present when the member runs a control plane (stratus up): control commands go through it, so
   *  what runs and what is persisted stay one (the control plane's HostController fits as is). */
  commands?: LocalOps;
  /** This host's server key (N...). */
  hostKey: KeyPair;
  /** The cluster key pair (from config.clusterSeed): signs invocations. */
  clusterKey: KeyPair;
  directory: ActorDirectory;
  /**
   * The `CLAIMS_` values of the lattice's metadata bucket as this host's watcher holds them (the
   * metadata component; absent without it): `get.claims` answers from these instead of reading
   * the bucket key by key on every request.
   */
  claimsTexts?(): Iterable<string>;
  /**
   * Stop this member as `stratus down` would (the control interface's `stop` command); without it
   * the command shuts the Host down. `timeoutMs` bounds the graceful part.
   */
  requestStop?(timeoutMs?: number): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', text: string): void;
  /**
   * Whether the NATS connections are up right now (Lattice always sets it). While they are not,
   * nats.js buffers publishes and a request would only time out: lattice calls should fail at once
   * with a clear error instead (the link store does).
   */
  online?(): boolean;
  /** What observes the host, for the control interface's observe extension (control/observe-reply.ts):
   *  its call statistics (only when metrics are on) and its log. */
  observed?: ObservedHost;
  /** Record in the bucket that an OCI reference names this actor or provider (`REFMAP_` entry, §4.7). */
  putRefmap?(ociUrl: string, publicKey: string): Promise<void>;
}

/** A host's call statistics (metrics on) and log stream, as a lattice dashboard reads them. */
export interface ObservedHost {
  calls?: CallStats;
  logs?: LogStream;
}

/** One part of a lattice member, started and stopped by `Lattice` in a fixed order. */
export interface LatticeComponent {
  readonly name: string;
  start(ctx: LatticeContext): Promise<void>;
  /** Leave queue groups / stop taking new work and finish what is in flight (graceful stop). */
  drain?(): Promise<void>;
  stop(): Promise<void>;
}

/** The operations control commands perform on this host (lattice/control/local-ops.ts). */
export interface LocalOps {
  startActorFile(path: string, count: number, imageRef: string): Promise<ActorDescription>;
  updateActorFile(path: string, imageRef: string): Promise<ActorDescription>;
  stopActor(actorId: string): Promise<void>;
  scaleActor(actorId: string, count: number): Promise<ActorDescription>;
  /** `config`: the `lp` command's `configuration` (HostData.config_json of a provider process). */
  startProvider(name: string, linkName: string, config?: string): Promise<ProviderDescription>;
  stopProvider(providerId: string, linkName: string): Promise<unknown>;
  putLink(link: Omit<LinkDefinition, 'id'>): Promise<LinkPutResult>;
  deleteLink(actorId: string, contractId: string, linkName: string): Promise<void>;
}
