// Turns httpserver link values into listener settings (reference §2.3). Pure: no I/O, so bad values
// are rejected at link-put time with a message that says which value and how to fix it.
import { LinkError } from '../../core/errors.js';
import { linkValue, sizeValue, timeoutValue } from '../link-values.js';

export interface HttpServerSettings {
  host: string;
  port: number;
  /** Largest request body accepted, in bytes; larger bodies get 413. */
  maxContentLen: number;
  /** Deadline for the actor to answer one request (ms); past it the client gets 503. */
  timeoutMs: number;
  /** Connections this listener holds at once; more are refused with 503 (the host's budget may refuse earlier). */
  maxConnections: number;
  /** Time a client has to send the request head (ms); past it the client gets 408. */
  headersTimeoutMs: number;
  /** Time a client has to send the whole request, head and body (ms); past it the client gets 408. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open (ms). */
  keepAliveTimeoutMs: number;
  /** Largest response body the actor may return, in bytes; larger replies become 500. */
  maxResponseLen: number;
  /** Put the full error text in host-made failure bodies (development only; the log always has it). */
  debugErrors: boolean;
}

/** Defaults that come from the host rather than from this file. */
export interface SettingsDefaults {
  /** Host-wide development switch (STRATUS_DEV_ERRORS=1) for links that do not set debug_errors. */
  debugErrors?: boolean;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8000;
export const DEFAULT_MAX_CONTENT_LEN = 10 * 1024 * 1024;
/** Per listener; nginx's worker_connections default is 512-1024. The host's descriptor budget caps the sum. */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/** Shorter than Node's and nginx's 60 s: a request head is small, and a slow one ties up a connection. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Head and body together: 10 MiB (max_content_len) at ~1.4 Mbit/s. Node's own default is 300 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** Node's default. */
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_RESPONSE_LEN = 16 * 1024 * 1024;
const MAX_CONNECTIONS_LIMIT = 1_000_000;

/** Keys this provider understands (any case). */
export const KNOWN_KEYS = ['address', 'port', 'max_content_len', 'timeout_ms', 'max_connections', 'headers_timeout_ms', 'request_timeout_ms',
  'keepalive_timeout_ms', 'max_response_len', 'debug_errors', 'config_json', 'config_b64'] as const;

export function parsePort(text: string, what: string): number {
  const t = text.trim();
  if (!/^\d{1,5}$/.test(t) || Number(t) > 65535) {
    throw new LinkError(`httpserver link value ${what}="${text}" is not a TCP port`, 'use a whole number between 1 and 65535, e.g. port=8080');
  }
  return Number(t);
}

/** `host:port`, `[v6]:port`, or a bare host (port then comes from `port` or the default). */
export function parseAddress(text: string): { host: string; port?: number } {
  const t = text.trim();
  const bad = () => new LinkError(`httpserver link value address="${text}" is not a valid listen address`,
    'use HOST:PORT, e.g. address=127.0.0.1:8080 or address=0.0.0.0:8080 or address=[::1]:8080');
  if (t === '') throw bad();
  if (t.startsWith('[')) {
    const end = t.indexOf(']');
    if (end < 0) throw bad();
    const host = t.slice(1, end);
    const rest = t.slice(end + 1);
    if (rest === '') return { host };
    if (!rest.startsWith(':')) throw bad();
    return { host, port: parsePort(rest.slice(1), 'address') };
  }
  const colon = t.lastIndexOf(':');
  if (colon < 0) return { host: t };
  if (t.indexOf(':') !== colon) return { host: t }; // bare IPv6 without brackets and without port
  const host = t.slice(0, colon);
  if (host === '') throw bad();
  return { host, port: parsePort(t.slice(colon + 1), 'address') };
}

export function parseSize(text: string, what: string): number {
  return sizeValue(text, 'httpserver', what, '10M');
}

export function parseTimeout(text: string, what: string): number {
  return timeoutValue(text, 'httpserver', what);
}

export function parseConnectionCount(text: string, what: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t) || Number(t) <= 0 || Number(t) > MAX_CONNECTIONS_LIMIT) {
    throw new LinkError(`httpserver link value ${what}="${text}" is not a connection count`,
      `use a whole number between 1 and ${MAX_CONNECTIONS_LIMIT}, e.g. ${what}=${DEFAULT_MAX_CONNECTIONS}`);
  }
  return Number(t);
}

