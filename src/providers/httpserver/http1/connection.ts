// One HTTP/1.1 connection: llhttp parses what the socket reads (in C++, see llhttp.ts), each
// request becomes an Exchange, and answers go out in request order (pipelined requests may be
// answered out of order by their actors; an answer waits for the ones before it).
//
// The connection's phase drives the server's timeouts (server.ts): `head` from the first byte of
// a request (or the connection's start) until its headers are complete, `body` until the whole
// request arrived, `busy` while answers are owed, `idle` when nothing is owed and nothing arrives.
// Reading stops while the socket's send buffer is full or too many answers are owed, so a client
// that pipelines without reading cannot make the host hold unbounded data.
import type { Socket } from 'node:net';
import { HTTPParser, METHODS, consumeSocket, setReading, type NativeParser } from './llhttp.js';
import { responseHead, statusHasNoBody, type DateCache } from './response-head.js';

/** Answers owed on one connection beyond which it reads no more requests until some are sent. */
export const MAX_OWED = 32;
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
const NO_HEADERS: string[] = Object.freeze([]) as unknown as string[];

export type Phase = 'head' | 'body' | 'busy' | 'idle';

/** A parse or timeout failure, handed to the server's clientError handler (code as node:http names it). */
export interface ClientError extends Error {
  code: string;
}

export interface ConnectionContext {
  request(ex: Exchange): void;
  clientError(err: ClientError, socket: Socket): void;
  readonly dates: DateCache;
  readonly keepAliveSeconds: number;
  /** Draining: answers say `connection: close` and close after sending. */
  readonly draining: boolean;
  closed(conn: Connection): void;
}

/** One request and its answer. */
export class Exchange {
  statusCode = 0;
  headersSent = false;
  /** Body chunks (copies: they may be kept) and the request's end; set by the handler. */
  onBody: ((chunk: Buffer) => void) | undefined;
  onEnd: (() => void) | undefined;
  /** The connection closed before the request was read whole. */
  onAbort: (() => void) | undefined;
  /** @internal the answer, ready to write */
  out: string | undefined;
  /** @internal */
  outBody: Uint8Array | undefined;
  /** @internal the connection closes after this answer */
  last = false;
  private doneFns: ((sent: boolean) => void)[] | undefined;
  private finished = false;
  private sent = false;

  constructor(
    private readonly conn: Connection,
    readonly method: string,
    readonly url: string,
    /** Flat [name, value, ...] as received. */
    readonly rawHeaders: string[],
    /** The client keeps the connection open after this request (HTTP version and `connection` header). */
    readonly keepAlive: boolean,
  ) {}

  /**
   * Answers the request: status, flat header lines, and the body (a latin1 string for a small one:
   * head and body then go out in one write). Throws ResponseHeadError before anything is sent when
   * a line cannot be sent; `close` ends the connection after this answer.
   */
  respond(status: number, lines: readonly string[], body: string | Uint8Array, close = false): void {
    if (this.headersSent) throw new Error('the request was already answered');
    const head = responseHead(status, lines, {
      keepAlive: this.keepAlive && !close && !this.conn.closing && !this.conn.ctx.draining,
      keepAliveSeconds: this.conn.ctx.keepAliveSeconds,
      date: this.conn.ctx.dates.now(),
    });
    this.headersSent = true;
    this.statusCode = status;
    this.last = !head.keepAlive;
    if (this.method === 'HEAD' || statusHasNoBody(status)) this.out = head.text;
    else if (typeof body === 'string') this.out = head.text + body;
    else {
      this.out = head.text;
      this.outBody = body;
    }
    this.conn.answered(this);
  }

  /** Ends the connection now (an answer cannot be given, or was given in part). */
  destroy(): void {
    this.conn.socket.destroy();
  }

  /** `fn(sent)` once the answer went to the socket (true) or the connection closed first (false). */
  onceDone(fn: (sent: boolean) => void): void {
    if (this.finished) { fn(this.sent); return; }
    (this.doneFns ??= []).push(fn);
  }

