// The HTTP/1.1 request parser: llhttp, through the binding Node's own http server uses
// (`HTTPParser` of the `_http_common` module), fed straight from the socket's handle in C++
// (`consume`: no 'data' event, no JavaScript per read).
//
// Why not node:http's Server: on this 2-core machine a server answering `{"counter": n}` with
// node:http handled 24-33 k requests/s, the same work on llhttp with `consume` and one
// `socket.write` per answer 64-80 k (wrk -t1 -c32, 3 s windows alternated, 2026-12-07: see
// bench/HISTORY.md; the kvcounter through Stratus then went from 0.8 to 1.6 of bare node:http in
// `node dist/bench/http.js`). node:http spends the difference on IncomingMessage and
// ServerResponse streams, header objects and events per request; the listener needs none of it.
// Why not a parser of our own: llhttp is the parser Node ships and keeps hardened (request
// smuggling, chunked framing, header size limits); we take it, not its JavaScript around it.
//
// This file is the only place that touches the binding and the handle's readStart/readStop, so a
// Node release that moves them breaks here, with a clear error, and nowhere else.
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

/** The callbacks' slots on a parser (HTTPParser.kOn*; stable numbers since Node 12). */
export interface ParserSlots {
  kOnMessageBegin: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
}

/** One llhttp parser (a native object; `free` it when its socket closes). */
export interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  consume(handle: unknown): void;
  /** Parse bytes fed by hand (a socket whose handle cannot be consumed): a byte count or an Error. */
  execute(bytes: Buffer): unknown;
  unconsume(): void;
  finish(): unknown;
  free(): void;
  close(): void;
  [slot: number]: unknown;
}

interface HttpCommon {
  HTTPParser: (new () => NativeParser) & ParserSlots & { REQUEST: number };
  methods: string[];
  _checkIsHttpToken(s: string): boolean;
  _checkInvalidHeaderChar(s: string): boolean;
}

function load(): HttpCommon {
  const c = createRequire(import.meta.url)('_http_common') as Partial<HttpCommon>;
  const P = c.HTTPParser;
  if (typeof P !== 'function' || typeof P.prototype.consume !== 'function' || typeof P.kOnHeadersComplete !== 'number'
    || !Array.isArray(c.methods) || typeof c._checkIsHttpToken !== 'function' || typeof c._checkInvalidHeaderChar !== 'function') {
    throw new Error(`httpserver needs Node's HTTP parser binding (_http_common.HTTPParser with consume), which Node ${process.version} does not offer; use Node 20 or 22`);
  }
  return c as HttpCommon;
}

const common = load();
export const HTTPParser = common.HTTPParser;
/** Method names by llhttp's method number. */
export const METHODS: readonly string[] = common.methods;
/** A valid header name (an HTTP token). */
export const isHttpToken: (s: string) => boolean = common._checkIsHttpToken;
/** True when a header value holds a character HTTP does not allow (CR, LF, NUL, ...). */
export const hasInvalidHeaderChar: (s: string) => boolean = common._checkInvalidHeaderChar;

interface StreamHandle {
  isStreamBase?: boolean;
  _consumed?: boolean;
  readStart?(): number;
  readStop?(): number;
}

/** Hands the socket's reads to the parser. False when the socket cannot be consumed (then the caller feeds it). */
export function consumeSocket(parser: NativeParser, socket: Socket): boolean {
  const handle = (socket as unknown as { _handle?: StreamHandle })._handle;
  if (!handle?.isStreamBase || handle._consumed) return false;
  handle._consumed = true;
  parser.consume(handle);
  return true;
}

/** Stops or resumes reading from the socket (backpressure); with a consumed handle, Socket.pause() would not. */
export function setReading(socket: Socket, on: boolean): void {
  const handle = (socket as unknown as { _handle?: StreamHandle })._handle;
  if (!handle) return;
  if (on) handle.readStart?.();
  else handle.readStop?.();
}
