// A metric whose samples are computed when /metrics is scraped, registered in a prom-client
// Registry next to prom-client's own metrics: the Registry renders the Prometheus text format from
// `get()`, and nothing is done per call beyond updating the plain numbers the samples are read from.
import type { Metric, Registry } from 'prom-client';

export type MetricType = 'counter' | 'gauge' | 'histogram';
export type Labels = Record<string, string | number>;

export interface Sample {
  labels: Labels;
  value: number;
  /** For histograms: `<name>_bucket`, `_sum`, `_count`. */
  metricName?: string;
}

export class ScrapeMetric {
  /** Read by prom-client's cluster aggregation only. */
  readonly aggregator = 'sum';

  constructor(readonly name: string, readonly help: string, readonly type: MetricType,
    private readonly collect: () => Sample[] | Promise<Sample[]>) {}

  async get(): Promise<{ name: string; help: string; type: MetricType; values: Sample[]; aggregator: string }> {
    return { name: this.name, help: this.help, type: this.type, values: await this.collect(), aggregator: this.aggregator };
  }

  /** Registry#resetMetrics calls this; the numbers belong to their owners, who never reset them. */
  reset(): void {}

  registerIn(registry: Registry): void {
    // The Registry needs only name/help/type/get(); prom-client's type names its own classes.
    registry.registerMetric(this as unknown as Metric);
  }
}

/** Samples of one histogram series: cumulative buckets (with +Inf), sum and count. */
export function histogramSamples(name: string, labels: Labels, bounds: readonly number[], cumulative: number[], sum: number, count: number): Sample[] {
  const out: Sample[] = bounds.map((le, i) => ({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative[i]! }));
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count });
  out.push({ metricName: `${name}_sum`, labels, value: sum });
  out.push({ metricName: `${name}_count`, labels, value: count });
  return out;
}
