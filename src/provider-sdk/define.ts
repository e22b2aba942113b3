// A CapabilityProvider from a table of operations: the short way to write a provider.
//
//   export default defineProvider({
//     name: 'greeter', contractId: 'acme:greeter',
//     operations: { 'Greeter.Greet': (req) => `hello ${req.decode<string>()}` },
//   });
//
// A handler gets the caller's link and payload and returns bytes (sent as they are) or any other
// value (sent as msgpack, the wire format of wasmCloud interfaces). Throwing sends the error's
// message to the actor. The typed path: `operations: keyValueOperations({ get: (ctx, key) => … })`
// with the table `stratus gen --ts-out` generates from the interface's .smithy.
import { decode, encode } from '../codec/msgpack.js';
import { StratusError } from '../core/errors.js';
import type { Invocation, InvokeOptions, LinkDefinition } from '../core/wire.js';
import type { CapabilityProvider, ProviderHealth, ProviderHost } from '../host/provider-contract.js';

export interface ProviderRequest {
  /** The calling actor (M...). */
  actor: string;
  /** Its link to this provider (values set with `link put`). */
  link: LinkDefinition;
  operation: string;
  payload: Uint8Array;
  /** The payload decoded as msgpack. */
  decode<T = unknown>(): T;
  /** Call an actor (e.g. deliver a message), as this provider over the caller's link. */
  callActor(actorId: string, operation: string, payload: unknown, opts?: InvokeOptions): Promise<Uint8Array>;
  /** A send function for a generated sender (`messageSubscriberSender(req.sendTo())`): calls
   *  `actorId` (default: the caller) as callActor does. */
  sendTo(actorId?: string): ActorSend;
}

/** Operation name and payload bytes in, the actor's answer bytes out. */
export type ActorSend = (operation: string, payload: Uint8Array, opts?: InvokeOptions) => Promise<Uint8Array>;

/**
 * Calls the actor at the other end of `link`, as this provider (`link.provider_id`): for calls
 * outside a request, e.g. delivering a message from a subscription made in putLink. Give it to a
 * generated sender for typed calls: `messageSubscriberSender(actorSender(host, link))`.
 */
export function actorSender(host: ProviderHost, link: LinkDefinition, actorId = link.actor_id): ActorSend {
  return (operation, payload, opts) => host.invoke({
    origin: { public_key: link.provider_id, contract_id: link.contract_id, link_name: link.link_name },
    target: { public_key: actorId, contract_id: '', link_name: '' },
    operation, msg: payload, id: '',
  }, opts);
}

export interface ProviderSpec {
  name: string;
  contractId: string;
  /** Service key (V...); a process takes its id from HostData, so it may be left out there. */
  id?: string;
  linkName?: string;
  linkValueKeys?: readonly string[];
  operations: Record<string, (req: ProviderRequest) => unknown>;
  start?(host: ProviderHost): void | Promise<void>;
  putLink?(link: LinkDefinition, host: ProviderHost): void | Promise<void>;
  deleteLink?(link: LinkDefinition, host: ProviderHost): void | Promise<void>;
  health?(): ProviderHealth | Promise<ProviderHealth>;
  shutdown?(): void | Promise<void>;
}

export function defineProvider(spec: ProviderSpec): CapabilityProvider {
  let host: ProviderHost | undefined;
  const links = new Map<string, LinkDefinition>();
  const need = (): ProviderHost => {
    if (!host) throw new StratusError('INTERNAL', `provider ${spec.name} is not started`);
    return host;
  };
  return {
    id: spec.id ?? '',
    contractId: spec.contractId,
    name: spec.name,
    linkName: spec.linkName ?? 'default',
    ...(spec.linkValueKeys ? { linkValueKeys: spec.linkValueKeys } : {}),
    async start(h) {
      host = h;
      await spec.start?.(h);
    },
    async putLink(link) {
      await spec.putLink?.(link, need());
      links.set(link.actor_id, link);
    },
    async deleteLink(link) {
      links.delete(link.actor_id);
      await spec.deleteLink?.(link, need());
    },
    async handle(inv: Invocation) {
      const fn = spec.operations[inv.operation];
      if (!fn) {
        throw new StratusError('BAD_REQUEST', `provider ${spec.name} has no operation ${inv.operation}; it serves ${Object.keys(spec.operations).join(', ')}`);
      }
      const link = links.get(inv.origin.public_key);
      if (!link) throw new StratusError('MISSING_LINK', `unlinked actor: '${inv.origin.public_key}'`);
      const h = need();
      // as this provider (the invocation's target), over the caller's link
      const sendTo = (actorId = inv.origin.public_key) => actorSender(h, { ...link, provider_id: inv.target.public_key }, actorId);
      const out = await fn({
        actor: inv.origin.public_key, link, operation: inv.operation, payload: inv.msg,
        decode: <T>() => decode<T>(inv.msg, inv.operation),
        callActor: (actorId, operation, payload, opts) => sendTo(actorId)(operation, payload instanceof Uint8Array ? payload : encode(payload), opts),
        sendTo,
      });
      return out instanceof Uint8Array ? out : encode(out ?? null);
    },
    async health() {
      return spec.health ? spec.health() : { healthy: true };
    },
    async shutdown() {
      await spec.shutdown?.();
    },
  };
}
