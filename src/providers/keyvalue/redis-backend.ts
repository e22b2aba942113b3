// Redis backend (link value URL=redis://..., as wasmCloud's kvredis takes it). Native commands
// where Redis already behaves as README.md pins it; Lua where it does not (i32 Increment, typed
// clears). One client per URL, shared by the links that use it.
import { Redis, ReplyError } from 'ioredis';
import { LinkError, StratusError } from '../../host/errors.js';
import type { KvBackend } from './backend.js';
import { notAnInteger, overflow, wrongType, type KvKind } from './errors.js';
import { sortMembers } from './semantics.js';

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

interface KvRedis extends Redis {
  kvIncrement(key: string, delta: number): Promise<number>;
  kvTypedClear(key: string, type: string): Promise<number>;
}

interface SharedClient { client: KvRedis; refs: number; lastError?: string; display: string }
const clients = new Map<string, SharedClient>();

export interface RedisOptions {
  url: string;
  bucket: string;
  /** Per-command deadline (ms): commands never wait on a dead connection longer than this. */
  commandTimeoutMs: number;
}

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

async function acquire(url: string, commandTimeoutMs: number): Promise<SharedClient> {
  const existing = clients.get(url);
  if (existing) { existing.refs++; return existing; }
  const display = redactUrl(url);
  const client = new Redis(url, {
    lazyConnect: true,
    // Fail fast instead of queueing while Redis is away; ioredis keeps reconnecting behind the scenes.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(commandTimeoutMs, 1000),
    retryStrategy: (times) => Math.min(100 * times, 2000),
  }) as KvRedis;
  client.defineCommand('kvIncrement', { numberOfKeys: 1, lua: INCREMENT_LUA });
  client.defineCommand('kvTypedClear', { numberOfKeys: 1, lua: TYPED_CLEAR_LUA });
  const shared: SharedClient = { client, refs: 1, display };
  client.on('error', (e: Error) => { shared.lastError = e.message; });
  client.on('ready', () => { shared.lastError = undefined; });
  try {
    await client.connect();
  } catch (e) {
    client.disconnect();
    throw new LinkError(`cannot reach Redis at ${display}: ${shared.lastError ?? (e as Error).message}`,
      'check that redis-server is running and the URL link value (host, port, password) is right');
  }
  clients.set(url, shared);
  return shared;
}

/**
 * Hold this turn's commands and send them in one write when the turn's I/O callbacks are done
 * (setImmediate runs in the same event-loop iteration, right after the poll phase). Under load many
 * requests arrive in one poll; without this each command costs its own write syscall, which
 * measured as the largest single cost of a Redis-backed request (see bench/http.ts).
 */
function batchThisTurn(shared: SharedClient): void {
  const stream: Redis['stream'] | undefined = shared.client.stream; // unset until the first connect
  if (!stream || stream.destroyed || stream.writableCorked > 0) return; // already held for this turn
  stream.cork();
  setImmediate(() => stream.uncork());
}

function release(url: string, shared: SharedClient): void {
  if (--shared.refs > 0) return;
  if (clients.get(url) === shared) clients.delete(url);
  shared.client.disconnect();
}

export async function openRedisBackend(o: RedisOptions): Promise<RedisBackend> {
  validateRedisUrl(o.url);
  const shared = await acquire(o.url, o.commandTimeoutMs);
  return new RedisBackend(o.url, o.bucket, shared, o.commandTimeoutMs);
}

export class RedisBackend implements KvBackend {
  readonly kind = 'redis';
  private readonly prefix: string;
  private closed = false;

  constructor(private readonly url: string, private readonly bucket: string, private readonly shared: SharedClient, private readonly commandTimeoutMs: number) {
    this.prefix = bucket === '' ? '' : `${bucket}:`;
  }

  private get r(): KvRedis { return this.shared.client; }
  private k(key: string): string { return this.prefix + key; }

  async get(key: string) {
    const v = await this.run('Get', [key], 'string', () => this.r.get(this.k(key)));
    return v === null ? { value: '', exists: false } : { value: v, exists: true };
  }

  async set(key: string, value: string, expires: number) {
    await this.run('Set', [key], 'string', () => (expires > 0 ? this.r.set(this.k(key), value, 'EX', expires) : this.r.set(this.k(key), value)));
  }

  async del(key: string) { return (await this.run('Del', [key], 'string', () => this.r.del(this.k(key)))) > 0; }
  async contains(key: string) { return (await this.run('Contains', [key], 'string', () => this.r.exists(this.k(key)))) > 0; }

  increment(key: string, delta: number) {
    return this.run('Increment', [key], 'string', () => this.r.kvIncrement(this.k(key), delta), (msg) => {
      const m = /^(NOTINT|OVERFLOW) (.*)$/s.exec(msg);
      return m ? (m[1] === 'NOTINT' ? notAnInteger(key, m[2]!) : overflow(key, Number(m[2]), delta)) : undefined;
    });
  }

