import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { AppError } from '../../common/errors/app-error';
import { Clock } from '../../common/time/clock';
import type { ModelDeployment } from '../../models/model-deployment';
import { ModelRegistry } from '../../models/model-registry';
import { Admission, type AdmittedCall } from '../admission/admission';
import { adapterFor } from '../providers/provider-adapters';
import type { ProviderAdapter } from '../providers/provider-adapter';
import {
  ClientGoneError,
  type ClientSignal,
  upstreamStatusError,
  UpstreamClient,
  type UpstreamResponse,
} from '../providers/upstream-client';
import { DeploymentStates, MINUTE_MS, msToNextMinute } from './deployment-states';
import { DeploymentUsage } from './deployment-usage';
import { contextFallbacksOf } from './fallbacks';
import { classifyStatus, retryAfterMsOf, retryDelayMs, type FailureKind } from './retry-policy';
import { RouterSettings } from './router-settings';
import { choose, type Candidate } from './strategies';

/** An upstream that answered 2xx: its response (body unread) and who served it. */
export interface RoutedResponse {
  deployment: ModelDeployment;
  adapter: ProviderAdapter;
  response: UpstreamResponse;
}

/** One failed attempt: the error the caller gets if nothing else works, and what to do next. */
interface Failure {
  error: AppError;
  kind: FailureKind;
  retryAfterMs: number | null;
}

type Attempt = { ok: true; routed: RoutedResponse } | { ok: false; failure: Failure };

/** Why no deployment of a model could be chosen. */
type NoPick = { error: AppError };

function sleep(ms: number, signal: ClientSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.off('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.once('abort', done);
  });
}

