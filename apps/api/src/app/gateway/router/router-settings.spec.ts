import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RouterEnv } from '../../config/app-config';
import { parseConfigModels, readRouterSettings } from '../../models/config-models';
import { resolveRouterSettings, ROUTER_DEFAULTS } from './router-settings';

const NO_ENV: RouterEnv = {
  routingStrategy: null,
  numRetries: null,
  allowedFails: null,
  cooldownTimeSeconds: null,
};

describe('router settings', () => {
  it('reads LiteLLM’s keys from router_settings and litellm_settings (router_settings wins)', () => {
    const file = readRouterSettings(
      [
        'litellm_settings:',
        '  num_retries: 3',
        '  fallbacks: [{"gpt-4o": ["gpt-4o-mini", "claude-sonnet"]}]',
        '  context_window_fallbacks: [{"gpt-4o-mini": ["gpt-4o"]}]',
        '  drop_params: true',
        'router_settings:',
        '  routing_strategy: least-busy',
        '  num_retries: 2',
        '  allowed_fails: 1',
        '  cooldown_time: 30',
        '  redis_host: ignored',
      ].join('\n'),
    );
    const sut = resolveRouterSettings(file, NO_ENV);
    expect(sut).toMatchObject({
      routingStrategy: 'least-busy',
      numRetries: 2,
      allowedFails: 1,
      cooldownMs: 30_000,
    });
    expect([...sut.fallbacks]).toEqual([['gpt-4o', ['gpt-4o-mini', 'claude-sonnet']]]);
    expect([...sut.contextWindowFallbacks]).toEqual([['gpt-4o-mini', ['gpt-4o']]]);
  });

  it('lets the environment override the file, and defaults the rest', () => {
    const sut = resolveRouterSettings(
      { routing_strategy: 'least-busy', num_retries: 4 },
      {
        routingStrategy: 'usage-based-routing',
        numRetries: 1,
        allowedFails: null,
        cooldownTimeSeconds: 0.5,
      },
    );
    expect(sut).toMatchObject({
      routingStrategy: 'usage-based-routing',
      numRetries: 1,
      allowedFails: ROUTER_DEFAULTS.allowedFails,
      cooldownMs: 500,
    });
    expect(resolveRouterSettings({}, NO_ENV)).toEqual(ROUTER_DEFAULTS);
  });

  it.each([
    [{ routing_strategy: 'cost-based-routing' }, /routing_strategy must be one of/],
    [{ num_retries: -1 }, /num_retries must be a whole number/],
    [{ allowed_fails: 'x' }, /allowed_fails must be a whole number/],
    [{ cooldown_time: 'soon' }, /cooldown_time must be a number/],
    [{ fallbacks: { a: ['b'] } }, /fallbacks must be a list/],
    [{ fallbacks: [{ a: [1] }] }, /fallbacks.a must be a list of model names/],
  ])('refuses %j with one clear line', (file, message) => {
    expect(() => resolveRouterSettings(file, NO_ENV)).toThrow(message);
  });

  it('loads the LiteLLM config.yaml of docs/gateway.md unchanged', () => {
    const doc = readFileSync(join(__dirname, '../../../../../../docs/gateway.md'), 'utf8');
    const yaml = /<!-- router-config-example[^>]*-->\s*```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(yaml).toBeDefined();
    const env = { OPENAI_API_KEY: 'sk-a', OPENAI_API_KEY_EU: 'sk-b' };
    const models = parseConfigModels(yaml ?? '', env);
    expect(models.map((m) => [m.id, m.weight, m.rpm, m.tpm])).toEqual([
      ['gpt-4o-eu', 3, 600, 200_000],
      ['gpt-4o-us', 1, null, null],
      ['config-2', null, null, null],
      ['config-3', null, null, null],
    ]);
    const sut = resolveRouterSettings(readRouterSettings(yaml ?? ''), NO_ENV);
    expect(sut).toMatchObject({ numRetries: 2, allowedFails: 3, cooldownMs: 30_000 });
    expect(sut.fallbacks.get('gpt-4o')).toEqual(['gpt-4o-mini']);
    expect(sut.contextWindowFallbacks.get('gpt-4o-mini')).toEqual(['gpt-4.1']);
  });

  it('refuses a router_settings that is not a mapping', () => {
    expect(() => readRouterSettings('router_settings: [1]')).toThrow(/must be a mapping/);
  });
});
