// The address `stratus up --metrics` serves /metrics on. Loopback unless an address says
// otherwise: metrics name every actor on the host.
import { isIP } from 'node:net';
import { StratusError } from '../../core/errors.js';

export const DEFAULT_METRICS_PORT = 9464; // the port OpenTelemetry's Prometheus exporter uses

export interface ListenAddress { host: string; port: number }

function badAddress(text: string, why: string): StratusError {
  return new StratusError('BAD_REQUEST', `--metrics "${text}" is not an address to serve metrics on: ${why}`,
    `give a port (9464, served on 127.0.0.1), HOST:PORT (0.0.0.0:9464 for every interface) or [IPv6]:PORT`);
}

function portOf(text: string, p: string): number {
  if (!/^\d{1,5}$/.test(p) || Number(p) > 65535) throw badAddress(text, `"${p}" is not a port number (0-65535)`);
  return Number(p);
}

/** `9464`, `:9464`, `HOST:PORT` or `[IPv6]:PORT`; `true` (the flag without a value) is the default. */
export function parseMetricsAddress(text: string | true): ListenAddress {
  if (text === true || text === '') return { host: '127.0.0.1', port: DEFAULT_METRICS_PORT };
  const v = text.trim();
  if (/^\d+$/.test(v)) return { host: '127.0.0.1', port: portOf(text, v) };
  const bracket = /^\[([^\]]+)\]:(.*)$/.exec(v);
  if (bracket) {
    if (isIP(bracket[1]!) !== 6) throw badAddress(text, `${bracket[1]} is not an IPv6 address`);
    return { host: bracket[1]!, port: portOf(text, bracket[2]!) };
  }
  const i = v.lastIndexOf(':');
  if (i < 0) throw badAddress(text, 'no port');
  const host = v.slice(0, i) || '127.0.0.1';
  if (host.includes(':')) throw badAddress(text, 'an IPv6 address needs brackets');
  if (!/^[A-Za-z0-9.-]+$/.test(host)) throw badAddress(text, `"${host}" is not a host name or address`);
  return { host, port: portOf(text, v.slice(i + 1)) };
}

export function formatAddress(a: ListenAddress): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}
