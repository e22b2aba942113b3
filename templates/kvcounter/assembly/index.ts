// {{name}}: counts hits per request path in a key-value store (wasmcloud:keyvalue).
import {
  HttpServerReceiver, HttpRequest, HttpResponse, KeyValueSender, IncrementRequest,
  JsonWriter, Result, ok, httpResponse, httpText,
} from "@stratus/actor-as";
export { __guest_call, __wasmbus_rpc_version } from "@stratus/actor-as";

function handleRequest(req: HttpRequest): Result<HttpResponse> {
  // Same key as the seed: strings.Replace(req.Path, "/", "_", -1)
  const inc = new IncrementRequest();
  inc.key = req.path.replaceAll("/", "_");
  inc.value = 1;
  const count = new KeyValueSender().increment(inc);
  if (!count.ok) return ok(httpText(500, count.message));

  // {"counter": N} — with the space, exactly as the seed's curl output shows
  const body = new JsonWriter(": ").beginObject().key("counter").int(count.value).endObject();
  return ok(httpResponse(200, body.toBytes()));
}

HttpServerReceiver.handleRequest(handleRequest);
