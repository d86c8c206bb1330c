import { LitellmParams, ModelInfoRequest } from '@gatehouse/shared/dto';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { buildDeployment, providerParamsProblem } from './build-deployment';
import type { ModelDeployment } from './model-deployment';

export class ConfigModelsError extends Error {}

const ENV_REF = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;

/** `os.environ/NAME` → the variable's value (read at load); anything else as is. */
function resolveEnv(
  value: string | undefined,
  env: NodeJS.ProcessEnv,
  where: string,
): string | null {
  if (value === undefined || value === null) return null;
  const match = ENV_REF.exec(value);
  if (!match) return value;
  const resolved = env[match[1]];
  if (resolved === undefined || resolved === '') {
    throw new ConfigModelsError(`${where}: environment variable ${match[1]} is not set`);
  }
  return resolved;
}

function check<T extends object>(cls: new () => T, value: unknown, where: string): T {
  if (typeof value !== 'object' || value === null) {
    throw new ConfigModelsError(`${where} must be a mapping`);
  }
  const instance = plainToInstance(cls, value);
  const errors = validateSync(instance, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const first = errors[0];
    const message = Object.values(first.constraints ?? {})[0] ?? `${first.property} is invalid`;
    throw new ConfigModelsError(`${where}: ${message}`);
  }
  return instance;
}

/**
 * Reads a LiteLLM-style `model_list` from YAML. Same fields as POST /model/new; `api_key`
 * (and `api_base`) may be `os.environ/NAME`. Ids are `model_info.id` or `config-<n>`.
 */
export function parseConfigModels(text: string, env: NodeJS.ProcessEnv): ModelDeployment[] {
  const doc = parse(text) as { model_list?: unknown } | null;
  const list = doc?.model_list ?? [];
  if (!Array.isArray(list)) throw new ConfigModelsError('model_list must be a list');
  const seen = new Set<string>();
  return list.map((entry: unknown, index) => {
    const where = `model_list[${index}]`;
    const raw = (entry ?? {}) as {
      model_name?: unknown;
      litellm_params?: Record<string, unknown>;
      model_info?: Record<string, unknown>;
    };
    if (typeof raw.model_name !== 'string' || raw.model_name.length === 0) {
      throw new ConfigModelsError(`${where}.model_name is required`);
    }
    const rawParams = { ...(raw.litellm_params ?? {}) };
    const apiKey = resolveEnv(rawParams['api_key'] as string | undefined, env, where);
    const apiBase = resolveEnv(rawParams['api_base'] as string | undefined, env, where);
    const params = check(
      LitellmParams,
      { ...rawParams, api_key: apiKey ?? undefined, api_base: apiBase ?? undefined },
      `${where}.litellm_params`,
    );
    const info = check(ModelInfoRequest, raw.model_info ?? {}, `${where}.model_info`);
    const id = info.id ?? `config-${index}`;
    if (seen.has(id)) throw new ConfigModelsError(`${where}: duplicate model_info.id ${id}`);
    seen.add(id);
    const problem = providerParamsProblem(params.model, params.api_base, params.api_version);
    if (problem) throw new ConfigModelsError(`${where}.litellm_params: ${problem.message}`);
    return buildDeployment({
      id,
      modelName: raw.model_name,
      providerModel: params.model,
      apiBase: params.api_base ?? null,
      apiKey: params.api_key ?? null,
      apiVersion: params.api_version ?? null,
      timeoutMs: params.timeout !== undefined ? Math.round(params.timeout * 1000) : null,
      weight: params.weight ?? null,
      rpm: params.rpm ?? null,
      tpm: params.tpm ?? null,
      info,
      source: 'config',
      createdAt: null,
      createdBy: null,
    });
  });
}

export function loadConfigModels(path: string, env: NodeJS.ProcessEnv): ModelDeployment[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigModelsError(`CONFIG_FILE ${path} cannot be read: ${(error as Error).message}`);
  }
  try {
    return parseConfigModels(text, env);
  } catch (error) {
    if (error instanceof ConfigModelsError) {
      throw new ConfigModelsError(`CONFIG_FILE ${path}: ${error.message}`);
    }
    throw error;
  }
}

/**
 * The router's part of a LiteLLM config: `litellm_settings` and `router_settings` (LiteLLM
 * reads `num_retries`, `fallbacks`, … from either; `router_settings` wins), as written.
 * Checked by `resolveRouterSettings` (gateway/router/router-settings.ts).
 */
export function readRouterSettings(text: string): Record<string, unknown> {
  const doc = parse(text) as { litellm_settings?: unknown; router_settings?: unknown } | null;
  const mapping = (value: unknown, where: string): Record<string, unknown> => {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new ConfigModelsError(`${where} must be a mapping`);
    }
    return value as Record<string, unknown>;
  };
  return {
    ...mapping(doc?.litellm_settings, 'litellm_settings'),
    ...mapping(doc?.router_settings, 'router_settings'),
  };
}

export function loadRouterSettings(path: string): Record<string, unknown> {
  try {
    return readRouterSettings(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigModelsError(`CONFIG_FILE ${path}: ${(error as Error).message}`);
  }
}
