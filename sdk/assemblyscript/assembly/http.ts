// Convenience constructors for HTTP answers (hand-written; the types are generated).
import { HttpResponse } from "./interfaces/httpserver";

/** A response with the given status and body bytes and no headers. */
export function httpResponse(statusCode: u16, body: Uint8Array): HttpResponse {
  const r = new HttpResponse();
  r.statusCode = statusCode;
  r.body = body;
  return r;
}

/** A response whose body is the UTF-8 text. */
export function httpText(statusCode: u16, text: string): HttpResponse {
  return httpResponse(statusCode, Uint8Array.wrap(String.UTF8.encode(text)));
}

/** Adds a header value (headers may repeat). */
export function addHeader(res: HttpResponse, name: string, value: string): void {
  if (!res.header.has(name)) res.header.set(name, new Array<string>());
  res.header.get(name).push(value);
}
