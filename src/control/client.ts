// Client side of the local control API (used by `stratus ctl`, `app`, `down`, and tests).
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { StratusError, type StratusErrorCode } from '../core/errors.js';
import { controlPaths } from './paths.js';

export function noHostError(socket: string): StratusError {
  return new StratusError('HOST_UNREACHABLE', `no Stratus host is running (looked for ${socket}); start one with \`stratus up\``);
}

/** One JSON request to the host; rejects with the host's StratusError, or "no host is running". */
export function controlRequest<T = any>(method: string, path: string, body?: unknown, socket = controlPaths().socket, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolveReq, reject) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const req = request({ socketPath: socket, agent: false, method, path, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let value: any;
        try {
          value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return reject(new StratusError('INTERNAL', `the host at ${socket} answered with something that is not JSON (status ${res.statusCode})`));
        }
        if ((res.statusCode ?? 500) >= 400) reject(new StratusError((value?.code ?? 'INTERNAL') as StratusErrorCode, value?.error ?? `status ${res.statusCode}`));
        else resolveReq(value as T);
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new StratusError('TIMEOUT', `the host at ${socket} did not answer within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'ENOTSOCK') reject(noHostError(socket));
      else reject(e);
    });
    req.end(text);
  });
}

/** True when a host answers on the socket. */
export async function hostIsRunning(socket = controlPaths().socket): Promise<boolean> {
  // No socket file, no host: the usual case of a `stratus up` skips an HTTP request that would
  // only fail with ENOENT (~10 ms of a cold start, most of it the first use of the HTTP client).
  if (!existsSync(socket)) return false;
  try {
    await controlRequest('GET', '/v1/host', undefined, socket, 5000);
    return true;
  } catch {
    return false;
  }
}
