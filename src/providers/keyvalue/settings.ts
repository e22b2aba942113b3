// Which backend and bucket a keyvalue link uses, from its link values (README.md "Link values").
// Pure: bad values fail at link-put time.
import { LinkError } from '../../host/errors.js';
import { linkValue } from '../link-values.js';

export type KvBackendKind = 'lmdb' | 'memory' | 'redis';

export interface KvSettings {
  backend: KvBackendKind;
  /** Data scope: links naming the same bucket on the same backend share keys. '' = the shared default. */
  bucket: string;
  /** Redis only. */
  url?: string;
}

export const KNOWN_KEYS = ['backend', 'bucket', 'url'] as const;
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const BACKENDS: readonly KvBackendKind[] = ['lmdb', 'memory', 'redis'];

export function parseKvSettings(values: Record<string, string> | undefined): KvSettings {
  const url = linkValue(values, 'url')?.trim();
  const rawBackend = linkValue(values, 'backend')?.trim().toLowerCase();
  // A URL alone means Redis, as wasmCloud's kvredis is configured.
  const backend = (rawBackend === undefined || rawBackend === '' ? (url ? 'redis' : 'lmdb') : rawBackend) as KvBackendKind;
  if (!BACKENDS.includes(backend)) {
    throw new LinkError(`keyvalue link value backend="${rawBackend}" is not a known backend`, `use one of: ${BACKENDS.join(', ')} (default lmdb)`);
  }
  if (url && backend !== 'redis') {
    throw new LinkError(`keyvalue link value URL is set but backend=${backend}`, 'remove URL, or use backend=redis');
  }
  const bucket = linkValue(values, 'bucket') ?? '';
  if (bucket.length > 200 || /[\u0000-\u001f]/.test(bucket)) {
    throw new LinkError('keyvalue link value bucket must be at most 200 printable characters', 'e.g. bucket=orders');
  }
  return backend === 'redis' ? { backend, bucket, url: url || DEFAULT_REDIS_URL } : { backend, bucket };
}

export function sameKvSettings(a: KvSettings, b: KvSettings): boolean {
  return a.backend === b.backend && a.bucket === b.bucket && a.url === b.url;
}
