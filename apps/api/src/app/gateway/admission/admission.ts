import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Principal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { Clock } from '../../common/time/clock';
import { redisUnavailable } from '../../cluster/redis-unavailable';
import { MetricsService } from '../../metrics/metrics.service';
import { SpendQueue } from '../../spend/spend-queue';
import type { ModelDeployment } from '../../models/model-deployment';
import { ModelRegistry } from '../../models/model-registry';
import type { GatewayRequest } from '../gateway-request';
import { fallbacksOf, reachableModels } from '../router/fallbacks';
import { RouterSettings } from '../router/router-settings';
import { AdmissionControl, type Ticket } from './admission-control';
import { CallerResolver } from './caller-resolver';
import type { GatewayCaller } from './gateway-caller';
import {
  costNanos,
  estimateTokens,
  holdCompletionTokens,
  holdPromptTokens,
  mockPromptTokens,
} from './hold-estimate';
import { mayUseModel } from './model-access';

/**
 * Completion tokens held in the budget reservation when the request sets neither max_tokens
 * nor max_completion_tokens (the model's default output limit is not known here).
 */
export const DEFAULT_COMPLETION_ESTIMATE = 256;

/** One admitted call: its limits are held until the books settle it (once). */
export interface AdmittedCall {
  requestId: string;
  caller: GatewayCaller;
  request: GatewayRequest;
  /** The deployments of the requested model (the router chooses among them). */
  deployments: readonly ModelDeployment[];
  /** The deployment that answered, once the router has one (prices and cache settings). */
  servedBy: ModelDeployment;
  /** Models the router may fall back to, in order: only ones this caller may use. */
  fallbacks: readonly string[];
  /** Set by the router: attempts after the first, and fallback models tried. */
  attemptedRetries: number;
  attemptedFallbacks: number;
  startMs: number;
  started: number;
  /** Prompt tokens held up front (a bound over the whole body, not a count). */
  promptEstimate: number;
  ticket: Ticket;
  finished: boolean;
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
 * The data plane's admission, the same for every path in (chat, embeddings, messages, and the
 * router's fallbacks): who calls, may they use the model, and their rate limits and budgets
 * with a hold of what the call can cost — all from memory or one Redis round trip.
 */
@Injectable()
export class Admission {
  constructor(
    private readonly callers: CallerResolver,
    private readonly registry: ModelRegistry,
    private readonly control: AdmissionControl,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    private readonly routing: RouterSettings,
    private readonly spendQueue: SpendQueue,
  ) {}

  caller(principal: Principal): GatewayCaller {
    return this.callers.fromPrincipal(principal);
  }

  /** The one model rule (`model-access.ts`) for this caller. */
  mayUse(caller: GatewayCaller, model: string): boolean {
    return mayUseModel(caller.allowLists, model);
  }

  async admit(
    principal: Principal,
    request: GatewayRequest,
    bodyBytes: number,
  ): Promise<AdmittedCall> {
    if (this.spendQueue.refuses()) {
      // REDIS_FAILURE_MODE=closed and the spend stream is away: no call that could not be billed.
      this.metrics.rejections.inc({ reason: 'unavailable' });
      throw redisUnavailable();
    }
    const caller = this.caller(principal);
    const deployments = this.mayUse(caller, request.model)
      ? this.registry.deploymentsOf(request.model)
      : [];
    if (deployments.length === 0) {
      this.metrics.rejections.inc({ reason: 'model' });
      // Unknown and not-allowed look the same: no oracle for model names.
      throw modelNotFound(request.model);
    }
    const fallbacks = this.fallbacksFor(caller, request);
    const promptEstimate =
      request.mockResponse !== null
        ? mockPromptTokens(request.body['messages'] as unknown[])
        : holdPromptTokens(
            bodyBytes,
            request.callType === 'embedding' ? request.body['input'] : undefined,
          );
    const nowMs = this.clock.nowMs();
    let ticket: Ticket;
    try {
      ticket = await this.control.admit(
        caller.limits,
        this.hold(request, this.holdDeployments(caller, request, deployments), promptEstimate),
        nowMs,
      );
    } catch (error) {
      const reason =
        error instanceof AppError && error.status === 429
          ? 'rate_limit'
          : error instanceof AppError && error.type === 'budget_exceeded'
            ? 'budget'
            : 'unavailable';
      this.metrics.rejections.inc({ reason });
      throw error;
    }
    return {
      requestId: randomUUID(),
      caller,
      request,
      deployments,
      servedBy: deployments[0],
      fallbacks,
      attemptedRetries: 0,
      attemptedFallbacks: 0,
      startMs: nowMs,
      started: performance.now(),
      promptEstimate,
      ticket,
      finished: false,
    };
  }

  /**
   * The fallbacks the router may take: a model the request names itself must be one the caller
   * may use (else 404, as for its model: a fallback never widens what a key may use);
   * configured ones the caller may not use are skipped.
   */
  private fallbacksFor(caller: GatewayCaller, request: GatewayRequest): readonly string[] {
    const models = fallbacksOf(this.routing, request);
    if (models.length === 0) return models;
    if (request.fallbacks !== null) {
      for (const model of models) {
        if (!this.mayUse(caller, model) || this.registry.deploymentsOf(model).length === 0) {
          this.metrics.rejections.inc({ reason: 'model' });
          throw new AppError(
            404,
            'invalid_request_error',
            modelNotFound(model).message,
            'fallbacks',
            {},
            'model_not_found',
          );
        }
      }
      return models;
    }
    return models.filter((m) => this.mayUse(caller, m));
  }

  /** The deployments the call may be priced at: its model's and its (allowed) fallbacks'. */
  private holdDeployments(
    caller: GatewayCaller,
    request: GatewayRequest,
    deployments: readonly ModelDeployment[],
  ): readonly ModelDeployment[] {
    const others = reachableModels(this.routing, request);
    if (others.length === 0) return deployments;
    const all = [...deployments];
    for (const model of others) {
      if (this.mayUse(caller, model)) all.push(...this.registry.deploymentsOf(model));
    }
    return all;
  }

  /**
   * What the call can cost, at the dearest deployment it may be sent to: the whole body
   * (finding 20) and the completion limit the upstream will honour (finding 9), both cheap to
   * work out (no tokenizer).
   */
  private hold(
    request: GatewayRequest,
    deployments: readonly ModelDeployment[],
    promptEstimate: number,
  ): number {
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
    let hold = 0;
    for (const d of deployments) {
      // A prompt written to a provider's cache costs more than input (Anthropic: 1.25x).
      const promptPrice = Math.max(d.inputCostPerToken, d.cacheWriteCostPerToken ?? 0);
      const cost = costNanos(promptEstimate, completionEstimate, promptPrice, d.outputCostPerToken);
      if (cost > hold) hold = cost;
    }
    return hold;
  }
}
