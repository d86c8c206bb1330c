import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

/**
 * Prometheus metrics of one application instance: its own Registry (never prom-client's
 * global default), so several apps in one process (the tests) do not collide.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'gatehouse_gateway_requests_total',
    help: 'Gateway requests by model, call type and outcome',
    labelNames: ['model', 'call_type', 'status'] as const,
    registers: [this.registry],
  });

  readonly latency = new Histogram({
    name: 'gatehouse_gateway_request_duration_seconds',
    help: 'Gateway request duration, upstream included',
    labelNames: ['model', 'call_type'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly overhead = new Histogram({
    name: 'gatehouse_gateway_overhead_seconds',
    help: 'Time spent in Gatehouse per gateway request, upstream excluded',
    labelNames: ['call_type'] as const,
    buckets: OVERHEAD_BUCKETS,
    registers: [this.registry],
  });

  readonly spend = new Counter({
    name: 'gatehouse_spend_usd_total',
    help: 'Spend recorded by the gateway, in USD',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });

  readonly cacheHits = new Counter({
    name: 'gatehouse_cache_hits_total',
    help: 'Gateway requests answered from the response cache',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });

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

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gatehouse_' });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
