// What the dashboard needs from a running host, handed over by `stratus up` (control/daemon.ts).
// Types only: the dashboard sits above control and reads the host through these few things.
import type { HostController } from '../control/controller.js';
import type { HostView } from '../host/views.js';
import type { ProviderDescription } from '../host/api.js';
import type { ProviderHealth } from '../host/provider-contract.js';
import type { Observability } from '../observe/observability.js';
import type { ProviderSource } from '../providers/source.js';

export interface DashboardContext {
  /** Every action goes through the same controller calls as `stratus ctl`. */
  controller: HostController;
  describe(): HostView;
  observability: Observability;
  /** Where providers come from (the start form lists them). */
  sources: ProviderSource[];
  /** Each running provider's health, when the host can tell. */
  providersHealth?(): Promise<(ProviderDescription & ProviderHealth)[]>;
  /** In a lattice: every host that answers a ping (wasmCloud's host JSON: id, labels, uptime_seconds, version, ...). */
  latticeHosts?(): Promise<Record<string, unknown>[]>;
}

/** Where the dashboard listens. */
export interface UiAddress { host: string; port: number }

export interface RunningDashboard {
  /** http://host:port/ as bound (the real port when 0 was asked for). */
  readonly url: string;
  /** The per-start token actions (and reads) must carry in the `x-stratus-token` header. */
  readonly token: string;
  close(): Promise<void>;
}
