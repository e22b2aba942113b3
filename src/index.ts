// The `stratus` package's entry point (`import { Host } from 'stratus'`): what an app needs to
// embed a host, start actors from bytes or registries, give them providers and call them. Only
// what is exported here is public (package.json `exports` refuses deep imports); everything else
// may change without notice. Usage: docs/library.md.

// The host and its public surface.
export { Host } from './host/host.js';
export type {
  HostApi, HostOptions, StartActorOptions, ActorDescription, ProviderDescription, LinkView, LinkPutResult, HostInventory,
} from './host/api.js';
export type { HostEventMap, HostEventType, LinkStatus, LinkState, TelemetrySink, Outcome } from './host/events.js';
export type { Invocation, InvokeOptions, LinkDefinition, WasmCloudEntity } from './core/wire.js';

// Capability providers: the built-in ones, and the contract for writing one.
export { createProvider, BUILTIN_PROVIDERS, type BuiltinProviderInfo, type CreateProviderOptions } from './providers/registry.js';
export type { CapabilityProvider, ProviderHost, ProviderHealth } from './host/provider-contract.js';

// Claims: signing (as `wash claims sign`), keys, verification.
export { signActor, signActorModule, type SignActorOptions, type SignedActor } from './claims/sign.js';
export { verifyActorModule, readActorClaims, type EmbeddedClaims } from './claims/verify.js';
export { createKeyPair, fromSeed, type KeyPair, type KeyKind } from './claims/nkeys.js';
export type { ActorClaims, VerifiedActor, VerifyOptions } from './claims/types.js';
export { CAPS } from './core/contracts.js';

// Payloads: JSON <-> MessagePack as `stratus call` converts them.
export { jsonToMsgpack, msgpackToJson } from './codec/json-bridge.js';

// OCI registries, as `stratus push` / `stratus pull`.
export { pullArtifact, type PullOptions, type PulledArtifact } from './oci/pull.js';
export { pushArtifact, type PushOptions, type PushedArtifact } from './oci/push.js';
export { resolveActorRef, resolveProviderRef, type ResolveOptions } from './oci/resolve.js';
export type { TransferProgress } from './oci/registry-client.js';

// Errors: every failure is a StratusError with a stable code.
export { StratusError, isStratusError, type StratusErrorCode } from './core/errors.js';
