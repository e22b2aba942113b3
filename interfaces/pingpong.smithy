// A user-defined actor-to-actor interface: ponger answers Ping, pinger calls it by call alias
// (reference §2.10). It shows how to define your own interface and generate both ends.
namespace org.example.interface.pingpong

use org.wasmcloud.model#wasmbus

/// Implemented by the ponger actor.
@wasmbus(
    contractId: "stratus:pingpong",
    actorReceive: true )
service Pingpong {
  version: "0.1",
  operations: [ Ping ]
}

/// Answers with a word (ponger says "pong"). No input: the payload is empty.
operation Ping {
  output: String,
}
