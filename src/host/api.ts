// The public surface of a Stratus host, used by the control plane, the CLI and tests.
// Implemented by `Host` in ./host.ts.
import type { ActorClaims } from '../claims/types.js';
import type { CapabilityProvider } from './provider-contract.js';
import type { Invocation, InvokeOptions, LinkDefinition, WasmCloudEntity } from '../core/wire.js';
import type { EventBus, HostEventMap, LinkStatus, LogFields, TelemetrySink } from './events.js';
import type { LinkStore } from './links/link-store.js';

export { CLI_ORIGIN } from '../core/wire.js';

export interface HostOptions {
  /** Deadline for one invocation, including host calls it makes (ms). Default 2000, like wasmCloud's RPC timeout. */
  rpcTimeoutMs?: number;
  /** Default per-actor linear memory ceiling in 64 KiB pages. Default 1024 (64 MiB). */
  maxMemoryPages?: number;
  /** Default per-actor maximum concurrent instances. Default 2 on worker threads, 32 on the host thread
   *  (an instance there costs only its memory; several are needed while calls wait on async host calls). */
  maxInstances?: number;
  /**
   * Where actors run. `inline` (default): on the host thread, with fuel-checked deadlines and
   * Asyncify for async host calls; an actor that cannot be instrumented, needs blocking WASI
   * (poll_oneoff) or holds the thread over 50 ms per call moves to worker threads. `worker`: every
   * instance on its own worker thread.
   */
  isolation?: 'inline' | 'worker';
  /**
   * A new actor whose host-thread code is not in the code cache (Asyncify takes ~1.5 s for a small
   * actor, seconds for a big one) serves its first calls on worker threads and moves to the host
   * thread once the code is ready (`actor_moved`, reason "its code for the host thread is ready").
   * Off (default for an embedded Host): startActor waits for the code, so the lane it reports
   * does not depend on the cache. `stratus up` turns it on (docs/coldstart.md).
   */
  serveWhilePreparing?: boolean;
  /**
   * Prepare modules missing from the code cache for the host thread (default true). False for a
   * one-shot host (`stratus call`): such a module runs on worker threads, and no preparation worker
   * and Binaryen load compete with its call for the CPU only to be stopped at exit.
   */
  prepareMissing?: boolean;
  /** Development switch: run modules that carry no claims. Off by default. */
  allowUnsigned?: boolean;
  /** Development switch: put full explanations (actor keys, fixes) into the texts actors and
   *  clients see, instead of wasmCloud's short wording. Off by default. */
  devErrors?: boolean;
  /** Only accept actors issued by these account keys (A...). Empty/undefined = any. */
  trustedIssuers?: string[];
  /** Where providers keep durable data. Default `$STRATUS_HOME/data`. */
  dataDir?: string;
  /** Server seed (SN...) for a stable host id; generated when absent. */
  hostSeed?: string;
  /** Where links are kept. Default: in memory (a daemon passes a FileLinkStore). */
  linkStore?: LinkStore;
  /** What is known about providers that are not running here (their link value keys), by id. */
  providerCatalog?: (providerId: string) => { name: string; linkValueKeys?: readonly string[] } | undefined;
  /** Per-call measurements (metrics, traces); none by default. */
  telemetry?: TelemetrySink;
  /** Log sink; default writes to stderr. `fields`: what the line is about (actor, provider, trace), where known. */
  log?: (level: 'debug' | 'info' | 'warn' | 'error', text: string, fields?: LogFields) => void;
}

export interface StartActorOptions {
  /** Instances to keep warm (≥1). Default 1. */
  count?: number;
  /** Where the module came from (file path / ref), shown in the inventory. */
  imageRef?: string;
  /** Override the host default limits for this actor. */
  maxInstances?: number;
  maxMemoryPages?: number;
}

export interface ActorDescription {
  id: string;                // M...
  name: string;
  imageRef: string;
  callAlias?: string;
  caps: string[];
  issuer: string;
  revision: number;
  version?: string;
  count: number;             // warm instances requested
  /** Instances alive now (on `lane`). */
  instances?: number;
  maxInstances: number;
  /** Where its instances run: `inline` (host thread) or `worker` (one thread each). */
  lane?: 'inline' | 'worker';
  maxMemoryPages: number;
  claims: ActorClaims;
}

export interface ProviderDescription {
  id: string;                // V...
  name: string;
  contractId: string;
  linkName: string;
}

/** A link as this host sees it: the definition and its status here. */
export interface LinkView extends LinkDefinition {
  status: LinkStatus;
}

export interface LinkPutResult {
  link: LinkDefinition;
  status: LinkStatus;
  /** Things worth telling whoever put the link (unknown value keys, a provider not running here). */
  warnings: string[];
}

export interface HostInventory {
  hostId: string;
  uptimeSeconds: number;
  actors: ActorDescription[];
  providers: ProviderDescription[];
  links: LinkView[];
}

export interface HostApi {
  readonly id: string;
  readonly events: EventBus<HostEventMap>;
  /** Verify, compile once, and start instances. Rejects with a StratusError (NO_CLAIMS, NOT_PORTABLE, ...). */
  startActor(module: Uint8Array, opts?: StartActorOptions): Promise<ActorDescription>;
  stopActor(actorId: string): Promise<void>;
  /**
   * A hint that `module` is about to be started (a deploy gives it for its actors before it starts
   * the providers), so the host can begin what the start will wait for. Checks and starts nothing;
   * resolves once it has begun (a code cache read), and never rejects.
   */
  expectStart?(module: Uint8Array, opts?: Pick<StartActorOptions, 'maxMemoryPages'>): Promise<void>;
  /** Whether the actor (public key) has instances on this host. */
  runsActor(actorId: string): boolean;
  /** One running actor as inventory() describes it (without describing every actor), or undefined. */
  describeActor(actorId: string): ActorDescription | undefined;
  scaleActor(actorId: string, count: number): Promise<ActorDescription>;
  /** Live update: a newer revision of a running actor (same key) takes over without dropping calls. */
  updateActor(module: Uint8Array, opts?: StartActorOptions): Promise<ActorDescription>;
  startProvider(provider: CapabilityProvider): Promise<ProviderDescription>;
  stopProvider(providerId: string, linkName?: string): Promise<void>;
  /**
   * Stored first, then delivered. When the provider runs here, it checks the values now and a bad
   * link is refused before it is stored; otherwise the link waits (`pending`) for its provider.
   */
  putLink(link: Omit<LinkDefinition, 'id'>): Promise<LinkPutResult>;
  deleteLink(actorId: string, contractId: string, linkName?: string): Promise<void>;
  links(): LinkView[];
  /** Invoke an actor by public key or call alias. Resolves with the response payload or rejects with a StratusError. */
  call(target: string, operation: string, payload: Uint8Array, origin?: WasmCloudEntity, opts?: InvokeOptions): Promise<Uint8Array>;
  /** The same, with an Invocation value. */
  invoke(inv: Invocation, opts?: InvokeOptions): Promise<Uint8Array>;
  inventory(): HostInventory;
  /** Stop taking new work, let calls in flight finish (bounded), then stop everything. */
  shutdown(): Promise<void>;
}
