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

/**
 * A listen address: `PORT`, `:PORT`, `HOST:PORT` or `[IPv6]:PORT`, on 127.0.0.1 when no host is
 * given. `bad(why)` makes the flag's own error. Shared by `--metrics` and the dashboard's `--ui`.
 */
export function parseListenAddress(text: string, bad: (why: string) => StratusError): ListenAddress {
  const portOf = (p: string): number => {
    if (!/^\d{1,5}$/.test(p) || Number(p) > 65535) throw bad(`"${p}" is not a port number (0-65535)`);
    return Number(p);
  };
  const v = text.trim();
  if (/^\d+$/.test(v)) return { host: '127.0.0.1', port: portOf(v) };
  const bracket = /^\[([^\]]+)\]:(.*)$/.exec(v);
  if (bracket) {
    if (isIP(bracket[1]!) !== 6) throw bad(`${bracket[1]} is not an IPv6 address`);
    return { host: bracket[1]!, port: portOf(bracket[2]!) };
  }
  const i = v.lastIndexOf(':');
  if (i < 0) throw bad('no port');
  const host = v.slice(0, i) || '127.0.0.1';
  if (host.includes(':')) throw bad('an IPv6 address needs brackets');
  if (!/^[A-Za-z0-9.-]+$/.test(host)) throw bad(`"${host}" is not a host name or address`);
  return { host, port: portOf(v.slice(i + 1)) };
}

/** `9464`, `:9464`, `HOST:PORT` or `[IPv6]:PORT`; `true` (the flag without a value) is the default. */
export function parseMetricsAddress(text: string | true): ListenAddress {
  if (text === true || text === '') return { host: '127.0.0.1', port: DEFAULT_METRICS_PORT };
  return parseListenAddress(text, (why) => badAddress(text, why));
}

export function formatAddress(a: ListenAddress): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}
