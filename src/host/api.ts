// The public surface of a Stratus host, used by the control plane, the CLI and tests.
// Implemented by `Host` in ./host.ts.
import type { EventEmitter } from 'node:events';
import type { ActorClaims } from '../claims/types.js';
import type { CapabilityProvider, LinkDefinition, WasmCloudEntity } from './types.js';

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
  /** Development switch: run modules that carry no claims. Off by default. */
  allowUnsigned?: boolean;
  /** Only accept actors issued by these account keys (A...). Empty/undefined = any. */
  trustedIssuers?: string[];
  /** Where providers keep durable data. Default `$STRATUS_HOME/data`. */
  dataDir?: string;
  /** Server seed (SN...) for a stable host id; generated when absent. */
  hostSeed?: string;
  /** Log sink; default writes to stderr. */
  log?: (level: 'debug' | 'info' | 'warn' | 'error', text: string) => void;
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

export interface HostInventory {
  hostId: string;
  uptimeSeconds: number;
  actors: ActorDescription[];
  providers: ProviderDescription[];
  links: LinkDefinition[];
}

/** The origin wash uses for calls from the CLI (reference §4.4). */
export const CLI_ORIGIN: WasmCloudEntity = { public_key: '__WASH__', contract_id: '', link_name: '' };

export interface HostApi extends EventEmitter {
  readonly id: string;
  /** Verify, compile once, and start instances. Rejects with a StratusError (NO_CLAIMS, NOT_PORTABLE, ...). */
  startActor(module: Uint8Array, opts?: StartActorOptions): Promise<ActorDescription>;
  stopActor(actorId: string): Promise<void>;
  scaleActor(actorId: string, count: number): Promise<ActorDescription>;
  startProvider(provider: CapabilityProvider): Promise<ProviderDescription>;
  stopProvider(providerId: string, linkName?: string): Promise<void>;
  /** Validated, idempotent. The provider's putLink runs now, so bad values fail here, not at the first call. */
  putLink(link: Omit<LinkDefinition, 'id'>): Promise<LinkDefinition>;
  deleteLink(actorId: string, contractId: string, linkName?: string): Promise<void>;
  links(): LinkDefinition[];
  /** Invoke an actor by public key or call alias. Resolves with the response payload or rejects with a StratusError. */
  call(target: string, operation: string, payload: Uint8Array, origin?: WasmCloudEntity): Promise<Uint8Array>;
  inventory(): HostInventory;
  shutdown(): Promise<void>;
}
