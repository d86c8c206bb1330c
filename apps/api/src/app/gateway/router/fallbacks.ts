import type { GatewayRequest } from '../gateway-request';
import type { RouterSettings } from './router-settings';

const NONE: readonly string[] = Object.freeze([]);

/**
 * The models a call falls back to, in order, after its own model failed: the request's own
 * `fallbacks` when it sent some, else the configured `fallbacks` of its model.
 */
export function fallbacksOf(settings: RouterSettings, request: GatewayRequest): readonly string[] {
  return request.fallbacks ?? settings.fallbacks.get(request.model) ?? NONE;
}

/** The models a context-length error of `model` falls back to. */
export function contextFallbacksOf(settings: RouterSettings, model: string): readonly string[] {
  return settings.contextWindowFallbacks.get(model) ?? NONE;
}

/** Every other model the call may end up at (the budget hold covers the dearest of them). */
export function reachableModels(
  settings: RouterSettings,
  request: GatewayRequest,
): readonly string[] {
  const fallbacks = fallbacksOf(settings, request);
  const context = contextFallbacksOf(settings, request.model);
  if (context.length === 0) return fallbacks;
  if (fallbacks.length === 0) return context;
  return [...new Set([...fallbacks, ...context])];
}
