// Builds the backend a link asks for. lmdb (native addon) and ioredis load on first use, so
// hosts and CLI commands that never open those backends do not pay for loading them. What a
// backend shares with the host's other links (memory buckets, open lmdb files, Redis clients)
// lives in the host's HostScope.
import { join } from 'node:path';
import type { HostScope } from '../../core/scope.js';
import type { KvBackend } from './backend.js';
import { EntryBackend } from './entry-backend.js';
import { MEMORY_BUCKETS, MemoryStore } from './memory-store.js';
import type { KvSettings } from './settings.js';

export interface OpenContext {
  /** Provider data directory; lmdb data lives under `<dataDir>/keyvalue`. */
  dataDir: string;
  commandTimeoutMs: number;
  scope: HostScope;
  log: (level: 'info' | 'warn', text: string) => void;
}

export async function openBackend(s: KvSettings, ctx: OpenContext): Promise<KvBackend> {
  switch (s.backend) {
    case 'memory':
      return new EntryBackend(new MemoryStore(s.bucket, ctx.scope.use(MEMORY_BUCKETS), s.maxBytes!));
    case 'lmdb': {
      const [{ LmdbStore }, { LMDB_ENVS }] = await Promise.all([import('./lmdb-store.js'), import('./lmdb-env.js')]);
      return new EntryBackend(await LmdbStore.open(ctx.scope.use(LMDB_ENVS), join(ctx.dataDir, 'keyvalue'), s.bucket, s.maxBytes!));
    }
    case 'nats': {
      const [{ NatsKvStore }, { NATS_CONNECTIONS }] = await Promise.all([import('./nats-store.js'), import('../nats-connection.js')]);
      const pool = ctx.scope.use(NATS_CONNECTIONS);
      const target = s.nats!;
      const nc = await pool.acquire(target, 'stratus keyvalue');
      try {
        return new EntryBackend(await NatsKvStore.open(nc, s.bucket, target.servers.join(','), ctx.commandTimeoutMs, s.jsDomain, () => pool.release(target)));
      } catch (e) {
        await pool.release(target);
        throw e;
      }
    }
    case 'redis': {
      const { openRedisBackend } = await import('./redis-backend.js');
      return openRedisBackend({ url: s.url!, bucket: s.bucket, rawKeys: s.rawKeys ?? false, commandTimeoutMs: ctx.commandTimeoutMs, scope: ctx.scope, log: ctx.log });
    }
  }
}
