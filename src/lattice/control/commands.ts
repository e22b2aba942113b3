// The request bodies of the control interface, field by field. Field names are those wasmCloud's
// control-interface client sends (CTL v0.25 `src/types.rs`, wash 0.1x) and OTP HEAD reads
// (`control_interface/host_server.ex`, `lattice_server.ex`); every client version's fields are
// accepted, nothing else. Pure.
import { Refusal } from './acks.js';
import { field, parseBody, readJson } from './request-body.js';

const U16 = 65535;
const hostId = field.string(false, false);
const annotations = field.stringMap(false);

export interface LaunchActor { actorRef: string; count: number; hostId?: string; annotations: Record<string, string> }
export interface StopActor { actorId: string; count: number; hostId?: string; annotations: Record<string, string> }
export interface ScaleActor { actorId: string; actorRef: string; count: number; hostId?: string; annotations: Record<string, string> }
export interface UpdateActor { actorId?: string; newActorRef: string; hostId?: string; annotations: Record<string, string> }
export interface LaunchProvider { providerRef: string; linkName: string; hostId?: string; configuration?: string; annotations: Record<string, string> }
export interface StopProvider { providerId: string; linkName: string; contractId?: string; hostId?: string; annotations: Record<string, string> }
export interface StopHost { hostId?: string; timeoutMs?: number }
export interface ActorAuction { actorRef: string; constraints: Record<string, string> }
export interface ProviderAuction { providerRef: string; linkName: string; constraints: Record<string, string> }
export interface LinkPut { actorId: string; providerId: string; contractId: string; linkName: string; values: Record<string, string> }
export interface LinkDel { actorId: string; contractId: string; linkName: string }
export interface RegistryCredential { registryType: 'oci' | 'bindle'; username?: string; password?: string; token?: string }

/** `cmd.{host}.la` — StartActorCommand. */
export function parseLaunchActor(body: Uint8Array): LaunchActor {
  const b = parseBody('launch actor request', body, {
    actor_ref: field.string(true), count: field.int(false, 1, U16), host_id: hostId, annotations,
  }, '{"actor_ref":"file:///path/actor_s.wasm","count":1}');
  return { actorRef: b.actor_ref, count: b.count ?? 1, hostId: b.host_id, annotations: b.annotations ?? {} };
}

/** `cmd.{host}.sa` — StopActorCommand; `count` 0 (or absent, as newer clients send) stops every instance. */
export function parseStopActor(body: Uint8Array): StopActor {
  const b = parseBody('stop actor request', body, {
    actor_ref: field.key(true, 'M', "the actor's public key"), count: field.int(false, 0, U16), host_id: hostId, annotations,
  }, '{"actor_ref":"M...","count":0}');
  return { actorId: b.actor_ref, count: b.count ?? 0, hostId: b.host_id, annotations: b.annotations ?? {} };
}

/** `cmd.{host}.scale` — ScaleActorCommand; `count` 0 stops the actor. */
export function parseScaleActor(body: Uint8Array): ScaleActor {
  const b = parseBody('scale actor request', body, {
    actor_id: field.key(true, 'M', "the actor's public key"), actor_ref: field.string(false, false), count: field.int(true, 0, U16),
    host_id: hostId, annotations,
  }, '{"actor_id":"M...","actor_ref":"file:///path/actor_s.wasm","count":2}');
  return { actorId: b.actor_id, actorRef: b.actor_ref ?? '', count: b.count, hostId: b.host_id, annotations: b.annotations ?? {} };
}

/** `cmd.{host}.upd` — UpdateActorCommand. */
export function parseUpdateActor(body: Uint8Array): UpdateActor {
  const b = parseBody('update actor request', body, {
    actor_id: field.key(false, 'M', "the actor's public key"), new_actor_ref: field.string(true), host_id: hostId, annotations,
  }, '{"actor_id":"M...","new_actor_ref":"file:///path/actor_v2_s.wasm"}');
  return { actorId: b.actor_id, newActorRef: b.new_actor_ref, hostId: b.host_id, annotations: b.annotations ?? {} };
}

/** `cmd.{host}.lp` — StartProviderCommand. */
export function parseLaunchProvider(body: Uint8Array): LaunchProvider {
  const b = parseBody('launch provider request', body, {
    provider_ref: field.string(true), link_name: field.string(false), host_id: hostId, configuration: field.string(false, false), annotations,
  }, '{"provider_ref":"httpserver","link_name":"default"}');
  return { providerRef: b.provider_ref, linkName: b.link_name ?? 'default', hostId: b.host_id, configuration: b.configuration, annotations: b.annotations ?? {} };
}

