// `stratus ui -x <lattice>` (or any of the lattice connection flags): the dashboard of a whole
// lattice, served by this process from the lattice's control interface (as `wash ui` does), so it
// works from a machine that runs no host. It runs until Ctrl-C; when NATS goes away the
// connection reconnects by itself (the page says "reconnecting" meanwhile). The dashboard itself
// is src/ui (lattice-source.ts).
import type { NatsConnection } from '@nats-io/nats-core';
import { connectLattice } from '../lattice/connect.js';
import type { LatticeSettings } from '../lattice/options.js';
import { LatticeCtlClient } from '../../lattice/control/client.js';
import { builtinSource } from '../../providers/builtin-catalog.js';
import { StratusError } from '../../core/errors.js';
import type { UiAddress } from '../../ui/context.js';
import type { ConnectionWatch } from '../../ui/lattice-source.js';
import { emit, type OutputFormat } from '../output.js';

export async function serveLatticeDashboard(format: OutputFormat, s: LatticeSettings, address: UiAddress): Promise<void> {
  const nc = await connectLattice(s, { reconnect: true, name: 'stratus ui' });
  const { serveDashboard } = await import('../../ui/server.js');
  const { latticeSource } = await import('../../ui/lattice-source.js');
  let dashboard;
  try {
    const client = new LatticeCtlClient(nc, { lattice: s.lattice, timeoutMs: s.timeoutMs });
    dashboard = await serveDashboard(latticeSource({ client, server: s.server, sources: [builtinSource], close: () => nc.close(), connection: connectionWatch(nc) }), address);
  } catch (e) {
    await nc.close().catch(() => undefined);
    throw e;
  }
  const d = dashboard;
  emit(format, { url: d.url, token: d.token, lattice: s.lattice, server: s.server }, () => [
    `dashboard: ${d.url}`, `  token: ${d.token}`,
    `  (lattice "${s.lattice}" on ${s.server}, through its control interface; paste the token into the page; Ctrl-C stops it)`,
  ].join('\n'));
  let signalled = false;
  const stopped = new Promise<void>((resolve) => {
    const stop = () => { signalled = true; resolve(); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const lost = nc.closed();
  await Promise.race([stopped, lost]);
  await d.close();
  if (!signalled) {
    // reconnecting never gives up; this is a refusal (credentials, authorization) or a closed client
    throw new StratusError('HOST_UNREACHABLE', `the connection to the lattice's NATS server at ${s.server} ended; the dashboard stopped`,
      'check that NATS is up and the credentials are still accepted, and run `stratus ui -x` again');
  }
}

/** Up or reconnecting, from the connection's status events (nats.js resubscribes by itself on reconnect). */
function connectionWatch(nc: NatsConnection): ConnectionWatch {
  let up = true;
  const listeners = new Set<() => void>();
  void (async () => {
    for await (const st of nc.status()) {
      const now: boolean = st.type === 'reconnect' ? true : st.type === 'disconnect' || st.type === 'reconnecting' || st.type === 'staleConnection' ? false : up;
      if (now === up) continue;
      up = now;
      for (const fn of listeners) fn();
    }
  })().catch(() => undefined);
  return {
    connected: () => up && !nc.isClosed(),
    onChange: (fn) => { listeners.add(fn); return () => { listeners.delete(fn); }; },
  };
}
