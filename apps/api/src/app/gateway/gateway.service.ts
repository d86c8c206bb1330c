import type { OpenAiModelList } from '@gatehouse/shared/dto';
import { Injectable } from '@nestjs/common';
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
import type { SpendStatus } from '../spend/spend-log.entity';
import { SpendQueue } from '../spend/spend-queue';
import { BudgetLedger, type BudgetScope, type Reservation } from './budget-ledger';
import { GatewayCallerResolver, type GatewayCaller } from './gateway-caller';
import { parseGatewayRequest, type GatewayRequest } from './gateway-request';
import { RateLimiter, type Permit, type RateSubject } from './rate-limiter';
import { cacheKey, ResponseCache } from './response-cache';
import { completionAsEvents, scanEvent } from './sse';
import {
  chatPromptTokens,
  costNanos,
  embeddingPromptTokens,
  estimateTokens,
} from './token-estimate';
import {
  ClientGoneError,
  ClientSignal,
  transportError,
  upstreamStatusError,
  UpstreamClient,
} from './upstream-client';

/** Completion tokens held in the budget reservation when the request sets no max_tokens. */
export const DEFAULT_COMPLETION_ESTIMATE = 256;

/** Per request, shared with the controller: abort signal in, upstream time out. */
export interface CallContext {
  signal: ClientSignal;
  /** Milliseconds spent waiting for the upstream (set by the service). */
  upstreamMs: number;
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
  promptEstimate: number;
  permit: Permit;
  reservation: Reservation;
  finished: boolean;
}

const ALL_MODELS = new Set(['*', 'all-proxy-models']);

function mayUse(allowList: string[] | undefined, model: string): boolean {
  return (
    !allowList ||
    allowList.length === 0 ||
    allowList.includes(model) ||
    allowList.some((m) => ALL_MODELS.has(m))
  );
}

function usageOf(text: string): { prompt: number; completion: number; content: number } | null {
  try {
    const parsed = JSON.parse(text) as {
      usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
      choices?: { message?: { content?: unknown } }[];
    };
    const content = (parsed.choices ?? []).reduce((sum, c) => {
      const text = c?.message?.content;
      return sum + (typeof text === 'string' ? text.length : 0);
    }, 0);
    const u = parsed.usage;
    if (!u || typeof u.prompt_tokens !== 'number') return { prompt: -1, completion: -1, content };
    return {
      prompt: u.prompt_tokens,
      completion: typeof u.completion_tokens === 'number' ? u.completion_tokens : 0,
      content,
    };
  } catch {
    return null;
  }
}

/**
 * The hot path: resolve the caller and model from memory, enforce model access, rate limits
 * and budgets in memory, answer from mock/cache/upstream, and queue the spend record (the
 * SpendWriter persists it; no database access here).
 */
@Injectable()
export class GatewayService {
  private readonly cache: ResponseCache;

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

  chat(principal: Principal, body: unknown, ctx: CallContext): Promise<GatewayResult> {
    return this.call(principal, parseGatewayRequest('chat_completion', body), ctx);
  }

  embeddings(principal: Principal, body: unknown, ctx: CallContext): Promise<GatewayResult> {
    return this.call(principal, parseGatewayRequest('embedding', body), ctx);
  }

  private isAllowed(caller: GatewayCaller, model: string): boolean {
    return (
      mayUse(caller.allowedModels, model) &&
      mayUse(caller.user?.models, model) &&
      mayUse(caller.team?.models, model)
    );
  }

