// One HTTP listener for one link: turns each request into HttpServer.HandleRequest on the linked
// actor and the actor's HttpResponse back into HTTP (reference §2.3, §5.3).
// The request path is the hot path: no per-request work beyond parsing headers, one msgpack encode,
// one decode, and one writeHead/end.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ProviderHost, WasmCloudEntity } from '../../host/types.js';
import { isStratusError } from '../../host/errors.js';
import { decodeHttpResponse } from './codec.js';
import { encodeRawHttpRequest } from './request-encoder.js';
import type { HttpServerSettings } from './settings.js';
import { EndOfTurnReplies, type ReplyWriter } from './reply-batch.js';
import { AwaitingReplies } from './awaiting-replies.js';

const OPERATION = 'HttpServer.HandleRequest';
const EMPTY = Buffer.alloc(0);
/** Bodies up to this size are sent in the same write as the head. */
const SMALL_BODY = 16 * 1024;
// Header values that are not visible ASCII are dropped, as wasmCloud's httpserver does.
const NON_ASCII = /[^\t\x20-\x7e]/;

export interface ListenerTarget {
  actorId: string;
  origin: WasmCloudEntity;
  host: ProviderHost;
  settings: HttpServerSettings;
}

/**
 * Group raw header lines by lowercased name, keeping first-seen order. Returns parallel arrays
 * (names, values) for the encoder; values that are not visible ASCII are dropped.
 */
export interface GroupedHeaders { names: string[]; values: string[][] }

export function groupHeaders(raw: string[]): GroupedHeaders {
  const names: string[] = [];
  const values: string[][] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const value = raw[i + 1]!;
    if (NON_ASCII.test(value)) continue;
    const name = raw[i]!.toLowerCase();
    const at = names.indexOf(name); // few headers per request: a scan beats building a Map
    if (at < 0) { names.push(name); values.push([value]); } else values[at]!.push(value);
  }
  return { names, values };
}

/** Replies ready at once, shared by every listener of the process (see reply-batch.ts). */
const readyReplies = new EndOfTurnReplies<ServerResponse>((e, res) => {
  try {
    sendText(res, 500, `the reply could not be written: ${(e as Error)?.message ?? String(e)}`);
  } catch {
    res.destroy();
  }
});

function sendText(res: ServerResponse, status: number, text: string, close = false): void {
  if (res.headersSent) { res.destroy(); return; }
  const body = Buffer.from(text + '\n', 'utf8');
  const headers = ['content-type', 'text/plain; charset=utf-8', 'content-length', String(body.length)];
  if (close) headers.push('connection', 'close');
  res.writeHead(status, headers);
  res.end(body);
}

/**
 * Status for a failed actor call: a timeout or an actor that is not running (stopped, not started
 * yet) is "unavailable" and may pass; anything else is a server error.
 */
export function statusForActorError(e: unknown): number {
  return isStratusError(e, 'TIMEOUT') || isStratusError(e, 'ACTOR_NOT_RUNNING') || isStratusError(e, 'UNKNOWN_TARGET') ? 503 : 500;
}

export class HttpListener implements ReplyWriter<ServerResponse> {
  readonly server: Server;
  private target: ListenerTarget;
  /** Requests waiting on the actor; one sweeper answers overdue ones (cheaper than a timer each). */
  private readonly pending = new AwaitingReplies<ServerResponse>();
  private sweeper?: NodeJS.Timeout;

