// Redis backend (link value URL=redis://..., as wasmCloud's kvredis takes it). Native commands
// where Redis already behaves as README.md pins it; Lua where it does not (i32 Increment, typed
// clears). Connections come from the host's RedisClients (redis-client.ts), keys are namespaced by
// bucket (redis-keys.ts).
import { ReplyError } from 'ioredis';
import { StratusError } from '../../core/errors.js';
import type { HostScope } from '../../core/scope.js';
import type { KvBackend } from './backend.js';
import { notAnInteger, overflow, wrongType, type KvKind } from './errors.js';
import { sortMembers } from './semantics.js';
import { REDIS_CLIENTS, validateRedisUrl, type KvRedis, type RedisClients, type SharedClient } from './redis-client.js';
import { keyPrefix } from './redis-keys.js';

export interface RedisOptions {
  url: string;
  bucket: string;
  /** Keys as the actor names them, without the bucket prefix (shared with wasmCloud's kvredis). */
  rawKeys: boolean;
  /** Per-command deadline (ms): commands never wait on a dead connection longer than this. */
  commandTimeoutMs: number;
  scope: HostScope;
  log: (level: 'info' | 'warn', text: string) => void;
}

/**
 * Hold this turn's commands and send them in one write when the turn's I/O callbacks are done
 * (setImmediate runs in the same event-loop iteration, right after the poll phase). Under load many
 * requests arrive in one poll; without this each command costs its own write syscall, which
 * measured as the largest single cost of a Redis-backed request (see bench/http.ts).
 */
function batchThisTurn(shared: SharedClient): void {
  const stream: KvRedis['stream'] | undefined = shared.client.stream; // unset until the first connect
  if (!stream || stream.destroyed || stream.writableCorked > 0) return; // already held for this turn
  stream.cork();
  setImmediate(() => stream.uncork());
}

/** ioredis' messages for a command it had written when the connection went away (redis-client.ts).
 *  One it never wrote fails with "Stream isn't writeable" instead. */
const DROPPED = /Connection is closed|max retries per request/i;

export async function openRedisBackend(o: RedisOptions): Promise<RedisBackend> {
  validateRedisUrl(o.url);
  const clients = o.scope.use(REDIS_CLIENTS);
  const shared = await clients.acquire(o.url, o.commandTimeoutMs, o.log);
  return new RedisBackend(o, clients, shared);
}

export class RedisBackend implements KvBackend {
  readonly kind = 'redis';
  private readonly prefix: string;
  private closed = false;
  private readonly url: string;
  private readonly bucket: string;
  private readonly commandTimeoutMs: number;

  constructor(o: RedisOptions, private readonly clients: RedisClients, private readonly shared: SharedClient) {
    this.url = o.url;
    this.bucket = o.bucket;
    this.commandTimeoutMs = o.commandTimeoutMs;
    this.prefix = keyPrefix(o.bucket, o.rawKeys);
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
    if (this.closed || this.shared.closed) return { healthy: false, message: 'redis backend closed' };
    // ioredis reports 'ready' until it has handled the socket's close; a socket that can no longer
    // be written to already refuses commands, so it counts as down from that moment.
    const status = this.r.status === 'ready' && this.r.stream?.writable === false ? 'disconnecting' : this.r.status;
    if (status === 'ready') return { healthy: true, message: `redis ${this.shared.display} ready` };
    return { healthy: false, message: `redis ${this.shared.display} is ${status}${this.shared.lastError ? `: ${this.shared.lastError}` : ''}` };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clients.release(this.url, this.shared);
  }

  /**
   * Run one command, turning Redis' errors into the pinned ones (README.md "Errors"). Not async:
   * the request path gets one then() instead of an async frame and its await; errors are mapped
   * only when they happen.
   * `scriptError` maps the errors our Lua scripts raise on purpose (NOTINT, OVERFLOW).
   */
  private run<T>(op: string, keys: string[], wants: KvKind, fn: () => Promise<T>, scriptError?: (msg: string) => Error | undefined): Promise<T> {
    if (this.closed) return Promise.reject(new StratusError('PROVIDER_NOT_RUNNING', `the redis key-value link for bucket "${this.bucket}" was deleted`, 'put the link again'));
    if (this.shared.closed) {
      return Promise.reject(new StratusError('PROVIDER_NOT_RUNNING', `the connection to Redis ${this.shared.display} is closed (its host stopped); KeyValue.${op} was not performed`, 'put the link again'));
    }
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
    if (DROPPED.test(msg)) {
      // Written to Redis, no answer: it may have been applied. Never re-sent (redis-client.ts).
      throw new StratusError('INTERNAL', `the connection to Redis ${this.shared.display} dropped after KeyValue.${op} was sent; it may or may not have been applied`,
        'read the key to see whether it was; the provider reconnects on its own and does not repeat the command');
    }
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
