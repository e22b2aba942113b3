// NATS connections for providers whose links name a NATS server (messaging, keyvalue backend=nats).
// Links naming the same server and credentials share one connection, counted by its users and
// closed when the last one lets go. The pool lives in the host's HostScope (several hosts in one
// process keep separate connections). Providers use this, not src/lattice: a provider must work
// without the lattice and outside the host process.
import type { NatsConnection } from '@nats-io/nats-core';
import { LinkError, StratusError } from '../core/errors.js';
import { scopeKey } from '../core/scope.js';
import { decodeSeed } from '../claims/nkeys.js';

export interface NatsTarget {
  /** Server list as given (`nats://host:port`, `host:port`, comma-separated). */
  servers: string[];
  /** User JWT and its nkey seed (`SU...`), both or neither. */
  jwt?: string;
  seed?: string;
}

export const DEFAULT_NATS_SERVER = '127.0.0.1:4222';

/** Parses a URI link value (`nats://a:4222,b:4222`, `0.0.0.0:4222`) into a server list. */
export function parseServers(text: string | undefined, what: string): string[] {
  const raw = (text ?? '').trim();
  if (raw === '') return [DEFAULT_NATS_SERVER];
  const out: string[] = [];
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const bare = part.replace(/^(nats|tls|ws|wss):\/\//i, '');
    if (!/^[^\s/]+(:\d{1,5})?$/.test(bare)) {
      throw new LinkError(`${what}="${part}" is not a NATS server address`, 'use host:port or nats://host:port (comma-separated for several), e.g. nats://127.0.0.1:4222');
    }
    // 0.0.0.0 is a listen address (wasmCloud's default URI); as a destination it means this machine
    out.push(part.replace('0.0.0.0', '127.0.0.1'));
  }
  return out;
}

/** Checks a JWT/seed pair from link values; both or neither. */
export function parseCredentials(jwt: string | undefined, seed: string | undefined, names: [string, string]): { jwt?: string; seed?: string } {
  const j = jwt?.trim() || undefined;
  const s = seed?.trim() || undefined;
  if (!j && !s) return {};
  if (!j || !s) {
    throw new LinkError(`link values ${names[0]} and ${names[1]} go together: ${j ? names[1] : names[0]} is missing`,
      `give the user JWT in ${names[0]} and its nkey seed (SU...) in ${names[1]}, or neither for anonymous access`);
  }
  try {
    decodeSeed(s, 'user');
  } catch (e) {
    throw new LinkError(`link value ${names[1]} is not a NATS user seed: ${(e as Error).message}`, 'give the SU... seed that belongs to the user JWT');
  }
  return { jwt: j, seed: s };
}

export function targetKey(t: NatsTarget): string {
  return `${t.servers.join(',')}\u0000${t.jwt ?? ''}`;
}

interface Held { conn: Promise<NatsConnection>; users: number }

/** One host's shared provider connections. */
export class NatsConnections {
  private readonly held = new Map<string, Held>();

  /** A connection to `t` (shared); give it back with release(t). */
  acquire(t: NatsTarget, who: string): Promise<NatsConnection> {
    const key = targetKey(t);
    let h = this.held.get(key);
    if (!h) {
      const conn = open(t, who);
      h = { conn, users: 0 };
      this.held.set(key, h);
      // a failed connect is not kept: the next link put tries again
      conn.catch(() => { if (this.held.get(key) === h) this.held.delete(key); });
    }
    h.users++;
    return h.conn;
  }

  async release(t: NatsTarget): Promise<void> {
    const key = targetKey(t);
    const h = this.held.get(key);
    if (!h) return;
    if (--h.users > 0) return;
    this.held.delete(key);
    const nc = await h.conn.catch(() => undefined);
    await nc?.drain().catch(() => nc.close());
  }

  async closeAll(): Promise<void> {
    const all = [...this.held.values()];
    this.held.clear();
    await Promise.all(all.map(async (h) => { const nc = await h.conn.catch(() => undefined); await nc?.close().catch(() => undefined); }));
  }
}

export const NATS_CONNECTIONS = scopeKey('provider NATS connections', (scope) => {
  const c = new NatsConnections();
  scope.onClose(() => c.closeAll());
  return c;
});

async function open(t: NatsTarget, who: string): Promise<NatsConnection> {
  // The NATS client is loaded on the first connection: the link-value parsers above are used by
  // every keyvalue link, and a host that never connects should not load it at start (docs/coldstart.md).
  const [{ connect }, { jwtAuthenticator }] = await Promise.all([import('@nats-io/transport-node'), import('@nats-io/nats-core')]);
  try {
    return await connect({
      servers: t.servers,
      name: who,
      ...(t.jwt && t.seed ? { authenticator: jwtAuthenticator(t.jwt, new TextEncoder().encode(t.seed)) } : {}),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 5000,
      noAsyncTraces: true,
    });
  } catch (e) {
    throw new StratusError('LINK_INVALID', `${who}: could not connect to NATS at ${t.servers.join(', ')}: ${(e as Error).message}`,
      'start a NATS server (`nats-server -js`) there, or name the right one in the link value URI');
  }
}
