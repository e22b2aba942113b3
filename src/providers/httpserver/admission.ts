// Which connections a listener takes (fault 8). A connection is admitted while the listener holds
// fewer than its max_connections and the host's connection budget (connection-budget.ts) has room;
// otherwise it is refused cleanly: a 503 with `connection: close`, not a reset or an empty reply.
//
// Why not net.Server.maxConnections: Node then closes the new socket without a word (clients see
// "empty reply from server", the symptom of fault 8), and it cannot share one budget between the
// listeners of a host. So the gate takes the server's connections and hands only the admitted
// sockets to the HTTP layer. The cost is per connection (a counter, a set entry and a 'close'
// listener), nothing per request.
import type { Server, Socket } from 'node:net';
import type { ConnectionBudget } from './connection-budget.js';

const REFUSAL_BODY = '503 Service Unavailable (too many connections)\n';
const REFUSAL = Buffer.from(
  'HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n'
  + `content-length: ${REFUSAL_BODY.length}\r\nconnection: close\r\nretry-after: 1\r\n\r\n${REFUSAL_BODY}`, 'latin1');
/**
 * A refused socket stays open this long (or until the client closes) so the client reads the 503
 * before the close: closing at once with the client's request unread makes the kernel send a
 * reset, which can discard the 503 on the client's side.
 */
const LINGER_MS = 1000;
const noop = (): void => {};

export type GateLog = (level: 'info' | 'warn', text: string) => void;

export class ConnectionGate {
  /** Sockets handed to the HTTP server, until they close. */
  private readonly admitted = new Set<Socket>();
  private readonly lingering = new Set<Socket>();
  /** Connections refused since the gate last admitted one (0: not refusing). */
  private refusedInARow = 0;

  constructor(
    server: Server,
    admitted: (socket: Socket) => void,
    private readonly maxConnections: number,
    private readonly budget: ConnectionBudget,
    private readonly where: () => string,
    private readonly log: GateLog,
  ) {
    server.on('connection', (socket: Socket) => {
      if (this.admit(socket)) admitted(socket);
    });
  }

  /** Connections currently admitted. */
  get size(): number {
    return this.admitted.size;
  }

  /** Close admitted connections that have not sent a byte (nothing to finish on them). */
  closeSilent(): void {
    for (const s of this.admitted) if (s.bytesRead === 0) s.destroy();
  }

  /** Close everything this gate knows: admitted and lingering refused sockets. */
  destroyAll(): void {
    for (const s of this.admitted) s.destroy();
    for (const s of this.lingering) s.destroy();
  }

  private readonly onAdmittedClose = (socket: Socket): void => {
    if (this.admitted.delete(socket)) this.budget.release();
  };

  private admit(socket: Socket): boolean {
    const full = this.admitted.size >= this.maxConnections;
    if (!full && this.budget.tryTake()) {
      this.admitted.add(socket);
      socket.once('close', () => this.onAdmittedClose(socket));
      if (this.refusedInARow > 0) {
        this.log('info', `${this.where()} admits connections again (refused ${this.refusedInARow} while full)`);
        this.refusedInARow = 0;
      }
      return true;
    }
    if (this.refusedInARow++ === 0) {
      this.log('warn', full
        ? `${this.where()} refuses new connections with 503: ${this.maxConnections} are open (max_connections); raise the link value max_connections if this is normal load`
        : `${this.where()} refuses new connections with 503: the host's HTTP listeners hold ${this.budget.inUse} connections, all the open-file limit allows after a reserve; raise the limit (ulimit -n, systemd LimitNOFILE=, docker --ulimit nofile=) or lower max_connections`);
    }
    this.refuse(socket);
    return false;
  }

  private refuse(socket: Socket): void {
    socket.on('error', noop);
    socket.end(REFUSAL);
    if (!this.budget.tryLinger()) {
      socket.destroy();
      return;
    }
    this.lingering.add(socket);
    socket.setTimeout(LINGER_MS, () => socket.destroy());
    socket.on('end', () => socket.destroy());
    socket.once('close', () => {
      this.lingering.delete(socket);
      this.budget.endLinger();
    });
    socket.resume(); // read and drop whatever the client sends
  }
}
