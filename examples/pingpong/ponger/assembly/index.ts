// ponger: answers Pingpong.Ping with "pong". Other actors reach it by its call alias
// "stratus/ponger" (stratus.json), without knowing its public key.
import { Result, ok } from "@stratus/actor-as";
import { PingpongReceiver } from "../../shared/pingpong";
export { __guest_call, __wasmbus_rpc_version } from "@stratus/actor-as";

PingpongReceiver.ping((): Result<string> => ok<string>("pong"));
