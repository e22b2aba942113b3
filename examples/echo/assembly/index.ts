// echo: echoes the request back as JSON, like wasmCloud's echo actor:
// {"method":"GET","path":"/x","query_string":"a=1","body":[104,105]}
import { HttpServerReceiver, HttpRequest, HttpResponse, JsonWriter, Result, ok, httpResponse, addHeader } from "@stratus/actor-as";
export { __guest_call, __wasmbus_rpc_version } from "@stratus/actor-as";

function handleRequest(req: HttpRequest): Result<HttpResponse> {
  // Sized for the worst case up front ("255," per byte), so a megabyte body is written once,
  // and handed over as a view: the guest holds the request and its JSON, nothing more.
  const j = new JsonWriter(":", req.body.length * 4 + req.path.length * 6 + req.queryString.length * 6 + 64);
  j.beginObject();
  j.key("method").string(req.method);
  j.key("path").string(req.path);
  j.key("query_string").string(req.queryString);
  j.key("body").byteArray(req.body);
  j.endObject();
  const res = httpResponse(200, j.view());
  addHeader(res, "content-type", "application/json");
  return ok(res);
}

HttpServerReceiver.handleRequest(handleRequest);