  /** @internal someone waits for the answer to reach the socket (onceDone) */
  get waited(): boolean {
    return this.doneFns !== undefined;
  }

  /** @internal */
  finish(sent: boolean): void {
    if (this.finished) return;
    this.finished = true;
    this.sent = sent;
    const fns = this.doneFns;
    this.doneFns = undefined;
    if (fns) for (const fn of fns) fn(sent);
  }
}

export class Connection {
  phase: Phase = 'head';
  /** When the phase began (Date.now()). */
  since = Date.now();
  /** No request after the one being answered last is read (an answer said close, or the client did). */
  closing = false;
  private readonly parser: NativeParser;
  /** Requests owed an answer, in arrival order. */
  private readonly owed: Exchange[] = [];
  /** The request whose body is being read. */
  private current: Exchange | undefined;
  private partHeaders: string[] = NO_HEADERS;
  private partUrl = '';
  private clientEnded = false;
  /** Close once every owed answer is sent (a parse error after pipelined requests). */
  private endWhenAnswered = false;
  private reading = true;
  private waitingDrain = false;

  constructor(readonly socket: Socket, readonly ctx: ConnectionContext, maxHeaderSize: number) {
    const p = new HTTPParser();
    this.parser = p;
    p.initialize(HTTPParser.REQUEST, {}, maxHeaderSize, 0);
    p[HTTPParser.kOnMessageBegin] = () => this.onMessageBegin();
    p[HTTPParser.kOnHeaders] = (headers: string[], url: string) => {
      // only for heads of more than 32 lines (llhttp hands them over in parts)
      if (this.partHeaders === NO_HEADERS) this.partHeaders = [];
      for (let i = 0; i < headers.length; i++) this.partHeaders.push(headers[i]!);
      this.partUrl += url;
    };
    p[HTTPParser.kOnHeadersComplete] = (major: number, minor: number, headers: string[] | undefined, method: number,
      url: string | undefined, _status: unknown, _message: unknown, upgrade: boolean, keepAlive: boolean) =>
      this.onHeadersComplete(major, minor, headers ?? this.partHeaders, METHODS[method] ?? 'GET', url || this.partUrl, upgrade, keepAlive);
    p[HTTPParser.kOnBody] = (chunk: Buffer) => { this.current?.onBody?.(chunk); };
    p[HTTPParser.kOnMessageComplete] = () => this.onMessageComplete();
    p[HTTPParser.kOnExecute] = (ret: unknown) => { if (ret instanceof Error) this.onParseError(ret as ClientError); };
    socket.setNoDelay(true);
    socket.on('error', () => { /* 'close' follows */ });
    socket.on('end', () => this.onClientEnd());
    socket.once('close', () => this.onClose());
    socket.on('drain', () => { this.waitingDrain = false; this.updateReading(); });
    if (!consumeSocket(p, socket)) {
      socket.on('data', (d: Buffer) => {
        const ret = p.execute(d);
        if (ret instanceof Error) this.onParseError(ret as ClientError);
      });
    }
  }

  private onMessageBegin(): void {
    this.phase = 'head';
    this.since = Date.now();
    this.partHeaders = NO_HEADERS;
    this.partUrl = '';
  }

  private onHeadersComplete(major: number, minor: number, headers: string[], method: string, url: string, upgrade: boolean, keepAlive: boolean): number {
    this.phase = 'body';
    if (this.closing) { this.current = undefined; return 0; }
    // an upgrade (or CONNECT) is answered as a plain request, and the connection closed after it
    const ex = new Exchange(this, method, url, headers, keepAlive && !upgrade);
    if (upgrade) this.closing = true;
    this.current = ex;
    this.owed.push(ex);
    if (major === 1 && minor >= 1 && expectsContinue(headers)) this.socket.write(CONTINUE, 'latin1');
    this.updateReading();
    this.ctx.request(ex);
    return 0;
  }

