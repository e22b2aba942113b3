// Test actor for the messaging provider. A message with a reply subject is answered by publishing
// "echo: <body>" to it; a message on ask.* makes a Messaging.Request to svc.answer (timeout 1 s)
// and publishes "got: <reply>" (or "error: <text>") to the reply subject; a message without a reply
// subject is published on to echo.noreply, N times if it came on burst.N (bench/providers (b): one
// invocation publishing in a loop).
import { MessageSubscriberReceiver, MessagingSender, PubMessage, RequestMessage, SubMessage, Result, ok, Unit, UNIT } from "@stratus/actor-as";
export { __guest_call, __wasmbus_rpc_version } from "@stratus/actor-as";

function prefixed(prefix: string, body: Uint8Array): Uint8Array {
  const p = Uint8Array.wrap(String.UTF8.encode(prefix));
  const out = new Uint8Array(p.length + body.length);
  out.set(p, 0);
  out.set(body, p.length);
  return out;
}

function publish(subject: string, body: Uint8Array): Result<Unit> {
  const m = new PubMessage();
  m.subject = subject;
  m.body = body;
  return new MessagingSender().publish(m);
}

function handleMessage(msg: SubMessage): Result<Unit> {
  const replyTo = msg.replyTo;
  if (replyTo === null) {
    if (!msg.subject.startsWith("burst.")) return publish("echo.noreply", msg.body);
    const n = I32.parseInt(msg.subject.substring(6));
    for (let i = 0; i < n; i++) {
      const r = publish("echo.noreply", msg.body);
      if (!r.ok) return r;
    }
    return ok<Unit>(UNIT);
  }
  if (msg.subject.startsWith("ask.")) {
    const req = new RequestMessage();
    req.subject = "svc.answer";
    req.body = msg.body;
    req.timeoutMs = 1000;
    const r = new MessagingSender().request(req);
    if (!r.ok) return publish(replyTo, prefixed("error: " + r.message, new Uint8Array(0)));
    return publish(replyTo, prefixed("got: ", r.value.body));
  }
  return publish(replyTo, prefixed("echo: ", msg.body));
}

MessageSubscriberReceiver.handleMessage(handleMessage);
