// A TCP proxy in front of a real server (node:net) whose links a test can break on purpose: hold
// back the server's replies, or cut every connection. Requests always reach the server, so a test
// can tell "applied but unanswered" from "never sent".
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** Port the proxy listens on (127.0.0.1). */
  port: number;
  /** Stop (true) or resume (false) forwarding the server's replies; held-back bytes are dropped. */
  dropReplies(drop: boolean): void;
  /** Close every open connection (both sides), as a network failure would; new ones are accepted. */
  cutConnections(): void;
  /** Bytes of replies dropped so far (so a test can see the server did answer). */
  droppedBytes(): number;
  /** Hold (true) the server's replies, or release (false) what was held, in order: a slow server. */
  holdReplies(hold: boolean): void;
  close(): Promise<void>;
}

export function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let dropping = false;
  let dropped = 0;
  let holding = false;
  const held: [Socket, Buffer][] = [];
  const server: Server = createServer((client) => {
    const upstream = connect({ host: targetHost, port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (dropping) dropped += d.length;
      else if (holding) held.push([client, d]);
      else client.write(d);
    });
    const end = () => { pairs.delete(pair); client.destroy(); upstream.destroy(); };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : 0,
        dropReplies(drop) { dropping = drop; },
        cutConnections() { for (const [c, u] of [...pairs]) { c.destroy(); u.destroy(); } pairs.clear(); },
        droppedBytes: () => dropped,
        holdReplies(hold) {
          holding = hold;
          if (!hold) for (const [c, d] of held.splice(0)) if (!c.destroyed) c.write(d);
        },
        close() {
          for (const [c, u] of pairs) { c.destroy(); u.destroy(); }
          return new Promise((r) => server.close(() => r()));
        },
      });
    });
  });
}
