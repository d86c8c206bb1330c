import type { TestModelRequest, TestModelResponse } from '@gatehouse/shared/dto';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import { parseGatewayRequest } from '../gateway/gateway-request';
import { adapterFor } from '../gateway/providers/provider-adapters';
import {
  ClientSignal,
  UpstreamClient,
  upstreamStatusError,
} from '../gateway/providers/upstream-client';
import type { ModelDeployment } from './model-deployment';
import { ModelRegistry } from './model-registry';

/** The longest a test waits for the upstream, whatever the deployment's own timeout. */
export const MODEL_TEST_TIMEOUT_MS = 15_000;

/** The smallest chat call every chat model answers: one word in, at most one token out. */
const TEST_BODY = { messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 };

/**
 * `POST /model/test`: one tiny chat call straight to a deployment through its provider adapter.
 * It is an admin's probe, not a user's call: no admission (limits, budgets), no books (spend
 * log, counters), no cache, no router (retries, fallbacks, cooldowns) — so a failing test does
 * not cool the deployment down either. Its own upstream client keeps it off the gateway's pools.
 */
@Injectable()
export class ModelTestService implements OnApplicationShutdown {
  private readonly upstream = new UpstreamClient(MODEL_TEST_TIMEOUT_MS);

  constructor(private readonly registry: ModelRegistry) {}

  async test(request: TestModelRequest): Promise<TestModelResponse> {
    const found = this.registry.list().find((d) => d.id === request.model_id);
    if (!found) throw AppError.notFound('Model', 'model_id');
    // A copy, so the bound applies to this call only (the client keys its targets by object).
    const deployment: ModelDeployment = {
      ...found,
      timeoutMs: Math.min(found.timeoutMs ?? MODEL_TEST_TIMEOUT_MS, MODEL_TEST_TIMEOUT_MS),
    };
    const call = adapterFor(deployment).request(
      deployment,
      parseGatewayRequest('chat_completion', { ...TEST_BODY, model: deployment.modelName }),
    );
    const sent = performance.now();
    const elapsed = (): number => Math.round(performance.now() - sent);
    try {
      const response = await this.upstream.post(deployment, call, new ClientSignal());
      const text = await response.body.text();
      if (response.statusCode < 400) {
        return { ok: true, latency_ms: elapsed(), status: response.statusCode, error: null };
      }
      const error = upstreamStatusError(response.statusCode, text, deployment.apiKey);
      return {
        ok: false,
        latency_ms: elapsed(),
        status: response.statusCode,
        error: error.message,
      };
    } catch (error) {
      // transportError's answer: "could not be reached" / "did not answer in time", no details.
      const message = error instanceof AppError ? error.message : 'The upstream call failed';
      return { ok: false, latency_ms: elapsed(), status: null, error: message };
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.upstream.onApplicationShutdown();
  }
}
