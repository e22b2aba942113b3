// wasmcloud:httpserver — an HTTP server provider delivers requests to actors (reference §2.3).
namespace org.wasmcloud.interface.httpserver

use org.wasmcloud.model#wasmbus
use org.wasmcloud.model#U16

/// Actors linked to an HTTP server receive each request through this service.
@wasmbus(
    contractId: "wasmcloud:httpserver",
    actorReceive: true )
service HttpServer {
  version: "0.1",
  operations: [ HandleRequest ]
}

/// Handles one HTTP request and answers it.
operation HandleRequest {
  input: HttpRequest,
  output: HttpResponse,
}

/// Values of one header (a header may repeat).
list HeaderValues {
  member: String
}

/// Header names (lower case) to their values.
map HeaderMap {
  key: String,
  value: HeaderValues,
}

/// An incoming HTTP request.
structure HttpRequest {
  /// Upper-case method, e.g. GET.
  @required
  method: String,

  /// Path without the query string.
  @required
  path: String,

  /// Query string without the leading "?" ("" when absent).
  @required
  queryString: String,

  @required
  header: HeaderMap,

  @required
  body: Blob,
}

/// The actor's answer.
structure HttpResponse {
  /// HTTP status, e.g. 200.
  @required
  statusCode: U16,

  // an actor may leave out the headers or the body (Rust's serde default): none, empty
  @required
  @default({})
  header: HeaderMap,

  @required
  @default("")
  body: Blob,
}
