// The dashboard's HTTP server (`stratus up --ui`, `stratus ui`, `stratus ui -x <lattice>`): the
// page (three small files, no CDN), a JSON API that needs the per-start token in a header, a
// Server-Sent-Events stream of changes (the picture, invocation figures, failures with their
// explanation, the log), and /metrics. GET never changes anything; every action is a POST. What
// it shows and does comes from a DashboardSource (source.ts): a host here, or a lattice over NATS.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { isStratusError, StratusError, type StratusErrorCode } from '../core/errors.js';
import { statusFor } from '../control/server.js';
import type { LogRecord } from '../observe/logs/record.js';
import { uiUrl } from './address.js';
import type { DashboardContext, RunningDashboard, UiAddress } from './context.js';
import { hostSource } from './host-source.js';
import { PAGE_HTML } from './page/html.js';
import { PAGE_CSS } from './page/style.js';
import type { DashboardSource, Failure } from './source.js';
import { newToken, TOKEN_HEADER, tokenMatches } from './token.js';

export type { Failure } from './source.js';

const MAX_BODY = 64 * 1024;
/** How often invocation figures are pushed, and how often the snapshot is rebuilt without an event (provider health). */
const TRAFFIC_MS = 1000;
const RESNAPSHOT_MS = 3000;
const KEPT_FAILURES = 100;
const MAX_BUFFERED = 4 << 20;

/** Script, styles, images, connections: this origin only. A name that slipped past escaping still could not run code. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function readAppJs(): string {
  // compiled by tsc next to this file (src/ui/page/app.ts)
  return readFileSync(new URL('./page/app.js', import.meta.url), 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/m, '');
}

function listenError(e: NodeJS.ErrnoException, at: string): StratusError {
  if (e.code === 'EADDRINUSE') return new StratusError('BAD_REQUEST', `cannot serve the dashboard on ${at}: the port is already in use`, 'choose another with --ui HOST:PORT (or a port alone)');
  if (e.code === 'EACCES') return new StratusError('BAD_REQUEST', `cannot serve the dashboard on ${at}: permission denied`, 'use a port of 1024 or above, e.g. 3030');
  if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') return new StratusError('BAD_REQUEST', `cannot serve the dashboard on ${at}: the host is not an address of this machine`, 'use 127.0.0.1, 0.0.0.0 or an address of a local interface');
  return new StratusError('BAD_REQUEST', `cannot serve the dashboard on ${at}: ${e.message}`);
}

/** The dashboard of a host in this process. */
export function startDashboard(ctx: DashboardContext, address: UiAddress): Promise<RunningDashboard> {
  return serveDashboard(hostSource(ctx), address);
}

