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
    [yaml('k').replace('openai/gpt-4o', 'azure/gpt-4o'), /openai\/<model id>/],
    ['model_list: 3', /must be a list/],
    ['model_list:\n  - litellm_params: {model: openai/x}', /model_name is required/],
    [yaml('k', '      api_base: ftp://x'), /api_base must be an http/],
  ])('stops with one clear line on a bad file (%#)', (text, message) => {
    expect(() => parseConfigModels(text, {})).toThrow(ConfigModelsError);
    expect(() => parseConfigModels(text, {})).toThrow(message);
  });

  it('accepts an empty file', () => {
    expect(parseConfigModels('', {})).toEqual([]);
  });
});
