// What `stratus up` (control/daemon.ts) asks of observe/: options from its flags and the
// environment, and the /metrics endpoint. One call each, so the daemon stays about hosts.
import type { Observability, ObserveOptions } from './observability.js';
import type { HostLogger } from './logs/host-logger.js';
import { tracingConfigFromEnv, type Env } from './tracing/config.js';
import { serveMetrics, type MetricsServer } from './metrics/metrics-server.js';
import type { ListenAddress } from './metrics/address.js';

/** Metrics when an address to serve them is given; tracing when the OTEL_* variables ask for it. */
export function observeOptions(o: { metrics?: ListenAddress; logger?: HostLogger }, env: Env): ObserveOptions {
  const tracing = tracingConfigFromEnv(env);
  return { metrics: o.metrics !== undefined, ...(tracing ? { tracing } : {}), ...(o.logger ? { logger: o.logger } : {}) };
}

/** Serves the host's /metrics on `address`; undefined when metrics were not asked for. */
export async function startMetricsEndpoint(observability: Observability, address: ListenAddress | undefined): Promise<MetricsServer | undefined> {
  if (!address || !observability.metrics) return undefined;
  return serveMetrics(observability.metrics, address);
}
