// One HTTP listener for one link: turns each request into HttpServer.HandleRequest on the linked
// actor and the actor's HttpResponse back into HTTP (reference §2.3, §5.3).
// The request path is the hot path: llhttp parses the request (http1/), then one msgpack encode,
// one decode, and one write of the answer. Limits and timeouts are set once per listener.
import type { Server, Socket } from 'node:net';
import type { ProviderHost } from '../../host/provider-contract.js';
import { actorEntity, type Invocation, type WasmCloudEntity } from '../../core/wire.js';
import { isStratusError } from '../../core/errors.js';
import { scopeKey } from '../../core/scope.js';
import { decodeHttpResponse } from './codec.js';
import { isLent, lend, release } from '../../host/lanes/loan.js';
import { encodeRawHttpRequest } from './request-encoder.js';
import { LARGE_REQUEST_BYTES, RequestBuffers } from './request-buffers.js';
import type { HttpServerSettings } from './settings.js';
import { EndOfTurnReplies, type ReplyWriter } from './reply-batch.js';
import { AwaitingReplies } from './awaiting-replies.js';
import { ConnectionGate } from './admission.js';
import { CONNECTION_BUDGET } from './connection-budget.js';
import { failureBody, failureLogLevel, newRef } from './failure-reply.js';
import { OBSERVE_HOOKS, type HttpTracing, type StatusCounter } from '../../observe/hooks.js';
import { traceIdOf } from '../../observe/tracing/propagation.js';
import { Http1Server } from './http1/server.js';
import { responseHead, statusHasNoBody } from './http1/response-head.js';
import type { ClientError, Exchange } from './http1/connection.js';

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

/** Replies ready at once, shared by the listeners of one host (see reply-batch.ts). */
const READY_REPLIES = scopeKey('httpserver.ready-replies', () => new EndOfTurnReplies<Exchange>((e, res, writer) => {
  (writer as HttpListener).replyFailed(res, e);
}));

/**
 * Status for a failed actor call. 503 tells a client it may retry, so it is kept for calls the
 * actor certainly did not run: it was not running (ACTOR_NOT_RUNNING: stopped or never started
 * before the call, or the call was queued and never began; UNKNOWN_TARGET). A call stopped while it
 * ran (INTERRUPTED) may have done its work, so it is a 500 like every other failure: a retry could
 * count an increment twice. TIMEOUT stays 503 as in wasmCloud's httpserver (reference §2.3).
 */
export function statusForActorError(e: unknown): number {
  if (isStratusError(e, 'ACTOR_NOT_RUNNING') || isStratusError(e, 'UNKNOWN_TARGET')) return 503;
  // A timeout while waiting for an instance never started the call; one that ran out of time may
  // have done part of its work, so it is a gateway timeout (outcome unknown), not "retry".
  if (isStratusError(e, 'TIMEOUT')) return e.notStarted ? 503 : 504;
  return 500;
}

/** How often Node checks its header/request deadlines: often enough that they are kept to ~1/4. */
function checkingIntervalFor(s: HttpServerSettings): number {
  return Math.max(10, Math.min(1000, Math.floor(Math.min(s.headersTimeoutMs, s.requestTimeoutMs) / 4)));
}

export class HttpListener implements ReplyWriter<Exchange> {
  /** The listening socket. */
  readonly server: Server;
  private readonly http: Http1Server;
  private target: ListenerTarget;
  /** Requests waiting on the actor; one sweeper answers overdue ones (cheaper than a timer each). */
  private readonly pending = new AwaitingReplies<Exchange>();
  /** Reused buffers for large requests, lent to the host (request-buffers.ts). */
  private readonly largeRequests = new RequestBuffers();
  private sweeper?: NodeJS.Timeout;
  private readonly gate: ConnectionGate;
  private readonly readyReplies: EndOfTurnReplies<Exchange>;
  /** The options of every actor call, made once (settings never change for a listener). */
  private readonly callOpts: { timeoutMs: number; maxResponseBytes: number };
  /** The linked actor as every request's invocation target. */
  private readonly actor: WasmCloudEntity;
  /** Set once drain() started: new requests are refused, replies close their connection. */
  private drained?: Promise<void>;
  /** The port bound (settings may say 0). */
  private port?: number;
  /** Responses by status, and request spans: set when the host is observed (observe/hooks.ts). */
  private readonly statuses?: StatusCounter;
  private readonly tracing?: HttpTracing;

