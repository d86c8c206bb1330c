import { cataloguePrices, deploymentPrices } from './model-prices';

describe('deploymentPrices', () => {
  it('prices a known model from the pinned catalogue, cache prices included', () => {
    const prices = deploymentPrices('anthropic', 'claude-sonnet-4-5', {});
    expect(prices).toEqual({
      inputCostPerToken: 3e-6,
      outputCostPerToken: 15e-6,
      cacheReadCostPerToken: 0.3e-6,
      cacheWriteCostPerToken: 3.75e-6,
      priceSource: 'catalogue',
    });
    expect(deploymentPrices('openai', 'gpt-4o-mini', {})).toMatchObject({
      inputCostPerToken: 0.15e-6,
      outputCostPerToken: 0.6e-6,
      priceSource: 'catalogue',
    });
  });

  it('lets model_info override each price; the rest still come from the catalogue', () => {
    expect(deploymentPrices('openai', 'gpt-4o', { input_cost_per_token: 1e-6 })).toMatchObject({
      inputCostPerToken: 1e-6,
      outputCostPerToken: 10e-6,
      priceSource: 'model_info',
    });
  });

  it('prices an Azure deployment by base_model, and an unknown model at $0 (none)', () => {
    expect(deploymentPrices('azure', 'my-deployment', { base_model: 'gpt-4o' })).toMatchObject({
      inputCostPerToken: 2.5e-6,
      priceSource: 'catalogue',
    });
    expect(deploymentPrices('openai', 'no-such-model-xyz', {})).toEqual({
      inputCostPerToken: 0,
      outputCostPerToken: 0,
      cacheReadCostPerToken: null,
      cacheWriteCostPerToken: null,
      priceSource: 'none',
    });
  });

  it('looks a model up once (cached) and never for an unknown provider', () => {
    expect(cataloguePrices('openai', 'gpt-4o')).toBe(cataloguePrices('openai', 'gpt-4o'));
    expect(cataloguePrices('somewhere', 'gpt-4o')).toBeNull();
  });
});
