import type { PriceSource } from '@gatehouse/shared/dto';
import { calcPrice } from '@pydantic/genai-prices';

/** A deployment's prices in USD per token, and where they come from. */
export interface DeploymentPrices {
  inputCostPerToken: number;
  outputCostPerToken: number;
  /** Null: the catalogue has no cache price; such tokens are priced as prompt tokens. */
  cacheReadCostPerToken: number | null;
  cacheWriteCostPerToken: number | null;
  priceSource: PriceSource;
}

/** The prices set on a model (`model_info`), each optional. */
export interface PriceOverrides {
  input_cost_per_token?: number | null;
  output_cost_per_token?: number | null;
  cache_read_input_token_cost?: number | null;
  cache_creation_input_token_cost?: number | null;
  base_model?: string | null;
}

type CataloguePrices = Omit<DeploymentPrices, 'priceSource'>;

/** `@pydantic/genai-prices` provider ids by `litellm_params.model` prefix. */
const CATALOGUE_PROVIDERS: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  azure: 'azure',
};

/** Looked up once per (provider, model): ~27 µs a lookup, and registries reload often. */
const catalogue = new Map<string, CataloguePrices | null>();

/** A catalogue price per million tokens: a number, or tiered prices whose base applies. */
function perToken(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value / 1e6;
  if (typeof value === 'object' && value !== null) {
    return perToken((value as { base?: unknown }).base);
  }
  return null;
}

/**
 * The built-in price of a model from the pinned `@pydantic/genai-prices` catalogue (no network:
 * `updatePrices` is never called), null when it does not know the model.
 */
export function cataloguePrices(provider: string, model: string): CataloguePrices | null {
  const cacheKey = `${provider}\u0000${model}`;
  if (catalogue.has(cacheKey)) return catalogue.get(cacheKey) ?? null;
  let found: CataloguePrices | null = null;
  const providerId = CATALOGUE_PROVIDERS[provider];
  if (providerId) {
    try {
      const result = calcPrice({ input_tokens: 0, output_tokens: 0 }, model, { providerId });
      const input = perToken(result?.model_price['input_mtok']);
      const output = perToken(result?.model_price['output_mtok']);
      if (result && input !== null && output !== null) {
        found = {
          inputCostPerToken: input,
          outputCostPerToken: output,
          cacheReadCostPerToken: perToken(result.model_price['cache_read_mtok']),
          cacheWriteCostPerToken: perToken(result.model_price['cache_write_mtok']),
        };
      }
    } catch {
      found = null; // a catalogue entry it cannot price is no price
    }
  }
  catalogue.set(cacheKey, found);
  return found;
}

/**
 * A deployment's prices: each price set in `model_info` wins, the rest come from the catalogue
 * (by `model_info.base_model`, else the upstream model id), else $0. The source is `model_info`
 * when any price was set there.
 */
export function deploymentPrices(
  provider: string,
  upstreamModel: string,
  overrides: PriceOverrides,
): DeploymentPrices {
  const fromCatalogue = cataloguePrices(provider, overrides.base_model ?? upstreamModel);
  const given = (v: number | null | undefined): v is number => typeof v === 'number';
  const anyGiven =
    given(overrides.input_cost_per_token) ||
    given(overrides.output_cost_per_token) ||
    given(overrides.cache_read_input_token_cost) ||
    given(overrides.cache_creation_input_token_cost);
  const pick = (own: number | null | undefined, base: number | null | undefined): number | null =>
    given(own) ? own : (base ?? null);
  return {
    inputCostPerToken: pick(overrides.input_cost_per_token, fromCatalogue?.inputCostPerToken) ?? 0,
    outputCostPerToken:
      pick(overrides.output_cost_per_token, fromCatalogue?.outputCostPerToken) ?? 0,
    cacheReadCostPerToken: pick(
      overrides.cache_read_input_token_cost,
      fromCatalogue?.cacheReadCostPerToken,
    ),
    cacheWriteCostPerToken: pick(
      overrides.cache_creation_input_token_cost,
      fromCatalogue?.cacheWriteCostPerToken,
    ),
    priceSource: anyGiven ? 'model_info' : fromCatalogue ? 'catalogue' : 'none',
  };
}
