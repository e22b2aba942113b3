// What the dashboard's server serves, whoever backs it: a host in this process (host-source.ts,
// `stratus up --ui`) or a lattice seen through its control interface (lattice-source.ts, `stratus
// ui -x`). The server (server.ts) only holds the token, the page, the stream and its timers.
import type { HostMetrics } from '../observe/metrics/host-metrics.js';
import type { LogStream } from '../observe/logs/log-stream.js';
import type { Snapshot } from './snapshot.js';
import type { Traffic } from './traffic.js';

export type ActionBody = Record<string, unknown>;

/** A failed invocation (or a failed start, in a lattice) as the page lists it. */
export interface Failure {
  time: string; source: string; dest: string; operation: string; error: string; code: string; ref: string;
  /** The host that reported it (lattice dashboard). */
  hostId?: string; hostName?: string;
}

export interface DashboardSource {
  /** The picture the page draws, now. */
  snapshot(): Promise<Snapshot>;
  /** The actions by name (`POST /api/actions/<name>`); errors are StratusErrors with their fix. */
  readonly actions: Readonly<Record<string, (body: ActionBody) => Promise<unknown>>>;
  /** While a page is open: call `changed` whenever the picture may have changed (the server
   *  coalesces and resends only what changed). Returns the way to stop. */
  watch(changed: () => void): () => void;
  /** Every failure from now on (the server keeps the recent ones for pages opened later). */
  failures(seen: (f: Failure) => void): () => void;
  /** The log records the page shows (a host's logger; on a lattice, its hosts' logs, polled while a page is open). */
  readonly logs?: LogStream;
  /** Invocation figures since the last call (a host with metrics). */
  traffic?(): Traffic;
  /** Served as /metrics next to the page. */
  readonly metrics?: HostMetrics;
  /** Let go of what the source holds (a NATS connection); called once the server stopped. */
  close?(): Promise<void>;
}
