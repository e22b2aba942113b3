// `stratus ui`: open the dashboard of the running host (started by it through the control socket,
// which only this user can reach) and print its address and per-start token. `stratus up --ui`
// starts it with the host instead. With lattice flags (`-x <lattice>`, `--ctl-host`, ...), this
// process serves the dashboard of a whole lattice over NATS instead (ui-lattice.ts). The
// dashboard itself is src/ui.
import type { Command } from 'commander';
import { addOutputOption, commandAction, emit } from '../output.js';
import { controlRequest } from '../../control/client.js';
import { controlPaths } from '../../control/paths.js';
import type { DashboardStarter } from '../../control/daemon.js';
import { parseUiAddress } from '../../ui/address.js';
import { addLatticeOptions, isLatticeMode, latticeSettings, type LatticeFlags } from '../lattice/options.js';

export interface DashboardInfo { url: string; token: string }

/** How `stratus up` starts the dashboard: loaded only when one is asked for. */
export const startDashboard: DashboardStarter = async (ctx, address) => (await import('../../ui/server.js')).startDashboard(ctx, address);

export function dashboardText(d: DashboardInfo): string {
  return [`dashboard: ${d.url}`, `  token: ${d.token}`, '  (paste the token into the page; it is valid until the host stops)'].join('\n');
}

/** Registers `ui`. */
export function register(program: Command): void {
  const ui = program.command('ui')
    .description('open the dashboard of the running host, or with -x <lattice> serve one of a whole lattice: prints its address and the token')
    .option('--address <address>', 'where to serve it (if the host\'s is not running yet): a port (on 127.0.0.1), HOST:PORT (default 127.0.0.1:3030)')
    .addHelpText('after', `
The dashboard of a host is served by the host itself (stopped with it). Start a host with its
dashboard at once: stratus up --ui [address].

With -x <lattice> (or --ctl-host/--ctl-port, WASMCLOUD_CTL_HOST, WASMCLOUD_LATTICE_PREFIX), this
process serves the dashboard of the whole lattice, through its control interface only (as wash ui
does; it need not be a member): every host, what each runs, the links, the actions, until Ctrl-C.

Give the token in the page; it is sent in a header, never in a URL.`);
  addLatticeOptions(ui);
  addOutputOption(ui).action(commandAction(async (format, o: { address?: string } & LatticeFlags) => {
    const address = o.address !== undefined ? parseUiAddress(o.address) : undefined;
    if (isLatticeMode(o, process.env)) {
      const { serveLatticeDashboard } = await import('./ui-lattice.js');
      return serveLatticeDashboard(format, latticeSettings(o, process.env), address ?? parseUiAddress(true));
    }
    const d = await controlRequest<DashboardInfo>('POST', '/v1/ui', address ? { address } : {}, controlPaths().socket);
    emit(format, d, () => dashboardText(d));
  }));
}
