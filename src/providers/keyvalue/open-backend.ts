// Builds the backend a link asks for. lmdb (native addon) and ioredis load on first use, so
// hosts and CLI commands that never open those backends do not pay for loading them.
import { join } from 'node:path';
import type { KvBackend } from './backend.js';
import { EntryBackend } from './entry-backend.js';
import { MemoryStore } from './memory-store.js';
import type { KvSettings } from './settings.js';

export interface OpenContext {
  /** Provider data directory; lmdb data lives under `<dataDir>/keyvalue`. */
  dataDir: string;
  commandTimeoutMs: number;
}

export async function openBackend(s: KvSettings, ctx: OpenContext): Promise<KvBackend> {
  switch (s.backend) {
    case 'memory':
      return new EntryBackend(new MemoryStore(s.bucket));
    case 'lmdb': {
      const { LmdbStore } = await import('./lmdb-store.js');
      return new EntryBackend(new LmdbStore(join(ctx.dataDir, 'keyvalue'), s.bucket));
    }
    case 'redis': {
      const { openRedisBackend } = await import('./redis-backend.js');
      return openRedisBackend({ url: s.url!, bucket: s.bucket, commandTimeoutMs: ctx.commandTimeoutMs });
    }
  }
}
