// /metrics over HTTP for Prometheus: GET (or HEAD) /metrics answers the host's registry in the
// text format; anything else gets a short explanation. One small server per host.
import { createServer, type Server } from 'node:http';
import { StratusError } from '../../core/errors.js';
import { formatAddress, type ListenAddress } from './address.js';

export interface MetricsText {
  text(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsServer {
  /** http://host:port/metrics as bound (the port is the real one when 0 was asked for). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function answer(server: Server, metrics: MetricsText): void {
  server.on('request', (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found: metrics are served at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain; charset=utf-8', allow: 'GET, HEAD' });
      res.end(`method ${req.method} not allowed on /metrics; use GET\n`);
      return;
    }
    metrics.text().then((body) => {
      res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    }, (e: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`metrics could not be collected: ${e instanceof Error ? e.message : String(e)}\n`);
    });
  });
}

function listenError(e: NodeJS.ErrnoException, at: string): StratusError {
  switch (e.code) {
    case 'EADDRINUSE':
      return new StratusError('BAD_REQUEST', `cannot serve metrics on ${at}: the port is already in use`, 'choose another port with --metrics HOST:PORT');
    case 'EACCES':
      return new StratusError('BAD_REQUEST', `cannot serve metrics on ${at}: permission denied`, 'ports below 1024 need privileges; use 9464 or another port of 1024 or above');
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new StratusError('BAD_REQUEST', `cannot serve metrics on ${at}: the host is not an address of this machine`, 'use 127.0.0.1, 0.0.0.0 or an address of a local interface');
    default:
      return new StratusError('BAD_REQUEST', `cannot serve metrics on ${at}: ${e.message}`);
  }
}

export function serveMetrics(metrics: MetricsText, address: ListenAddress): Promise<MetricsServer> {
  const server = createServer({ keepAlive: true });
  answer(server, metrics);
  const at = formatAddress(address);
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(listenError(e as NodeJS.ErrnoException, at)));
    server.listen({ host: address.host, port: address.port }, () => {
      const a = server.address();
      const port = a && typeof a === 'object' ? a.port : address.port;
      resolve({
        url: `http://${formatAddress({ host: address.host, port })}/metrics`,
        port,
        close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }),
      });
    });
  });
}
