import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { Clock } from '../../common/time/clock';
import { nanosToUsd } from '../../database/columns';
import { MetricsService } from '../../metrics/metrics.service';
import type { SpendStatus } from '../../spend/spend-log.entity';
import { SpendQueue } from '../../spend/spend-queue';
import type { AdmittedCall } from '../admission/admission';
import { costNanos } from '../admission/hold-estimate';
import { countCompletionTokens, countPromptTokens } from './token-count';
import { describeUsageProblem, type CacheTokens, type UsageReading } from './usage';

/** How one call ended, as the books record it. */
export interface Outcome {
  status: SpendStatus;
  promptTokens: number;
  completionTokens: number;
  spendNanos: number;
  savedNanos: number;
  cacheHit: boolean;
  errorType: string | null;
}

const NO_CACHE: CacheTokens = { read: 0, write: 0 };

/**
 * A success priced at the deployment that served the call; prompt tokens read from or written
 * to the provider's prompt cache at the deployment's cache prices (its input price when none).
 */
export function success(
  call: AdmittedCall,
  promptTokens: number,
  completionTokens: number,
  cache: CacheTokens = NO_CACHE,
): Outcome {
  const d = call.servedBy;
  const uncached = Math.max(0, promptTokens - cache.read - cache.write);
  const cacheNanos =
    cache.read === 0 && cache.write === 0
      ? 0
      : costNanos(
          cache.read,
          cache.write,
          d.cacheReadCostPerToken ?? d.inputCostPerToken,
          d.cacheWriteCostPerToken ?? d.inputCostPerToken,
        );
  return {
    status: 'success',
    promptTokens,
    completionTokens,
    spendNanos: Math.min(
      costNanos(uncached, completionTokens, d.inputCostPerToken, d.outputCostPerToken) + cacheNanos,
      Number.MAX_SAFE_INTEGER,
    ),
    savedNanos: 0,
    cacheHit: false,
    errorType: null,
  };
}

export function failure(errorType: string): Outcome {
  return {
    status: 'failure',
    promptTokens: 0,
    completionTokens: 0,
    spendNanos: 0,
    savedNanos: 0,
    cacheHit: false,
    errorType,
  };
}

/**
 * The books of every call, whichever path it took (upstream, stream, cache hit, mock, failure):
 * settle the admission's hold with the actual cost, free the rate-limit slot, queue the spend
 * record (the SpendWriter persists it; no database work here) and count the call's metrics.
 */
@Injectable()
export class Books implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Gateway');
  /** Settlements still counting tokens (calls whose upstream sent no usable usage). */
  private readonly settling = new Set<Promise<void>>();

  constructor(
    private readonly queue: SpendQueue,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {}

  /** Resolves once every settlement in progress has booked its outcome (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.settling.size > 0) await Promise.all([...this.settling]);
  }

  /** Before the spend writer's last flush (onApplicationShutdown): book the calls being counted. */
  beforeApplicationShutdown(): Promise<void> {
    return this.settled();
  }

  /** Logs a usage value that could not be billed as sent (never the value or any content). */
  noteUsageProblem(call: AdmittedCall, usage: UsageReading): void {
    const problem = describeUsageProblem(usage);
    if (problem) {
      this.logger.warn(`${problem} (model ${call.servedBy.id}, request ${call.requestId})`);
    }
  }

  /**
   * Settles the hold, frees the slot and queues the spend record; once per call (a second
   * call is ignored). A returned promise resolves once the record is durable (awaited before
   * the answer leaves).
   */
  finish(call: AdmittedCall, outcome: Outcome): void | Promise<void> {
    if (call.finished) return;
    call.finished = true;
    const settled = call.ticket.settle(
      outcome.spendNanos,
      outcome.promptTokens + outcome.completionTokens,
    );
    const queued = this.queue.push({
      type: 'spend',
      record: {
        requestId: call.requestId,
        keyToken: call.caller.keyToken,
        userId: call.caller.userId,
        teamId: call.caller.teamId,
        model: call.request.model,
        callType: call.request.callType,
        promptTokens: outcome.promptTokens,
        completionTokens: outcome.completionTokens,
        spendNanos: outcome.spendNanos,
        savedNanos: outcome.savedNanos,
        startTimeMs: call.startMs,
        endTimeMs: this.clock.nowMs(),
        status: outcome.status,
        cacheHit: outcome.cacheHit,
        errorType: outcome.errorType,
        modelId: outcome.cacheHit || call.request.mockResponse !== null ? null : call.servedBy.id,
        attemptedRetries: call.attemptedRetries,
        attemptedFallbacks: call.attemptedFallbacks,
      },
    });
    this.metrics.queueDepth.set(this.queue.size);
    const series = this.metrics.callSeries(call.request.model, call.request.callType);
    if (outcome.cacheHit) {
      series.cacheHit.inc();
      series.cacheHits.inc();
    } else if (outcome.status === 'success') series.success.inc();
    else series.failure.inc();
    series.latency.observe((performance.now() - call.started) / 1000);
    if (outcome.spendNanos > 0) series.spend.inc(nanosToUsd(outcome.spendNanos));
    if (settled instanceof Promise || queued instanceof Promise) {
      return Promise.all([settled, queued]).then(() => undefined);
    }
  }

  /**
   * Books a call whose upstream sent no usable usage: prompt and completion counted with the
   * tokenizer, after the answer has gone out (the budget hold stays until then). `failed` set:
   * the call broke off, billed for what was produced. `then` sees the counted success first.
   */
  finishByCount(
    call: AdmittedCall,
    output: () => readonly string[],
    failed: string | null,
    then: (outcome: Outcome) => void = () => undefined,
  ): void {
    const job = (async (): Promise<void> => {
      let prompt = call.promptEstimate;
      let completion: number;
      try {
        prompt = await countPromptTokens(call.request.callType, call.request.body);
        completion = await countCompletionTokens(output());
      } catch (error) {
        // Not expected; the books keep flowing on the up-front bound.
        this.logger.error(`Token count failed (request ${call.requestId}): ${String(error)}`);
        completion = 0;
      }
      const outcome = success(call, prompt, completion);
      if (failed === null) then(outcome);
      await this.finish(
        call,
        failed === null ? outcome : { ...outcome, status: 'failure', errorType: failed },
      );
    })();
    this.settling.add(job);
    void job.finally(() => this.settling.delete(job));
  }
}
