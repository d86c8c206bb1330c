import { hasPermission } from '@gatehouse/shared/auth';
import type { ModelInfoResponse, OpenAiModelList } from '@gatehouse/shared/dto';
import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { Principal } from '../common/auth/principal';
import { AppError } from '../common/errors/app-error';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { nanosToUsd } from '../database/columns';
import { MetricsService } from '../metrics/metrics.service';
import type { ModelDeployment } from '../models/model-deployment';
import { ModelRegistry } from '../models/model-registry';
import { toModelResponse } from '../models/model-response';
import type { SpendStatus } from '../spend/spend-log.entity';
import { SpendQueue } from '../spend/spend-queue';
import { BudgetLedger, type BudgetScope, type Reservation } from './budget-ledger';
import { GatewayCallerResolver, type GatewayCaller } from './gateway-caller';
import { parseGatewayRequest, type GatewayRequest } from './gateway-request';
import { RateLimiter, type Permit, type RateSubject } from './rate-limiter';
import { allowListsOf, mayUseModel } from './model-access';
import { cacheKey, cacheScopeId, isCacheableAnswer, ResponseCache } from './response-cache';
import { completionAsEvents, scanEvent } from './sse';
import { answerStrings, countCompletionTokens, countPromptTokens } from './token-count';
import {
  costNanos,
  estimateTokens,
  holdCompletionTokens,
  holdPromptTokens,
  mockPromptTokens,
} from './token-estimate';
import { redactUpstreamSecrets } from './upstream-error-redaction';
import { describeUsageProblem, readUsage, type UsageReading } from './usage';
import {
  ClientGoneError,
  ClientSignal,
  transportError,
  upstreamStatusError,
  UpstreamClient,
} from './upstream-client';

/**
 * Completion tokens held in the budget reservation when the request sets neither max_tokens
 * nor max_completion_tokens (the model's default output limit is not known here).
 */
export const DEFAULT_COMPLETION_ESTIMATE = 256;

/** Per request, shared with the controller: abort signal and body size in, upstream time out. */
export interface CallContext {
  signal: ClientSignal;
  /** Milliseconds spent waiting for the upstream (set by the service). */
  upstreamMs: number;
  /** Size of the request body in bytes (set by the controller; bounds the budget hold). */
  bodyBytes: number;
}

export type GatewayResult = { kind: 'json'; text: string } | { kind: 'stream'; stream: Readable };

interface Outcome {
  status: SpendStatus;
  promptTokens: number;
  completionTokens: number;
  spendNanos: number;
  savedNanos: number;
  cacheHit: boolean;
  errorType: string | null;
}

/** One admitted request: its limits are held until `finish` books the outcome (once). */
interface Admission {
  requestId: string;
  caller: GatewayCaller;
  request: GatewayRequest;
  deployment: ModelDeployment;
  startMs: number;
  started: number;
  /** Prompt tokens held up front (a bound over the whole body, not a count). */
  promptEstimate: number;
  permit: Permit;
  reservation: Reservation;
  finished: boolean;
}

/** The upstream's JSON answer, parsed once (the only parse before the answer leaves). */
function parseAnswer(text: string): { parsed: unknown; ok: boolean } {
  try {
    return { parsed: JSON.parse(text) as unknown, ok: true };
  } catch {
    return { parsed: null, ok: false };
  }
}

/** Inaccessible models answer like OpenAI, the same for unknown and not-allowed ones. */
export function modelNotFound(model: string): AppError {
  return new AppError(
    404,
    'invalid_request_error',
    `The model \`${model}\` does not exist or you do not have access to it.`,
    'model',
    {},
    'model_not_found',
  );
}

/**
 * The hot path: resolve the caller and model from memory, enforce model access, rate limits
 * and budgets in memory, answer from mock/cache/upstream, and queue the spend record (the
 * SpendWriter persists it; no database access here).
 */
