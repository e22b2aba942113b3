// wasmcloud:messaging — publish/request through a message broker, and receive subscribed
// messages (reference §2.8).
namespace org.wasmcloud.interface.messaging

use org.wasmcloud.model#wasmbus
use org.wasmcloud.model#U32

/// What an actor asks of the messaging provider.
@wasmbus(
    contractId: "wasmcloud:messaging",
    providerReceive: true )
service Messaging {
  version: "0.1",
  operations: [ Publish, Request ]
}

/// Delivered by the provider to actors for messages on their subscriptions.
@wasmbus(
    contractId: "wasmcloud:messaging",
    actorReceive: true )
service MessageSubscriber {
  version: "0.1",
  operations: [ HandleMessage ]
}

/// Publishes a message (no answer expected).
operation Publish {
  input: PubMessage,
}

/// Sends a request and waits for one reply.
operation Request {
  input: RequestMessage,
  output: ReplyMessage,
}

/// A message arriving on a subscription.
operation HandleMessage {
  input: SubMessage,
}

structure PubMessage {
  @required
  subject: String,
  /// Where replies should go, if anywhere.
  replyTo: String,
  @required
  body: Blob,
}

structure ReplyMessage {
  @required
  subject: String,
  replyTo: String,
  @required
  body: Blob,
}

structure RequestMessage {
  @required
  subject: String,
  @required
  body: Blob,
  /// How long to wait for the reply.
  @required
  timeoutMs: U32,
}

structure SubMessage {
  @required
  subject: String,
  replyTo: String,
  @required
  body: Blob,
}
