import type { Metric, Registry } from 'prom-client';

/** What prom-client's registry reads from a metric when it renders the text format. */
interface RenderedMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: { value: number; labels: Record<string, string | number>; metricName?: string }[];
}

/**
 * Counters and histograms for the request path, served through prom-client's registry. The
 * caller passes the label values with a key it has already joined, so counting is one Map lookup
 * and an add — prom-client's own `inc({labels})` sorts and joins label names on every call.
 */

interface Series {
  readonly labels: Record<string, string>;
}

abstract class LabelledMetric<S extends Series> {
  protected readonly series = new Map<string, S>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  protected seriesFor(key: string, values: readonly string[]): S {
    let series = this.series.get(key);
    if (series === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, index) => (labels[name] = values[index] ?? ''));
      series = this.create(labels);
      this.series.set(key, series);
    }
    return series;
  }

  protected abstract create(labels: Record<string, string>): S;
}

interface CounterSeries extends Series {
  value: number;
}

export class LabelledCounter extends LabelledMetric<CounterSeries> {
  readonly type = 'counter';
  readonly aggregator = 'sum';

  inc(key: string, values: readonly string[], by = 1): void {
    this.seriesFor(key, values).value += by;
  }

  protected create(labels: Record<string, string>): CounterSeries {
    return { labels, value: 0 };
  }

  get(): RenderedMetric {
    const values = [...this.series.values()].map((series) => ({ value: series.value, labels: series.labels }));
    return { name: this.name, help: this.help, type: 'counter', aggregator: 'sum', values };
  }
}

interface HistogramSeries extends Series {
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

export class LabelledHistogram extends LabelledMetric<HistogramSeries> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
  }

  observe(key: string, values: readonly string[], value: number): void {
    const series = this.seriesFor(key, values);
    const buckets = this.buckets;
    let index = 0;
    while (index < buckets.length && value > (buckets[index] as number)) index++;
    series.counts[index] = (series.counts[index] as number) + 1;
    series.sum += value;
    series.count++;
  }

  protected create(labels: Record<string, string>): HistogramSeries {
    return { labels, counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
  }

  get(): RenderedMetric {
    const values: RenderedMetric['values'] = [];
    for (const series of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, index) => {
        cumulative += series.counts[index] as number;
        values.push({ metricName: `${this.name}_bucket`, value: cumulative, labels: { ...series.labels, le: bound } });
      });
      values.push({ metricName: `${this.name}_bucket`, value: series.count, labels: { ...series.labels, le: '+Inf' } });
      values.push({ metricName: `${this.name}_sum`, value: series.sum, labels: series.labels });
      values.push({ metricName: `${this.name}_count`, value: series.count, labels: series.labels });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }
}