@Injectable()
export class GatewayService implements BeforeApplicationShutdown {
  private readonly cache: ResponseCache;
  private readonly logger = new Logger('Gateway');
  /** Settlements still counting tokens (calls whose upstream sent no usable usage). */
  private readonly settling = new Set<Promise<void>>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly callers: GatewayCallerResolver,
    private readonly ledger: BudgetLedger,
    private readonly limiter: RateLimiter,
    private readonly queue: SpendQueue,
    private readonly upstream: UpstreamClient,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.cache = new ResponseCache(config.cache.maxEntries);
  }

  listModels(principal: Principal): OpenAiModelList {
    const caller = this.callers.fromPrincipal(principal);
    const created = Math.floor(this.clock.nowMs() / 1000);
    return {
      object: 'list',
      data: this.registry
        .names()
        .filter((name) => this.isAllowed(caller, name))
        .map((id) => ({ id, object: 'model' as const, created, owned_by: 'gatehouse' })),
    };
  }

  /**
   * `/model/info`: admins (`model.write`) see every deployment with its `api_base` and the
   * masked key; anyone else only the models they may call, without `api_base` or key.
   */
  modelInfo(principal: Principal): ModelInfoResponse {
    if (hasPermission(principal.role, 'model.write')) {
      return { data: this.registry.list().map((m) => toModelResponse(m, 'admin')) };
    }
    const caller = this.callers.fromPrincipal(principal);
    return {
      data: this.registry
        .list()
        .filter((m) => this.isAllowed(caller, m.modelName))
        .map((m) => toModelResponse(m, 'caller')),
    };
  }

  /** Resolves once every settlement in progress has booked its outcome (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.settling.size > 0) await Promise.all([...this.settling]);
  }

  /** Before the spend writer's last flush (onApplicationShutdown): book the calls being counted. */
  beforeApplicationShutdown(): Promise<void> {
    return this.settled();
  }

  chat(principal: Principal, body: unknown, ctx: CallContext): Promise<GatewayResult> {
    return this.call(principal, parseGatewayRequest('chat_completion', body), ctx);
  }

  embeddings(principal: Principal, body: unknown, ctx: CallContext): Promise<GatewayResult> {
    return this.call(principal, parseGatewayRequest('embedding', body), ctx);
  }

  private isAllowed(caller: GatewayCaller, model: string): boolean {
    return mayUseModel(allowListsOf(caller), model);
  }

  private async call(
    principal: Principal,
    request: GatewayRequest,
    ctx: CallContext,
  ): Promise<GatewayResult> {
    const admission = this.admit(principal, request, ctx.bodyBytes);
    try {
      const cached = this.fromCache(admission);
      if (cached) return cached;
      if (request.mockResponse !== null) return this.mock(admission, request.mockResponse);
      return await this.forward(admission, ctx);
    } catch (error) {
      // Anything not booked yet (e.g. a bug) still releases its hold.
      this.finish(
        admission,
        this.failure(error instanceof AppError ? error.type : 'internal_error'),
      );
      throw error;
    }
  }

  /** Model access, rate limits and the budget hold, all in memory. */
  private admit(principal: Principal, request: GatewayRequest, bodyBytes: number): Admission {
    const caller = this.callers.fromPrincipal(principal);
    const deployment = this.isAllowed(caller, request.model)
      ? this.registry.pick(request.model)
      : null;
    if (!deployment) {
      this.metrics.rejections.inc({ reason: 'model' });
      // Unknown and not-allowed look the same: no oracle for model names.
      throw modelNotFound(request.model);
    }
    // The hold is what the call can cost: the whole body (finding 20) and the completion
    // limit the upstream will honour (finding 9), both cheap to work out (no tokenizer).
    const promptEstimate =
      request.mockResponse !== null
        ? mockPromptTokens(request.body['messages'] as unknown[])
        : holdPromptTokens(
            bodyBytes,
            request.callType === 'embedding' ? request.body['input'] : undefined,
          );
    const completionEstimate =
      request.callType === 'embedding'
        ? 0
        : request.mockResponse !== null
          ? estimateTokens(request.mockResponse.length)
          : holdCompletionTokens(
              request.maxTokens,
              request.maxCompletionTokens,
              DEFAULT_COMPLETION_ESTIMATE,
            );
    const estimate = costNanos(
      promptEstimate,
      completionEstimate,
      deployment.inputCostPerToken,
      deployment.outputCostPerToken,
    );
    const nowMs = this.clock.nowMs();
    let permit: Permit;
    try {
      permit = this.limiter.acquire(this.rateSubjects(caller), nowMs);
    } catch (error) {
      this.metrics.rejections.inc({ reason: 'rate_limit' });
      throw error;
    }
    let reservation: Reservation;
    try {
      reservation = this.ledger.reserve(this.budgetScopes(caller), estimate, nowMs);
    } catch (error) {
      permit.release(0);
      this.metrics.rejections.inc({ reason: 'budget' });
      throw error;
    }
    return {
      requestId: randomUUID(),
      caller,
      request,
      deployment,
      startMs: nowMs,
      started: performance.now(),
      promptEstimate,
      permit,
      reservation,
      finished: false,
    };
  }

  private rateSubjects(caller: GatewayCaller): RateSubject[] {
    const subjects: RateSubject[] = [];
    if (caller.key && caller.keyToken)
      subjects.push({ id: `key:${caller.keyToken}`, limits: caller.key });
    if (caller.user) subjects.push({ id: `user:${caller.userId}`, limits: caller.user });
    if (caller.team && caller.teamId)
      subjects.push({ id: `team:${caller.teamId}`, limits: caller.team });
    return subjects;
  }

  private budgetScopes(caller: GatewayCaller): BudgetScope[] {
    const scopes: BudgetScope[] = [];
    if (caller.key && caller.keyToken) {
      scopes.push({ entity: 'key', id: caller.keyToken, limits: caller.key });
    }
    if (caller.user) scopes.push({ entity: 'user', id: caller.userId, limits: caller.user });
    if (caller.team && caller.teamId) {
      scopes.push({ entity: 'team', id: caller.teamId, limits: caller.team });
    }
    return scopes;
  }

  /** TTL in ms when this request may use the cache, else null. */
  private cacheTtlMs(a: Admission): number | null {
    if (a.request.noCache) return null;
    if (!this.config.cache.enabled && !a.deployment.cache) return null;
    return (a.deployment.cacheTtlSeconds ?? this.config.cache.ttlSeconds) * 1000;
  }

  private cacheKeyOf(a: Admission): string {
    const scope = cacheScopeId(this.config.cache.scope, a.caller);
    return cacheKey(a.request.callType, a.request.body, scope);
  }

  private fromCache(a: Admission): GatewayResult | null {
    if (this.cacheTtlMs(a) === null) return null;
    const key = this.cacheKeyOf(a);
    const hit = this.cache.get(key, this.clock.nowMs());
    if (!hit) return null;
    const events = a.request.stream ? completionAsEvents(hit.text, a.request.includeUsage) : null;
    if (a.request.stream && !events) {
      // Never stored any more (only chat completions are), but a bad entry is a miss.
      this.cache.delete(key);
      return null;
    }
    this.finish(a, {
      status: 'success',
      promptTokens: hit.promptTokens,
      completionTokens: hit.completionTokens,
      spendNanos: 0,
      savedNanos: hit.costNanos,
      cacheHit: true,
      errorType: null,
    });
    return events
      ? { kind: 'stream', stream: Readable.from(events) }
      : { kind: 'json', text: hit.text };
  }

  private storeInCache(a: Admission, text: string, outcome: Outcome): void {
    const ttl = this.cacheTtlMs(a);
    if (ttl === null || outcome.status !== 'success') return;
    this.cache.set(
      this.cacheKeyOf(a),
      {
        text,
        promptTokens: outcome.promptTokens,
        completionTokens: outcome.completionTokens,
        costNanos: outcome.spendNanos,
      },
      ttl,
      this.clock.nowMs(),
    );
  }

  /** A mock answer as JSON, or replayed as a stream when the client asked for one. */
  private answer(a: Admission, text: string): GatewayResult {
    const events = a.request.stream ? completionAsEvents(text, a.request.includeUsage) : null;
    return events ? { kind: 'stream', stream: Readable.from(events) } : { kind: 'json', text };
  }

  private mock(a: Admission, content: string): GatewayResult {
    const promptTokens = a.promptEstimate;
    const completionTokens = estimateTokens(content.length);
    const text = JSON.stringify({
      id: `chatcmpl-${a.requestId}`,
      object: 'chat.completion',
      created: Math.floor(a.startMs / 1000),
      model: a.request.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    });
    const outcome = this.success(a, promptTokens, completionTokens);
    this.storeInCache(a, text, outcome);
    this.finish(a, outcome);
    return this.answer(a, text);
  }

  private upstreamBody(a: Admission): string {
    const body: Record<string, unknown> = { ...a.request.body, model: a.deployment.upstreamModel };
    delete body['cache'];
    delete body['mock_response'];
    if (a.request.stream) {
      const options = (body['stream_options'] ?? {}) as Record<string, unknown>;
      body['stream_options'] = { ...options, include_usage: true };
    }
    return JSON.stringify(body);
  }

  private async forward(a: Admission, ctx: CallContext): Promise<GatewayResult> {
    const path = a.request.callType === 'chat_completion' ? '/chat/completions' : '/embeddings';
    const sent = performance.now();
    let response;
    try {
      response = await this.upstream.post(a.deployment, path, this.upstreamBody(a), ctx.signal);
    } catch (error) {
      ctx.upstreamMs = performance.now() - sent;
      throw this.failed(a, error);
    }
    if (response.statusCode >= 400) {
      const text = await response.body.text().catch(() => '');
      ctx.upstreamMs = performance.now() - sent;
      throw this.failed(a, upstreamStatusError(response.statusCode, text, a.deployment.apiKey));
    }
    if (a.request.stream) {
      ctx.upstreamMs = performance.now() - sent;
      return { kind: 'stream', stream: Readable.from(this.relay(a, response.body, ctx.signal)) };
    }
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      ctx.upstreamMs = performance.now() - sent;
      throw this.failed(a, transportError(error, ctx.signal));
    }
    ctx.upstreamMs = performance.now() - sent;
    const answer = parseAnswer(text);
    const cacheable = answer.ok && isCacheableAnswer(a.request.callType, answer.parsed);
    const usage = readUsage((answer.parsed as { usage?: unknown } | null)?.usage);
    this.noteUsageProblem(a, usage);
    if (usage.kind === 'ok') {
      const outcome = this.success(a, usage.prompt, usage.completion);
      if (cacheable) this.storeInCache(a, text, outcome);
      this.finish(a, outcome);
    } else {
      this.finishByCount(
        a,
        () => answerStrings(answer.parsed),
        null,
        (outcome) => {
          if (cacheable) this.storeInCache(a, text, outcome);
        },
      );
    }
    return { kind: 'json', text };
  }

  /** Logs a usage value that could not be billed as sent (never the value or any content). */
  private noteUsageProblem(a: Admission, usage: UsageReading): void {
    const problem = describeUsageProblem(usage);
    if (problem) {
      this.logger.warn(`${problem} (model ${a.deployment.id}, request ${a.requestId})`);
    }
  }

  /**
   * Books a call whose upstream sent no usable usage: prompt and completion counted with the
   * tokenizer, after the answer has gone out (the budget hold stays until then). `failure` set:
   * the call broke off, billed for what was produced.
   */
  private finishByCount(
    a: Admission,
    output: () => readonly string[],
    failure: string | null,
    then: (outcome: Outcome) => void = () => undefined,
  ): void {
    const job = (async (): Promise<void> => {
      let prompt = a.promptEstimate;
      let completion: number;
      try {
        prompt = await countPromptTokens(a.request.callType, a.request.body);
        completion = await countCompletionTokens(output());
      } catch (error) {
        // Not expected; the books keep flowing on the up-front bound.
        this.logger.error(`Token count failed (request ${a.requestId}): ${String(error)}`);
        completion = 0;
      }
      const outcome = this.success(a, prompt, completion);
      if (failure === null) then(outcome);
      this.finish(
        a,
        failure === null ? outcome : { ...outcome, status: 'failure', errorType: failure },
      );
    })();
    this.settling.add(job);
    void job.finally(() => this.settling.delete(job));
  }

  /**
   * Relays upstream SSE events as they come; books the usage from the final chunk, or counts
   * the output seen when the upstream sent no usable usage. Error events are redacted.
   */
  private async *relay(
    a: Admission,
    body: AsyncIterable<Buffer>,
    signal: ClientSignal,
  ): AsyncGenerator<string> {
    const decoder = new TextDecoder();
    let buffer = '';
    let usage: UsageReading = { kind: 'absent' };
    const output: string[] = [];
    let failure: string | null = null;
    let completed = false;
    const handle = (event: string): string | null => {
      const scan = scanEvent(event, a.request.includeUsage, output);
      if (scan.usage !== null) usage = readUsage(scan.usage);
      if (!scan.forward) return null;
      return scan.error
        ? `${redactUpstreamSecrets(event, a.deployment.apiKey)}\n\n`
        : `${event}\n\n`;
    };
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n/g, '\n');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const out = handle(event);
          if (out !== null) yield out;
        }
      }
      if (buffer.trim() !== '') {
        const out = handle(buffer.trimEnd());
        if (out !== null) yield out;
      }
      completed = true;
    } catch (error) {
      const mapped = transportError(error, signal);
      failure = mapped instanceof AppError ? mapped.type : 'client_disconnected';
      completed = true;
      if (!(mapped instanceof ClientGoneError)) {
        yield `data: ${JSON.stringify({
          error: {
            message: mapped.message,
            type: failure,
            param: null,
            code: String((mapped as AppError).status),
          },
        })}\n\n`;
      }
    } finally {
      // Also reached when the client goes away mid-stream (the generator is closed early).
      const final = usage as UsageReading;
      const broke = failure ?? (completed ? null : 'client_disconnected');
      this.noteUsageProblem(a, final);
      if (final.kind === 'ok' && broke === null) {
        this.finish(a, this.success(a, final.prompt, final.completion));
      } else {
        // A stream that broke off is billed for what was produced: the prompt and the output seen.
        this.finishByCount(a, () => output, broke);
      }
    }
  }

  private success(a: Admission, promptTokens: number, completionTokens: number): Outcome {
    return {
      status: 'success',
      promptTokens,
      completionTokens,
      spendNanos: costNanos(
        promptTokens,
        completionTokens,
        a.deployment.inputCostPerToken,
        a.deployment.outputCostPerToken,
      ),
      savedNanos: 0,
      cacheHit: false,
      errorType: null,
    };
  }

  private failure(errorType: string): Outcome {
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

  /** Books a failed upstream call and returns the error to throw. */
  private failed(a: Admission, error: unknown): Error {
    const type =
      error instanceof AppError
        ? error.type
        : error instanceof ClientGoneError
          ? 'client_disconnected'
          : 'upstream_error';
    this.finish(a, this.failure(type));
    if (error instanceof ClientGoneError) {
      return new AppError(499, 'upstream_error', 'Client disconnected');
    }
    return error instanceof Error ? error : new Error(String(error));
  }

  /** Settles the budget hold, frees the rate-limit slot and queues the spend record. Once. */
  private finish(a: Admission, outcome: Outcome): void {
    if (a.finished) return;
    a.finished = true;
    a.reservation.settle(outcome.spendNanos);
    a.permit.release(outcome.promptTokens + outcome.completionTokens);
    this.queue.push({
      type: 'spend',
      record: {
        requestId: a.requestId,
        keyToken: a.caller.keyToken,
        userId: a.caller.userId,
        teamId: a.caller.teamId,
        model: a.request.model,
        callType: a.request.callType,
        promptTokens: outcome.promptTokens,
        completionTokens: outcome.completionTokens,
        spendNanos: outcome.spendNanos,
        savedNanos: outcome.savedNanos,
        startTimeMs: a.startMs,
        endTimeMs: this.clock.nowMs(),
        status: outcome.status,
        cacheHit: outcome.cacheHit,
        errorType: outcome.errorType,
      },
    });
    this.metrics.queueDepth.set(this.queue.size);
    const series = this.metrics.callSeries(a.request.model, a.request.callType);
    if (outcome.cacheHit) {
      series.cacheHit.inc();
      series.cacheHits.inc();
    } else if (outcome.status === 'success') series.success.inc();
    else series.failure.inc();
    series.latency.observe((performance.now() - a.started) / 1000);
    if (outcome.spendNanos > 0) series.spend.inc(nanosToUsd(outcome.spendNanos));
  }
}