/** Every deployment of the model sits out a cooldown: 503 until the first one is back. */
export function allCoolingDown(model: string, retryAfterMs: number): AppError {
  return new AppError(
    503,
    'service_unavailable',
    `No deployment of ${model} is available: every one is cooling down after failures`,
    'model',
    { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    'no_deployments_available',
  );
}

/** usage-based-routing: every deployment is at its own rpm/tpm for this minute. */
function noCapacity(model: string, retryAfterMs: number): AppError {
  return new AppError(
    429,
    'rate_limit_error',
    `No deployment of ${model} has room within its rpm/tpm limits this minute`,
    'model',
    { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    'no_deployments_available',
  );
}

/**
 * Chooses a deployment of the call's model (`routing_strategy`), sends the call through its
 * provider adapter, retries (`num_retries`: another deployment first, else after a backoff or
 * the upstream's Retry-After), falls back to other models (`fallbacks`,
 * `context_window_fallbacks`, the request's own) and cools failing deployments down. Every
 * retry happens here, before the answer starts: nothing is retried once a byte reached the
 * client. Sets `call.servedBy` (the books price the call there), `call.attemptedRetries` and
 * `call.attemptedFallbacks`. Throws the (redacted) OpenAI-style error of the last failure.
 */
@Injectable()
export class Router {
  /** Replaceable by tests for a fixed seed. */
  random: () => number = Math.random;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly upstream: UpstreamClient,
    private readonly settings: RouterSettings,
    private readonly states: DeploymentStates,
    private readonly usage: DeploymentUsage,
    private readonly admission: Admission,
    private readonly clock: Clock,
  ) {}

  async send(call: AdmittedCall, signal: ClientSignal): Promise<RoutedResponse> {
    let model = call.request.model;
    let deployments = call.deployments;
    let queue = call.fallbacks;
    let index = 0;
    let visited: Set<string> | null = null;
    for (;;) {
      const outcome = await this.sendToModel(call, model, deployments, signal);
      if ('routed' in outcome) return outcome.routed;
      if (outcome.kind === 'caller') throw this.withRoutingHeaders(call, outcome.error);
      (visited ??= new Set()).add(model);
      if (outcome.kind === 'context_window') {
        // A bigger model, not the same size elsewhere: the context-window list replaces the rest.
        queue = contextFallbacksOf(this.settings, model).filter((m) =>
          this.admission.mayUse(call.caller, m),
        );
        index = 0;
      }
      let next: string | null = null;
      while (next === null && index < queue.length) {
        const candidate = queue[index++];
        const found = visited.has(candidate) ? [] : this.registry.deploymentsOf(candidate);
        if (found.length > 0) {
          next = candidate;
          deployments = found;
        }
      }
      if (next === null) throw this.withRoutingHeaders(call, outcome.error);
      model = next;
      call.attemptedFallbacks += 1;
    }
  }

  /**
   * Up to `1 + num_retries` attempts at one model's deployments. Resolves with the answer, or
   * with the last failure and its kind (the caller decides about fallbacks).
   */
  private async sendToModel(
    call: AdmittedCall,
    model: string,
    deployments: readonly ModelDeployment[],
    signal: ClientSignal,
  ): Promise<{ routed: RoutedResponse } | { error: AppError; kind: FailureKind }> {
    let tried: Set<string> | null = null;
    let failure: Failure | null = null;
    for (let attempt = 0; attempt <= this.settings.numRetries; attempt += 1) {
      const pick = this.pick(call, model, deployments, tried);
      const picked = pick instanceof Promise ? await pick : pick;
      if ('error' in picked) {
        return { error: failure?.error ?? picked.error, kind: 'retryable' };
      }
      if (failure !== null) {
        // A retry: straight away on another deployment, else after the backoff / Retry-After.
        const fresh = tried !== null && !tried.has(picked.deployment.id);
        const wait = fresh ? 0 : retryDelayMs(attempt - 1, failure.retryAfterMs, this.random);
        if (wait === null) break;
        await sleep(wait, signal);
        if (signal.aborted) {
          this.usage.settle(picked, -call.promptEstimate);
          throw new ClientGoneError();
        }
        call.attemptedRetries += 1;
      }
      const result = await this.attempt(call, picked, deployments.length === 1, signal);
      if (result.ok) return { routed: result.routed };
      failure = result.failure;
      if (failure.kind !== 'retryable') break;
      if (deployments.length > 1) (tried ??= new Set()).add(picked.deployment.id);
    }
    // failure is set: the loop ran at least once and every exit without one returned.
    const last = failure as Failure;
    return { error: last.error, kind: last.kind };
  }

  /**
   * The deployment for the next attempt, or why there is none. Only usage-based-routing over
   * deployments with rpm/tpm under REDIS_URL waits (one Redis round trip: `DeploymentUsage`).
   */
  private pick(
    call: AdmittedCall,
    model: string,
    deployments: readonly ModelDeployment[],
    tried: ReadonlySet<string> | null,
  ): Candidate | NoPick | Promise<Candidate | NoPick> {
    if (deployments.length === 1 && this.settings.routingStrategy !== 'usage-based-routing') {
      // The common case: one deployment, nothing to choose (and it never cools down).
      return { deployment: deployments[0], state: this.states.of(deployments[0].id) };
    }
    const nowMs = this.clock.nowMs();
    const minute = Math.floor(nowMs / 60_000);
    const ready: Candidate[] = [];
    let soonestBackMs = Infinity;
    for (const deployment of deployments) {
      const state = this.states.of(deployment.id);
      state.roll(minute);
      if (state.coolingUntilMs > nowMs && deployments.length > 1) {
        soonestBackMs = Math.min(soonestBackMs, state.coolingUntilMs - nowMs);
        continue;
      }
      ready.push({ deployment, state });
    }
    if (ready.length === 0) return { error: allCoolingDown(model, soonestBackMs) };
    // A retry prefers a deployment not tried yet.
    const untried = tried === null ? ready : ready.filter((c) => !tried.has(c.deployment.id));
    const pool = untried.length > 0 ? untried : ready;
    if (this.settings.routingStrategy !== 'usage-based-routing') {
      // choose() answers null only for usage-based-routing.
      return choose(
        this.settings.routingStrategy,
        pool,
        call.promptEstimate,
        this.random,
      ) as Candidate;
    }
    const refused = (): NoPick => ({ error: noCapacity(model, msToNextMinute(nowMs)) });
    const taken = this.usage.take(pool, call.promptEstimate, nowMs, this.random());
    if (!(taken instanceof Promise)) return taken ?? refused();
    return taken.then(
      (c) => c ?? refused(),
      (error: unknown) => {
        if (error instanceof AppError) return { error }; // REDIS_FAILURE_MODE=closed: 503
        throw error;
      },
    );
  }

  private async attempt(
    call: AdmittedCall,
    picked: Candidate,
    alone: boolean,
    signal: ClientSignal,
  ): Promise<Attempt> {
    const { deployment, state } = picked;
    call.servedBy = deployment;
    const adapter = adapterFor(deployment);
    const nowMs = this.clock.nowMs();
    this.states.started(state, call.promptEstimate, nowMs);
    const usageBased = this.settings.routingStrategy === 'usage-based-routing';
    const sent = performance.now();
    let response: UpstreamResponse;
    try {
      response = await this.upstream.post(
        deployment,
        adapter.request(deployment, call.request),
        signal,
      );
    } catch (error) {
      this.states.ended(state);
      if (usageBased) this.settleUsage(call, picked, nowMs, 0);
      if (!(error instanceof AppError)) throw error; // the client went away
      this.states.failed(state, deployment, alone, this.clock.nowMs());
      return { ok: false, failure: { error, kind: 'retryable', retryAfterMs: null } };
    }
    if (response.statusCode >= 400) {
      const text = await response.body.text().catch(() => '');
      this.states.ended(state);
      if (usageBased) this.settleUsage(call, picked, nowMs, 0);
      if (signal.aborted) throw new ClientGoneError();
      const kind = classifyStatus(response.statusCode, text);
      if (kind === 'retryable' || kind === 'deployment') {
        this.states.failed(state, deployment, alone, this.clock.nowMs());
      }
      return {
        ok: false,
        failure: {
          error: upstreamStatusError(response.statusCode, text, deployment.apiKey),
          kind,
          retryAfterMs: retryAfterMsOf(response.headers, this.clock.nowMs()),
        },
      };
    }
    // The minute it started in: one clock read per attempt on the way to a 2xx.
    this.states.succeeded(state, performance.now() - sent, nowMs);
    // In flight until the answer has been read or relayed (least-busy counts streams).
    response.body.once('close', () => this.states.ended(state));
    if (usageBased) {
      // The call's actual tokens replace the estimate when the books settle it.
      const ticket = call.ticket;
      call.ticket = {
        settle: (actualNanos, totalTokens) => {
          this.settleUsage(call, picked, nowMs, totalTokens);
          return ticket.settle(actualNanos, totalTokens);
        },
      };
    }
    return { ok: true, routed: { deployment, adapter, response } };
  }

  /** usage-based-routing: `tokens` instead of the estimate counted when the attempt started. */
  private settleUsage(
    call: AdmittedCall,
    picked: Candidate,
    startMs: number,
    tokens: number,
  ): void {
    const delta = tokens - call.promptEstimate;
    this.states.settledTokens(picked.state, Math.floor(startMs / MINUTE_MS), delta);
    this.usage.settle(picked, delta);
  }

  /** The last error, with what the router tried (as on a success's headers). */
  private withRoutingHeaders(call: AdmittedCall, error: AppError): AppError {
    return new AppError(
      error.status,
      error.type,
      error.message,
      error.param,
      { ...error.headers, ...routingHeaders(call) },
      error.code,
    );
  }
}

/** LiteLLM's `x-litellm-*` headers, as Gatehouse's. */
export function routingHeaders(call: AdmittedCall): Record<string, string> {
  return {
    'x-gatehouse-model-id': call.servedBy.id,
    'x-gatehouse-attempted-retries': String(call.attemptedRetries),
    'x-gatehouse-attempted-fallbacks': String(call.attemptedFallbacks),
  };
}
