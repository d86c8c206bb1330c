import type { Metric } from 'prom-client';

type Labels<L extends string> = Readonly<Record<L, string>>;

/** What prom-client's Registry reads from a metric to render it. */
export interface RenderedMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

/** A counter series, resolved once: `inc` is plain arithmetic. */
export interface CounterSeries {
  inc(value?: number): void;
}

/** A histogram series, resolved once: `observe` finds a bucket and adds. */
export interface HistogramSeries {
  observe(value: number): void;
}

/**
 * The gateway's per-call metrics. prom-client validates and hashes the labels on every
 * `inc`/`observe` (five calls per gateway call: measurable on the sequential p99, see
 * BENCHMARKS.md); here a series is looked up once by its label values, kept by the caller,
 * and updated with plain arithmetic. Registered in the application's prom-client Registry,
 * which renders them like its own metrics.
 */
abstract class SeriesMetric<L extends string, S> {
  private readonly series = new Map<string, { labels: Labels<L>; state: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
  ) {}

  protected abstract create(): S;

  protected resolve(labels: Labels<L>): S {
    const key = this.labelNames.map((n) => labels[n]).join('\u0000');
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels: { ...labels }, state: this.create() };
      this.series.set(key, entry);
    }
    return entry.state;
  }

  protected entries(): Iterable<{ labels: Labels<L>; state: S }> {
    return this.series.values();
  }

  reset(): void {
    this.series.clear();
  }

  /** For the Registry, which accepts any metric with this shape. */
  asMetric(): Metric {
    return this as unknown as Metric;
  }
}

export class SeriesCounter<L extends string> extends SeriesMetric<L, { value: number }> {
  readonly type = 'counter';

  protected create(): { value: number } {
    return { value: 0 };
  }

  with(labels: Labels<L>): CounterSeries {
    const state = this.resolve(labels);
    return {
      inc: (value = 1) => {
        state.value += value;
      },
    };
  }

  get(): Promise<RenderedMetric> {
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: 'counter',
      aggregator: 'sum',
      values: [...this.entries()].map(({ labels, state }) => ({ labels, value: state.value })),
    });
  }
}

interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

export class SeriesHistogram<L extends string> extends SeriesMetric<L, HistogramState> {
  readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    labelNames: readonly L[],
    private readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  protected create(): HistogramState {
    return { counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
  }

  with(labels: Labels<L>): HistogramSeries {
    const state = this.resolve(labels);
    const buckets = this.buckets;
    return {
      observe: (value) => {
        if (!Number.isFinite(value)) return;
        state.sum += value;
        state.count += 1;
        for (let i = 0; i < buckets.length; i++) {
          if (value <= buckets[i]) {
            state.counts[i] += 1;
            return;
          }
        }
      },
    };
  }

  /** Cumulative `_bucket` lines (`le`, then `+Inf`), `_sum` and `_count`, as prom-client. */
  get(): Promise<RenderedMetric> {
    const values: RenderedMetric['values'] = [];
    for (const { labels, state } of this.entries()) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += state.counts[i];
        values.push({
          labels: { le, ...labels },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      });
      values.push({
        labels: { le: '+Inf', ...labels },
        value: state.count,
        metricName: `${this.name}_bucket`,
      });
      values.push({ labels, value: state.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: state.count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: 'histogram',
      aggregator: 'sum',
      values,
    });
  }
}