  constructor(target: ListenerTarget) {
    this.target = target;
    this.server = createServer({ keepAlive: true }, (req, res) => this.onRequest(req, res));
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.onClientError(err, socket));
  }

  get settings(): HttpServerSettings {
    return this.target.settings;
  }

  /** Resolves once bound; rejects with the OS error (EADDRINUSE, EACCES, ...). */
  listen(): Promise<void> {
    const { host, port } = this.target.settings;
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => { this.server.off('listening', onListening); reject(e); };
      const onListening = () => {
        this.server.off('error', onError);
        const every = Math.max(10, Math.min(250, Math.floor(this.target.settings.timeoutMs / 10)));
        this.sweeper = setInterval(() => this.sweep(), every);
        this.sweeper.unref();
        resolve();
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen({ host, port });
    });
  }

  /** The port actually bound (differs from settings when port 0 was asked for). */
  boundPort(): number | undefined {
    const a = this.server.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  /** Stop accepting, drop keep-alive and in-flight connections, so the port is free when this resolves. */
  close(): Promise<void> {
    clearInterval(this.sweeper);
    this.pending.clear();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
    if (err.code === 'ECONNRESET' || !socket.writable) { socket.destroy(); return; }
    const [status, reason] = err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : [400, 'Bad Request'];
    const body = `malformed HTTP request: ${err.code ?? err.message}\n`;
    socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const max = this.target.settings.maxContentLen;
    // One pass over the raw header lines (req.headers would build a second object per request).
    const h = groupHeaders(req.rawHeaders);
    const clAt = h.names.indexOf('content-length');
    if (clAt < 0 && h.names.indexOf('transfer-encoding') < 0) {
      // No body by HTTP/1.1 framing: dispatch at once; Node drains the (empty) stream itself.
      this.dispatch(req, res, h, EMPTY);
      return;
    }
    if (clAt >= 0 && Number(h.values[clAt]![0]) > max) {
      this.tooLarge(req, res, max);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let rejected = false;
    req.on('data', (chunk: Buffer) => {
      if (rejected) return;
      size += chunk.length;
      if (size > max) { rejected = true; this.tooLarge(req, res, max); return; }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (rejected) return;
      this.dispatch(req, res, h, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', () => { rejected = true; });
  }

  private tooLarge(req: IncomingMessage, res: ServerResponse, max: number): void {
    // Close the connection: the rest of the body would otherwise be parsed as the next request.
    sendText(res, 413, `request body exceeds max_content_len of ${max} bytes; raise the link value max_content_len to accept larger bodies`, true);
    req.resume();
  }

  private dispatch(req: IncomingMessage, res: ServerResponse, h: GroupedHeaders, body: Uint8Array): void {
    const t = this.target;
    let url = req.url ?? '/';
    if (url.charCodeAt(0) !== 47 /* '/' */ && url !== '*') {
      // absolute-form (proxy style): keep only the path and query
      const i = url.indexOf('/', url.indexOf('//') + 2);
      url = i < 0 ? '/' : url.slice(i);
    }
    const q = url.indexOf('?');
    const payload = encodeRawHttpRequest({
      method: req.method ?? 'GET',
      path: q < 0 ? url : url.slice(0, q),
      queryString: q < 0 ? '' : url.slice(q + 1),
      headerNames: h.names,
      headerValues: h.values,
      body,
    });
    const timeoutMs = t.settings.timeoutMs;
    const now = t.host.callActorNow
      ? t.host.callActorNow(t.actorId, t.origin, OPERATION, payload, { timeoutMs })
      : t.host.callActor(t.actorId, t.origin, OPERATION, payload, { timeoutMs });
    if (now instanceof Uint8Array) {
      readyReplies.submit(this, res, now); // answered at once: written now or with the turn's other replies
      return;
    }
    // The host enforces timeoutMs too; the sweeper guarantees the client an answer regardless.
    const p = this.pending.add(res, Date.now() + timeoutMs);
    now.then(
      (reply) => {
        if (this.pending.settle(p)) this.writeReply(res, reply);
      },
      (e: unknown) => {
        if (!this.pending.settle(p)) return;
        const status = statusForActorError(e);
        const what = status === 503 && isStratusError(e, 'TIMEOUT') ? 'timed out handling the request' : 'failed to handle the request';
        sendText(res, status, `actor ${t.actorId} ${what}: ${(e as Error)?.message ?? String(e)}`);
      },
    );
  }

  private sweep(): void {
    if (this.pending.size === 0) return;
    this.pending.expire(Date.now(), (res) => {
      sendText(res, 503, `actor ${this.target.actorId} did not answer within ${this.target.settings.timeoutMs} ms; raise the link value timeout_ms if it needs longer`);
    });
  }

  /** Turns the actor's HttpResponse into the HTTP answer. */
  writeReply(res: ServerResponse, reply: Uint8Array): void {
    let r;
    try {
      r = decodeHttpResponse(reply);
    } catch (e) {
      sendText(res, 500, `actor ${this.target.actorId} returned an invalid HttpResponse: ${(e as Error).message}`);
      return;
    }
    const lines = r.headerLines;
    // The body length is ours to state: drop what the actor said about framing.
    for (let i = lines.length - 2; i >= 0; i -= 2) {
      const n = lines[i]!.toLowerCase();
      if (n === 'content-length' || n === 'transfer-encoding') lines.splice(i, 2);
    }
    if (r.statusCode !== 204 && r.statusCode !== 304) lines.push('content-length', String(r.body.length));
    try {
      res.writeHead(r.statusCode, lines);
    } catch (e) {
      sendText(res, 500, `actor ${this.target.actorId} returned a header Node cannot send: ${(e as Error).message}`);
      return;
    }
    // A small body goes out as a latin1 string (one byte per char, lossless): Node then sends head
    // and body in one write() instead of a writev of two buffers, which costs far more per request.
    const body = r.body;
    if (body.length <= SMALL_BODY) res.end(Buffer.from(body.buffer, body.byteOffset, body.length).toString('latin1'), 'latin1');
    else res.end(body);
  }
}
