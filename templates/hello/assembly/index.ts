// {{name}}: answers every HTTP request with a greeting.
import { HttpServerReceiver, HttpRequest, HttpResponse, Result, ok, httpText } from "@stratus/actor-as";
export { __guest_call, __wasmbus_rpc_version } from "@stratus/actor-as";

function handleRequest(req: HttpRequest): Result<HttpResponse> {
  return ok(httpText(200, "Hello from {{name}}"));
}

HttpServerReceiver.handleRequest(handleRequest);
