// A policy service as an actor behind wasmcloud:messaging, like wasmCloud's example policy actor:
// link it with SUBSCRIPTION=<the host's WASMCLOUD_POLICY_TOPIC>. Each policy request (JSON, see
// reference §4.10) is answered on its reply subject with {"permitted", "message", "requestId"}.
// The rule: nothing that carries the HTTP client capability may start or be invoked.
import { MessageSubscriberReceiver, MessagingSender, PubMessage, SubMessage, Result, ok, Unit, UNIT } from "@stratus/actor-as";
export { __guest_call, __wasmbus_rpc_version } from "@stratus/actor-as";

/** The string value of `"name":"..."` in a flat JSON text (request ids are UUIDs: no escapes). */
function jsonString(text: string, name: string): string {
  const key = "\"" + name + "\":\"";
  const at = text.indexOf(key);
  if (at < 0) return "";
  const start = at + key.length;
  const end = text.indexOf("\"", start);
  return end < 0 ? "" : text.substring(start, end);
}

function handleMessage(msg: SubMessage): Result<Unit> {
  const replyTo = msg.replyTo;
  if (replyTo === null) return ok<Unit>(UNIT); // a policy request always has a reply subject
  const text = String.UTF8.decode(msg.body.buffer.slice(msg.body.byteOffset, msg.body.byteOffset + msg.body.byteLength));
  const requestId = jsonString(text, "requestId");
  const denied = text.includes("\"wasmcloud:httpclient\"");
  const answer = denied
    ? "{\"permitted\":false,\"message\":\"the HTTP client capability is not allowed on this lattice\",\"requestId\":\"" + requestId + "\"}"
    : "{\"permitted\":true,\"requestId\":\"" + requestId + "\"}";
  const m = new PubMessage();
  m.subject = replyTo;
  m.body = Uint8Array.wrap(String.UTF8.encode(answer));
  return new MessagingSender().publish(m);
}

MessageSubscriberReceiver.handleMessage(handleMessage);
