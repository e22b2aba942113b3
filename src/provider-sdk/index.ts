// The provider SDK: write a capability provider in TypeScript and run it as its own process on a
// wasmCloud-compatible lattice (reference §5). See README.md in this folder.
export { runProvider, type RunProviderOptions } from './main.js';
export { ProviderRuntime, type RuntimeOptions } from './runtime.js';
export { defineProvider, actorSender, type ProviderSpec, type ProviderRequest, type ActorSend } from './define.js';
export { parseHostData, encodeHostData, type HostData } from './host-data.js';
export type { CapabilityProvider, ProviderHost, ProviderHealth } from '../host/provider-contract.js';
export type { Invocation, LinkDefinition } from '../core/wire.js';
export { encode, decode } from '../codec/msgpack.js';