  constructor(target: ListenerTarget) {
    this.target = target;
    const s = target.settings;
    this.callOpts = { timeoutMs: s.timeoutMs, maxResponseBytes: s.maxResponseLen };
    this.actor = actorEntity(target.actorId);
    this.readyReplies = target.host.scope.use(READY_REPLIES);
    const hooks = target.host.scope.use(OBSERVE_HOOKS);
    this.statuses = hooks.httpStatus?.(target.actorId);
    this.tracing = hooks.httpTracing;
    this.http = new Http1Server({
      request: (ex) => this.onRequest(ex),
      clientError: (err, socket) => this.onClientError(err, socket),
    }, {
      headersTimeoutMs: s.headersTimeoutMs,
      requestTimeoutMs: s.requestTimeoutMs,
      keepAliveTimeoutMs: s.keepAliveTimeoutMs,
      checkEveryMs: checkingIntervalFor(s),
    });
    this.server = this.http.net;
    this.gate = new ConnectionGate(this.server, (socket) => this.http.accept(socket), s.maxConnections, target.host.scope.use(CONNECTION_BUDGET), () => `httpserver ${this.where()}`,
      (level, text) => target.host.log(level, text));
  }

  /** host:port as bound, for log lines (kept once bound: the address is gone after close). */
  private where(): string {
    const { host, port } = this.target.settings;
    return `${host.includes(':') ? `[${host}]` : host}:${this.port ?? port}`;
  }

