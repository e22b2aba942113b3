// RPC subjects of a lattice (reference §4.2; WELD `rpc-rs/src/rpc_client.rs` rpc_topic, OTP
// `actors/actor_rpc_server.ex`). Pure.
import type { WasmCloudEntity } from '../../core/wire.js';

/** wasmbus-rpc's queue group for provider subscriptions (WELD `provider.rs` RPC_SUBSCRIPTION_QUEUE_GROUP). */
export const PROVIDER_QUEUE = 'rpc';

/** `wasmbus.rpc.{prefix}.{actorPK}`; its queue group is the subject itself (OTP `actor_module.ex`). */
export function actorSubject(prefix: string, actorKey: string): string {
  return `wasmbus.rpc.${prefix}.${actorKey}`;
}

/** `wasmbus.rpc.{prefix}.{providerPK}.{linkName}` (queue group `rpc`). */
export function providerSubject(prefix: string, providerKey: string, linkName: string): string {
  return `wasmbus.rpc.${prefix}.${providerKey}.${linkName}`;
}

/** Where an invocation for `target` goes: a provider when it has a link name, else an actor (rpc_topic). */
export function targetSubject(prefix: string, target: WasmCloudEntity): string {
  return target.link_name !== '' ? providerSubject(prefix, target.public_key, target.link_name) : actorSubject(prefix, target.public_key);
}

/** A NATS subject token may not be empty or hold a space, tab, '.', '*' or '>'. */
export function isSubjectToken(s: string): boolean {
  return s.length > 0 && !/[\s.*>]/.test(s);
}
