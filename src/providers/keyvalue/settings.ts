// Which backend and bucket a keyvalue link uses, from its link values (README.md "Link values").
// Pure: bad values fail at link-put time.
import { LinkError } from '../../core/errors.js';
import { linkValue } from '../link-values.js';
import { parseCredentials, parseServers, type NatsTarget } from '../nats-connection.js';

export type KvBackendKind = 'lmdb' | 'memory' | 'redis' | 'nats';

export interface KvSettings {
  backend: KvBackendKind;
  /** Data scope: links naming the same bucket on the same backend share keys. '' = the shared default. */
  bucket: string;
  /** Redis only. */
  url?: string;
  /** Redis only: use the actor's keys as they are (shared with wasmCloud's kvredis), no bucket prefix. */
  rawKeys?: boolean;
  /** lmdb and memory: writes that need more space are refused once the store holds this many bytes. */
  maxBytes?: number;
  /** NATS only (JetStream KV): servers and credentials, and the JetStream domain. */
  nats?: NatsTarget;
  jsDomain?: string;
}

/** wasmCloud's kv-nats names its link values like this (lowercase; keys are case-insensitive). */
export const NATS_KEYS = ['cluster_uri', 'uri', 'js_domain', 'client_jwt', 'client_seed'] as const;
export const KNOWN_KEYS = ['backend', 'bucket', 'url', 'max_size', 'raw_keys', ...NATS_KEYS] as const;
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const BACKENDS: readonly KvBackendKind[] = ['lmdb', 'memory', 'redis', 'nats'];

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;
/** Defaults for max_size: the lmdb file lives on disk, memory buckets on the host's heap. */
export const DEFAULT_MAX_BYTES: Record<'lmdb' | 'memory', number> = { lmdb: GIB, memory: 256 * MIB };
/** Below this a store cannot hold LMDB's own pages plus a useful amount of data. */
export const MIN_MAX_BYTES = 64 * KIB;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const SIZE_SUFFIX: Record<string, number> = { '': 1, b: 1, k: KIB, kb: KIB, m: MIB, mb: MIB, g: GIB, gb: GIB, t: 1024 * GIB, tb: 1024 * GIB };

export function parseKvSettings(values: Record<string, string> | undefined): KvSettings {
  const url = linkValue(values, 'url')?.trim();
  const rawBackend = linkValue(values, 'backend')?.trim().toLowerCase();
  const natsGiven = NATS_KEYS.filter((k) => linkValue(values, k) !== undefined);
  // A URL alone means Redis, as wasmCloud's kvredis is configured; cluster_uri alone means NATS,
  // as wasmCloud's kv-nats is.
  const implied = url ? 'redis' : linkValue(values, 'cluster_uri') !== undefined ? 'nats' : 'lmdb';
  const backend = (rawBackend === undefined || rawBackend === '' ? implied : rawBackend) as KvBackendKind;
  if (!BACKENDS.includes(backend)) {
    throw new LinkError(`keyvalue link value backend="${rawBackend}" is not a known backend`, `use one of: ${BACKENDS.join(', ')} (default lmdb)`);
  }
  if (url && backend !== 'redis') {
    throw new LinkError(`keyvalue link value URL is set but backend=${backend}`, 'remove URL, or use backend=redis');
  }
  if (natsGiven.length > 0 && backend !== 'nats') {
    throw new LinkError(`keyvalue link value(s) ${natsGiven.join(', ')} apply to backend=nats, not ${backend}`, 'remove them, or use backend=nats');
  }
  const bucket = linkValue(values, 'bucket') ?? '';
  // Control characters are refused so `bucket + "\0" + key` (the lmdb overlay's index) stays
  // unambiguous; lone surrogates because UTF-8 turns them all into U+FFFD, so two buckets would
  // become one name in Redis.
  if (bucket.length > 200 || /[\u0000-\u001f]/.test(bucket) || LONE_SURROGATE.test(bucket)) {
    throw new LinkError('keyvalue link value bucket must be at most 200 printable characters', 'e.g. bucket=orders');
  }
  const rawKeysText = linkValue(values, 'raw_keys');
  const maxSizeText = linkValue(values, 'max_size');
  if (backend === 'redis') {
    if (maxSizeText !== undefined) {
      throw new LinkError('keyvalue link value max_size applies to the lmdb and memory backends, not to Redis',
        "remove max_size and limit Redis' memory with its own maxmemory setting");
    }
    const rawKeys = rawKeysText === undefined ? false : parseBool(rawKeysText, 'raw_keys');
    if (rawKeys && bucket !== '') {
      throw new LinkError('keyvalue link values raw_keys=true and bucket cannot be combined: raw keys are the whole Redis database, unscoped',
        'remove bucket to share keys with wasmCloud\'s kvredis provider, or remove raw_keys to keep this bucket isolated');
    }
    return { backend, bucket, url: url || DEFAULT_REDIS_URL, rawKeys };
  }
  if (backend === 'nats') {
    if (maxSizeText !== undefined || rawKeysText !== undefined) {
      throw new LinkError('keyvalue link values max_size and raw_keys do not apply to backend=nats', 'remove them; limit the bucket with the NATS server (nats kv add --max-bytes)');
    }
    const uri = linkValue(values, 'cluster_uri') ?? linkValue(values, 'uri');
    const servers = parseServers(uri, 'keyvalue link value cluster_uri');
    const creds = parseCredentials(linkValue(values, 'client_jwt'), linkValue(values, 'client_seed'), ['client_jwt', 'client_seed']);
    const jsDomain = linkValue(values, 'js_domain')?.trim() || undefined;
    return { backend, bucket, nats: { servers, ...creds }, ...(jsDomain ? { jsDomain } : {}) };
  }
  if (rawKeysText !== undefined) {
    throw new LinkError(`keyvalue link value raw_keys applies to the Redis backend, not to ${backend}`, 'remove raw_keys');
  }
  const maxBytes = maxSizeText === undefined ? DEFAULT_MAX_BYTES[backend] : parseSize(maxSizeText);
  return { backend, bucket, maxBytes };
}

/** `512M`, `1G`, `65536`: bytes, with an optional binary K/M/G/T suffix. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(text);
  const mult = m ? SIZE_SUFFIX[m[2]!.toLowerCase()] : undefined;
  const bytes = m && mult !== undefined ? Number(m[1]) * mult : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < MIN_MAX_BYTES) {
    throw new LinkError(`keyvalue link value max_size="${text}" is not a size of at least ${formatSize(MIN_MAX_BYTES)}`,
      'use a number of bytes, optionally with K, M, G or T (powers of 1024), e.g. max_size=512M');
  }
  return bytes;
}

export function formatSize(bytes: number): string {
  for (const [unit, size] of [['T', 1024 * GIB], ['G', GIB], ['M', MIB], ['K', KIB]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return bytes >= MIB ? `${(bytes / MIB).toFixed(1)}M` : `${bytes} bytes`;
}

function parseBool(text: string, what: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === '1' || t === 'yes') return true;
  if (t === 'false' || t === '0' || t === 'no' || t === '') return false;
  throw new LinkError(`keyvalue link value ${what}="${text}" is not a boolean`, `use ${what}=true or ${what}=false`);
}

export function sameKvSettings(a: KvSettings, b: KvSettings): boolean {
  return a.backend === b.backend && a.bucket === b.bucket && a.url === b.url && a.rawKeys === b.rawKeys && a.maxBytes === b.maxBytes
    && a.jsDomain === b.jsDomain && JSON.stringify(a.nats) === JSON.stringify(b.nats);
}
