// acme:greeter — the test interface of the typed provider path (test/provider-sdk): a provider
// service with structured input and output, and an actor service the provider calls back.
namespace org.example.interface.greeter

use org.wasmcloud.model#wasmbus
use org.wasmcloud.model#U8
use org.wasmcloud.model#U32

/// What an actor asks of the greeter provider.
@wasmbus(
    contractId: "acme:greeter",
    providerReceive: true )
service Greeter {
  version: "0.1",
  operations: [ Greet, Relay ]
}

/// What the provider calls on actors.
@wasmbus(
    contractId: "acme:greeter",
    actorReceive: true )
service Echoer {
  version: "0.1",
  operations: [ Echo ]
}

/// Greets `name`, `times` times.
operation Greet {
  input: GreetRequest,
  output: GreetReply,
}

structure GreetRequest {
  @required
  name: String,
  @required
  times: U8,
}

structure GreetReply {
  @required
  text: String,
  /// How many greetings this provider has made for the calling actor.
  @required
  count: U32,
}

/// Calls Echoer.Echo on actor `actorId` with `text` and answers with what it said.
operation Relay {
  input: RelayRequest,
  output: String,
}

structure RelayRequest {
  @required
  actorId: String,
  @required
  text: String,
}

/// Answers with its input.
operation Echo {
  input: String,
  output: String,
}
