// echo: echoes the request back as JSON, like wasmCloud's echo actor:
// {"method":"GET","path":"/x","query_string":"a=1","body":[104,105]}
import { HttpServerReceiver, HttpRequest, HttpResponse, JsonWriter, Result, ok, httpResponse, addHeader } from "@stratus/actor-as";
export { __guest_call, __wasmbus_rpc_version } from "@stratus/actor-as";

function handleRequest(req: HttpRequest): Result<HttpResponse> {
  const j = new JsonWriter();
  j.beginObject();
  j.key("method").string(req.method);
  j.key("path").string(req.path);
  j.key("query_string").string(req.queryString);
  j.key("body").beginArray();
  for (let i = 0; i < req.body.length; i++) j.uint(req.body[i]);
  j.endArray();
  j.endObject();
  const res = httpResponse(200, j.toBytes());
  addHeader(res, "content-type", "application/json");
  return ok(res);
}

HttpServerReceiver.handleRequest(handleRequest);
