// Shared contracts between the host runtime, providers, the control plane and the CLI.
// Field names follow wasmCloud's wire format (reference §4.3, §4.7) so they can be sent as-is.

/** An entity on the lattice: an actor (contract_id/link_name empty) or a provider. */
export interface WasmCloudEntity {
  public_key: string;
  contract_id: string;
  link_name: string;
}

/** A link definition, as wasmCloud stores it (reference §4.7). */
export interface LinkDefinition {
  /** HEX_UPPER(SHA-256(actor_id ‖ contract_id ‖ link_name)) */
  id: string;
  actor_id: string;
  provider_id: string;
  link_name: string;
  contract_id: string;
  values: Record<string, string>;
}

/** What a provider learns about the actor that called it. */
export interface InvocationContext {
  /** Calling actor's public key (M...). */
  actorId: string;
  /** The link this call travels on. */
  link: LinkDefinition;
}

/** The host services a provider may use (e.g. httpserver calling into an actor). */
export interface ProviderHost {
  /** Invoke an actor on behalf of a provider; resolves with the actor's response payload. */
  callActor(actorId: string, origin: WasmCloudEntity, operation: string, payload: Uint8Array, opts?: { timeoutMs?: number }): Promise<Uint8Array>;
  /** callActor() that may answer without a promise when the actor finishes at once (host-thread
   *  lane); same errors, as a rejected promise. */
  callActorNow?(actorId: string, origin: WasmCloudEntity, operation: string, payload: Uint8Array, opts?: { timeoutMs?: number }): Uint8Array | Promise<Uint8Array>;
  /** Log a line attributed to this provider. */
  log(level: 'debug' | 'info' | 'warn' | 'error', text: string): void;
  /** Directory where a provider may keep durable data (under STRATUS_HOME). */
  dataDir: string;
  /** Default RPC timeout the host applies (ms). */
  rpcTimeoutMs: number;
}

/**
 * A capability provider running inside the host process.
 * Providers are asynchronous; the host bridges them to the synchronous guest ABI.
 */
export interface CapabilityProvider {
  /** Stable service public key (V...). */
  readonly id: string;
  /** Contract implemented, e.g. `wasmcloud:keyvalue`. */
  readonly contractId: string;
  /** Human name, e.g. `httpserver`. */
  readonly name: string;
  /** Link name this provider instance serves (usually `default`). */
  readonly linkName: string;
  /** Called once before any link is put. */
  start(host: ProviderHost): Promise<void>;
  /** Validate and apply a link; throw a LinkError with a clear message if the values are bad. */
  putLink(link: LinkDefinition): Promise<void>;
  /** Remove a link (close listeners, connections...). Must not throw for unknown links. */
  deleteLink(link: LinkDefinition): Promise<void>;
  /** Serve one invocation from an actor. Reject with an Error whose message reaches the actor. */
  handle(ctx: InvocationContext, operation: string, payload: Uint8Array): Promise<Uint8Array>;
  /**
   * Optional fast path for actors running on the host thread: serve the call synchronously, or
   * return undefined when this call cannot be (the host then uses handle()). A write that is not
   * durable yet hands its commit to `durable`; the host releases the actor's reply only after it.
   * Throw an Error whose message reaches the actor.
   */
  handleSync?(ctx: InvocationContext, operation: string, payload: Uint8Array, durable: (commit: Promise<void>) => void): Uint8Array | undefined;
  /** Health probe. */
  health(): Promise<{ healthy: boolean; message?: string }>;
  /** Release everything. */
  shutdown(): Promise<void>;
}
