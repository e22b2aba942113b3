// Where a guest's __host_call goes, and whether it is allowed (reference §1.6). Pure: it only
// reads a snapshot of the host's tables, so every rule is testable without wasm or workers.
import type { LinkDefinition } from '../core/wire.js';
import type { StratusErrorCode } from '../core/errors.js';
import { BUILTINS, signFlagFor } from '../core/contracts.js';

/** Claims-derived facts about an actor the router needs. */
export interface RoutedActor {
  id: string;
  name: string;
  caps: readonly string[];
  callAlias?: string;
}

/** Read-only view of the host tables. */
export interface RouteTables {
  /** Running actor by public key. */
  actorById(id: string): RoutedActor | undefined;
  /** Running actor by call alias. */
  actorByAlias(alias: string): RoutedActor | undefined;
  link(actorId: string, contractId: string, linkName: string): LinkDefinition | undefined;
  /** Whether the provider a link points at is running (matching its link name). */
  providerRunning(providerId: string, linkName: string): boolean;
}

export type Route =
  | { kind: 'builtin'; contractId: string }
  | { kind: 'provider'; link: LinkDefinition }
  | { kind: 'actor'; target: RoutedActor }
  /** `message` is what the caller is told, in wasmCloud's words (no keys, no hints: actors put it
   *  in HTTP bodies); `detail` is the full explanation with keys and the fix, for the log. */
  | { kind: 'denied'; code: StratusErrorCode; message: string; detail: string };

export function describeActor(a: { id: string; name: string }): string {
  return `${a.id} (${a.name})`;
}

export function missingClaim(actor: RoutedActor, contractId: string): Route & { kind: 'denied' } {
  return {
    kind: 'denied',
    code: 'MISSING_CLAIM',
    message: `Invocation not authorized: missing capability claim for ${contractId}`,
    detail: `actor ${describeActor(actor)} is not signed with the ${contractId} capability; add "${contractId}" to the claims in its stratus.json and rebuild, or re-sign it with \`stratus claims sign ${signFlagFor(contractId)}\``,
  };
}

/** A public key of a module (actor) — 56 chars starting with M. */
export function looksLikeActorKey(s: string): boolean {
  return s.length === 56 && s[0] === 'M' && /^[A-Z2-7]+$/.test(s);
}

/** A capability contract id like `wasmcloud:keyvalue` (never a key or a call alias, which have no ':'). */
function looksLikeContract(s: string): boolean {
  return s.includes(':');
}

/** A builtin contract's route (its claim required), or undefined when `namespace` is not a builtin.
 *  The worker lane's threads serve builtins by this same rule without a hop to the host thread. */
export function routeBuiltin(caller: RoutedActor, namespace: string): Route | undefined {
  if (!BUILTINS.includes(namespace)) return undefined;
  return caller.caps.includes(namespace) ? { kind: 'builtin', contractId: namespace } : missingClaim(caller, namespace);
}

/**
 * Resolve one host call. Order: builtins (claim required), provider contracts (claim, then link,
 * then a running provider), then actors by public key or call alias (no claim needed).
 */
export function routeHostCall(tables: RouteTables, caller: RoutedActor, binding: string, namespace: string): Route {
  const builtin = routeBuiltin(caller, namespace);
  if (builtin) return builtin;
  const linkName = binding === '' ? 'default' : binding;
  const link = tables.link(caller.id, namespace, linkName);
  if (link || (looksLikeContract(namespace) && binding !== '')) {
    if (!caller.caps.includes(namespace)) return missingClaim(caller, namespace);
    if (!link) {
      return {
        kind: 'denied',
        code: 'MISSING_LINK',
        message: `Invocation not authorized: missing link definition for ${namespace} on ${linkName}`,
        detail: `no link for actor ${describeActor(caller)} on ${namespace} link name '${linkName}'; create one with \`stratus ctl link put ${caller.id} <provider-id> ${namespace} --link-name ${linkName} [KEY=VALUE...]\``,
      };
    }
    if (!tables.providerRunning(link.provider_id, link.link_name)) {
      return {
        kind: 'denied',
        code: 'PROVIDER_NOT_RUNNING',
        message: `Failed to perform RPC call: no provider is serving ${namespace} on link name ${link.link_name}`,
        detail: `provider ${link.provider_id} for ${namespace} (link name '${link.link_name}') is not running; start it (e.g. \`stratus ctl start provider\`) — the link to actor ${describeActor(caller)} is in place`,
      };
    }
    return { kind: 'provider', link };
  }
  const target = looksLikeActorKey(namespace) ? tables.actorById(namespace) : tables.actorByAlias(namespace);
  if (target) return { kind: 'actor', target };
  if (looksLikeContract(namespace)) {
    // empty binding to a contract id: the caller meant a provider on the default link
    return routeHostCall(tables, caller, 'default', namespace);
  }
  return looksLikeActorKey(namespace)
    ? {
      kind: 'denied',
      code: 'UNKNOWN_TARGET',
      message: 'Could not identify suitable target for invocation',
      detail: `actor ${describeActor(caller)} called actor ${namespace}, which is not running; start it first`,
    }
    : {
      kind: 'denied',
      code: 'UNKNOWN_TARGET',
      message: `Call alias not found: ${namespace} on default`,
      detail: `actor ${describeActor(caller)} called '${namespace}', but no running actor is signed with that call alias; give the target \"call_alias\": \"${namespace}\" in its stratus.json and rebuild (or sign it with \`stratus claims sign --call-alias ${namespace}\`) and start it, or call it by public key`,
    };
}

/** Provider → actor: the actor must hold a claim for the provider's contract (reference §4.4 step 7). */
export function authorizeInbound(target: RoutedActor, originContractId: string): (Route & { kind: 'denied' }) | undefined {
  if (originContractId === '' || target.caps.includes(originContractId)) return undefined;
  return {
    kind: 'denied',
    code: 'MISSING_CLAIM',
    message: `Invocation source does not have the required capability claim ${originContractId}`,
    detail: `actor ${describeActor(target)} is not signed with the ${originContractId} capability, so the ${originContractId} provider may not call it; add "${originContractId}" to its stratus.json claims and rebuild, or re-sign it with \`stratus claims sign ${signFlagFor(originContractId)}\``,
  };
}
