// Helpers shared by the httpserver tests: a ProviderHost whose actor is a plain async function,
// link definitions, and HTTP over real sockets (raw and through node:http).
import { connect, type Socket } from 'node:net';
import { request, type Agent } from 'node:http';
import { encode } from '@msgpack/msgpack';
import type { ProviderHost } from '../../src/host/provider-contract.js';
import type { LinkDefinition, WasmCloudEntity } from '../../src/core/wire.js';
import { HostScope } from '../../src/core/scope.js';
import { createProvider } from '../../src/providers/registry.js';
import type { CapabilityProvider } from '../../src/host/provider-contract.js';
import { freePort } from '../support/servers.js';

export interface CallOpts { timeoutMs?: number; maxResponseBytes?: number }
export type Actor = (payload: Uint8Array, actorId: string, origin: WasmCloudEntity, opts?: CallOpts) => Promise<Uint8Array>;
export interface Seen { actorId: string; origin: WasmCloudEntity; operation: string; payload: Uint8Array; opts?: CallOpts }
export interface LogLine { level: string; text: string }

export const okReply = (body = ''): Uint8Array => encode({ statusCode: 200, header: {}, body: Buffer.from(body) });

export function makeHost(scope = new HostScope()): { host: ProviderHost; seen: Seen[]; logs: LogLine[]; setActor(a: Actor): void } {
  let actor: Actor = async () => okReply();
  const seen: Seen[] = [];
  const logs: LogLine[] = [];
  const host: ProviderHost = {
    dataDir: '/nonexistent',
    rpcTimeoutMs: 2000,
    scope,
    hostId: 'NTESTHOST',
    log: (level, text) => { logs.push({ level, text }); },
    async invoke(inv, opts) {
      const actorId = inv.target.public_key;
      seen.push({ actorId, origin: inv.origin, operation: inv.operation, payload: inv.msg, opts });
      return actor(inv.msg, actorId, inv.origin, opts);
    },
  };
  return { host, seen, logs, setActor: (a) => { actor = a; } };
}

export function httpLink(actorId: string, values: Record<string, string>, providerId = 'VHTTP'): LinkDefinition {
  return { id: `id-${actorId}`, actor_id: actorId, provider_id: providerId, link_name: 'default', contract_id: 'wasmcloud:httpserver', values };
}

/** An httpserver provider on a free port with one link for `actorId` (`values` added): a suite's setup. */
export async function listening(actorId: string, values: Record<string, string> = {}): Promise<{ h: ReturnType<typeof makeHost>; provider: CapabilityProvider; port: number }> {
  const h = makeHost();
  const provider = createProvider('httpserver');
  await provider.start(h.host);
  const port = await freePort();
  await provider.putLink(httpLink(actorId, { port: String(port), ...values }, provider.id));
  return { h, provider, port };
}

export interface HttpResult { status: number; headers: Record<string, string | string[] | undefined>; raw: string[]; body: Buffer }

export function get(port: number, path: string, init: { method?: string; headers?: Record<string, string | string[]>; body?: Buffer | string; agent?: Agent } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers, agent: init.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, raw: res.rawHeaders, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/** Send raw bytes, collect everything until the server closes or `until` matches. */
export function rawHttp(port: number, text: string | Buffer, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let out = '';
    s.on('data', (d) => { out += d.toString('latin1'); if (until && until.test(out)) { s.destroy(); resolve(out); } });
    s.on('end', () => resolve(out));
    s.on('close', () => resolve(out));
    s.on('error', reject);
    s.write(text);
  });
}

/** True when nothing listens on the port any more. */
export function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(false); });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

/** A client socket that records what it receives and whether the server closed it. */
export interface RawClient {
  socket: Socket;
  /** Everything received so far (latin1). */
  received(): string;
  /** Resolves once the server has closed the connection (end, close or reset), with all it sent. */
  closed: Promise<string>;
  /** Resolves once the received text matches `re`. */
  waitFor(re: RegExp): Promise<string>;
}

export function rawClient(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let out = '';
    const waiters: { re: RegExp; done: (s: string) => void }[] = [];
    let closedResolve!: (s: string) => void;
    const closed = new Promise<string>((r) => { closedResolve = r; });
    socket.on('data', (d) => {
      out += d.toString('latin1');
      for (const w of [...waiters]) if (w.re.test(out)) { waiters.splice(waiters.indexOf(w), 1); w.done(out); }
    });
    socket.on('end', () => closedResolve(out));
    socket.on('close', () => closedResolve(out));
    socket.on('error', () => closedResolve(out));
    socket.once('connect', () => resolve({
      socket,
      received: () => out,
      closed,
      waitFor: (re) => (re.test(out) ? Promise.resolve(out) : new Promise((done) => waiters.push({ re, done }))),
    }));
    socket.once('error', reject);
  });
}

/** One HTTP/1.1 keep-alive GET on a raw client; resolves with the status line's code. */
export async function rawGet(c: RawClient, path: string): Promise<number> {
  const before = c.received().length;
  c.socket.write(`GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`);
  const all = await c.waitFor(new RegExp(`^[\\s\\S]{${before}}HTTP/1\\.1 (\\d{3})[\\s\\S]*?\\r\\n\\r\\n`));
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(all.slice(before))![1]);
}

/** Wait until `pred()` holds (polling; the bound only turns a hang into a failure). */
export async function until(pred: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `500 Internal Server Error (ref 7f3a9c2e)`: a host-made failure body, with its reference. */
export const SHORT_FAILURE = /^(\d{3}) [A-Za-z -]+ \(ref ([0-9a-f]{8})\)\n?$/;
