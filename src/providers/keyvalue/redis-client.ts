// The Redis connections of one host: one ioredis client per URL, shared by the host's links that
// use it, kept in the host's HostScope (another host in the same process has its own).
//
// Two rules shape the client options (README.md "Redis: when the connection fails"):
// - A command is never sent twice. ioredis re-sends commands that were written but unanswered when
//   a connection drops (`autoResendUnfulfilledCommands`); for INCRBY or RPUSH that applies them
//   twice. Here such a command fails instead, saying its outcome is unknown.
// - Nothing waits for Redis: while it is away commands fail at once ("was not performed"), and the
//   client reconnects in the background, also when Redis was not reachable when the link was put.
import { Redis } from 'ioredis';
import { LinkError } from '../../core/errors.js';
import { scopeKey, type HostScope } from '../../core/scope.js';

export interface KvRedis extends Redis {
  kvIncrement(key: string, delta: number): Promise<number>;
  kvTypedClear(key: string, type: string): Promise<number>;
}

export interface SharedClient {
  readonly client: KvRedis;
  /** The URL without its password, for messages. */
  readonly display: string;
  refs: number;
  /** The last connection error, until the next successful connect. */
  lastError?: string;
  /** Disconnected for good (its last link went, or its host stopped). */
  closed?: boolean;
}

type Log = (level: 'info' | 'warn', text: string) => void;

// One INCRBY in the common case; the i32 checks afterwards undo it inside the same script (atomic:
// nobody sees the intermediate value). Errors find their cause only on the slow path.
const INCREMENT_LUA = `
local ok, n = pcall(redis.call, 'INCRBY', KEYS[1], ARGV[1])
if not ok then
  local t = redis.call('TYPE', KEYS[1]).ok
  if t ~= 'string' then return redis.error_reply('WRONGTYPE ' .. t) end
  return redis.error_reply('NOTINT ' .. redis.call('GET', KEYS[1]))
end
local d = tonumber(ARGV[1])
local cur = n - d
if cur < -2147483648 or cur > 2147483647 then
  redis.call('DECRBY', KEYS[1], ARGV[1])
  return redis.error_reply('NOTINT ' .. redis.call('GET', KEYS[1]))
end
if n < -2147483648 or n > 2147483647 then
  redis.call('DECRBY', KEYS[1], ARGV[1])
  return redis.error_reply('OVERFLOW ' .. cur)
end
return n`;

const TYPED_CLEAR_LUA = `
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'none' then return 0 end
if t ~= ARGV[1] then return redis.error_reply('WRONGTYPE ' .. t) end
redis.call('DEL', KEYS[1])
return 1`;

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

export function validateRedisUrl(url: string): void {
  let u: URL;
  try { u = new URL(url); } catch {
    throw new LinkError(`keyvalue link value URL="${redactUrl(url)}" is not a URL`, 'use redis://HOST:PORT[/DB], e.g. URL=redis://127.0.0.1:6379');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new LinkError(`keyvalue link value URL="${redactUrl(url)}" has scheme "${u.protocol.replace(/:$/, '')}", expected redis or rediss`, 'use redis://HOST:PORT[/DB], e.g. URL=redis://127.0.0.1:6379');
  }
  if (u.pathname && u.pathname !== '/' && !/^\/\d+$/.test(u.pathname)) {
    throw new LinkError(`keyvalue link value URL="${redactUrl(url)}" selects database "${u.pathname.slice(1)}", expected a number`, 'e.g. URL=redis://127.0.0.1:6379/0');
  }
}

function createClient(url: string, commandTimeoutMs: number): KvRedis {
  const client = new Redis(url, {
    lazyConnect: true,
    // Fail fast instead of queueing while Redis is away; ioredis keeps reconnecting behind the scenes.
    enableOfflineQueue: false,
    // Commands written but unanswered when the connection drops are failed, never re-sent: with 0
    // retries ioredis rejects them as the connection closes (MaxRetriesPerRequestError), and with
    // re-sending off nothing is replayed on the next connection.
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(commandTimeoutMs, 1000),
    retryStrategy: (times) => Math.min(100 * times, 2000),
  }) as KvRedis;
  client.defineCommand('kvIncrement', { numberOfKeys: 1, lua: INCREMENT_LUA });
  client.defineCommand('kvTypedClear', { numberOfKeys: 1, lua: TYPED_CLEAR_LUA });
  return client;
}

/** Settles when the client is ready or its first attempt failed (it keeps retrying afterwards). */
function firstAttempt(shared: SharedClient): Promise<void> {
  return new Promise((resolve) => {
    const { client } = shared;
    const done = () => { client.off('ready', done); client.off('error', done); client.off('end', done); resolve(); };
    client.on('ready', done);
    client.on('error', done);
    client.on('end', done);
    client.connect().catch((e: Error) => { shared.lastError ??= e.message; done(); });
  });
}

/** One host's Redis clients, by URL. */
export class RedisClients {
  private readonly clients = new Map<string, SharedClient>();
  private readonly opening = new Map<string, Promise<SharedClient>>();

  /**
   * The client for `url`, connecting it the first time. Waits for the first connection attempt
   * (so a reachable Redis serves the very next call), but an unreachable one does not fail: the
   * client is kept and reconnects in the background, and `log` says calls fail until Redis answers.
   */
  async acquire(url: string, commandTimeoutMs: number, log: Log): Promise<SharedClient> {
    const existing = this.clients.get(url) ?? await this.opening.get(url);
    if (existing) { existing.refs++; return existing; }
    const opening = this.open(url, commandTimeoutMs, log);
    this.opening.set(url, opening);
    try {
      const shared = await opening;
      this.clients.set(url, shared);
      return shared;
    } finally {
      this.opening.delete(url);
    }
  }

  release(url: string, shared: SharedClient): void {
    if (--shared.refs > 0) return;
    if (this.clients.get(url) === shared) this.clients.delete(url);
    shared.closed = true;
    shared.client.disconnect();
  }

  closeAll(): void {
    for (const shared of this.clients.values()) { shared.closed = true; shared.client.disconnect(); }
    this.clients.clear();
  }

  private async open(url: string, commandTimeoutMs: number, log: Log): Promise<SharedClient> {
    const client = createClient(url, commandTimeoutMs);
    const shared: SharedClient = { client, display: redactUrl(url), refs: 1 };
    let warned = false;
    client.on('error', (e: Error) => { shared.lastError = e.message; });
    client.on('ready', () => {
      shared.lastError = undefined;
      if (warned) { warned = false; log('info', `keyvalue: Redis ${shared.display} answers again; calls go through`); }
    });
    await firstAttempt(shared);
    if (client.status !== 'ready') {
      warned = true;
      log('warn', `keyvalue: Redis ${shared.display} is not answering (${shared.lastError ?? client.status}); the link is kept and `
        + 'its calls fail until Redis answers, while the provider reconnects in the background');
    }
    return shared;
  }
}

export const REDIS_CLIENTS = scopeKey('keyvalue redis clients', (scope: HostScope) => {
  const clients = new RedisClients();
  scope.onClose(() => clients.closeAll());
  return clients;
});
