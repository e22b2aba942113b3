// The metrics of one host: a prom-client Registry of its own (never the global default one, so
// several hosts in a process each have theirs) whose series are computed at scrape time from the
// call statistics, the HTTP and key-value counters and the host's inventory.
//
// Names follow Prometheus conventions: `stratus_` prefix, `_total` counters, `_seconds` and base
// units, labels bounded (actor keys by what runs, operations and contracts capped per actor, HTTP
// by status, never by path). Later parts add their own series with register() (the lattice:
// stratus_lattice_rpc_total{subject_kind,outcome}, stratus_nats_connected).
import { Registry } from 'prom-client';
import { CAPS } from '../../core/contracts.js';
import type { HostInventory, ProviderDescription } from '../../host/api.js';
import type { TelemetrySink } from '../../host/events.js';
import type { ProviderHealth } from '../../host/provider-contract.js';
import { CallStats } from './call-stats.js';
import { HttpStats } from './http-stats.js';
import { KeyValueStats } from './keyvalue-stats.js';
import { histogramSamples, ScrapeMetric, type Sample } from './scrape-metric.js';

/** What the metrics read from the host when scraped. */
export interface MetricsSource {
  readonly id: string;
  inventory(): HostInventory;
  providersHealth(): Promise<(ProviderDescription & ProviderHealth)[]>;
}

export type CountingSink = Required<Pick<TelemetrySink, 'invocation' | 'hostCall' | 'laneMove'>>;

export class HostMetrics {
  readonly registry = new Registry();
  readonly calls = new CallStats();
  readonly http = new HttpStats();
  readonly keyvalue = new KeyValueStats();
  private source?: MetricsSource;

  /** The counting part of the host's telemetry sink. */
  readonly sink: CountingSink;

  constructor() {
    const { calls, keyvalue } = this;
    this.sink = {
      invocation: (actorId, operation, outcome, seconds) => calls.invocation(actorId, operation, outcome, seconds),
      hostCall: (actorId, contractId, operation, outcome, linkName) => {
        calls.hostCall(actorId, contractId, outcome);
        if (contractId === CAPS.KEY_VALUE) keyvalue.operation(actorId, linkName, operation, outcome);
      },
      laneMove: (actorId, from, to) => calls.laneMove(actorId, from, to),
    };
    for (const m of this.series()) m.registerIn(this.registry);
  }

  /** The host whose inventory and providers the scrape reads. */
  attach(source: MetricsSource): void {
    this.source = source;
  }

  /** Add a metric of another part (e.g. the lattice's RPC counters). */
  register(metric: ScrapeMetric): void {
    metric.registerIn(this.registry);
  }

