// The address `stratus up --ui` / `stratus ui --address` serves the dashboard on. Loopback unless
// said otherwise: the dashboard shows every actor and link of the host. Pure.
import { isIP } from 'node:net';
import { StratusError } from '../core/errors.js';
import type { UiAddress } from './context.js';

export const DEFAULT_UI_PORT = 3030; // washboard's port

function bad(text: string, why: string): StratusError {
  return new StratusError('BAD_REQUEST', `--ui "${text}" is not an address to serve the dashboard on: ${why}`,
    'give a port (3030, served on 127.0.0.1), HOST:PORT (0.0.0.0:3030 for every interface) or [IPv6]:PORT');
}

function portOf(text: string, p: string): number {
  if (!/^\d{1,5}$/.test(p) || Number(p) > 65535) throw bad(text, `"${p}" is not a port number (0-65535)`);
  return Number(p);
}

/** `3030`, `:3030`, `HOST:PORT`, `[IPv6]:PORT`; `true` (the flag alone) is 127.0.0.1:3030. */
export function parseUiAddress(text: string | true): UiAddress {
  if (text === true || text.trim() === '') return { host: '127.0.0.1', port: DEFAULT_UI_PORT };
  const v = text.trim();
  if (/^\d+$/.test(v)) return { host: '127.0.0.1', port: portOf(text, v) };
  const bracket = /^\[([^\]]+)\]:(.*)$/.exec(v);
  if (bracket) {
    if (isIP(bracket[1]!) !== 6) throw bad(text, `${bracket[1]} is not an IPv6 address`);
    return { host: bracket[1]!, port: portOf(text, bracket[2]!) };
  }
  const i = v.lastIndexOf(':');
  if (i < 0) throw bad(text, 'no port');
  const host = v.slice(0, i) || '127.0.0.1';
  if (host.includes(':')) throw bad(text, 'an IPv6 address needs brackets');
  if (!/^[A-Za-z0-9.-]+$/.test(host)) throw bad(text, `"${host}" is not a host name or address`);
  return { host, port: portOf(text, v.slice(i + 1)) };
}

export function uiUrl(a: UiAddress): string {
  const shown = a.host === '0.0.0.0' ? '127.0.0.1' : a.host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${a.port}/`;
}
