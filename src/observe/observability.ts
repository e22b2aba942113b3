// Everything a host is observed by, made before the host and attached to it once it exists:
// metrics (a registry per host), traces (an OpenTelemetry tracer provider per host), the
// structured logger, and the telemetry sink that feeds the first two from the host's hot path.
// Nothing is process-wide: two hosts in one process each have their own.
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Host } from '../host/host.js';
import type { CallTrace, Outcome, TelemetrySink } from '../host/events.js';
import { OBSERVE_HOOKS } from './hooks.js';
import type { HostMetrics } from './metrics/host-metrics.js';
import type { HostTracer } from './tracing/host-tracer.js';
import type { TracingConfig } from './tracing/config.js';
import type { HostLogger } from './logs/host-logger.js';

export interface ObserveOptions {
  /** Keep metrics (for /metrics and the dashboard). Off: the host's hot path measures nothing. */
  metrics?: boolean;
  /** Trace (see tracing/config.ts tracingConfigFromEnv); undefined: off. */
  tracing?: TracingConfig;
  /** Replace the exporters `tracing` names (tests, benchmarks). */
  spanExporters?: SpanExporter[];
  /** The host's logger, told the host's id and actor names once attached. */
  logger?: HostLogger;
}

/** The classes of the parts that are on, loaded by loadObservability. */
export interface ObservabilityParts {
  HostMetrics?: typeof HostMetrics;
  HostTracer?: typeof HostTracer;
}

/**
 * An Observability with only the parts `opts` turns on loaded: prom-client and the OpenTelemetry
 * SDK take ~30 ms and ~200 ms to import, which a host without --metrics or OTEL_* tracing should
 * not pay at start (docs/coldstart.md).
 */
export async function loadObservability(opts: ObserveOptions = {}): Promise<Observability> {
  const [m, t] = await Promise.all([
    opts.metrics ? import('./metrics/host-metrics.js') : undefined,
    opts.tracing ? import('./tracing/host-tracer.js') : undefined,
  ]);
  return new Observability(opts, { ...(m ? { HostMetrics: m.HostMetrics } : {}), ...(t ? { HostTracer: t.HostTracer } : {}) });
}

export class Observability {
  readonly metrics?: HostMetrics;
  readonly tracer?: HostTracer;
  readonly logger?: HostLogger;
  /** The host's telemetry sink; undefined when nothing is measured per call. */
  readonly telemetry?: TelemetrySink;

  /** Use loadObservability, which loads the parts `opts` turns on and passes them here. */
  constructor(opts: ObserveOptions, parts: ObservabilityParts) {
    this.logger = opts.logger;
    const need = (what: string) => new Error(`${what} is on but its module was not loaded: make the Observability with loadObservability(opts)`);
    if (opts.metrics) {
      if (!parts.HostMetrics) throw need('metrics');
      this.metrics = new parts.HostMetrics();
    }
    if (opts.tracing) {
      if (!parts.HostTracer) throw need('tracing');
      const log = this.logger?.log;
      this.tracer = new parts.HostTracer(opts.tracing, { ...(log ? { log } : {}), ...(opts.spanExporters ? { exporters: opts.spanExporters } : {}) });
    }
    this.telemetry = composeSink(this.metrics, this.tracer, this.logger);
  }

  /** Connect to `host` (before its providers start: listeners pick up the hooks when they open). */
  attach(host: Host): void {
    const hooks = host.scope.use(OBSERVE_HOOKS);
    const metrics = this.metrics;
    if (metrics) {
      metrics.attach(host);
      hooks.httpStatus = (actorId) => metrics.http.forActor(actorId);
      for (const link of host.links()) metrics.keyvalue.linkPut(link);
      host.events.on('linkdef_set', (l) => metrics.keyvalue.linkPut(l));
      host.events.on('linkdef_deleted', (l) => metrics.keyvalue.linkDeleted(l));
    }
    if (this.tracer) {
      this.tracer.start(host.id);
      hooks.httpTracing = this.tracer;
      const tracer = this.tracer;
      host.scope.onClose(() => tracer.shutdown());
    }
    if (this.logger) {
      const detach = this.logger.attach(host);
      host.scope.onClose(detach);
    }
  }
}

/**
 * One sink from the parts that are on. With metrics alone it is the metrics' own sink (no
 * wrapper on the hot path); tracing adds the span hooks; a logger at `trace` level writes a line
 * per call.
 */
export function composeSink(metrics: HostMetrics | undefined, tracer: HostTracer | undefined, logger: HostLogger | undefined): TelemetrySink | undefined {
  const m = metrics?.sink;
  const perCall = logger?.enabled('trace') ? logger : undefined;
  if (!tracer && !perCall) return m;
  const line = (what: string, actorId: string, outcome: Outcome, seconds: number, trace: CallTrace | undefined) => {
    const tp = trace?.traceContext.traceparent;
    perCall!.log('trace', `${what}: ${outcome} in ${(seconds * 1000).toFixed(3)} ms`,
      { actor: actorId, ...(tp ? { traceId: tp.slice(3, 35) } : {}), ...(trace?.invocationId ? { invocation: trace.invocationId } : {}) });
  };
  return {
    ...(tracer ? { traceInvocation: tracer.traceInvocation, traceHostCall: tracer.traceHostCall } : {}),
    invocation: (actorId, operation, outcome, seconds, trace) => {
      m?.invocation(actorId, operation, outcome, seconds);
      tracer?.ended(trace, outcome);
      if (perCall) line(`invocation ${operation}`, actorId, outcome, seconds, trace);
    },
    hostCall: (actorId, contractId, operation, outcome, linkName, seconds, trace) => {
      m?.hostCall(actorId, contractId, operation, outcome, linkName, seconds);
      tracer?.ended(trace, outcome);
      if (perCall) line(`host call ${operation} on ${contractId} (${linkName})`, actorId, outcome, seconds, trace);
    },
    ...(m ? { laneMove: m.laneMove } : {}),
  };
}