  private async call(
    principal: Principal,
    request: GatewayRequest,
    ctx: CallContext,
  ): Promise<GatewayResult> {
    const admission = this.admit(principal, request);
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
  private admit(principal: Principal, request: GatewayRequest): Admission {
    const caller = this.callers.fromPrincipal(principal);
    const deployment = this.isAllowed(caller, request.model)
      ? this.registry.pick(request.model)
      : null;
    if (!deployment) {
      this.metrics.rejections.inc({ reason: 'model' });
      // Unknown and not-allowed look the same: no oracle for model names.
      throw AppError.badRequest(
        `Model '${request.model}' is not available to this caller`,
        'model',
      );
    }
    const promptEstimate =
      request.callType === 'chat_completion'
        ? chatPromptTokens(request.body['messages'] as unknown[])
        : embeddingPromptTokens(request.body['input']);
    const completionEstimate =
      request.callType === 'embedding'
        ? 0
        : request.mockResponse !== null
          ? estimateTokens(request.mockResponse.length)
          : (request.maxTokens ?? DEFAULT_COMPLETION_ESTIMATE);
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

  private fromCache(a: Admission): GatewayResult | null {
    if (this.cacheTtlMs(a) === null) return null;
    const hit = this.cache.get(cacheKey(a.request.callType, a.request.body), this.clock.nowMs());
    if (!hit) return null;
    this.finish(a, {
      status: 'success',
      promptTokens: hit.promptTokens,
      completionTokens: hit.completionTokens,
      spendNanos: 0,
      savedNanos: hit.costNanos,
      cacheHit: true,
      errorType: null,
    });
    return this.answer(a, hit.text);
  }

  private storeInCache(a: Admission, text: string, outcome: Outcome): void {
    const ttl = this.cacheTtlMs(a);
    if (ttl === null || outcome.status !== 'success') return;
    this.cache.set(
      cacheKey(a.request.callType, a.request.body),
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

  /** A complete answer as JSON, or replayed as a stream when the client asked for one. */
  private answer(a: Admission, text: string): GatewayResult {
    if (!a.request.stream) return { kind: 'json', text };
    return {
      kind: 'stream',
      stream: Readable.from(completionAsEvents(text, a.request.includeUsage)),
    };
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
      throw this.failed(a, upstreamStatusError(response.statusCode, text));
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
    const usage = usageOf(text);
    const prompt = usage && usage.prompt >= 0 ? usage.prompt : a.promptEstimate;
    const completion =
      usage && usage.completion >= 0 ? usage.completion : estimateTokens(usage?.content ?? 0);
    const outcome = this.success(a, prompt, completion);
    this.storeInCache(a, text, outcome);
    this.finish(a, outcome);
    return { kind: 'json', text };
  }

  /** Relays upstream SSE events as they come; books the usage from the final chunk. */
  private async *relay(
    a: Admission,
    body: AsyncIterable<Buffer>,
    signal: ClientSignal,
  ): AsyncGenerator<string> {
    const decoder = new TextDecoder();
    let buffer = '';
    let usage: { prompt: number; completion: number } | null = null;
    let contentChars = 0;
    let outcome: Outcome | null = null;
    const handle = (event: string): string | null => {
      const scan = scanEvent(event, a.request.includeUsage);
      contentChars += scan.contentChars;
      if (scan.usage && typeof scan.usage.prompt_tokens === 'number') {
        usage = {
          prompt: scan.usage.prompt_tokens,
          completion:
            typeof scan.usage.completion_tokens === 'number' ? scan.usage.completion_tokens : 0,
        };
      }
      return scan.forward ? `${event}\n\n` : null;
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
      const final = usage as { prompt: number; completion: number } | null;
      outcome = final
        ? this.success(a, final.prompt, final.completion)
        : this.success(a, a.promptEstimate, estimateTokens(contentChars));
    } catch (error) {
      const mapped = transportError(error, signal);
      const type = mapped instanceof AppError ? mapped.type : 'client_disconnected';
      outcome = this.streamFailure(a, type, contentChars);
      if (!(mapped instanceof ClientGoneError)) {
        yield `data: ${JSON.stringify({
          error: {
            message: mapped.message,
            type,
            param: null,
            code: String((mapped as AppError).status),
          },
        })}\n\n`;
      }
    } finally {
      // Also reached when the client goes away mid-stream (the generator is closed early).
      this.finish(a, outcome ?? this.streamFailure(a, 'client_disconnected', contentChars));
    }
  }

  /** A stream that broke off: bill what was produced (prompt + the content seen so far). */
  private streamFailure(a: Admission, errorType: string, contentChars: number): Outcome {
    const completion = estimateTokens(contentChars);
    return {
      ...this.success(a, a.promptEstimate, completion),
      status: 'failure',
      errorType,
    };
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