export function parseFlag(text: string, what: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw new LinkError(`httpserver link value ${what}="${text}" is not true or false`, `use ${what}=true or ${what}=false`);
}

/** Settings embedded as JSON in config_json / config_b64, as wasmCloud's httpserver accepts them. */
function embeddedConfig(values: Record<string, string>): Record<string, string> {
  const json = linkValue(values, 'config_json');
  const b64 = linkValue(values, 'config_b64');
  let text: string | undefined;
  let what = 'config_json';
  if (json !== undefined) text = json;
  else if (b64 !== undefined) { text = Buffer.from(b64, 'base64').toString('utf8'); what = 'config_b64'; }
  if (text === undefined) return {};
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch (e) {
    throw new LinkError(`httpserver link value ${what} is not valid JSON (${(e as Error).message})`, 'e.g. config_json={"address":"127.0.0.1:8080"}');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new LinkError(`httpserver link value ${what} must be a JSON object`, 'e.g. config_json={"address":"127.0.0.1:8080"}');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  return out;
}

/**
 * Precedence: explicit link values over config_json/config_b64 over defaults. `port` overrides the
 * port part of `address`; a bare `port` keeps the default loopback host (safe by default: bind
 * 0.0.0.0 explicitly with `address` to expose it).
 */
export function parseHttpServerSettings(values: Record<string, string> | undefined, defaultTimeoutMs: number, defaults: SettingsDefaults = {}): HttpServerSettings {
  const v = values ?? {};
  const cfg = embeddedConfig(v);
  const pick = (k: string) => linkValue(v, k) ?? linkValue(cfg, k);
  let host = DEFAULT_HOST;
  let port = DEFAULT_PORT;
  const address = pick('address');
  if (address !== undefined) {
    const a = parseAddress(address);
    host = a.host;
    if (a.port !== undefined) port = a.port;
  }
  const p = pick('port');
  if (p !== undefined) port = parsePort(p, 'port');
  const read = <T>(key: string, parse: (text: string, what: string) => T, fallback: T): T => {
    const text = pick(key);
    return text === undefined ? fallback : parse(text, key);
  };
  const requestTimeoutMs = read('request_timeout_ms', parseTimeout, DEFAULT_REQUEST_TIMEOUT_MS);
  // Node refuses a head timeout longer than the whole request's: a shorter request timeout given
  // alone pulls the default head timeout down with it; both given the wrong way round is an error.
  const headersTimeoutMs = read('headers_timeout_ms', parseTimeout, Math.min(DEFAULT_HEADERS_TIMEOUT_MS, requestTimeoutMs));
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new LinkError(`httpserver link value headers_timeout_ms (${headersTimeoutMs}) is longer than request_timeout_ms (${requestTimeoutMs})`,
      'the head is part of the request: make headers_timeout_ms at most request_timeout_ms');
  }
  return {
    host,
    port,
    maxContentLen: read('max_content_len', parseSize, DEFAULT_MAX_CONTENT_LEN),
    timeoutMs: read('timeout_ms', parseTimeout, defaultTimeoutMs),
    maxConnections: read('max_connections', parseConnectionCount, DEFAULT_MAX_CONNECTIONS),
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: read('keepalive_timeout_ms', parseTimeout, DEFAULT_KEEPALIVE_TIMEOUT_MS),
    maxResponseLen: read('max_response_len', parseSize, DEFAULT_MAX_RESPONSE_LEN),
    debugErrors: read('debug_errors', parseFlag, defaults.debugErrors ?? false),
  };
}

export function sameSettings(a: HttpServerSettings, b: HttpServerSettings): boolean {
  for (const k of Object.keys(a) as (keyof HttpServerSettings)[]) if (a[k] !== b[k]) return false;
  return Object.keys(a).length === Object.keys(b).length;
}
