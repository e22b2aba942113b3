// The head of an HTTP/1.1 response, as text (pure: no I/O). What node:http's ServerResponse wrote
// for the listener, kept: the status line with Node's reason phrases, the given header lines in
// order (names and values checked as Node checks them: a header cannot smuggle a CR/LF into the
// response), `date`, and `connection: keep-alive` + `keep-alive: timeout=N` or `connection: close`.
import { STATUS_CODES } from 'node:http';
import { hasInvalidHeaderChar, isHttpToken } from './llhttp.js';

export class ResponseHeadError extends Error {}

/** The `date` value, rebuilt at most once a second (as Node does): one per host (see Http1Server). */
export class DateCache {
  private text = '';
  private second = -1;
  now(ms = Date.now()): string {
    const s = Math.floor(ms / 1000);
    if (s !== this.second) {
      this.second = s;
      this.text = new Date(s * 1000).toUTCString();
    }
    return this.text;
  }
}

/** A status with no body (and no content-length of ours): 1xx, 204, 304. */
export function statusHasNoBody(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

export interface HeadOptions {
  /** Keep the connection open after this response. */
  keepAlive: boolean;
  /** Seconds told to the client in `keep-alive: timeout=N` (0: not said). */
  keepAliveSeconds: number;
  date: string;
}

export interface Head {
  text: string;
  /** False when the options said so or a `connection: close` line asked for it. */
  keepAlive: boolean;
}

/**
 * `HTTP/1.1 <status> <reason>\r\n` + the lines + date + connection + blank line. `lines` is flat
 * [name, value, ...]; throws ResponseHeadError naming a bad status, name or value. A `connection`
 * line is not passed on: the server says keep-alive or close itself, closing when the line said close.
 */
export function responseHead(status: number, lines: readonly string[], o: HeadOptions): Head {
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new ResponseHeadError(`invalid status code ${status} (an HTTP status is 100-999)`);
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
  let keepAlive = o.keepAlive;
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const name = lines[i]!;
    const value = lines[i + 1]!;
    if (!isHttpToken(name)) throw new ResponseHeadError(`invalid header name ${JSON.stringify(name)}`);
    if (hasInvalidHeaderChar(value)) throw new ResponseHeadError(`invalid character in the value of header ${JSON.stringify(name)}`);
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      if (/\bclose\b/i.test(value)) keepAlive = false;
      continue;
    }
    head += `${name}: ${value}\r\n`;
  }
  head += `date: ${o.date}\r\n`;
  head += keepAlive
    ? (o.keepAliveSeconds > 0 ? `connection: keep-alive\r\nkeep-alive: timeout=${o.keepAliveSeconds}\r\n` : 'connection: keep-alive\r\n')
    : 'connection: close\r\n';
  return { text: head + '\r\n', keepAlive };
}
