import { ConfigModelsError, parseConfigModels } from './config-models';

const yaml = (apiKey: string, extra = ''): string => `
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: ${apiKey}
${extra}
    model_info:
      input_cost_per_token: 0.0000025
      output_cost_per_token: 0.00001
      cache: true
`;

describe('parseConfigModels', () => {
  it('reads LiteLLM model_list entries and resolves os.environ/ keys', () => {
    const [sut] = parseConfigModels(yaml('os.environ/OPENAI_KEY'), { OPENAI_KEY: 'sk-env' });
    expect(sut).toMatchObject({
      id: 'config-0',
      modelName: 'gpt-4o',
      upstreamModel: 'gpt-4o',
      apiBase: 'https://api.openai.com/v1',
      apiKey: 'sk-env',
      inputCostPerToken: 0.0000025,
      cache: true,
      source: 'config',
    });
  });

  it.each([
    [yaml('os.environ/MISSING'), /MISSING is not set/],
    [yaml('k').replace('openai/gpt-4o', 'bedrock/gpt-4o'), /openai\/<model id>/],
    [yaml('k').replace('openai/gpt-4o', 'azure/gpt-4o'), /azure\/ models need api_base/],
    ['model_list: 3', /must be a list/],
    ['model_list:\n  - litellm_params: {model: openai/x}', /model_name is required/],
    [yaml('k', '      api_base: ftp://x'), /api_base must be an http/],
  ])('stops with one clear line on a bad file (%#)', (text, message) => {
    expect(() => parseConfigModels(text, {})).toThrow(ConfigModelsError);
    expect(() => parseConfigModels(text, {})).toThrow(message);
  });

  it('reads anthropic/ and azure/ deployments, priced from the catalogue without model_info', () => {
    const text = `
model_list:
  - model_name: claude
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_key: k }
  - model_name: gpt
    litellm_params:
      model: azure/prod-gpt4o
      api_base: https://res.openai.azure.com
      api_version: 2024-10-21
    model_info: { base_model: gpt-4o }
`;
    const [claude, azure] = parseConfigModels(text, {});
    expect(claude).toMatchObject({
      upstreamModel: 'claude-sonnet-4-5',
      apiBase: 'https://api.anthropic.com',
      inputCostPerToken: 3e-6,
      cacheWriteCostPerToken: 3.75e-6,
      priceSource: 'catalogue',
    });
    expect(azure).toMatchObject({
      upstreamModel: 'prod-gpt4o',
      apiVersion: '2024-10-21',
      inputCostPerToken: 2.5e-6,
      priceSource: 'catalogue',
    });
  });

  it('accepts an empty file', () => {
    expect(parseConfigModels('', {})).toEqual([]);
  });
});
