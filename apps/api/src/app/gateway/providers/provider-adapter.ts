import type { ModelDeployment } from '../../models/model-deployment';
import type { GatewayRequest } from '../gateway-request';

/** A wire format: what a provider speaks, and what a caller's answer goes out in. */
export type WireFormat = 'openai' | 'anthropic';

/** One upstream request: the path below the deployment's `api_base`, and the JSON body. */
export interface UpstreamCall {
  path: string;
  body: string;
}

/**
 * Translation between Gatehouse's call shape (OpenAI's chat completions and embeddings) and one
 * provider's wire format (`litellm_params.model` prefix: `openai/`, `anthropic/`, `azure/`).
 * Translation only: no limits, books, retries or I/O — those are the admission's, the books'
 * and the router's. One adapter per provider, each in its own file, unit-tested from recorded
 * request/response pairs.
 */
export interface ProviderAdapter {
  /** The `litellm_params.model` prefix this adapter serves, e.g. `openai`. */
  readonly prefix: string;
  /** The wire format of this provider's answers (`answer` and `streamTranslator` leave it). */
  readonly format: WireFormat;
  /** Headers every call to this deployment carries (auth, API version); worked out once. */
  headers(deployment: ModelDeployment): Record<string, string>;
  /** The upstream request for a call. */
  request(deployment: ModelDeployment, request: GatewayRequest): UpstreamCall;
  /** The upstream's JSON answer, as OpenAI's JSON answer (text); unused when it passes through. */
  answer(text: string, request: GatewayRequest): string;
  /**
   * A translator for one streamed answer: takes each upstream SSE event (without its trailing
   * blank line) and returns the OpenAI SSE events to relay, in order; null when the upstream
   * already streams OpenAI's events.
   */
  streamTranslator(request: GatewayRequest): ((event: string) => string[]) | null;
}

/**
 * The format a call's answer leaves in: the caller's own (Anthropic's on `/v1/messages`) when
 * the serving adapter speaks it, relayed as the upstream sent it; else OpenAI's, translated by
 * the adapter (the messages edge turns that one into Anthropic's).
 */
export function answerFormat(adapter: ProviderAdapter, request: GatewayRequest): WireFormat {
  return request.anthropicBody !== null && adapter.format === 'anthropic' ? 'anthropic' : 'openai';
}