export async function serveDashboard(source: DashboardSource, address: UiAddress): Promise<RunningDashboard> {
  const token = newToken();
  const logs = source.logs;
  const metrics = source.metrics;
  const files: Record<string, { type: string; body: string }> = {
    '/': { type: 'text/html; charset=utf-8', body: PAGE_HTML },
    '/app.js': { type: 'text/javascript; charset=utf-8', body: readAppJs() },
    '/app.css': { type: 'text/css; charset=utf-8', body: PAGE_CSS },
  };

  // failures are kept from the start, so a page opened later still shows the recent ones
  const failures: Failure[] = [];
  const clients = new Set<ServerResponse>();
  const send = (event: string, data: unknown, only?: ServerResponse) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of only ? [only] : clients) write(c, frame);
  };
  /** A page that stops reading (a suspended tab) is dropped rather than buffered without end; it reconnects when it wakes. */
  const write = (c: ServerResponse, frame: string) => {
    if (c.writableLength > MAX_BUFFERED) c.destroy();
    else c.write(frame);
  };
  const offFailed = source.failures((f) => {
    failures.push(f);
    if (failures.length > KEPT_FAILURES) failures.shift();
    if (clients.size) send('failure', f);
  });

  // The snapshot is rebuilt on any change (coalesced) and every few seconds; sent when it changed.
  let lastState = '';
  let pending: NodeJS.Timeout | undefined;
  const pushState = async () => {
    pending = undefined;
    let s: string;
    try {
      s = JSON.stringify(await source.snapshot());
    } catch { return; } // the source cannot see now (NATS away): keep the last picture
    if (s !== lastState && clients.size) for (const c of clients) write(c, `event: state\ndata: ${s}\n\n`);
    lastState = s;
  };
  const schedule = () => { pending ??= setTimeout(() => { void pushState(); }, 30); };
  let detach: (() => void)[] = [];
  const firstClient = () => {
    detach = [
      source.watch(schedule),
      ...(logs ? [logs.subscribe((r: LogRecord) => send('log', r))] : []),
    ];
    const t1 = setInterval(schedule, RESNAPSHOT_MS);
    const traffic = source.traffic;
    const t2 = traffic ? setInterval(() => send('traffic', traffic()), TRAFFIC_MS) : undefined;
    detach.push(() => clearInterval(t1), () => { if (t2) clearInterval(t2); });
  };
  const lastClient = () => { for (const d of detach) d(); detach = []; };

  const api = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (!tokenMatches(token, req.headers[TOKEN_HEADER])) {
      throw new TokenError();
    }
    if (path === '/api/state' && req.method === 'GET') return json(res, 200, await source.snapshot());
    if (path === '/api/stream' && req.method === 'GET') return stream(req, res);
    const action = /^\/api\/actions\/([a-z-]+)$/.exec(path)?.[1];
    if (action !== undefined) {
      if (req.method !== 'POST') throw new MethodError('POST');
      if (!Object.hasOwn(source.actions, action)) throw new StratusError('BAD_REQUEST', `no dashboard action "${action}"`, `actions: ${Object.keys(source.actions).join(', ')}`);
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) throw new StratusError('BAD_REQUEST', 'actions take a JSON body (content-type: application/json)');
      const result = await source.actions[action]!(await readJson(req));
      schedule();
      return json(res, 200, { ok: true, result });
    }
    throw new NotFound(path);
  };

  const stream = async (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    if (clients.size === 0) firstClient();
    clients.add(res);
    // listen for the end before the first await: a page that goes while its first picture is made
    // (a lattice's first ping takes a second) must not leave its keep-alive timer behind
    let beat: NodeJS.Timeout | undefined;
    let gone = false;
    req.on('close', () => {
      gone = true;
      clearInterval(beat);
      clients.delete(res);
      if (clients.size === 0) lastClient();
    });
    const snap = JSON.stringify(await source.snapshot());
    if (gone) return;
    res.write(`event: state\ndata: ${snap}\n\n`);
    send('failures', failures, res);
    if (logs) send('logs', logs.recent(300), res);
    if (source.traffic) send('traffic', source.traffic(), res);
    beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  };

  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    try {
      if (path.startsWith('/api/')) return await api(req, res, path);
      if (path === '/metrics') {
        if (req.method !== 'GET' && req.method !== 'HEAD') throw new MethodError('GET');
        if (!metrics) throw new NotFound(path);
        const body = await metrics.text();
        res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(body) });
        return res.end(req.method === 'HEAD' ? undefined : body);
      }
      const file = files[path];
      if (!file) throw new NotFound(path);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new MethodError('GET');
      res.writeHead(200, {
        'content-type': file.type, 'content-length': Buffer.byteLength(file.body), 'cache-control': 'no-cache',
        'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY',
      });
      res.end(req.method === 'HEAD' ? undefined : file.body);
    } catch (e) {
      if (res.headersSent) { res.end(); return; }
      if (e instanceof MethodError) return json(res, 405, { error: `method ${req.method} not allowed on ${path}; use ${e.allow}`, code: 'BAD_REQUEST' }, { allow: e.allow });
      if (e instanceof NotFound) return json(res, 404, { error: `nothing at ${e.path} (the dashboard is at /, its API under /api/)`, code: 'BAD_REQUEST' });
      const code: StratusErrorCode = isStratusError(e) ? e.code : 'INTERNAL';
      const status = e instanceof TokenError ? 401 : statusFor(code);
      json(res, status, { error: e instanceof Error ? e.message : String(e), code });
    }
  });

  const at = `${address.host}:${address.port}`;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(listenError(e as NodeJS.ErrnoException, at)));
    server.listen({ host: address.host, port: address.port }, () => resolve());
  });
  const bound = server.address();
  const port = bound && typeof bound === 'object' ? bound.port : address.port;
  let closing: Promise<void> | undefined;
  return {
    url: uiUrl({ host: address.host, port }),
    token,
    close: () => closing ??= new Promise<void>((r) => {
      offFailed();
      lastClient();
      if (pending) clearTimeout(pending);
      for (const c of clients) c.end();
      clients.clear();
      server.close(() => { void (source.close?.() ?? Promise.resolve()).catch(() => undefined).then(() => r()); });
      server.closeAllConnections();
    }),
  };
}

/** A request without the right token: 401, and the way to get one. */
class TokenError extends StratusError {
  constructor() {
    super('BAD_REQUEST', 'this request needs the dashboard token',
      `paste the token \`stratus up --ui\` or \`stratus ui\` printed (API clients send it in the ${TOKEN_HEADER} header)`);
  }
}
class MethodError extends Error { constructor(readonly allow: string) { super(allow); } }
class NotFound extends Error { constructor(readonly path: string) { super(path); } }

function json(res: ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...extra });
  res.end(body);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new StratusError('BAD_REQUEST', 'a dashboard action body is larger than 64 KiB');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  let v: unknown;
  try { v = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { throw new StratusError('BAD_REQUEST', 'a dashboard action body is not valid JSON'); }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new StratusError('BAD_REQUEST', 'a dashboard action body must be a JSON object');
  return v as Record<string, unknown>;
}
