// @stratus/actor-as: write wasmCloud-compatible actors in AssemblyScript.
// An actor module re-exports the ABI entry points:
//   export { __guest_call, __wasmbus_rpc_version } from "@stratus/actor-as";
export * from "./sdk";
export * from "./http";
export * from "./interfaces/httpserver";
export * from "./interfaces/keyvalue";
export * from "./interfaces/logging";
export * from "./interfaces/numbergen";
export * from "./interfaces/messaging";
