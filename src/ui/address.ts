// The address `stratus up --ui` / `stratus ui --address` serves the dashboard on. Loopback unless
// said otherwise: the dashboard shows every actor and link of the host. Pure.
import { StratusError } from '../core/errors.js';
import type { UiAddress } from './context.js';
import { parseListenAddress } from '../observe/metrics/address.js';

export const DEFAULT_UI_PORT = 3030; // washboard's port

function bad(text: string, why: string): StratusError {
  return new StratusError('BAD_REQUEST', `--ui "${text}" is not an address to serve the dashboard on: ${why}`,
    'give a port (3030, served on 127.0.0.1), HOST:PORT (0.0.0.0:3030 for every interface) or [IPv6]:PORT');
}

/** `3030`, `:3030`, `HOST:PORT`, `[IPv6]:PORT`; `true` (the flag alone) is 127.0.0.1:3030. */
export function parseUiAddress(text: string | true): UiAddress {
  if (text === true || text.trim() === '') return { host: '127.0.0.1', port: DEFAULT_UI_PORT };
  return parseListenAddress(text, (why) => bad(text, why));
}

export function uiUrl(a: UiAddress): string {
  const shown = a.host === '0.0.0.0' ? '127.0.0.1' : a.host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${a.port}/`;
}
