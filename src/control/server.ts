// The local control API: JSON over HTTP on a Unix domain socket (mode 0600), so only this user
// on this machine can drive the host. `stratus ctl`, `stratus app` and `stratus down` talk to it.
import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isStratusError, StratusError, type StratusErrorCode } from '../core/errors.js';
import type { HostController } from './controller.js';
import { claimsView, inventoryView, type HostView } from '../host/views.js';

export interface CallBridge {
  /** JSON text -> msgpack payload for `operation`. */
  encode(operation: string, json: string): Uint8Array;
  /** msgpack reply -> JSON-friendly value. */
  decode(operation: string, payload: Uint8Array): unknown;
}

export interface ControlServerOptions {
  socketPath: string;
  controller: HostController;
  describeHost(): HostView;
  labels: Record<string, string>;
  bridge: CallBridge;
  /** Called by POST /v1/stop after the reply is sent. */
  requestStop(): void;
  /** POST /v1/ui (`stratus ui`): start the host's dashboard, or give the running one's URL and token. */
  openDashboard?(address?: { host: string; port: number }): Promise<{ url: string; token: string }>;
}

type Handler = (body: any, params: Record<string, string>, query: URLSearchParams) => Promise<unknown> | unknown;
interface Route { method: string; pattern: RegExp; keys: string[]; handler: Handler }

const MAX_BODY = 1 << 20;

function route(method: string, path: string, handler: Handler): Route {
  const keys: string[] = [];
  const pattern = new RegExp('^' + path.replace(/:(\w+)/g, (_, k: string) => { keys.push(k); return '([^/]+)'; }) + '$');
  return { method, pattern, keys, handler };
}

export function statusFor(code: StratusErrorCode): number {
  switch (code) {
    case 'BAD_REQUEST': return 400;
    case 'ACTOR_NOT_RUNNING': case 'PROVIDER_NOT_RUNNING': case 'UNKNOWN_TARGET': case 'MISSING_LINK': return 404;
    case 'TIMEOUT': return 504;
    case 'INTERNAL': return 500;
    default: return 422;
  }
}

function requireString(body: any, key: string): string {
  const v = body?.[key];
  if (typeof v !== 'string' || v === '') throw new StratusError('BAD_REQUEST', `request field "${key}" must be a non-empty string`);
  return v;
}

function optionalString(body: any, key: string): string | undefined {
  const v = body?.[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new StratusError('BAD_REQUEST', `request field "${key}" must be a string`);
  return v;
}

export function controlRoutes(o: ControlServerOptions): Route[] {
  const c = o.controller;
  return [
    route('GET', '/v1/host', () => o.describeHost()),
    route('GET', '/v1/inventory', () => inventoryView(c.host.inventory(), o.labels)),
    route('GET', '/v1/claims', () => ({ claims: c.host.inventory().actors.map(claimsView) })),
    route('GET', '/v1/links', () => ({ links: c.host.links() })),
    route('POST', '/v1/actors', async (b) => c.startActorFile(requireString(b, 'path'), b.count ?? 1)),
    // live update (`stratus dev`): a higher revision of a running actor from a .wasm file
    route('POST', '/v1/actors/update', async (b) => c.updateActorFile(requireString(b, 'path'))),
    route('DELETE', '/v1/actors/:id', async (_b, p) => { await c.stopActor(p.id); return { accepted: true, error: '' }; }),
    route('POST', '/v1/actors/:id/scale', async (b, p) => c.scaleActor(p.id, b?.count)),
    route('POST', '/v1/providers', async (b) => c.startProvider(requireString(b, 'name'), b.link_name ?? 'default', optionalString(b, 'config'))),
    route('DELETE', '/v1/providers/:id', async (_b, p, q) => c.stopProvider(p.id, q.get('link_name') ?? 'default')),
    route('PUT', '/v1/links', async (b) => {
      const r = await c.putLink({
        actor_id: requireString(b, 'actor_id'), provider_id: requireString(b, 'provider_id'), contract_id: requireString(b, 'contract_id'),
        link_name: b.link_name ?? 'default', values: b.values ?? {},
      });
      return { ...r.link, status: r.status, warnings: r.warnings };
    }),
    route('DELETE', '/v1/links', async (b) => {
      await c.deleteLink(requireString(b, 'actor_id'), requireString(b, 'contract_id'), b.link_name ?? 'default');
      return { accepted: true, error: '' };
    }),
    route('POST', '/v1/call', async (b) => {
      const operation = requireString(b, 'operation');
      const payload = o.bridge.encode(operation, typeof b.data === 'string' ? b.data : '{}');
      const reply = await c.host.call(requireString(b, 'target'), operation, payload);
      return { operation, reply: o.bridge.decode(operation, reply), bytes: reply.length };
    }),
    route('POST', '/v1/apps', async (b) => c.deployApp(requireString(b, 'manifest'), { dryRun: b.dry_run === true })),
    route('DELETE', '/v1/apps/:name', async (_b, p, q) => c.undeployApp(p.name, { dryRun: q.get('dry_run') === 'true' })),
    route('GET', '/v1/apps', () => ({ apps: c.listApps() })),
    route('GET', '/v1/apps/:name', (_b, p) => c.getApp(p.name)),
    route('GET', '/v1/apps/:name/status', (_b, p) => c.appStatus(p.name)),
    route('POST', '/v1/ui', async (b) => {
      if (!o.openDashboard) throw new StratusError('BAD_REQUEST', 'this host cannot serve a dashboard');
      const a = b?.address;
      return o.openDashboard(a && typeof a.host === 'string' && Number.isInteger(a.port) ? { host: a.host, port: a.port } : undefined);
    }),
    route('POST', '/v1/stop', () => { setImmediate(o.requestStop); return { accepted: true, error: '' }; }),
  ];
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new StratusError('BAD_REQUEST', 'control request body is larger than 1 MiB');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new StratusError('BAD_REQUEST', 'control request body is not valid JSON');
  }
}

function send(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value ?? null);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Start listening on the socket; an old socket file left by a crashed host is replaced. */
export async function startControlServer(o: ControlServerOptions): Promise<Server> {
  const routes = controlRoutes(o);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stratus');
    try {
      const match = routes
        .map((r) => ({ r, m: r.method === req.method ? r.pattern.exec(url.pathname) : null }))
        .find((x) => x.m);
      if (!match) throw new StratusError('BAD_REQUEST', `no control endpoint ${req.method} ${url.pathname}`);
      const params: Record<string, string> = {};
      match.r.keys.forEach((k, i) => { params[k] = decodeURIComponent(match.m![i + 1]); });
      const body = await readBody(req);
      send(res, 200, await match.r.handler(body, params, url.searchParams));
    } catch (e) {
      const code: StratusErrorCode = isStratusError(e) ? e.code : 'INTERNAL';
      send(res, statusFor(code), { error: e instanceof Error ? e.message : String(e), code });
    }
  });
  if (Buffer.byteLength(o.socketPath) > 103) {
    // sockaddr_un holds ~104-108 bytes depending on the OS; longer paths fail with an obscure error.
    throw new StratusError('BAD_REQUEST', `the control socket path ${o.socketPath} is too long for a Unix socket (${Buffer.byteLength(o.socketPath)} bytes, max 103)`,
      'set STRATUS_HOME to a shorter directory');
  }
  try { unlinkSync(o.socketPath); } catch { /* not there */ }
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    // Restrict the socket from birth (umask), then make it explicit.
    const old = process.umask(0o177);
    server.listen(o.socketPath, () => { process.umask(old); resolveListen(); });
  });
  chmodSync(o.socketPath, 0o600);
  return server;
}
