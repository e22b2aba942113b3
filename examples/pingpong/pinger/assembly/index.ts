// pinger: on each HTTP request, calls the ponger actor by call alias and answers "Ping " + reply.
import { HttpServerReceiver, HttpRequest, HttpResponse, Result, ok, httpText } from "@stratus/actor-as";
import { PingpongSender } from "../../shared/pingpong";
export { __guest_call, __wasmbus_rpc_version } from "@stratus/actor-as";

const PONGER = "stratus/ponger";

function handleRequest(req: HttpRequest): Result<HttpResponse> {
  const reply = PingpongSender.toActor(PONGER).ping();
  if (!reply.ok) return ok(httpText(500, reply.message));
  return ok(httpText(200, "Ping " + reply.value));
}

HttpServerReceiver.handleRequest(handleRequest);