  /** Connections admitted right now. */
  get connections(): number {
    return this.gate.size;
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
        this.port = this.boundPort();
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
      this.http.close(() => resolve());
      this.http.closeAllConnections();
      this.gate.destroyAll();
    });
  }

  /**
   * Finish what is in flight, take nothing new (fault 10): the listening socket closes at once (new
   * connections are refused), idle keep-alive connections and connections that have sent nothing
   * are closed, a request arriving on an open connection gets 503 without reaching the actor, and
   * each in-flight request gets its actor's answer with `connection: close`. Resolves when every
   * connection has closed, or after `withinMs` (a duration) when the rest are closed by force.
   */
  drain(withinMs: number): Promise<void> {
    this.drained ??= new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.pending.clear(); // their sockets are going: late answers are dropped
        this.http.closeAllConnections();
        this.gate.destroyAll();
      }, withinMs);
      this.http.close(() => { clearTimeout(force); resolve(); }); // also closes idle keep-alive connections
      this.gate.closeSilent();
    });
    return this.drained;
  }

  private onClientError(err: ClientError, socket: Socket): void {
    if (err.code === 'ECONNRESET' || !socket.writable) { socket.destroy(); return; }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408
      : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? 413 : 400;
    const detail = status === 408
      ? `client did not send its request within ${this.target.settings.headersTimeoutMs} ms (head) / ${this.target.settings.requestTimeoutMs} ms (whole request); see the link values headers_timeout_ms and request_timeout_ms`
      : `malformed HTTP request: ${err.code ?? err.message}`;
    this.statuses?.count(status);
    // no request to answer (it could not be read): the same head an answer gets, and the close
    const body = this.failureText(status, detail);
    const head = responseHead(status, ['content-type', 'text/plain; charset=utf-8', 'content-length', String(Buffer.byteLength(body))],
      { keepAlive: false, keepAliveSeconds: 0, date: this.http.dates.now() });
    socket.end(head.text + body);
  }

  /** Logs `detail` under a new ref and returns the body the client gets (see failure-reply.ts). */
  private failureText(status: number, detail: string, traceId?: string): string {
    const ref = newRef();
    this.target.host.log(failureLogLevel(status), `httpserver ${this.where()}: ${status} (ref ${ref}): ${detail}`,
      { actor: this.target.actorId, ...(traceId ? { traceId } : {}) });
    return failureBody(status, ref, this.target.settings.debugErrors ? detail : undefined);
  }

  /** Answers a request with a host-made failure (short body, full text in the log). */
  private fail(ex: Exchange, status: number, detail: string, close = false, traceId?: string): void {
    if (ex.headersSent) { ex.destroy(); return; }
    const body = Buffer.from(this.failureText(status, detail, traceId), 'utf8');
    ex.respond(status, ['content-type', 'text/plain; charset=utf-8', 'content-length', String(body.length)], body, close);
    this.statuses?.count(status);
  }

  /** The reply batch could not write a reply (writeReply threw): answer 500, or drop the connection. */
  replyFailed(ex: Exchange, e: unknown): void {
    try {
      this.fail(ex, 500, `the reply for actor ${this.target.actorId} could not be written: ${(e as Error)?.message ?? String(e)}`);
    } catch {
      ex.destroy();
    }
  }

  private onRequest(ex: Exchange): void {
    if (this.drained) {
      // Draining: the actor is not called for anything new; 503 is safe to retry elsewhere or later.
      this.fail(ex, 503, `request ${ex.method} ${ex.url} arrived while the listener drains for shutdown; not passed to actor ${this.target.actorId}`, true);
      return;
    }
    const max = this.target.settings.maxContentLen;
    // One pass over the raw header lines (a header object would be a second one per request).
    const h = groupHeaders(ex.rawHeaders);
    const clAt = h.names.indexOf('content-length');
    if (clAt < 0 && h.names.indexOf('transfer-encoding') < 0) {
      // No body by HTTP/1.1 framing: dispatch at once.
      this.dispatch(ex, h, EMPTY);
      return;
    }
    if (clAt >= 0 && Number(h.values[clAt]![0]) > max) {
      this.tooLarge(ex, max);
      return;
    }
    let chunks: Buffer[] = [];
    let size = 0;
    ex.onBody = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        ex.onBody = undefined;
        ex.onEnd = undefined;
        chunks = [];
        this.tooLarge(ex, max);
        return;
      }
      chunks.push(chunk);
    };
    ex.onEnd = () => {
      this.dispatch(ex, h, chunks.length === 1 ? chunks[0]! : chunks); // the encoder copies the chunks in
      chunks = []; // copied: let them die young (this closure lives as long as the request)
    };
    ex.onAbort = () => { ex.onBody = undefined; ex.onEnd = undefined; chunks = []; };
  }

  private tooLarge(ex: Exchange, max: number): void {
    // Close the connection: the rest of the body would otherwise be parsed as the next request.
    this.fail(ex, 413, `request body exceeds max_content_len of ${max} bytes; raise the link value max_content_len to accept larger bodies`, true);
  }

  private dispatch(ex: Exchange, h: GroupedHeaders, body: Uint8Array | readonly Uint8Array[]): void {
    const t = this.target;
    let url = ex.url || '/';
    if (url.charCodeAt(0) !== 47 /* '/' */ && url !== '*') {
      // absolute-form (proxy style): keep only the path and query
      const i = url.indexOf('/', url.indexOf('//') + 2);
      url = i < 0 ? '/' : url.slice(i);
    }
    const q = url.indexOf('?');
    const method = ex.method;
    const path = q < 0 ? url : url.slice(0, q);
    const payload = encodeRawHttpRequest({
      method,
      path,
      queryString: q < 0 ? '' : url.slice(q + 1),
      headerNames: h.names,
      headerValues: h.values,
      body,
    }, this.largeRequests, LARGE_REQUEST_BYTES);
    if (payload.length >= LARGE_REQUEST_BYTES) {
      const pool = this.largeRequests;
      lend(payload, () => pool.give(payload));
    }
    const opts = this.callOpts;
    const inv: Invocation = { origin: t.origin, target: this.actor, operation: OPERATION, msg: payload, id: '' };
    if (this.tracing !== undefined) this.trace(this.tracing, inv, ex, method, path, h);
    const local = t.host.local;
    const now = local ? local.invokeNow(inv, opts) : t.host.invoke(inv, opts);
    if (now instanceof Uint8Array) {
      this.readyReplies.submit(this, ex, now); // answered at once: written now or with the turn's other replies
      return;
    }
    // The host enforces timeoutMs too; the sweeper guarantees the client an answer regardless.
    const p = this.pending.add(ex, Date.now() + opts.timeoutMs);
    // the callbacks keep only the trace context, not `inv`: its payload (a megabyte request) can
    // then die young instead of being promoted while the actor works (see docs/payload.md)
    const traceContext = inv.traceContext;
    now.then(
      (reply) => {
        if (this.pending.settle(p)) this.writeReply(ex, reply);
        else release(reply); // the client was already answered (504): nobody reads it
      },
      (e: unknown) => {
        if (!this.pending.settle(p)) return;
        const status = statusForActorError(e);
        const what = isStratusError(e, 'TIMEOUT') ? 'timed out handling the request' : 'failed to handle the request';
        this.fail(ex, status, `actor ${t.actorId} ${what}: ${(e as Error)?.message ?? String(e)}`, false, traceIdOf(traceContext));
      },
    );
  }

  /** The request's span (a child of its `traceparent`), whose context the invocation carries. */
  private trace(tracing: HttpTracing, inv: Invocation, ex: Exchange, method: string, path: string, h: GroupedHeaders): void {
    const tp = h.names.indexOf('traceparent');
    const ts = tp < 0 ? -1 : h.names.indexOf('tracestate');
    const rt = tracing.request(method, path, tp < 0 ? undefined : h.values[tp]![0], ts < 0 ? undefined : h.values[ts]!.join(','), this.target.actorId);
    inv.traceContext = rt.traceContext;
    const end = rt.end;
    // only a recorded span waits for the response (0: the client left before one was sent)
    if (end) ex.onceDone(() => end(ex.headersSent ? ex.statusCode : 0));
  }

  private sweep(): void {
    if (this.pending.size === 0) return;
    this.pending.expire(Date.now(), (ex) => {
      this.fail(ex, 504, `actor ${this.target.actorId} did not answer within ${this.target.settings.timeoutMs} ms; raise the link value timeout_ms if it needs longer`);
    });
  }

  /**
   * Turns the actor's HttpResponse into the HTTP answer. A reply that borrows a worker lane's
   * result area (host/lanes/loan.ts) is handed back once Node no longer holds the body: when
   * the response has gone to the socket, or the connection closed.
   */
  writeReply(ex: Exchange, reply: Uint8Array): void {
    if (isLent(reply)) ex.onceDone(() => release(reply));
    let r;
    try {
      r = decodeHttpResponse(reply);
    } catch (e) {
      this.fail(ex, 500, `actor ${this.target.actorId} returned an invalid HttpResponse: ${(e as Error).message}`);
      return;
    }
    // The host checks max_response_len before copying the guest's reply; this is the second line.
    if (r.body.length > this.callOpts.maxResponseBytes) {
      this.fail(ex, 500, `actor ${this.target.actorId} returned a ${r.body.length} bytes body, over max_response_len of ${this.callOpts.maxResponseBytes} bytes; raise the link value max_response_len to allow it`);
      return;
    }
    const lines = r.headerLines;
    // The body length is ours to state: drop what the actor said about framing.
    for (let i = lines.length - 2; i >= 0; i -= 2) {
      const n = lines[i]!.toLowerCase();
      if (n === 'content-length' || n === 'transfer-encoding') lines.splice(i, 2);
    }
    if (!statusHasNoBody(r.statusCode)) lines.push('content-length', String(r.body.length));
    // A small body goes out as a latin1 string (one byte per char, lossless), in one write with the head.
    const body = r.body;
    try {
      ex.respond(r.statusCode, lines, body.length <= SMALL_BODY ? Buffer.from(body.buffer, body.byteOffset, body.length).toString('latin1') : body);
    } catch (e) {
      this.fail(ex, 500, `actor ${this.target.actorId} returned a header or status that cannot be sent: ${(e as Error).message}`);
      return;
    }
    this.statuses?.count(r.statusCode);
  }
}
