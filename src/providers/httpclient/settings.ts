// Link values of wasmcloud:httpclient. Outbound HTTP is denied by default: a link allows exactly
// the hosts its `allowed_hosts` names. Pure: bad values fail at link-put time.
import { LinkError } from '../../core/errors.js';
import { linkValue, SIZE_SUFFIXES, sizeValue, timeoutValue } from '../link-values.js';

export const KNOWN_KEYS = ['allowed_hosts', 'timeout_ms', 'max_response_len', 'max_request_len'] as const;
export const DEFAULT_MAX_RESPONSE_LEN = 16 * 1024 * 1024;
export const DEFAULT_MAX_REQUEST_LEN = 16 * 1024 * 1024;

/** One allowed host: exact name or `*.suffix`, with an optional port (any port when absent). */
export interface HostRule { host: string; wildcard: boolean; port?: number }

export interface HttpClientSettings {
  /** `all`: the link said `allowed_hosts=*`. */
  allowed: HostRule[] | 'all';
  timeoutMs: number;
  maxResponseBytes: number;
  maxRequestBytes: number;
}

/** The shared suffixes, and `b` for bytes. */
const SIZE_SUFFIX: Record<string, number> = { ...SIZE_SUFFIXES, b: 1 };
const HOSTNAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

function parseSize(text: string, what: string): number {
  return sizeValue(text, 'httpclient', what, '1M', SIZE_SUFFIX);
}

function parseTimeout(text: string): number {
  return timeoutValue(text, 'httpclient', 'timeout_ms');
}

export function parseHostRule(entry: string): HostRule {
  let text = entry.trim().toLowerCase();
  let port: number | undefined;
  const bracket = /^\[([0-9a-f:.]+)\](?::(\d+))?$/.exec(text);
  if (bracket) {
    text = bracket[1]!;
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else {
    const m = /^(.*):(\d+)$/.exec(text);
    if (m && !m[1]!.includes(':')) { text = m[1]!; port = Number(m[2]); }
  }
  if (port !== undefined && (port < 1 || port > 65535)) {
    throw new LinkError(`httpclient link value allowed_hosts entry "${entry}" has a port out of range`, 'ports are 1-65535');
  }
  const wildcard = text.startsWith('*.');
  const name = wildcard ? text.slice(2) : text;
  const isV6 = !bracket ? false : /^[0-9a-f:.]+$/.test(name);
  if (!isV6 && !HOSTNAME.test(name)) {
    throw new LinkError(`httpclient link value allowed_hosts entry "${entry}" is not a host name`,
      'list host names, optionally with :port or a leading *. for subdomains, e.g. allowed_hosts=api.example.com,*.internal:8443,127.0.0.1:9000');
  }
  return port === undefined ? { host: name, wildcard } : { host: name, wildcard, port };
}

export function parseHttpClientSettings(values: Record<string, string> | undefined, defaultTimeoutMs: number): HttpClientSettings {
  const hosts = (linkValue(values, 'allowed_hosts') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const allowed = hosts.includes('*') ? 'all' as const : hosts.map(parseHostRule);
  const t = linkValue(values, 'timeout_ms');
  const r = linkValue(values, 'max_response_len');
  const q = linkValue(values, 'max_request_len');
  return {
    allowed,
    timeoutMs: t === undefined ? defaultTimeoutMs : parseTimeout(t),
    maxResponseBytes: r === undefined ? DEFAULT_MAX_RESPONSE_LEN : parseSize(r, 'max_response_len'),
    maxRequestBytes: q === undefined ? DEFAULT_MAX_REQUEST_LEN : parseSize(q, 'max_request_len'),
  };
}

/** Whether a request to `hostname:port` is allowed (hostname lowercase, IPv6 without brackets). */
export function hostAllowed(s: HttpClientSettings, hostname: string, port: number): boolean {
  if (s.allowed === 'all') return true;
  return s.allowed.some((r) => (r.port === undefined || r.port === port)
    && (r.wildcard ? hostname.endsWith(`.${r.host}`) : hostname === r.host));
}

export function describeAllowed(s: HttpClientSettings): string {
  if (s.allowed === 'all') return 'every host (allowed_hosts=*)';
  if (s.allowed.length === 0) return 'no host (allowed_hosts is not set)';
  return s.allowed.map((r) => `${r.wildcard ? '*.' : ''}${r.host.includes(':') ? `[${r.host}]` : r.host}${r.port ? `:${r.port}` : ''}`).join(', ');
}