  /** The Prometheus text exposition of every series. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private series(): ScrapeMetric[] {
    const { calls, http, keyvalue } = this;
    const inventory = () => this.source?.inventory();
    return [
      new ScrapeMetric('stratus_host_info', 'The host this process runs (value 1).', 'gauge',
        () => (this.source ? [{ labels: { host_id: this.source.id }, value: 1 }] : [])),
      new ScrapeMetric('stratus_actor_info', 'Actors running on the host, with their names (value 1).', 'gauge',
        () => (inventory()?.actors ?? []).map((a) => ({ labels: { actor: a.id, name: a.name }, value: 1 }))),
      new ScrapeMetric('stratus_actor_instances', 'Live instances of each actor, by the lane they run on.', 'gauge',
        () => (inventory()?.actors ?? []).map((a) => ({ labels: { actor: a.id, lane: a.lane ?? 'inline' }, value: a.instances ?? a.count }))),
      new ScrapeMetric('stratus_invocations_total', 'Actor invocations by outcome: ok or the failure code (TIMEOUT: stopped at its deadline; TRAP: the guest trapped).', 'counter', () => {
        const out: Sample[] = [];
        for (const [actor, a] of calls.actors.map) {
          for (const [operation, s] of a.operations.map) {
            for (const [outcome, value] of s.outcomes.entries()) out.push({ labels: { actor, operation, outcome }, value });
          }
        }
        return out;
      }),
      new ScrapeMetric('stratus_invocation_duration_seconds', 'Wall time of actor invocations, waiting for an instance included.', 'histogram', () => {
        const out: Sample[] = [];
        for (const [actor, a] of calls.actors.map) {
          for (const [operation, s] of a.operations.map) {
            const h = s.latency;
            out.push(...histogramSamples('stratus_invocation_duration_seconds', { actor, operation }, h.bounds, h.cumulative(), h.sum, h.count));
          }
        }
        return out;
      }),
      new ScrapeMetric('stratus_host_calls_total', 'Host calls of actors by contract and outcome: ok or the failure code (MISSING_CLAIM, MISSING_LINK: refused).', 'counter', () => {
        const out: Sample[] = [];
        for (const [actor, a] of calls.actors.map) {
          for (const [contract, c] of a.hostCalls.map) {
            for (const [outcome, value] of c.entries()) out.push({ labels: { actor, contract, outcome }, value });
          }
        }
        return out;
      }),
      new ScrapeMetric('stratus_lane_moves_total', 'Moves of an actor between lanes (inline to worker when a call held the host thread too long).', 'counter', () => {
        const out: Sample[] = [];
        for (const [actor, a] of calls.actors.map) {
          for (const [key, value] of a.moves) {
            const [from, to] = key.split('>');
            out.push({ labels: { actor, from: from!, to: to! }, value });
          }
        }
        return out;
      }),
      new ScrapeMetric('stratus_provider_healthy', 'Whether each running provider reports itself healthy (1) or not (0).', 'gauge',
        async () => (this.source ? await this.source.providersHealth() : []).map((p) => ({
          labels: { provider: p.id, name: p.name, link_name: p.linkName }, value: p.healthy ? 1 : 0,
        }))),
      new ScrapeMetric('stratus_http_requests_total', 'HTTP responses of the httpserver listeners by linked actor and status code.', 'counter', () => {
        const out: Sample[] = [];
        for (const [actor, c] of http.byActor) {
          for (const [status, value] of c.byStatus) out.push({ labels: { actor, status: String(status) }, value });
        }
        return out;
      }),
      new ScrapeMetric('stratus_keyvalue_operations_total', 'Key-value operations of actors by backend, operation and outcome.', 'counter', () => {
        const out: Sample[] = [];
        for (const [backend, ops] of keyvalue.byBackend) {
          for (const [operation, c] of ops) {
            for (const [outcome, value] of c.entries()) out.push({ labels: { backend, operation, outcome }, value });
          }
        }
        return out;
      }),
      ...processSeries(),
    ];
  }
}

/** The process figures prom-client's default collectors give, read at scrape time (its collectors
 *  start timers and observers per registry that nothing stops when a host shuts down). */
function processSeries(): ScrapeMetric[] {
  const startSeconds = Math.round(Date.now() / 1000 - process.uptime());
  return [
    new ScrapeMetric('process_cpu_user_seconds_total', 'User CPU time spent by the process in seconds.', 'counter',
      () => [{ labels: {}, value: process.cpuUsage().user / 1e6 }]),
    new ScrapeMetric('process_cpu_system_seconds_total', 'System CPU time spent by the process in seconds.', 'counter',
      () => [{ labels: {}, value: process.cpuUsage().system / 1e6 }]),
    new ScrapeMetric('process_resident_memory_bytes', 'Resident memory size in bytes.', 'gauge',
      () => [{ labels: {}, value: process.memoryUsage.rss() }]),
    new ScrapeMetric('nodejs_heap_size_used_bytes', 'V8 heap in use in bytes.', 'gauge',
      () => [{ labels: {}, value: process.memoryUsage().heapUsed }]),
    new ScrapeMetric('process_start_time_seconds', 'Start time of the process since the Unix epoch in seconds.', 'gauge',
      () => [{ labels: {}, value: startSeconds }]),
  ];
}
