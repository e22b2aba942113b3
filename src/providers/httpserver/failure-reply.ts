// What an HTTP client is told when the host, not the actor, makes the answer (fault 13). The full
// explanation names actor keys, link values and CLI commands: useful to the operator, none of the
// client's business (wasmCloud answers such failures with an empty body). The client gets a short
// text with a reference, e.g. `500 Internal Server Error (ref 7f3a9c2e)`, and the host log gets the
// full text under the same reference. A development setting (link value debug_errors=true, or
// STRATUS_DEV_ERRORS=1 for links that do not set it) adds the full text to the body.
import { STATUS_CODES } from 'node:http';

/** 8 hex digits tying a body to its log line. Not a secret: Math.random is enough. */
export function newRef(): string {
  return ((Math.random() * 0x1_0000_0000) >>> 0).toString(16).padStart(8, '0');
}

/** `500 Internal Server Error (ref 7f3a9c2e)`, followed by `detail` on the next line when given. */
export function failureBody(status: number, ref: string, detail?: string): string {
  const short = `${status} ${STATUS_CODES[status] ?? 'Error'} (ref ${ref})\n`;
  return detail === undefined ? short : `${short}${detail}\n`;
}

/**
 * Log level for a failure: the host's own 500s are errors; 503 (the actor is unavailable or slow)
 * is a warning; a 413 may mean the limit is too low (info); malformed or slow clients (400, 408,
 * 431) are the client's business and can come in floods, so they are debug lines.
 */
export function failureLogLevel(status: number): 'debug' | 'info' | 'warn' | 'error' {
  if (status >= 500) return status === 503 ? 'warn' : 'error';
  return status === 413 ? 'info' : 'debug';
}
