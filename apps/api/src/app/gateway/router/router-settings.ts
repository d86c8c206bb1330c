import { ROUTING_STRATEGIES, type RouterEnv, type RoutingStrategy } from '../../config/app-config';
import { ConfigModelsError } from '../../models/config-models';

/** model name → the models to try, in order, when it fails (LiteLLM's `fallbacks` shape). */
export type FallbackMap = ReadonlyMap<string, readonly string[]>;

/** How the router chooses, retries, falls back and cools down; built once at boot. */
export class RouterSettings {
  readonly routingStrategy!: RoutingStrategy;
  /** Extra attempts after the first, on retryable errors (429, 408, 5xx, transport). */
  readonly numRetries!: number;
  /** Failures a deployment may have within a minute; one more cools it down. */
  readonly allowedFails!: number;
  readonly cooldownMs!: number;
  readonly fallbacks!: FallbackMap;
  readonly contextWindowFallbacks!: FallbackMap;

  constructor(values: RouterSettings) {
    Object.assign(this, values);
    Object.freeze(this);
  }
}

/**
 * Defaults. LiteLLM's Router retries twice (the OpenAI client's default); Gatehouse starts at
 * 0 so an upstream's answer reaches the caller unchanged unless retries are asked for.
 * `allowed_fails` 3 and `cooldown_time` 5 s are LiteLLM's.
 */
export const ROUTER_DEFAULTS = new RouterSettings({
  routingStrategy: 'simple-shuffle',
  numRetries: 0,
  allowedFails: 3,
  cooldownMs: 5_000,
  fallbacks: new Map(),
  contextWindowFallbacks: new Map(),
});

function fail(message: string): never {
  throw new ConfigModelsError(message);
}

function wholeNumber(value: unknown, key: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    fail(`router_settings.${key} must be a whole number from 0 to ${max}`);
  }
  return value;
}

/** `[{"gpt-4o": ["gpt-4o-mini", "claude-sonnet"]}, …]` → a map (later entries add to earlier). */
export function parseFallbacks(value: unknown, key: string): FallbackMap {
  const map = new Map<string, string[]>();
  if (value === undefined || value === null) return map;
  if (!Array.isArray(value)) fail(`router_settings.${key} must be a list of {model: [models]}`);
  for (const entry of value) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      fail(`router_settings.${key} must be a list of {model: [models]}`);
    }
    for (const [model, targets] of Object.entries(entry as Record<string, unknown>)) {
      const list = Array.isArray(targets) ? targets : [targets];
      if (!list.every((m): m is string => typeof m === 'string' && m.length > 0)) {
        fail(`router_settings.${key}.${model} must be a list of model names`);
      }
      map.set(model, [...(map.get(model) ?? []), ...list.filter((m) => m !== model)]);
    }
  }
  return map;
}

/**
 * CONFIG_FILE's router settings (LiteLLM's keys, as read by `readRouterSettings`) with the
 * environment on top (ROUTING_STRATEGY, NUM_RETRIES, ALLOWED_FAILS, COOLDOWN_TIME). Keys the
 * router does not use are ignored, as LiteLLM's config has many.
 */
export function resolveRouterSettings(
  file: Record<string, unknown>,
  env: RouterEnv,
): RouterSettings {
  const strategy = file['routing_strategy'];
  if (strategy !== undefined && !(ROUTING_STRATEGIES as readonly unknown[]).includes(strategy)) {
    fail(`router_settings.routing_strategy must be one of ${ROUTING_STRATEGIES.join(', ')}`);
  }
  const cooldown = file['cooldown_time'];
  if (
    cooldown !== undefined &&
    (typeof cooldown !== 'number' || !(cooldown >= 0 && cooldown <= 86_400))
  ) {
    fail('router_settings.cooldown_time must be a number of seconds from 0 to 86400');
  }
  const cooldownSeconds = env.cooldownTimeSeconds ?? cooldown;
  return new RouterSettings({
    routingStrategy:
      env.routingStrategy ??
      (strategy as RoutingStrategy | undefined) ??
      ROUTER_DEFAULTS.routingStrategy,
    numRetries:
      env.numRetries ??
      (file['num_retries'] !== undefined
        ? wholeNumber(file['num_retries'], 'num_retries', 10)
        : ROUTER_DEFAULTS.numRetries),
    allowedFails:
      env.allowedFails ??
      (file['allowed_fails'] !== undefined
        ? wholeNumber(file['allowed_fails'], 'allowed_fails', 1_000_000)
        : ROUTER_DEFAULTS.allowedFails),
    cooldownMs:
      cooldownSeconds !== undefined
        ? Math.round(cooldownSeconds * 1000)
        : ROUTER_DEFAULTS.cooldownMs,
    fallbacks: parseFallbacks(file['fallbacks'], 'fallbacks'),
    contextWindowFallbacks: parseFallbacks(
      file['context_window_fallbacks'],
      'context_window_fallbacks',
    ),
  });
}
