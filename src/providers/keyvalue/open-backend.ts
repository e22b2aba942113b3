// Builds the backend a link asks for.
import { join } from 'node:path';
import type { KvBackend } from './backend.js';
import { EntryBackend } from './entry-backend.js';
import { LmdbStore } from './lmdb-store.js';
import { MemoryStore } from './memory-store.js';
import { openRedisBackend } from './redis-backend.js';
import type { KvSettings } from './settings.js';

export interface OpenContext {
  /** Provider data directory; lmdb data lives under `<dataDir>/keyvalue`. */
  dataDir: string;
  commandTimeoutMs: number;
}

export async function openBackend(s: KvSettings, ctx: OpenContext): Promise<KvBackend> {
  switch (s.backend) {
    case 'memory': return new EntryBackend(new MemoryStore(s.bucket));
    case 'lmdb': return new EntryBackend(new LmdbStore(join(ctx.dataDir, 'keyvalue'), s.bucket));
    case 'redis': return openRedisBackend({ url: s.url!, bucket: s.bucket, commandTimeoutMs: ctx.commandTimeoutMs });
  }
}