  async listAdd(name: string, value: string) { return this.run('ListAdd', [name], 'list', () => this.r.rpush(this.k(name), value)); }
  async listDel(name: string, value: string) { return (await this.run('ListDel', [name], 'list', () => this.r.lrem(this.k(name), 1, value))) > 0; }
  async listRange(name: string, start: number, stop: number) { return this.run('ListRange', [name], 'list', () => this.r.lrange(this.k(name), start, stop)); }
  async listClear(name: string) { return (await this.run('ListClear', [name], 'list', () => this.r.kvTypedClear(this.k(name), 'list'))) > 0; }
  async setAdd(name: string, value: string) { return this.run('SetAdd', [name], 'set', () => this.r.sadd(this.k(name), value)); }
  async setDel(name: string, value: string) { return this.run('SetDel', [name], 'set', () => this.r.srem(this.k(name), value)); }
  async setQuery(name: string) { return sortMembers(await this.run('SetQuery', [name], 'set', () => this.r.smembers(this.k(name)))); }

  async setUnion(names: string[]) {
    if (names.length === 0) return [];
    return sortMembers(await this.run('SetUnion', names, 'set', () => this.r.sunion(...names.map((n) => this.k(n)))));
  }

  async setIntersection(names: string[]) {
    if (names.length === 0) return [];
    return sortMembers(await this.run('SetIntersection', names, 'set', () => this.r.sinter(...names.map((n) => this.k(n)))));
  }

  async setClear(name: string) { return (await this.run('SetClear', [name], 'set', () => this.r.kvTypedClear(this.k(name), 'set'))) > 0; }

  async health() {
    if (this.closed) return { healthy: false, message: 'redis backend closed' };
    // ioredis reports 'ready' until it has handled the socket's close; a socket that can no longer
    // be written to already refuses commands, so it counts as down from that moment.
    const status = this.r.status === 'ready' && this.r.stream?.writable === false ? 'disconnecting' : this.r.status;
    if (status === 'ready') return { healthy: true, message: `redis ${this.shared.display} ready` };
    return { healthy: false, message: `redis ${this.shared.display} is ${status}${this.shared.lastError ? `: ${this.shared.lastError}` : ''}` };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    release(this.url, this.shared);
  }

  /**
   * Run one command, turning Redis' errors into the pinned ones (README.md "Errors"). Not async:
   * the request path gets one then() instead of an async frame and its await; errors are mapped
   * only when they happen.
   * `scriptError` maps the errors our Lua scripts raise on purpose (NOTINT, OVERFLOW).
   */
  private run<T>(op: string, keys: string[], wants: KvKind, fn: () => Promise<T>, scriptError?: (msg: string) => Error | undefined): Promise<T> {
    if (this.closed) return Promise.reject(new StratusError('PROVIDER_NOT_RUNNING', `the redis key-value link for bucket "${this.bucket}" was deleted`, 'put the link again'));
    batchThisTurn(this.shared);
    let reply: Promise<T>;
    try {
      reply = fn();
    } catch (e) {
      return this.failure(op, keys, wants, e, scriptError);
    }
    return reply.then(undefined, (e: unknown) => this.failure(op, keys, wants, e, scriptError));
  }

  private async failure(op: string, keys: string[], wants: KvKind, e: unknown, scriptError?: (msg: string) => Error | undefined): Promise<never> {
    if (e instanceof ReplyError) {
      const msg = (e as Error).message;
      if (msg.startsWith('WRONGTYPE')) throw await this.typeError(op, keys, wants, msg);
      const mapped = scriptError?.(msg);
      if (mapped) throw mapped;
      throw new StratusError('INTERNAL', `Redis ${this.shared.display} rejected KeyValue.${op}: ${msg}`);
    }
    const msg = (e as Error).message ?? String(e);
    if (/timed out/i.test(msg)) {
      // The command was sent: Redis may still apply it when it catches up, so do not claim otherwise.
      throw new StratusError('TIMEOUT', `Redis ${this.shared.display} did not answer KeyValue.${op} within ${this.commandTimeoutMs} ms; it may still be applied if Redis catches up`,
        'check that Redis is not overloaded or paused; the provider keeps the connection and later calls go through once it answers');
    }
    throw new StratusError('INTERNAL',
      `Redis ${this.shared.display} is unavailable (${this.shared.lastError ?? msg}); KeyValue.${op} was not performed`,
      'the provider reconnects on its own: retry once Redis is reachable again');
  }

  private async typeError(op: string, keys: string[], wants: KvKind, msg: string): Promise<StratusError> {
    const fromLua = /^WRONGTYPE (\w+)$/.exec(msg);
    if (fromLua && keys.length === 1) return wrongType(op, keys[0]!, fromLua[1]!, wants);
    for (const key of keys) {
      const t = await this.r.type(this.k(key)).catch(() => 'unknown');
      if (t !== 'none' && t !== wants) return wrongType(op, key, t, wants);
    }
    return wrongType(op, keys[0] ?? '', 'value of another type', wants);
  }
}
