import { Injectable } from '@nestjs/common';
import type { ModelDeployment } from '../../models/model-deployment';
import { ModelRegistry } from '../../models/model-registry';
import type { AdmittedCall } from '../admission/admission';
import { adapterFor } from '../providers/provider-adapters';
import type { ProviderAdapter } from '../providers/provider-adapter';
import {
  type ClientSignal,
  upstreamStatusError,
  UpstreamClient,
  type UpstreamResponse,
} from '../providers/upstream-client';

/** An upstream that answered 2xx: its response (body unread) and who served it. */
export interface RoutedResponse {
  deployment: ModelDeployment;
  adapter: ProviderAdapter;
  response: UpstreamResponse;
}

/**
 * Chooses the deployment of the call's model and sends the call through its provider adapter.
 * Throws the OpenAI-style error of a failed upstream (redacted). Sets `call.servedBy`, so the
 * books price the call at the deployment that answered.
 */
@Injectable()
export class Router {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly upstream: UpstreamClient,
  ) {}

  async send(call: AdmittedCall, signal: ClientSignal): Promise<RoutedResponse> {
    const deployment = this.registry.pick(call.request.model) ?? call.deployments[0];
    call.servedBy = deployment;
    const adapter = adapterFor(deployment);
    const response = await this.upstream.post(
      deployment,
      adapter.request(deployment, call.request),
      signal,
    );
    if (response.statusCode >= 400) {
      const text = await response.body.text().catch(() => '');
      throw upstreamStatusError(response.statusCode, text, deployment.apiKey);
    }
    return { deployment, adapter, response };
  }
}
