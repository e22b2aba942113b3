// Values that cross hosts, providers, the control plane and the CLI. Field names follow wasmCloud's
// wire format (reference §4.3, §4.7) so they can be sent as they are.

import { randomUUID } from 'node:crypto';

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

/** An actor as an entity: `contract_id` and `link_name` empty (reference §4.3). */
export function actorEntity(publicKey: string): WasmCloudEntity {
  return { public_key: publicKey, contract_id: '', link_name: '' };
}

/** A provider as an entity: its key, contract and link name (reference §4.3). */
export function providerEntity(publicKey: string, contractId: string, linkName: string): WasmCloudEntity {
  return { public_key: publicKey, contract_id: contractId, link_name: linkName };
}

/** The origin `wash call` uses (reference §4.4). */
export const CLI_ORIGIN: WasmCloudEntity = Object.freeze({ public_key: '__WASH__', contract_id: '', link_name: '' });

/**
 * One call from an origin to a target, shaped like wasmCloud's `Invocation` (reference §4.3). The
 * signature (`encoded_claims`) and `host_id` are added by whatever carries it across hosts.
 */
export interface Invocation {
  origin: WasmCloudEntity;
  target: WasmCloudEntity;
  /** `<Service>.<Method>`, e.g. `KeyValue.Increment`. */
  operation: string;
  /** The operation's payload (msgpack). */
  msg: Uint8Array;
  /** Invocation id; '' until something needs one (see invocationId): a UUID costs ~0.5 µs, and
   *  most invocations never leave the process. */
  id: string;
  /** W3C trace context (`traceparent`, ...), when the call is traced. */
  traceContext?: Record<string, string>;
}

/** Per-call limits a caller may set. */
export interface InvokeOptions {
  /** Deadline for the whole call (ms); default the host's RPC timeout. */
  timeoutMs?: number;
  /** Largest response the caller accepts (bytes). */
  maxResponseBytes?: number;
}

/** The invocation's id, assigned on first use. */
export function invocationId(inv: Invocation): string {
  if (inv.id === '') inv.id = randomUUID();
  return inv.id;
}

/** The invocation an actor makes over `link`: from the actor to the link's provider. */
export function linkInvocation(link: LinkDefinition, operation: string, msg: Uint8Array): Invocation {
  return { origin: actorEntity(link.actor_id), target: providerEntity(link.provider_id, link.contract_id, link.link_name), operation, msg, id: '' };
}
