import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  SeriesCounter,
  SeriesHistogram,
  type CounterSeries,
  type HistogramSeries,
} from './series-metrics';

/** What one gateway call of a model and call type updates. */
export interface CallSeries {
  success: CounterSeries;
  failure: CounterSeries;
  cacheHit: CounterSeries;
  latency: HistogramSeries;
  spend: CounterSeries;
  cacheHits: CounterSeries;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

/**
 * Prometheus metrics of one application instance: its own Registry (never prom-client's
 * global default), so several apps in one process (the tests) do not collide.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  // The gateway's per-call series (series-metrics.ts: no label hashing per call).
  readonly requests = new SeriesCounter(
    'gatehouse_gateway_requests_total',
    'Gateway requests by model, call type and outcome',
    ['model', 'call_type', 'status'] as const,
  );

  readonly latency = new SeriesHistogram(
    'gatehouse_gateway_request_duration_seconds',
    'Gateway request duration, upstream included',
    ['model', 'call_type'] as const,
    LATENCY_BUCKETS,
  );

  readonly overhead = new SeriesHistogram(
    'gatehouse_gateway_overhead_seconds',
    'Time spent in Gatehouse per gateway request, upstream excluded',
    ['call_type'] as const,
    OVERHEAD_BUCKETS,
  );

  readonly spend = new SeriesCounter(
    'gatehouse_spend_usd_total',
    'Spend recorded by the gateway, in USD',
    ['model'] as const,
  );

  readonly cacheHits = new SeriesCounter(
    'gatehouse_cache_hits_total',
    'Gateway requests answered from the response cache',
    ['model'] as const,
  );

  readonly rejections = new Counter({
    name: 'gatehouse_gateway_rejections_total',
    help: 'Gateway requests refused before the upstream call (budget, rate limit, model)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'gatehouse_spend_queue_depth',
    help: 'Spend records waiting for the next flush',
    registers: [this.registry],
  });

  readonly flushDuration = new Histogram({
    name: 'gatehouse_spend_flush_duration_seconds',
    help: 'Duration of one spend flush (one transaction)',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly flushFailures = new Counter({
    name: 'gatehouse_spend_flush_failures_total',
    help: 'Spend flushes that failed (their records are retried)',
    registers: [this.registry],
  });

  private readonly calls = new Map<string, CallSeries>();
  private readonly overheads = new Map<string, HistogramSeries>();

  constructor() {
    for (const metric of [this.requests, this.latency, this.overhead, this.spend, this.cacheHits]) {
      this.registry.registerMetric(metric.asMetric());
    }
    collectDefaultMetrics({ register: this.registry, prefix: 'gatehouse_' });
  }

  /** The series a gateway call of this model and call type updates, resolved once. */
  callSeries(model: string, callType: string): CallSeries {
    const key = `${model}\u0000${callType}`;
    let series = this.calls.get(key);
    if (!series) {
      const labels = { model, call_type: callType };
      series = {
        success: this.requests.with({ ...labels, status: 'success' }),
        failure: this.requests.with({ ...labels, status: 'failure' }),
        cacheHit: this.requests.with({ ...labels, status: 'cache_hit' }),
        latency: this.latency.with(labels),
        spend: this.spend.with({ model }),
        cacheHits: this.cacheHits.with({ model }),
      };
      this.calls.set(key, series);
    }
    return series;
  }

  /** Gatehouse's own time per call type. */
  overheadSeries(callType: string): HistogramSeries {
    let series = this.overheads.get(callType);
    if (!series)
      this.overheads.set(callType, (series = this.overhead.with({ call_type: callType })));
    return series;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
