// An HTTP/1.1 server on a net.Server: connections (connection.ts), their timeouts, and closing.
// The timeouts are node:http's, kept with one sweep over the connections every `checkEveryMs`
// (cheaper than a timer per socket): a request's head must arrive within `headersTimeoutMs` of its
// first byte (or of the connection's start), the whole request within `requestTimeoutMs`, and an
// idle keep-alive connection is closed after `keepAliveTimeoutMs`.
import { createServer, type Server, type Socket } from 'node:net';
import { Connection, type ClientError, type ConnectionContext, type Exchange } from './connection.js';
import { DateCache } from './response-head.js';

export interface Http1Options {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  checkEveryMs: number;
  /** 0: Node's default (--max-http-header-size, 16 KiB). */
  maxHeaderSize?: number;
}

export interface Http1Handlers {
  request(ex: Exchange): void;
  /** A request that cannot be parsed, or did not arrive in time; answer on the socket and end it. */
  clientError(err: ClientError, socket: Socket): void;
}

export class Http1Server implements ConnectionContext {
  /** The listening socket; connections are handed over with accept() (the caller admits them). */
  readonly net: Server;
  readonly dates = new DateCache();
  readonly keepAliveSeconds: number;
  draining = false;
  private readonly connections = new Set<Connection>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly handlers: Http1Handlers, private readonly o: Http1Options) {
    this.keepAliveSeconds = Math.floor(o.keepAliveTimeoutMs / 1000);
    this.net = createServer({ allowHalfOpen: true, keepAlive: true, noDelay: true });
    this.net.on('listening', () => {
      this.sweeper ??= setInterval(() => this.sweep(), o.checkEveryMs);
      this.sweeper.unref();
    });
    this.net.on('close', () => { clearInterval(this.sweeper); this.sweeper = undefined; });
  }

  /** Serve HTTP on an accepted socket. */
  accept(socket: Socket): void {
    this.connections.add(new Connection(socket, this, this.o.maxHeaderSize ?? 0));
  }

  request(ex: Exchange): void {
    this.handlers.request(ex);
  }

  clientError(err: ClientError, socket: Socket): void {
    this.handlers.clientError(err, socket);
  }

  closed(conn: Connection): void {
    this.connections.delete(conn);
  }

  /** Stop listening; idle connections close now, the others after their answers. `cb` when all are closed. */
  close(cb?: () => void): void {
    this.draining = true;
    this.net.close(() => cb?.());
    this.closeIdleConnections();
  }

  closeIdleConnections(): void {
    for (const c of this.connections) if (c.isIdle) c.socket.destroy();
  }

  closeAllConnections(): void {
    for (const c of this.connections) c.socket.destroy();
  }

  private sweep(): void {
    const now = Date.now();
    const o = this.o;
    for (const c of this.connections) {
      const limit = c.phase === 'head' ? o.headersTimeoutMs : c.phase === 'body' ? o.requestTimeoutMs : c.phase === 'idle' ? o.keepAliveTimeoutMs : 0;
      if (limit > 0 && now - c.since > limit) c.timedOut();
    }
  }
}
