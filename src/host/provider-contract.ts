// The contract between a host and the capability providers running in its process. It is
// transport-neutral: a provider receives `Invocation`s and calls actors with `Invocation`s, the
// same values an external provider process exchanges over NATS (reference §5), so moving a
// provider out of the process changes its transport, not its code.
import type { Invocation, InvokeOptions, LinkDefinition } from '../core/wire.js';
import type { HostScope } from '../core/scope.js';
import type { EventBus, HostEventMap, LogFields } from './events.js';

/** The host services a provider may use (e.g. httpserver calling into an actor). */
export interface ProviderHost {
  /** This host's id (N...). */
  readonly hostId: string;
  /** Invoke an actor (`inv.target`) on behalf of this provider (`inv.origin`), here or elsewhere in
   *  the lattice; resolves with the actor's response payload. */
  invoke(inv: Invocation, opts?: InvokeOptions): Promise<Uint8Array>;
  /**
   * Present only for providers in the host's own process: invoke() that answers without a promise
   * when the actor finishes at once on the host thread (same errors, as a rejected promise). An
   * optimisation; a provider must work without it.
   */
  readonly local?: { invokeNow(inv: Invocation, opts?: InvokeOptions): Uint8Array | Promise<Uint8Array> };
  /** Log a line attributed to this provider (`fields`: e.g. the actor it is about). */
  log(level: 'debug' | 'info' | 'warn' | 'error', text: string, fields?: LogFields): void;
  /** Directory where a provider may keep durable data (under STRATUS_HOME). */
  dataDir: string;
  /** Default RPC timeout the host applies (ms). */
  rpcTimeoutMs: number;
  /** Resources shared with the host's other providers (closed when the host shuts down). */
  scope: HostScope;
  /** The provider's start configuration as given (`ctl start provider --config`, a wadm capability's
   *  `config`); a provider process has it from HostData.config_json. Built-in providers get none. */
  config?: string;
  /** The host's event bus, for providers that report events of their own (health checks of a provider process). */
  events?: EventBus<HostEventMap>;
}

export interface ProviderHealth {
  healthy: boolean;
  message?: string;
}

/** A capability provider: asynchronous, whatever carries its invocations. */
export interface CapabilityProvider {
  /** Stable service public key (V...). */
  readonly id: string;
  /** Contract implemented, e.g. `wasmcloud:keyvalue`. */
  readonly contractId: string;
  /** Human name, e.g. `httpserver`. */
  readonly name: string;
  /** Link name this provider instance serves (usually `default`). */
  readonly linkName: string;
  /**
   * True for a provider that serves its own subject on the lattice (a provider process, reference
   * §5.2): the host's RPC server must not also subscribe for it, and the host reaches it over NATS.
   */
  readonly servedOverLattice?: boolean;
  /** The link value keys it understands (the host warns about others, with a suggestion). */
  readonly linkValueKeys?: readonly string[];
  /** Called once before any link is put. */
  start(host: ProviderHost): Promise<void>;
  /** Validate and apply a link; throw a LinkError with a clear message if the values are bad. */
  putLink(link: LinkDefinition): Promise<void>;
  /** Remove a link (close listeners, connections...). Must not throw for unknown links. */
  deleteLink(link: LinkDefinition): Promise<void>;
  /**
   * Serve one invocation from an actor (`inv.origin`; the provider knows its links from putLink).
   * Reject with an Error whose message reaches the actor.
   */
  handle(inv: Invocation): Promise<Uint8Array>;
  /**
   * Stop taking new inbound work (an HTTP listener stops accepting) and resolve once the work in
   * flight is done, or after `withinMs`. The host calls it before it stops actors, so requests in
   * flight still get their actor's answer.
   */
  drain?(withinMs: number): Promise<void>;
  health(): Promise<ProviderHealth>;
  /** Release everything. */
  shutdown(): Promise<void>;
}

/**
 * The in-process shortcut a provider may offer besides handle(): serve an invocation from an actor
 * on the host thread synchronously, or return undefined when it cannot (the dispatcher then uses
 * handle()). A write that is not durable yet hands its commit to `durable`; the actor's reply is
 * released only after it. Used only by the dispatcher, only when both ends are in this process.
 */
export interface SyncInvocationHandler {
  handleSync(inv: Invocation, durable: (commit: Promise<void>) => void): Uint8Array | undefined;
}

export function handlesSync(p: CapabilityProvider): p is CapabilityProvider & SyncInvocationHandler {
  return typeof (p as Partial<SyncInvocationHandler>).handleSync === 'function';
}

/**
 * A narrower shortcut still: serve an actor's host call from `inv.msg` *borrowed* from the guest's
 * memory, before the host copies it. The view is valid only until handleBorrowed returns (the guest
 * runs again right after, and memory.grow may detach it): nothing may keep it, nor any subarray of
 * it, past the return (copy what must outlive the call). Undefined means "not served" and nothing
 * was done: the host then copies the payload and takes handleSync()/handle() as usual (which also
 * report errors: return undefined for any failure). Same conditions as handleSync otherwise.
 */
export interface BorrowingInvocationHandler {
  handleBorrowed(inv: Invocation): Uint8Array | undefined;
}

export function borrowsPayloads(p: CapabilityProvider): p is CapabilityProvider & BorrowingInvocationHandler {
  return typeof (p as Partial<BorrowingInvocationHandler>).handleBorrowed === 'function';
}