  private onMessageComplete(): void {
    const ex = this.current;
    this.current = undefined;
    this.phase = this.owed.length > 0 ? 'busy' : 'idle';
    this.since = Date.now();
    ex?.onEnd?.();
  }

  private onParseError(err: ClientError): void {
    if (this.closing || this.socket.destroyed) return;
    this.closing = true;
    this.abortCurrent();
    if (this.owed.length === 0) {
      this.ctx.clientError(err, this.socket);
      return;
    }
    // Answers are still owed for the requests before the bad bytes (or before the bytes a client
    // sent after `connection: close`): read nothing more, send them, then close.
    this.endWhenAnswered = true;
    this.updateReading();
  }

  /** The server's timeout for the current phase passed (server.ts). */
  timedOut(): void {
    if (this.phase === 'idle' || this.phase === 'busy' || this.closing) {
      this.socket.destroy();
      return;
    }
    const e = new Error('the request did not arrive in time') as ClientError;
    e.code = 'ERR_HTTP_REQUEST_TIMEOUT';
    this.onParseError(e);
  }

  /** The request being read will not be dispatched (timeout, parse error, close). */
  private abortCurrent(): void {
    const ex = this.current;
    if (!ex) return;
    this.current = undefined;
    const at = this.owed.indexOf(ex);
    if (at >= 0 && !ex.headersSent) this.owed.splice(at, 1);
    ex.onAbort?.();
  }

  /** @internal an exchange has its answer: write what is ready, in order. */
  answered(ex: Exchange): void {
    if (this.owed[0] !== ex) return; // an earlier request is still owed its answer
    const s = this.socket;
    while (this.owed.length > 0 && this.owed[0]!.out !== undefined) {
      const e = this.owed.shift()!;
      if (s.destroyed) { e.finish(false); continue; }
      // a write callback costs a request object and a call back per answer: only when someone waits
      const done = e.waited ? (err?: Error | null): void => e.finish(!err) : undefined;
      if (e.outBody === undefined) s.write(e.out!, 'latin1', done);
      else {
        s.cork();
        s.write(e.out!, 'latin1');
        s.write(e.outBody, done);
        s.uncork();
      }
      if (done === undefined) e.finish(true);
      e.out = undefined;
      e.outBody = undefined;
      if (s.writableNeedDrain) this.waitingDrain = true;
      if (e.last) {
        this.closing = true;
        this.abortCurrent();
        for (const rest of this.owed.splice(0)) rest.finish(false);
        s.end();
        return;
      }
    }
    if (this.owed.length === 0 && this.phase === 'busy') {
      this.phase = 'idle';
      this.since = Date.now();
    }
    if (this.owed.length === 0 && (this.clientEnded || this.endWhenAnswered)) s.end();
    this.updateReading();
  }

  private updateReading(): void {
    const want = !this.waitingDrain && !this.endWhenAnswered && this.owed.length < MAX_OWED;
    if (want === this.reading || this.socket.destroyed) return;
    this.reading = want;
    setReading(this.socket, want);
  }

  /** The client closed its sending side: answer what is owed, then close. */
  private onClientEnd(): void {
    this.clientEnded = true;
    this.closing = true;
    this.abortCurrent();
    if (this.owed.length === 0) this.socket.end();
  }

  private onClose(): void {
    this.closing = true;
    this.abortCurrent();
    for (const ex of this.owed.splice(0)) ex.finish(false);
    try { this.parser.unconsume(); } catch { /* not consumed */ }
    this.parser.free();
    this.ctx.closed(this);
  }

  /** Nothing owed and no request under way. */
  get isIdle(): boolean {
    return this.owed.length === 0 && this.phase === 'idle';
  }
}

/** `expect: 100-continue` among the raw header lines. */
function expectsContinue(headers: string[]): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.length === 6 && headers[i]!.toLowerCase() === 'expect') return headers[i + 1]!.toLowerCase() === '100-continue';
  }
  return false;
}