/** `cmd.{host}.sp` — StopProviderCommand; OTP accepts only the 56-character provider key as the reference. */
export function parseStopProvider(body: Uint8Array): StopProvider {
  const b = parseBody('stop provider request', body, {
    provider_ref: field.key(true, 'V', "the provider's public key"), link_name: field.string(false), contract_id: field.string(false, false),
    host_id: hostId, annotations,
  }, '{"provider_ref":"V...","link_name":"default","contract_id":"wasmcloud:httpserver"}');
  return { providerId: b.provider_ref, linkName: b.link_name ?? 'default', contractId: b.contract_id, hostId: b.host_id, annotations: b.annotations ?? {} };
}

/** `cmd.{host}.stop` — StopHostCommand (`timeout` in ms). */
export function parseStopHost(body: Uint8Array): StopHost {
  // wash 0.1x sends `{"host_id":…,"timeout":…}`; an empty body is a stop with defaults
  if (body.length === 0) return {};
  const b = parseBody('stop host request', body, { host_id: hostId, timeout: field.int(false, 0, 3_600_000) }, '{"host_id":"N...","timeout":2000}');
  return { hostId: b.host_id, timeoutMs: b.timeout };
}

/** `auction.actor` — ActorAuctionRequest. */
export function parseActorAuction(body: Uint8Array): ActorAuction {
  const b = parseBody('actor auction request', body, { actor_ref: field.string(true), constraints: field.stringMap(false) },
    '{"actor_ref":"file:///path/actor_s.wasm","constraints":{"zone":"east"}}');
  return { actorRef: b.actor_ref, constraints: b.constraints ?? {} };
}

/** `auction.provider` — ProviderAuctionRequest (`link_name` defaults to "default", as OTP reads it). */
export function parseProviderAuction(body: Uint8Array): ProviderAuction {
  const b = parseBody('provider auction request', body, { provider_ref: field.string(true), link_name: field.string(false), constraints: field.stringMap(false) },
    '{"provider_ref":"httpserver","link_name":"default","constraints":{}}');
  return { providerRef: b.provider_ref, linkName: b.link_name ?? 'default', constraints: b.constraints ?? {} };
}

/**
 * `linkdefs.put` — a LinkDefinition as wasmbus-rpc serializes it (`id` is sent empty by wash and
 * recomputed from actor, contract and link name, reference §4.7).
 */
export function parseLinkPut(body: Uint8Array): LinkPut {
  const b = parseBody('link definition put request', body, {
    actor_id: field.key(true, 'M', "the actor's public key"), provider_id: field.key(true, 'V', "the provider's public key"),
    contract_id: field.string(true), link_name: field.string(false), values: field.stringMap(false), id: field.string(false, false),
  }, '{"actor_id":"M...","provider_id":"V...","contract_id":"wasmcloud:keyvalue","link_name":"default","values":{}}');
  return { actorId: b.actor_id, providerId: b.provider_id, contractId: b.contract_id, linkName: b.link_name ?? 'default', values: b.values ?? {} };
}

/** `linkdefs.del` — wash serializes a whole LinkDefinition with only the three key fields filled. */
export function parseLinkDel(body: Uint8Array): LinkDel {
  const b = parseBody('link definition delete request', body, {
    actor_id: field.key(true, 'M', "the actor's public key"), contract_id: field.string(true), link_name: field.string(false),
    provider_id: field.string(false, false), values: field.stringMap(false), id: field.string(false, false),
  }, '{"actor_id":"M...","contract_id":"wasmcloud:keyvalue","link_name":"default"}');
  return { actorId: b.actor_id, contractId: b.contract_id, linkName: b.link_name ?? 'default' };
}

/** `registries.put` — RegistryCredentialMap: server -> {registryType, username?, password?, token?}. */
export function parseRegistries(body: Uint8Array): Record<string, RegistryCredential> {
  const what = 'registry credentials';
  const value = readJson(what, body);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Refusal(`invalid ${what}: expected a JSON object like {"registry.example.com":{"registryType":"oci","username":"u","password":"p"}}`);
  }
  const out: Record<string, RegistryCredential> = {};
  for (const [server, cred] of Object.entries(value)) {
    const b = parseBody(`${what} for "${server.slice(0, 60)}"`, new TextEncoder().encode(JSON.stringify(cred) ?? ''), {
      registryType: field.string(false), username: field.string(false, false), password: field.string(false, false), token: field.string(false, false),
    }, '{"registryType":"oci","username":"u","password":"p"}');
    const type = b.registryType ?? 'oci';
    if (type !== 'oci' && type !== 'bindle') throw new Refusal(`invalid ${what} for "${server.slice(0, 60)}": registryType must be "oci" or "bindle", got "${type.slice(0, 60)}"`);
    Object.defineProperty(out, server, { value: { registryType: type, username: b.username, password: b.password, token: b.token }, enumerable: true });
  }
  return out;
}
