// Before a first build that takes seconds: is the HTTP port free? A port another program holds is
// said at once (with the flag to change it) instead of after the build, when the link is refused.
import { createServer } from 'node:net';
import { StratusError } from '../../core/errors.js';

/** Resolves when `address:port` can be listened on (the probe listener is closed again). */
export function assertPortFree(address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => {
      reject(new StratusError('LINK_INVALID', `cannot serve HTTP on ${address}:${port}: ${e.code === 'EADDRINUSE' ? 'another program already listens there' : e.message}`,
        'pick another port with `stratus dev --port <n>`'));
    });
    probe.listen({ host: address, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
